/*
 * -w: the events a line would show, as the packets a capture of the
 * connection would have held (docs/pcapng.md).
 *
 * Each connection (the tracer's conn id) is one TCP stream or one UDP
 * flow between its local and remote endpoints. The remote address and
 * port are the event's. The local ones the events do not carry: the
 * kernel is asked at the connection's first event (pcapng_local_fn),
 * which finds a socket still open then, or an accepted one's listener;
 * otherwise (closed by then, a recording made without -w) they are
 * stand-ins: the address is the
 * loopback of the remote's family when the remote is a loopback address,
 * else the unspecified one (0.0.0.0, ::); the port is 49152 + conn id %
 * 16384. A recording keeps the kernel's answers (session.socket_local).
 * A unix socket is carried as TCP (stream) or UDP (datagram, seqpacket)
 * over IPv4 from 127.1.0.1 to 127.1.0.2, the remote port a hash of its
 * peer's path (PCAPNG_UNIX_PORT_BASE..65535).
 *
 * A TCP stream starts with a synthesized handshake (the client's SYN
 * first, by the socket's role) and each direction's sequence numbers are
 * its initial one + 1 + the stream position, so bytes not captured (cut by
 * --data-size, lost samples) leave holes Wireshark reports as segments
 * not captured, and its reassembly joins what was. A close sends the local
 * side's FIN, a read of 0 bytes the remote's. A TLS connection whose
 * plaintext is captured carries the plaintext: its records are not
 * written, and if some were before the first plaintext, the plaintext
 * starts a new stream (a new handshake) on the same endpoints.
 *
 * Every packet has a comment: pid, tid, comm, fd, conn id and the event
 * it was made from. A connection's state is dropped at its close.
 */
#ifndef ST_PCAPNG_PACKETS_H
#define ST_PCAPNG_PACKETS_H

#include <stddef.h>
#include <stdint.h>

#include "events/event.h"
#include "state/conn_table.h"

#define PCAPNG_LOCAL_PORT_BASE 49152
#define PCAPNG_UNIX_PORT_BASE 1024

struct pcapng_packets;

/* The local address of fd (ev's, or an accept's listener) in ev's
 * process, as format_sockaddr writes it: 0, or a negative errno (then a
 * stand-in is used). */
typedef int (*pcapng_local_fn)(void *ctx, const struct event *ev, int32_t fd, char *text,
			       size_t size);

/* Opens the file (pcapng_writer_open: "-" is stdout). Returns 0, or a
 * negative errno after printing why. */
int pcapng_packets_open(const char *path, pcapng_local_fn local_of, void *local_ctx,
			struct pcapng_packets **packets);

/* The packets of one event (conn: its entry, NULL none: nothing written,
 * as nothing says whose it is). Returns 0, or the writer's first error
 * (-errno, not printed; nothing more is written). */
int pcapng_packets_event(struct pcapng_packets *packets, const struct event *ev,
			 const struct conn *conn);

/* Pushes the buffered packets out. Returns 0 or the first error. */
int pcapng_packets_flush(struct pcapng_packets *packets);

/* Where they go: the path, or "stdout". */
const char *pcapng_packets_name(const struct pcapng_packets *packets);

/* Events whose payload was not written: no connection entry (TLS
 * plaintext of an unknown socket), or no room for its stream's state. */
uint64_t pcapng_packets_unwritten(const struct pcapng_packets *packets);

/* Closes the file. Returns 0 or the first error (-errno, not printed). */
int pcapng_packets_close(struct pcapng_packets *packets);

#endif
