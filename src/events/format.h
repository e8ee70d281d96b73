/* Turning event fields into text: addresses, transports, errnos, times. */
#ifndef ST_FORMAT_H
#define ST_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* Room for any formatted sockaddr: an escaped unix path is the longest. */
#define ADDR_TEXT_MAX 512

/*
 * Formats a raw sockaddr (as the BPF side copied it, len valid bytes):
 * "1.2.3.4:80", "[::1]:80", a unix path (escaped), "@abstract" or "" for
 * an unnamed unix socket. Returns 0, or -EINVAL when it is too short or of
 * another family (out then holds "").
 */
int format_sockaddr(const uint8_t *addr, uint32_t len, char *out, size_t size);

/* "inet", "inet6", "unix", or "-". */
const char *format_family(uint16_t family);
/* "client", "server" or "unknown", from the sock_flags. */
const char *format_role(uint32_t sock_flags);
/* The length of a formatted peer without its port ("[::1]:41234" ->
 * "[::1]"): a server's clients come from a new port each, so --stats and
 * --metrics group them by host. Other families' (a unix path) whole. */
size_t format_remote_host_len(const char *remote, uint16_t family);

/* "tcp", "udp", "unix-stream", "unix-dgram", "unix-seqpacket", or "-". */
const char *format_transport(uint16_t family, uint16_t sock_type);

/* A byte count for people: "812 B", "5.0 KB", "170 KB", "12 MB" (powers of 1000). */
void format_size(uint64_t bytes, char *out, size_t size);

/* The errno name of a negative result ("ECONNREFUSED"), or "E<number>". */
const char *format_errno_name(int64_t result, char *scratch, size_t size);

/* RFC 3339 UTC with microseconds: "2026-11-26T18:14:37.123456Z". */
void format_time_rfc3339(uint64_t wall_ns, char *out, size_t size);

/* Local wall clock for human lines: "18:14:37.123456". */
void format_time_local(uint64_t wall_ns, char *out, size_t size);

/* A duration in the unit that reads best: "840ns", "12.3us", "1.84ms", "2.50s". */
void format_duration(uint64_t ns, char *out, size_t size);

#endif
