/* -w's packets: events of one TCP connection and one UDP socket made into
 * a pcapng file, read back with libwiretap, each packet's headers,
 * sequence numbers, checksums and comment checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wiretap/wtap.h>

#include "check.h"
#include "outputs/pcapng_packets.h"

#define PACKETS_MAX 16

struct packet {
	uint8_t bytes[2048];
	uint32_t caplen, len;
	char comment[512];
};

static struct packet packets[PACKETS_MAX];
static int packet_count;

/* The local address the kernel gives: none for the TCP connection (a
 * stand-in then), one for the UDP socket, and for fd 3, a listener bound
 * to the wildcard address. */
static int local_of(void *ctx, const struct event *ev, int32_t fd, char *text, size_t size)
{
	(void)ctx;
	if (fd == 3) {
		snprintf(text, size, "0.0.0.0:8443");
		return 0;
	}
	if (ev->sock_type != SOCK_DGRAM)
		return -ESRCH;
	snprintf(text, size, "10.0.0.1:4444");
	return 0;
}

static void file_read(const char *path)
{
	gchar *err_info = NULL;
	int err = 0;
	wtap *wth = wtap_open_offline(path, WTAP_TYPE_AUTO, &err, &err_info, FALSE);
	wtap_rec rec;
	Buffer buf;
	gint64 offset;

	CHECK(wth != NULL);
	if (!wth)
		return;
	wtap_rec_init(&rec);
	ws_buffer_init(&buf, 2048);
	while (packet_count < PACKETS_MAX && wtap_read(wth, &rec, &buf, &err, &err_info, &offset)) {
		struct packet *p = &packets[packet_count++];
		char *comment = NULL;

		p->caplen = rec.rec_header.packet_header.caplen;
		p->len = rec.rec_header.packet_header.len;
		CHECK_INT(rec.rec_header.packet_header.pkt_encap, WTAP_ENCAP_RAW_IP);
		memcpy(p->bytes, ws_buffer_start_ptr(&buf), p->caplen < 2048 ? p->caplen : 2048);
		if (wtap_block_get_nth_string_option_value(rec.block, OPT_COMMENT, 0, &comment) ==
		    WTAP_OPTTYPE_SUCCESS)
			snprintf(p->comment, sizeof(p->comment), "%s", comment);
		wtap_rec_reset(&rec);
	}
	CHECK_INT(err, 0);
	wtap_rec_cleanup(&rec);
	ws_buffer_free(&buf);
	wtap_close(wth);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* The one's complement sum of the pseudo-header and segment, folded: 0xffff
 * when the checksum in it is right. */
static uint32_t l4_sum(const uint8_t *ip, uint32_t proto)
{
	uint32_t total = be16(ip + 2), l4_len = total - 20, sum = proto + l4_len;

	for (int i = 12; i < 20; i += 2)
		sum += be16(ip + i);
	for (uint32_t i = 0; i < l4_len; i += 2)
		sum += i + 1 < l4_len ? be16(ip + 20 + i) : (uint32_t)ip[20 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t ip_sum(const uint8_t *ip)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += be16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static struct event event_make(uint32_t kind, int sock_type, uint64_t conn_id)
{
	struct event ev = { .kind = kind, .pid = 42, .tid = 43, .fd = 5, .family = AF_INET,
			    .sock_type = sock_type, .conn_id = conn_id,
			    .wall_ns = 1700000000123456789ull };

	/* a comm of hostile bytes: escaped in the comment */
	memcpy(ev.comm, "cu\x01rl\xff", 6);
	return ev;
}

static void data_set(struct event *ev, uint8_t direction, uint64_t pos, uint64_t bytes,
		     const char *data)
{
	ev->kind = ST_EV_DATA;
	ev->direction = direction;
	ev->pos = pos;
	ev->bytes = bytes;
	ev->captured = (uint32_t)strlen(data);
	ev->data = (const uint8_t *)data;
}

int main(void)
{
	char path[] = "/tmp/st-pcapng-XXXXXX";
	int fd = mkstemp(path);
	struct pcapng_packets *out;
	struct conn_socket sock = { .remote = "127.0.0.1:8080", .role = ST_SOCK_CLIENT };
	struct conn conn = { .used = true, .pid = 42, .fd = 5, .sock = &sock };
	struct conn_socket udp_sock = { .remote = "127.0.0.1:53" };
	struct conn udp_conn = { .used = true, .pid = 42, .fd = 6, .sock = &udp_sock };
	struct event ev;

	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(pcapng_packets_open(path, local_of, NULL, &out), 0);

	ev = event_make(ST_EV_CONNECT, SOCK_STREAM, 7);
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	ev = event_make(0, SOCK_STREAM, 7);
	data_set(&ev, ST_DIR_SEND, 0, 5, "hello");
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	/* 10 bytes read, 4 captured: a hole of 6 before the next read */
	data_set(&ev, ST_DIR_RECV, 0, 10, "HTTP");
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	data_set(&ev, ST_DIR_RECV, 10, 3, "abc");
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	ev = event_make(ST_EV_CLOSE, SOCK_STREAM, 7);
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	/* a datagram of 30 bytes, 2 captured */
	ev = event_make(0, SOCK_DGRAM, 8);
	ev.fd = 6;
	data_set(&ev, ST_DIR_SEND, 0, 30, "\x12\x34");
	CHECK_INT(pcapng_packets_event(out, &ev, &udp_conn), 0);
	/* no connection: not written, counted */
	CHECK_INT(pcapng_packets_event(out, &ev, NULL), 0);
	CHECK_INT(pcapng_packets_unwritten(out), 1);
	CHECK_INT(pcapng_packets_close(out), 0);

	file_read(path);
	unlink(path);
	CHECK_INT(packet_count, 8);
	if (packet_count != 8)
		return 1;
	/* SYN, SYN/ACK, ACK from the stand-in port 49152 + 7 */
	const uint8_t *syn = packets[0].bytes, *syn_ack = packets[1].bytes;
	CHECK_INT(syn[0], 0x45);
	CHECK_INT(be16(syn + 20), 49159);
	CHECK_INT(be16(syn + 22), 8080);
	CHECK_INT(syn[33], 0x02);
	CHECK_INT(syn_ack[33], 0x12);
	CHECK_INT(be32(syn_ack + 28), be32(syn + 24) + 1);
	uint32_t isn_local = be32(syn + 24), isn_remote = be32(syn_ack + 24);
	CHECK_STR(packets[0].comment,
		  "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 7 connect (synthesized handshake)");

	/* the send: seq ISN + 1, "hello", acking nothing from the peer yet */
	const uint8_t *send = packets[3].bytes;
	CHECK_INT(packets[3].caplen, 45);
	CHECK_INT(be32(send + 24), isn_local + 1);
	CHECK_INT(be32(send + 28), isn_remote + 1);
	CHECK_INT(send[33], 0x18);
	CHECK(!memcmp(send + 40, "hello", 5));
	CHECK_INT(ip_sum(send), 0xffff);
	CHECK_INT(l4_sum(send, 6), 0xffff);
	CHECK_STR(packets[3].comment, "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 7 send");

	/* the reads, from the peer, at their stream positions */
	const uint8_t *recv1 = packets[4].bytes, *recv2 = packets[5].bytes;
	CHECK_INT(be16(recv1 + 20), 8080);
	CHECK_INT(be32(recv1 + 24), isn_remote + 1);
	CHECK_INT(be32(recv1 + 28), isn_local + 1 + 5);
	CHECK_INT(be16(recv1 + 2), 44);
	CHECK_INT(be32(recv2 + 24), isn_remote + 1 + 10);
	CHECK_INT(l4_sum(recv2, 6), 0xffff);
	CHECK_STR(packets[4].comment,
		  "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 7 recv, 4 of 10 bytes captured");

	/* the close: the local FIN after the 5 bytes sent, acking all 13 read */
	const uint8_t *fin = packets[6].bytes;
	CHECK_INT(fin[33], 0x11);
	CHECK_INT(be32(fin + 24), isn_local + 1 + 5);
	CHECK_INT(be32(fin + 28), isn_remote + 1 + 13);

	/* the datagram: the kernel's local address, 30 bytes on the wire, 2 in
	 * the file, no checksum (it would need the 28 missing) */
	const uint8_t *udp = packets[7].bytes;
	CHECK_INT(udp[9], 17);
	CHECK(!memcmp(udp + 12, (uint8_t[]){ 10, 0, 0, 1, 127, 0, 0, 1 }, 8));
	CHECK_INT(be16(udp + 20), 4444);
	CHECK_INT(be16(udp + 22), 53);
	CHECK_INT(be16(udp + 24), 38);
	CHECK_INT(be16(udp + 26), 0);
	CHECK_INT(packets[7].caplen, 30);
	CHECK_INT(packets[7].len, 58);
	CHECK_INT(ip_sum(udp), 0xffff);

	/* TLS: records before the first plaintext, then the plaintext, then
	 * a record again (its plaintext stands for it) */
	fd = mkstemp(path);
	close(fd);
	packet_count = 0;
	CHECK_INT(pcapng_packets_open(path, local_of, NULL, &out), 0);
	ev = event_make(0, SOCK_STREAM, 10);
	data_set(&ev, ST_DIR_SEND, 0, 3, "\x16\x03\x01");
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	data_set(&ev, ST_DIR_SEND, 0, 3, "GET");
	ev.tls = ST_TLS_PLAINTEXT;
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	data_set(&ev, ST_DIR_SEND, 3, 3, "\x17\x03\x03");
	ev.tls = 0;
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	CHECK_INT(pcapng_packets_close(out), 0);
	file_read(path);
	unlink(path);
	/* handshake, record, FIN; a new handshake, the plaintext */
	CHECK_INT(packet_count, 9);
	if (packet_count == 9) {
		CHECK_INT(packets[4].bytes[33], 0x11);
		CHECK_STR(packets[4].comment, "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 10 "
					      "tls plaintext follows (synthesized close)");
		CHECK_INT(packets[5].bytes[33], 0x02);
		CHECK(be32(packets[5].bytes + 24) != be32(packets[0].bytes + 24));
		CHECK_INT(be32(packets[8].bytes + 24), be32(packets[5].bytes + 24) + 1);
		CHECK(!memcmp(packets[8].bytes + 40, "GET", 3));
		CHECK_STR(packets[8].comment,
			  "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 10 send (tls plaintext)");
	}

	/* an accepted socket closed by the question: its listener's port, the
	 * stand-in address of a loopback peer (the wildcard is no address) */
	fd = mkstemp(path);
	close(fd);
	packet_count = 0;
	CHECK_INT(pcapng_packets_open(path, local_of, NULL, &out), 0);
	ev = event_make(ST_EV_ACCEPT, SOCK_STREAM, 11);
	ev.result = 5;
	ev.listen_fd = 3;
	snprintf(ev.remote, sizeof(ev.remote), "127.0.0.1:40000");
	CHECK_INT(pcapng_packets_event(out, &ev, &conn), 0);
	CHECK_INT(pcapng_packets_close(out), 0);
	file_read(path);
	unlink(path);
	CHECK_INT(packet_count, 3);
	/* the client's SYN: from the peer's port to the listener's */
	CHECK(!memcmp(packets[0].bytes + 12, (uint8_t[]){ 127, 0, 0, 1, 127, 0, 0, 1 }, 8));
	CHECK_INT(be16(packets[0].bytes + 20), 40000);
	CHECK_INT(be16(packets[0].bytes + 22), 8443);
	CHECK_INT(packets[0].bytes[33], 0x02);
	CHECK_STR(packets[0].comment,
		  "pid 42 tid 43 comm cu\\x01rl\\xff fd 5 conn 11 accept (synthesized handshake)");

	/* a full disk: the close says so */
	CHECK_INT(pcapng_packets_open("/dev/full", local_of, NULL, &out), 0);
	ev = event_make(ST_EV_CONNECT, SOCK_STREAM, 9);
	pcapng_packets_event(out, &ev, &conn);
	CHECK_INT(pcapng_packets_close(out), -ENOSPC);
	return check_failures ? 1 : 0;
}
