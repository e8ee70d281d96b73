/* -w FILE: a pcapng file written through Wireshark's libwiretap, one
 * interface of raw IP packets (IPv4 and IPv6) with nanosecond stamps, each
 * packet with a comment. */
#ifndef ST_PCAPNG_WRITER_H
#define ST_PCAPNG_WRITER_H

#include <stdint.h>

struct pcapng_writer;

/* Creates path (mode 0600: it holds payloads), or takes stdout for "-".
 * Returns 0, or a negative errno after printing why. */
int pcapng_writer_open(const char *path, struct pcapng_writer **writer);

/* One packet: caplen bytes of it in the file, len on the wire (more when
 * its payload was not captured whole), stamped wall_ns (CLOCK_REALTIME),
 * with a UTF-8 comment. Returns 0 or a negative errno (the first failure
 * sticks: nothing more is written). Not printed: the caller says it once. */
int pcapng_writer_packet(struct pcapng_writer *writer, uint64_t wall_ns, const uint8_t *packet,
			 uint32_t caplen, uint32_t len, const char *comment);

/* Pushes what is buffered to the file (a reader of a pipe sees it now).
 * Returns 0 or the sticky error. */
int pcapng_writer_flush(struct pcapng_writer *writer);

/* Where it writes, for messages: the path, or "stdout". */
const char *pcapng_writer_name(const struct pcapng_writer *writer);

/* Flushes and closes; returns 0 or the first error (-errno), not printed. */
int pcapng_writer_close(struct pcapng_writer *writer);

#endif
