/*
 * Writes the seed corpus of fuzz_pipeline (pipeline_input.h) into the
 * directory argv[1], built at build time from the event structs of
 * bpf_programs/socket_tracer.h so that the seeds follow their layout:
 *
 * - whole connections as the BPF program reports them: connect or accept,
 *   data events, close; HTTP keep-alive with a body larger than the capture,
 *   HTTP responses sent with sendfile() (nothing captured), Redis, DNS over
 *   UDP, in more than one poll round; HTTP/2 connections from the http2
 *   seeds recorded in pairs, both directions;
 * - each decoder seed under argv[2]/<protocol>/ carried on a connection to
 *   that protocol's port, sent by the client and then received by it, so
 *   that it is detected and decoded in the direction it was recorded in.
 *
 * Every sample must pass event_decode, or the build fails.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "events/event.h"
#include "pipeline_input.h"

#define SEED_MAX (1u << 20)
#define PAYLOAD_MAX 4096
#define PID 4242

struct seed {
	uint8_t bytes[SEED_MAX];
	size_t len;
	uint64_t ts_ns; /* of the next event */
};

/* One socket of the traced process, and what it has moved so far. */
struct flow {
	int32_t fd;
	uint32_t sock_flags;
	uint16_t sock_type;
	uint16_t port; /* of the peer, 127.0.0.1 */
	uint64_t pos[ST_DIR_NR];
	uint64_t open_ts_ns;
};

static const char *out_dir;

static void seed_begin(struct seed *seed, uint8_t flags)
{
	seed->bytes[0] = flags;
	seed->bytes[1] = 64; /* the default --data-chars */
	seed->bytes[2] = 0;
	seed->len = PIPELINE_HEADER_SIZE;
	seed->ts_ns = 1700000000ull * 1000000000ull;
}

static void record_put(struct seed *seed, const void *sample, size_t size)
{
	struct event ev;

	if (size > UINT16_MAX || seed->len + PIPELINE_LENGTH_SIZE + size > SEED_MAX) {
		fprintf(stderr, "pipeline_seeds: a seed outgrew its buffer\n");
		exit(1);
	}
	/* A seed the session would drop as malformed tests nothing: when the
	 * contract in socket_tracer.h changes, this generator must follow. */
	if (size && event_decode(sample, (int)size, 0, &ev)) {
		fprintf(stderr,
			"pipeline_seeds: event_decode refuses a sample this program wrote "
			"(kind %u, %zu bytes): update it to socket_tracer.h\n",
			((const struct st_event_header *)sample)->kind, size);
		exit(1);
	}
	seed->bytes[seed->len++] = size & 0xff;
	seed->bytes[seed->len++] = size >> 8;
	if (size)
		memcpy(seed->bytes + seed->len, sample, size);
	seed->len += size;
}

/* The end of a poll round: the samples so far are handled. */
static void round_end(struct seed *seed)
{
	record_put(seed, NULL, 0);
}

static void seed_write(const struct seed *seed, const char *name)
{
	char path[4096];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	file = fopen(path, "wb");
	if (!file || fwrite(seed->bytes, 1, seed->len, file) != seed->len || fclose(file)) {
		fprintf(stderr, "pipeline_seeds: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void header_fill(struct st_event_header *hdr, uint32_t kind, const struct flow *flow,
			uint64_t ts_ns)
{
	hdr->kind = kind;
	hdr->pid = PID;
	hdr->tid = PID;
	hdr->fd = flow->fd;
	hdr->ts_ns = ts_ns;
	memcpy(hdr->comm, "fuzz-seed", sizeof("fuzz-seed"));
}

static uint32_t peer_fill(uint8_t *addr, const struct flow *flow)
{
	struct sockaddr_in peer = {
		.sin_family = AF_INET,
		.sin_port = htons(flow->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	memcpy(addr, &peer, sizeof(peer));
	return sizeof(peer);
}

/* connect, accept (result: the fd, or -errno) or close. */
static void conn_put(struct seed *seed, uint32_t kind, struct flow *flow, int64_t result)
{
	struct st_conn_event ev = { 0 };
	uint64_t ts = seed->ts_ns;

	seed->ts_ns += 1000;
	header_fill(&ev.hdr, kind, flow, ts);
	ev.result = result;
	if (kind == ST_EV_CLOSE) {
		ev.duration_ns = ts - flow->open_ts_ns;
		ev.bytes_sent = flow->pos[ST_DIR_SEND];
		ev.bytes_recv = flow->pos[ST_DIR_RECV];
	} else {
		flow->open_ts_ns = ts;
	}
	ev.family = AF_INET;
	ev.sock_type = flow->sock_type;
	ev.sock_flags = flow->sock_flags | ST_SOCK_REPORTED;
	ev.addr_len = peer_fill(ev.addr, flow);
	record_put(seed, &ev, sizeof(ev));
}

/* One read/write-family call moving bytes (0: size) of which the first
 * size were captured. */
static void data_put(struct seed *seed, struct flow *flow, uint8_t direction, uint16_t syscall,
		     const void *payload, uint32_t size, uint64_t bytes)
{
	static struct st_data_event ev;

	memset(&ev, 0, ST_DATA_EVENT_HEADER_SIZE);
	header_fill(&ev.hdr, ST_EV_DATA, flow, seed->ts_ns);
	seed->ts_ns += 1000;
	ev.bytes = bytes ? bytes : size;
	ev.delivered = ev.bytes; /* no recv(MSG_TRUNC) here */
	ev.pos = flow->pos[direction];
	ev.sock_open_ns = flow->open_ts_ns;
	ev.captured = size;
	if (size < ev.delivered)
		ev.capture_cut = syscall == ST_SYS_SENDFILE ? ST_CUT_NO_BUFFER : ST_CUT_DATA_SIZE;
	ev.syscall = syscall;
	ev.direction = direction;
	ev.family = AF_INET;
	ev.sock_type = flow->sock_type;
	ev.sock_flags = flow->sock_flags | ST_SOCK_REPORTED;
	if (flow->sock_type == SOCK_DGRAM)
		ev.addr_len = peer_fill(ev.addr, flow);
	memcpy(ev.data, payload, size);
	flow->pos[direction] += ev.bytes;
	record_put(seed, &ev, ST_DATA_EVENT_HEADER_SIZE + size);
}

static void text_put(struct seed *seed, struct flow *flow, uint8_t direction, const char *text)
{
	data_put(seed, flow, direction, direction == ST_DIR_SEND ? ST_SYS_WRITE : ST_SYS_READ, text,
		 strlen(text), 0);
}

/* A client's keep-alive connection: a small response, one whose 10000-byte
 * body is mostly past the capture, and a chunked one in two reads. */
static void http_client_write(struct seed *seed)
{
	struct flow c = { .fd = 5, .sock_flags = ST_SOCK_CLIENT, .sock_type = SOCK_STREAM,
			  .port = 8080 };
	const char *big = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n0123456789";

	seed_begin(seed, 0);
	conn_put(seed, ST_EV_CONNECT, &c, -EINPROGRESS);
	text_put(seed, &c, ST_DIR_SEND, "GET /small HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
	text_put(seed, &c, ST_DIR_RECV,
		 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
	round_end(seed);
	text_put(seed, &c, ST_DIR_SEND, "GET /big HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
	data_put(seed, &c, ST_DIR_RECV, ST_SYS_RECVFROM, big, strlen(big), strlen(big) + 4000);
	data_put(seed, &c, ST_DIR_RECV, ST_SYS_RECVFROM, "", 0, 5990);
	text_put(seed, &c, ST_DIR_SEND, "POST /form HTTP/1.1\r\nContent-Length: 3\r\n\r\na=b");
	text_put(seed, &c, ST_DIR_RECV, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n");
	text_put(seed, &c, ST_DIR_RECV, "\r\n4\r\nnope\r\n0\r\n\r\n");
	conn_put(seed, ST_EV_CLOSE, &c, 0);
	seed_write(seed, "http_client");
}

/* A server answering with sendfile(): headers written then the body sent
 * from a file, and a whole response sent from a file, which is the first
 * event of its direction and captured nothing. */
static void http_sendfile_write(struct seed *seed)
{
	struct flow a = { .fd = 7, .sock_flags = ST_SOCK_SERVER, .sock_type = SOCK_STREAM,
			  .port = 51000 };
	struct flow b = { .fd = 8, .sock_flags = ST_SOCK_SERVER, .sock_type = SOCK_STREAM,
			  .port = 51002 };
	const char *get = "GET /file HTTP/1.1\r\nHost: localhost\r\n\r\n";

	seed_begin(seed, 0);
	conn_put(seed, ST_EV_ACCEPT, &a, a.fd);
	text_put(seed, &a, ST_DIR_RECV, get);
	text_put(seed, &a, ST_DIR_SEND, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n");
	data_put(seed, &a, ST_DIR_SEND, ST_SYS_SENDFILE, "", 0, 65536);
	conn_put(seed, ST_EV_CLOSE, &a, 0);
	round_end(seed);
	conn_put(seed, ST_EV_ACCEPT, &b, b.fd);
	text_put(seed, &b, ST_DIR_RECV, get);
	data_put(seed, &b, ST_DIR_SEND, ST_SYS_SENDFILE, "", 0, 12071);
	conn_put(seed, ST_EV_CLOSE, &b, 0);
	seed_write(seed, "http_sendfile");
}

static void redis_write(struct seed *seed)
{
	struct flow c = { .fd = 3, .sock_flags = ST_SOCK_CLIENT, .sock_type = SOCK_STREAM,
			  .port = 6379 };

	seed_begin(seed, PIPELINE_HEX);
	conn_put(seed, ST_EV_CONNECT, &c, 0);
	text_put(seed, &c, ST_DIR_SEND, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nv\x1b[31m\r\n");
	text_put(seed, &c, ST_DIR_RECV, "+OK\r\n");
	text_put(seed, &c, ST_DIR_SEND, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n");
	text_put(seed, &c, ST_DIR_RECV, "$6\r\nv\x1b[31m\r\n");
	text_put(seed, &c, ST_DIR_RECV, "+PONG\r\n");
	conn_put(seed, ST_EV_CLOSE, &c, 0);
	seed_write(seed, "redis");
}

/* Reads a decoder seed; returns its size, or -errno. */
static int payload_read(const char *path, uint8_t *buf)
{
	FILE *file = fopen(path, "rb");
	size_t n;

	if (!file)
		return -errno;
	n = fread(buf, 1, PAYLOAD_MAX, file);
	fclose(file);
	return (int)n;
}

/* dig's query and its answer from the DNS decoder seeds, over UDP. */
static void dns_write(struct seed *seed, const char *decoder_seeds)
{
	static uint8_t query[PAYLOAD_MAX], answer[PAYLOAD_MAX];
	struct flow c = { .fd = 4, .sock_flags = ST_SOCK_CLIENT, .sock_type = SOCK_DGRAM,
			  .port = 53 };
	char path[4096];
	int query_len, answer_len;

	snprintf(path, sizeof(path), "%s/dns/a_query.bin", decoder_seeds);
	query_len = payload_read(path, query);
	snprintf(path, sizeof(path), "%s/dns/a_response.bin", decoder_seeds);
	answer_len = payload_read(path, answer);
	if (query_len < 0 || answer_len < 0) {
		fprintf(stderr, "pipeline_seeds: no DNS seeds in %s/dns\n", decoder_seeds);
		exit(1);
	}
	seed_begin(seed, PIPELINE_JSON_B64);
	conn_put(seed, ST_EV_CONNECT, &c, 0);
	data_put(seed, &c, ST_DIR_SEND, ST_SYS_SENDTO, query, query_len, 0);
	round_end(seed);
	data_put(seed, &c, ST_DIR_RECV, ST_SYS_RECVFROM, answer, answer_len, 0);
	conn_put(seed, ST_EV_CLOSE, &c, 0);
	seed_write(seed, "dns");
}

/*
 * HTTP/2 connections from the http2 decoder seeds that come in pairs
 * (<name>_client.bin, <name>_server.bin: each direction of one connection
 * as recorded by socat -r/-R between the peers): curl 7.88.1
 * --http2-prior-knowledge and nghttp 1.52.0 (nghttpd pushing /style.css)
 * against nghttpd 1.52.0, and grpcio 1.51.1's client and server of
 * tests/integration/h2_programs (SayHello, Find, Count). The client's bytes
 * go in one write, the server's in two reads cut in the middle.
 */
static void http2_write(struct seed *seed, const char *decoder_seeds)
{
	static const char *const pairs[] = { "curl_get", "nghttp_push", "grpc" };
	static uint8_t client[PAYLOAD_MAX], server[PAYLOAD_MAX];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct flow c = { .fd = 6, .sock_flags = ST_SOCK_CLIENT, .sock_type = SOCK_STREAM,
				  .port = 8080 };
		char path[4096], name[64];
		int client_len, server_len;

		snprintf(path, sizeof(path), "%s/http2/%s_client.bin", decoder_seeds, pairs[i]);
		client_len = payload_read(path, client);
		snprintf(path, sizeof(path), "%s/http2/%s_server.bin", decoder_seeds, pairs[i]);
		server_len = payload_read(path, server);
		if (client_len < 0 || server_len < 0) {
			fprintf(stderr, "pipeline_seeds: no HTTP/2 seeds %s_* in %s/http2\n",
				pairs[i], decoder_seeds);
			exit(1);
		}
		seed_begin(seed, 0);
		conn_put(seed, ST_EV_CONNECT, &c, -EINPROGRESS);
		data_put(seed, &c, ST_DIR_SEND, ST_SYS_WRITE, client, client_len, 0);
		data_put(seed, &c, ST_DIR_RECV, ST_SYS_READ, server, server_len / 2, 0);
		round_end(seed);
		data_put(seed, &c, ST_DIR_RECV, ST_SYS_READ, server + server_len / 2,
			 server_len - server_len / 2, 0);
		conn_put(seed, ST_EV_CLOSE, &c, 0);
		snprintf(name, sizeof(name), "http2_%s", pairs[i]);
		seed_write(seed, name);
	}
}

static const struct {
	const char *dir;
	uint16_t port;
	uint16_t sock_type;
} decoder_dirs[] = {
	{ "http", 80, SOCK_STREAM },   { "http2", 80, SOCK_STREAM },
	{ "redis", 6379, SOCK_STREAM }, { "dns", 53, SOCK_DGRAM },
	{ "tls", 443, SOCK_STREAM },   { "postgres", 5432, SOCK_STREAM },
};

static void decoder_seed_write(struct seed *seed, const char *path, const char *dir,
			       const char *file, uint16_t port, uint16_t sock_type)
{
	static uint8_t payload[PAYLOAD_MAX];
	struct flow c = { .fd = 3, .sock_flags = ST_SOCK_CLIENT, .sock_type = sock_type,
			  .port = port };
	char name[512];
	int len = payload_read(path, payload);

	if (len < 0) {
		fprintf(stderr, "pipeline_seeds: cannot read %s: %s\n", path, strerror(-len));
		exit(1);
	}
	seed_begin(seed, 0);
	conn_put(seed, ST_EV_CONNECT, &c, 0);
	data_put(seed, &c, ST_DIR_SEND, ST_SYS_SENDTO, payload, len, 0);
	data_put(seed, &c, ST_DIR_RECV, ST_SYS_RECVFROM, payload, len, 0);
	conn_put(seed, ST_EV_CLOSE, &c, 0);
	snprintf(name, sizeof(name), "decoder_%s_%s", dir, file);
	seed_write(seed, name);
}

static void decoder_seeds_write(struct seed *seed, const char *decoder_seeds)
{
	char path[4096];

	for (size_t i = 0; i < sizeof(decoder_dirs) / sizeof(decoder_dirs[0]); i++) {
		struct dirent *entry;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/%s", decoder_seeds, decoder_dirs[i].dir);
		dir = opendir(path);
		if (!dir) {
			fprintf(stderr, "pipeline_seeds: cannot open %s: %s\n", path,
				strerror(errno));
			exit(1);
		}
		while ((entry = readdir(dir))) {
			if (entry->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", decoder_seeds, decoder_dirs[i].dir,
				 entry->d_name);
			decoder_seed_write(seed, path, decoder_dirs[i].dir, entry->d_name,
					   decoder_dirs[i].port, decoder_dirs[i].sock_type);
		}
		closedir(dir);
	}
}

int main(int argc, char **argv)
{
	static struct seed seed;

	if (argc != 3) {
		fprintf(stderr, "usage: pipeline_seeds OUT_DIR DECODER_SEEDS_DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "pipeline_seeds: cannot create %s: %s\n", out_dir,
			strerror(errno));
		return 1;
	}
	http_client_write(&seed);
	http_sendfile_write(&seed);
	redis_write(&seed);
	dns_write(&seed, argv[2]);
	http2_write(&seed, argv[2]);
	decoder_seeds_write(&seed, argv[2]);
	return 0;
}
