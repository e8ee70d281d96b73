#include "outputs/pcapng_packets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "output/escape.h"
#include "outputs/pcapng_writer.h"

#define IPV4_HEADER 20
#define IPV6_HEADER 40
#define TCP_HEADER 20
#define TCP_SYN_OPTIONS 4 /* NOP, window scale */
#define UDP_HEADER 8
#define HEADERS_MAX (IPV6_HEADER + TCP_HEADER + TCP_SYN_OPTIONS)
#define IP_PACKET_MAX 65535u
/* Both SYNs offer this window scale: a window field of 65535 then covers
 * whatever a side sends before the other's next packet acknowledges it. */
#define TCP_WINDOW_SHIFT 14
_Static_assert(ST_DATA_MAX + HEADERS_MAX <= IP_PACKET_MAX,
	       "a data event's capture fits one IP packet");

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

/* The two sides of a stream, indexed like the tables below. */
enum side { SIDE_LOCAL = 0, SIDE_REMOTE = 1 };

/* What a TCP stream carries: a socket's bytes, or its TLS plaintext. */
enum carried { CARRIES_NOTHING = 0, CARRIES_SOCKET, CARRIES_PLAINTEXT };

/* Power of two: one stream per open connection, as the connection table. */
#define STREAMS_CAPACITY CONN_TABLE_CAPACITY

struct endpoint {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

/* A connection's stream, from its first packet to its close. */
struct stream {
	uint64_t conn_id;  /* 0: a free slot */
	uint64_t end[2];   /* by side: the stream position after its last byte told */
	uint32_t isn[2];   /* by side: initial sequence number */
	uint32_t restarts; /* new streams on these endpoints (plaintext after records) */
	uint8_t carries;   /* enum carried */
	bool opened;       /* its handshake was written */
	bool fin[2];       /* by side: a FIN was written */
	bool local_asked;  /* the kernel was asked for the local address */
	bool local_known;  /* local: its answer */
	bool local_port_only; /* of local, the port only (a wildcard listener's) */
	struct endpoint local;
};

/* An event's packets: from and to, by side. */
struct flow {
	struct endpoint end[2];
	bool tcp;
};

struct pcapng_packets {
	struct pcapng_writer *writer;
	pcapng_local_fn local_of;
	void *local_ctx;
	struct stream *streams; /* STREAMS_CAPACITY, open addressing */
	uint32_t stream_count;
	uint16_t ip_id;
	uint64_t unwritten;
	uint8_t packet[HEADERS_MAX + ST_DATA_MAX];
};

/* splitmix64's finalizer: initial sequence numbers and unix ports that a
 * replay makes again from the same conn ids. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int pcapng_packets_open(const char *path, pcapng_local_fn local_of, void *local_ctx,
			struct pcapng_packets **out)
{
	struct pcapng_packets *packets = calloc(1, sizeof(*packets));
	int err;

	*out = NULL;
	if (packets)
		packets->streams = calloc(STREAMS_CAPACITY, sizeof(*packets->streams));
	if (!packets || !packets->streams) {
		if (packets)
			free(packets);
		log_error("out of memory");
		return -ENOMEM;
	}
	packets->local_of = local_of;
	packets->local_ctx = local_ctx;
	err = pcapng_writer_open(path, &packets->writer);
	if (err) {
		free(packets->streams);
		free(packets);
		return err;
	}
	*out = packets;
	return 0;
}

static uint32_t stream_slot(uint64_t conn_id)
{
	return (uint32_t)mix(conn_id) & (STREAMS_CAPACITY - 1);
}

/* The connection's stream, made if new; NULL when the table is full. */
static struct stream *stream_get(struct pcapng_packets *packets, uint64_t conn_id)
{
	for (uint32_t i = stream_slot(conn_id), n = 0; n < STREAMS_CAPACITY;
	     i = (i + 1) & (STREAMS_CAPACITY - 1), n++) {
		struct stream *s = &packets->streams[i];

		if (s->conn_id == conn_id)
			return s;
		if (s->conn_id)
			continue;
		if (packets->stream_count == STREAMS_CAPACITY - 1)
			return NULL; /* one slot stays free: lookups end */
		memset(s, 0, sizeof(*s));
		s->conn_id = conn_id;
		packets->stream_count++;
		return s;
	}
	return NULL;
}

/* Removes a stream, moving back the entries its slot let be found
 * (linear probing's deletion without tombstones). */
static void stream_drop(struct pcapng_packets *packets, struct stream *s)
{
	uint32_t hole = (uint32_t)(s - packets->streams);
	uint32_t mask = STREAMS_CAPACITY - 1;

	packets->streams[hole].conn_id = 0;
	packets->stream_count--;
	for (uint32_t i = (hole + 1) & mask; packets->streams[i].conn_id; i = (i + 1) & mask) {
		uint32_t home = stream_slot(packets->streams[i].conn_id);

		/* stays unless the hole lies between its home and it */
		if (((i - home) & mask) < ((i - hole) & mask))
			continue;
		packets->streams[hole] = packets->streams[i];
		packets->streams[i].conn_id = 0;
		hole = i;
	}
}

static struct stream *stream_find(struct pcapng_packets *packets, uint64_t conn_id)
{
	for (uint32_t i = stream_slot(conn_id); packets->streams[i].conn_id;
	     i = (i + 1) & (STREAMS_CAPACITY - 1))
		if (packets->streams[i].conn_id == conn_id)
			return &packets->streams[i];
	return NULL;
}

/* "1.2.3.4:80" or "[::1]:443" (format_sockaddr's text); false otherwise. */
static bool endpoint_parse(const char *text, struct endpoint *ep)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	const char *start = text;
	size_t len;
	char *end;
	unsigned long port;

	if (!colon || !colon[1])
		return false;
	len = (size_t)(colon - text);
	if (*text == '[') {
		if (len < 2 || text[len - 1] != ']')
			return false;
		start++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return false;
	memcpy(host, start, len);
	host[len] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535)
		return false;
	ep->port = (uint16_t)port;
	if (inet_pton(AF_INET, host, ep->addr) == 1) {
		ep->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, host, ep->addr) == 1) {
		ep->family = AF_INET6;
		return true;
	}
	return false;
}

/* The local address the events do not tell: loopback for a loopback
 * remote (what the kernel picks), else the unspecified address. */
static void local_address_stand_in(const struct endpoint *remote, struct endpoint *local)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	memset(local->addr, 0, sizeof(local->addr));
	local->family = remote->family;
	if (remote->family == AF_INET) {
		if (remote->addr[0] == 127)
			memcpy(local->addr, (uint8_t[]){ 127, 0, 0, 1 }, 4);
	} else if (!memcmp(remote->addr, v6_loopback, 16)) {
		memcpy(local->addr, v6_loopback, 16);
	} else if (!memcmp(remote->addr, mapped, 12) && remote->addr[12] == 127) {
		memcpy(local->addr, mapped, 12);
		memcpy(local->addr + 12, (uint8_t[]){ 127, 0, 0, 1 }, 4);
	}
}

/* FNV-1a: a unix peer's path as a port. */
static uint32_t text_hash(const char *text)
{
	uint32_t hash = 2166136261u;

	for (; *text; text++)
		hash = (hash ^ (uint8_t)*text) * 16777619u;
	return hash;
}

/* The unix stand-in: 127.1.0.1 to 127.1.0.2, the peer's port from its
 * path. */
static void flow_unix(const char *remote, struct flow *flow)
{
	struct endpoint *local = &flow->end[SIDE_LOCAL];
	struct endpoint *peer = &flow->end[SIDE_REMOTE];

	local->family = peer->family = AF_INET;
	memcpy(local->addr, (uint8_t[]){ 127, 1, 0, 1 }, 4);
	memcpy(peer->addr, (uint8_t[]){ 127, 1, 0, 2 }, 4);
	peer->port = (uint16_t)(PCAPNG_UNIX_PORT_BASE +
				text_hash(remote) % (65536 - PCAPNG_UNIX_PORT_BASE));
}

/* stream: the connection's, NULL none (its local address a stand-in). */
static void flow_of(const struct event *ev, const struct conn *conn, const struct stream *s,
		    struct flow *flow)
{
	const char *remote = ev->remote[0] ? ev->remote : conn->sock->remote;
	struct endpoint *peer = &flow->end[SIDE_REMOTE];

	memset(flow, 0, sizeof(*flow));
	/* TLS plaintext events may not tell the socket's type: a stream */
	flow->tcp = ev->sock_type != SOCK_DGRAM && ev->sock_type != SOCK_SEQPACKET;
	if (ev->family != AF_UNIX && endpoint_parse(remote, peer)) {
		local_address_stand_in(peer, &flow->end[SIDE_LOCAL]);
	} else if (ev->family == AF_INET || ev->family == AF_INET6) {
		peer->family = ev->family; /* unknown: unspecified, port 0 */
		local_address_stand_in(peer, &flow->end[SIDE_LOCAL]);
	} else {
		flow_unix(remote, flow);
	}
	flow->end[SIDE_LOCAL].port = (uint16_t)(PCAPNG_LOCAL_PORT_BASE + ev->conn_id % 16384);
	if (!s || !s->local_known || s->local.family != peer->family)
		return;
	flow->end[SIDE_LOCAL].port = s->local.port;
	if (!s->local_port_only)
		memcpy(flow->end[SIDE_LOCAL].addr, s->local.addr, sizeof(s->local.addr));
}

static bool address_unspecified(const struct endpoint *ep)
{
	static const uint8_t zero[16];

	return !memcmp(ep->addr, zero, ep->family == AF_INET ? 4 : 16);
}

/* The connection's stream, made at its first event, when the kernel is
 * asked for its local address: its fd's, while still open (later events
 * may come after its close), else for an accepted socket its listener's,
 * open longer; a listener bound to the wildcard address tells the port
 * only. NULL when the table is full. */
static struct stream *stream_of(struct pcapng_packets *packets, const struct event *ev)
{
	struct stream *s = stream_get(packets, ev->conn_id);
	char text[ADDR_TEXT_MAX];

	if (!s || s->local_asked)
		return s;
	s->local_asked = true;
	if (ev->family != AF_INET && ev->family != AF_INET6)
		return s;
	if (ev->fd >= 0 && !packets->local_of(packets->local_ctx, ev, ev->fd, text, sizeof(text)))
		s->local_known = endpoint_parse(text, &s->local);
	if (!s->local_known && ev->kind == ST_EV_ACCEPT && ev->listen_fd >= 0 &&
	    !packets->local_of(packets->local_ctx, ev, ev->listen_fd, text, sizeof(text))) {
		s->local_known = endpoint_parse(text, &s->local);
		s->local_port_only = address_unspecified(&s->local);
	}
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum's running sum (RFC 1071), of an even offset. */
static uint32_t sum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One packet's transport part. */
struct segment {
	enum side from;
	uint8_t flags;      /* TCP's; UDP: none */
	uint32_t seq, ack;  /* TCP */
	const uint8_t *payload;
	uint32_t captured;  /* payload bytes in the packet */
	uint32_t wire;      /* payload bytes on the wire: more for a datagram cut short */
};

static int packet_write(struct pcapng_packets *packets, const struct flow *flow,
			const struct segment *seg, uint64_t wall_ns, const char *comment)
{
	const struct endpoint *src = &flow->end[seg->from];
	const struct endpoint *dst = &flow->end[!seg->from];
	bool v6 = src->family == AF_INET6;
	uint8_t proto = flow->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	uint32_t ip_len = v6 ? IPV6_HEADER : IPV4_HEADER;
	uint32_t l4_len = flow->tcp ? TCP_HEADER + (seg->flags & TCP_SYN ? TCP_SYN_OPTIONS : 0)
				    : UDP_HEADER;
	uint32_t headers = ip_len + l4_len;
	uint32_t wire = seg->wire > IP_PACKET_MAX - headers ? IP_PACKET_MAX - headers : seg->wire;
	uint32_t captured = seg->captured < wire ? seg->captured : wire;
	uint8_t *pkt = packets->packet;
	uint8_t *l4 = pkt + ip_len;
	uint8_t pseudo[4];
	uint32_t sum;

	memset(pkt, 0, headers);
	put16(l4, src->port);
	put16(l4 + 2, dst->port);
	if (flow->tcp) {
		put32(l4 + 4, seg->seq);
		put32(l4 + 8, seg->ack);
		l4[12] = (uint8_t)(l4_len / 4 << 4);
		l4[13] = seg->flags;
		put16(l4 + 14, 65535);
		if (seg->flags & TCP_SYN)
			memcpy(l4 + TCP_HEADER, (uint8_t[]){ 1, 3, 3, TCP_WINDOW_SHIFT }, 4);
	} else {
		put16(l4 + 4, (uint16_t)(UDP_HEADER + wire));
	}
	if (captured)
		memcpy(l4 + l4_len, seg->payload, captured);
	/* Over the pseudo-header and the whole segment: left 0 (none, for UDP
	 * over IPv4) when the segment is not all in the packet. */
	if (captured == wire) {
		size_t addr_len = v6 ? 16 : 4;

		put16(pseudo, proto);
		put16(pseudo + 2, (uint16_t)(l4_len + wire));
		sum = sum_add(0, src->addr, addr_len);
		sum = sum_add(sum, dst->addr, addr_len);
		sum = sum_add(sum, pseudo, sizeof(pseudo));
		sum = sum_add(sum, l4, l4_len + captured);
		uint16_t check = sum_fold(sum);
		put16(l4 + (flow->tcp ? 16 : 6), !flow->tcp && !check ? 0xffff : check);
	}
	if (v6) {
		pkt[0] = 0x60;
		put16(pkt + 4, (uint16_t)(l4_len + wire));
		pkt[6] = proto;
		pkt[7] = 64;
		memcpy(pkt + 8, src->addr, 16);
		memcpy(pkt + 24, dst->addr, 16);
	} else {
		pkt[0] = 0x45;
		put16(pkt + 2, (uint16_t)(headers + wire));
		put16(pkt + 4, packets->ip_id++);
		pkt[6] = 0x40; /* don't fragment */
		pkt[8] = 64;
		pkt[9] = proto;
		memcpy(pkt + 12, src->addr, 4);
		memcpy(pkt + 16, dst->addr, 4);
		put16(pkt + 10, sum_fold(sum_add(0, pkt, IPV4_HEADER)));
	}
	return pcapng_writer_packet(packets->writer, wall_ns, pkt, headers + captured, headers + wire,
				    comment);
}

/* Room for a comment: the fixed part, an escaped comm, a unix path. */
#define COMMENT_MAX (256 + ADDR_TEXT_MAX)

/* "pid 1234 tid 1235 comm curl fd 5 conn 3 ": whose packet it is. */
static void comment_begin(struct strbuf *buf, char *text, const struct event *ev)
{
	strbuf_init(buf, text, COMMENT_MAX);
	strbuf_puts(buf, "pid ");
	strbuf_put_u64(buf, ev->pid);
	strbuf_puts(buf, " tid ");
	strbuf_put_u64(buf, ev->tid);
	strbuf_puts(buf, " comm ");
	/* the comm is any bytes: escaped, as valid UTF-8 as a comment must be */
	escape_text(buf, ev->comm, strnlen((const char *)ev->comm, ST_COMM_LEN), ST_COMM_LEN);
	strbuf_puts(buf, " fd ");
	strbuf_put_i64(buf, ev->fd);
	strbuf_puts(buf, " conn ");
	strbuf_put_u64(buf, ev->conn_id);
	strbuf_putc(buf, ' ');
}

/* The rest: a unix socket's peer, as the flow does not show it. */
static void comment_end(struct strbuf *buf, const struct event *ev, const struct conn *conn)
{
	const char *remote = ev->remote[0] ? ev->remote : conn->sock->remote;

	if (ev->family == AF_UNIX) {
		strbuf_puts(buf, " unix ");
		/* format_sockaddr's text: escaped already */
		strbuf_puts(buf, remote[0] ? remote : "(unnamed)");
	}
}

static uint32_t ack_of(const struct stream *s, enum side side)
{
	return s->isn[side] + 1 + (uint32_t)s->end[side] + s->fin[side];
}

static void stream_start(struct stream *s)
{
	uint64_t seed = s->conn_id << 8 | (s->restarts & 0xff) << 1;

	s->isn[SIDE_LOCAL] = (uint32_t)mix(seed);
	s->isn[SIDE_REMOTE] = (uint32_t)mix(seed | 1);
	s->end[SIDE_LOCAL] = s->end[SIDE_REMOTE] = 0;
	s->fin[SIDE_LOCAL] = s->fin[SIDE_REMOTE] = false;
	s->opened = false;
}

/* SYN, SYN/ACK, ACK, the client's first: the local side's when the socket
 * was not accepted. */
static int handshake_write(struct pcapng_packets *packets, struct stream *s,
			   const struct flow *flow, const struct event *ev, const struct conn *conn)
{
	bool server = ev->kind == ST_EV_ACCEPT || (conn->sock->role & ST_SOCK_SERVER);
	enum side client = server ? SIDE_REMOTE : SIDE_LOCAL;
	enum side other = !client;
	const struct segment segs[3] = {
		{ .from = client, .flags = TCP_SYN, .seq = s->isn[client] },
		{ .from = other, .flags = TCP_SYN | TCP_ACK, .seq = s->isn[other],
		  .ack = s->isn[client] + 1 },
		{ .from = client, .flags = TCP_ACK, .seq = s->isn[client] + 1,
		  .ack = s->isn[other] + 1 },
	};
	char text[COMMENT_MAX];
	struct strbuf buf;
	int err = 0;

	comment_begin(&buf, text, ev);
	strbuf_puts(&buf, event_kind_names[ev->kind]);
	strbuf_puts(&buf, " (synthesized handshake)");
	comment_end(&buf, ev, conn);
	for (int i = 0; i < 3 && !err; i++)
		err = packet_write(packets, flow, &segs[i], ev->wall_ns, text);
	s->opened = true;
	return err;
}

/* A FIN (with RST: a stream given up) from one side. */
static int fin_write(struct pcapng_packets *packets, struct stream *s, const struct flow *flow,
		     const struct event *ev, const struct conn *conn, enum side from,
		     const char *why)
{
	struct segment seg = {
		.from = from,
		.flags = TCP_FIN | TCP_ACK,
		.seq = s->isn[from] + 1 + (uint32_t)s->end[from],
		.ack = ack_of(s, !from),
	};
	char text[COMMENT_MAX];
	struct strbuf buf;

	comment_begin(&buf, text, ev);
	strbuf_puts(&buf, why);
	comment_end(&buf, ev, conn);
	s->fin[from] = true;
	return packet_write(packets, flow, &seg, ev->wall_ns, text);
}

static void data_comment(struct strbuf *buf, char *text, const struct event *ev,
			 const struct conn *conn)
{
	comment_begin(buf, text, ev);
	strbuf_puts(buf, event_direction_names[ev->direction]);
	if (ev->tls & ST_TLS_PLAINTEXT)
		strbuf_puts(buf, " (tls plaintext)");
	if (ev->captured < ev->bytes) {
		strbuf_puts(buf, ", ");
		strbuf_put_u64(buf, ev->captured);
		strbuf_puts(buf, " of ");
		strbuf_put_u64(buf, ev->bytes);
		strbuf_puts(buf, " bytes captured");
	}
	comment_end(buf, ev, conn);
}

static int datagram_write(struct pcapng_packets *packets, const struct flow *flow,
			  const struct event *ev, const struct conn *conn)
{
	struct segment seg = {
		.from = ev->direction == ST_DIR_SEND ? SIDE_LOCAL : SIDE_REMOTE,
		.payload = ev->data,
		.captured = ev->captured,
		.wire = ev->bytes > IP_PACKET_MAX ? IP_PACKET_MAX : (uint32_t)ev->bytes,
	};
	char text[COMMENT_MAX];
	struct strbuf buf;

	if (!ev->bytes)
		return 0;
	data_comment(&buf, text, ev, conn);
	return packet_write(packets, flow, &seg, ev->wall_ns, text);
}

static int data_write(struct pcapng_packets *packets, const struct event *ev,
		      const struct conn *conn)
{
	enum carried carries = ev->tls & ST_TLS_PLAINTEXT ? CARRIES_PLAINTEXT : CARRIES_SOCKET;
	enum side side = ev->direction == ST_DIR_SEND ? SIDE_LOCAL : SIDE_REMOTE;
	struct stream *s;
	struct flow flow;
	char text[COMMENT_MAX];
	struct strbuf buf;
	int err = 0;

	s = stream_of(packets, ev);
	flow_of(ev, conn, s, &flow);
	if (!flow.tcp)
		return datagram_write(packets, &flow, ev, conn);
	if (!s) {
		packets->unwritten++;
		return 0;
	}
	/* A plaintext-captured connection's records: its plaintext stands for
	 * them (as lines show it). */
	if (s->carries == CARRIES_PLAINTEXT && carries == CARRIES_SOCKET)
		return 0;
	if (s->carries == CARRIES_SOCKET && carries == CARRIES_PLAINTEXT) {
		if (s->opened && !s->fin[SIDE_LOCAL])
			err = fin_write(packets, s, &flow, ev, conn, SIDE_LOCAL,
					"tls plaintext follows (synthesized close)");
		s->restarts++;
		s->opened = false;
	}
	if (!s->opened) {
		stream_start(s);
		if (!err)
			err = handshake_write(packets, s, &flow, ev, conn);
	}
	s->carries = carries;
	if (err)
		return err;
	if (!ev->bytes) {
		/* the peer's FIN, as a read of 0 bytes tells it */
		if (side == SIDE_REMOTE && !s->fin[SIDE_REMOTE])
			err = fin_write(packets, s, &flow, ev, conn, SIDE_REMOTE, "recv 0 (end of stream)");
		return err;
	}
	if (ev->captured) {
		struct segment seg = {
			.from = side,
			.flags = TCP_PSH | TCP_ACK,
			.seq = s->isn[side] + 1 + (uint32_t)ev->pos,
			.ack = ack_of(s, !side),
			.payload = ev->data,
			.captured = ev->captured,
			.wire = ev->captured, /* the rest of its bytes: a hole */
		};

		data_comment(&buf, text, ev, conn);
		err = packet_write(packets, &flow, &seg, ev->wall_ns, text);
	}
	if (ev->pos + ev->bytes > s->end[side])
		s->end[side] = ev->pos + ev->bytes;
	return err;
}

static int close_write(struct pcapng_packets *packets, const struct event *ev,
		       const struct conn *conn)
{
	struct stream *s = stream_find(packets, ev->conn_id);
	struct flow flow;
	int err = 0;

	if (!s)
		return 0;
	flow_of(ev, conn, s, &flow);
	if (s->opened && !s->fin[SIDE_LOCAL])
		err = fin_write(packets, s, &flow, ev, conn, SIDE_LOCAL, "close");
	stream_drop(packets, s);
	return err;
}

/* A connection made or taken: its handshake, at its time. */
static int open_write(struct pcapng_packets *packets, const struct event *ev,
		      const struct conn *conn)
{
	struct stream *s = stream_of(packets, ev);
	struct flow flow;

	flow_of(ev, conn, s, &flow);
	if (!flow.tcp || !s || s->opened)
		return 0;
	stream_start(s);
	return handshake_write(packets, s, &flow, ev, conn);
}

int pcapng_packets_event(struct pcapng_packets *packets, const struct event *ev,
			 const struct conn *conn)
{
	if (!conn || !ev->conn_id) {
		packets->unwritten += ev->kind == ST_EV_DATA && ev->captured;
		return 0;
	}
	switch (ev->kind) {
	case ST_EV_CONNECT:
	case ST_EV_CONNECTED:
	case ST_EV_ACCEPT:
		/* a non-blocking connect is made at its connected event */
		if (ev->result == 0 || (ev->kind == ST_EV_ACCEPT && ev->result > 0))
			return open_write(packets, ev, conn);
		return 0;
	case ST_EV_DATA:
		return data_write(packets, ev, conn);
	case ST_EV_CLOSE:
		return close_write(packets, ev, conn);
	default:
		return 0;
	}
}

int pcapng_packets_flush(struct pcapng_packets *packets)
{
	return pcapng_writer_flush(packets->writer);
}

const char *pcapng_packets_name(const struct pcapng_packets *packets)
{
	return pcapng_writer_name(packets->writer);
}

uint64_t pcapng_packets_unwritten(const struct pcapng_packets *packets)
{
	return packets->unwritten;
}

int pcapng_packets_close(struct pcapng_packets *packets)
{
	int err;

	if (!packets)
		return 0;
	err = pcapng_writer_close(packets->writer);
	free(packets->streams);
	free(packets);
	return err;
}
