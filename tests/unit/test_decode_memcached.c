/*
 * The memcached decoder on recorded bytes, driven the way the engine drives
 * it (decoder_test.h's decoder_run_stream: a message read piece by piece
 * with PARSE_CONTINUE, skips, ctx->seen after PARSE_NEED_MORE, requests
 * answered in order, noreply requests alone), fed whole, a byte at a time
 * and in random splits.
 *
 * The sessions are the fuzzer's seeds (tests/fuzz/seeds/memcached/), each
 * one direction of one connection as socket-tracer --record captured it on
 * loopback against memcached 1.6.18:
 * - client_text_meta_session / server_text_meta_session: a Python client on
 *   a raw socket, one command at a time: set, get k1 k2 k3, add, replace,
 *   append, prepend, gets, cas, set, incr, decr, incr of a missing key,
 *   touch, delete twice, set ... noreply, stats, version, "bogus", a set
 *   with a bad size, mn, ms, mg, mg of a missing key, "md mk q" and mn in one
 *   write, ma, flush_all, quit;
 * - client_binary_session / server_binary_session: a Python client of the
 *   binary protocol against memcached -B binary: SET, GETKQ bk + GETKQ
 *   missing + NOOP in one write, GET missing, INCREMENT, VERSION, STAT;
 * - client_memccp_set: memccp --binary's SET.
 * Larger inputs (a 1 MiB value, a get of 10,000 keys) are built here, with
 * the lines pymemcache wrote for them; the quiet meta batch and the SASL
 * request are built from protocol.txt and protocol_binary.h (this server
 * has no SASL configured).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_seeds.h"
#include "decoder_test.h"
#include "output/output.h"
#include "protocols/memcached.h"

#define TEXT(literal) (const uint8_t *)(literal), sizeof(literal) - 1
#define MC_LINE_MAX_TEST 8200 /* past the decoder's 8 KiB line limit */

static const struct memcached_message *body(const struct message *m)
{
	return PROTOCOL_BODY_CONST(m, struct memcached_message);
}

static const char *human(const struct message *m, bool request, bool show_secrets)
{
	return decoder_human(&memcached_protocol, m, request, show_secrets);
}

static const char *json(const struct message *m)
{
	return decoder_json(&memcached_protocol, m, false);
}

/* One direction each, through decoder_test.h's engine. */
static struct decoder_run client_run, server_run;
static struct message queue[DECODER_RUN_KEPT];

/* The client run's requests that wait for a reply, in order. */
static unsigned queue_from(const struct decoder_run *run)
{
	unsigned n = 0;

	for (unsigned i = 0; i < decoder_run_kept(run); i++)
		if (run->kept_result[i].role != ROLE_ALONE)
			queue[n++] = run->kept[i];
	return n;
}

static void texts_check(const struct message *m)
{
	const struct memcached_message *mc = body(m);

	CHECK(text_terminated(mc->command, sizeof(mc->command)));
	CHECK(text_terminated(mc->line, sizeof(mc->line)));
	CHECK(text_terminated(mc->key, sizeof(mc->key)));
	CHECK(text_terminated(mc->code, sizeof(mc->code)));
	CHECK(text_terminated(mc->message, sizeof(mc->message)));
	CHECK(text_terminated(mc->opaque_token, sizeof(mc->opaque_token)));
	CHECK(text_terminated(mc->meta_key, sizeof(mc->meta_key)));
	human(m, mc->is_request, false);
	json(m);
}

static uint8_t *seed(const char *name, size_t *len)
{
	uint8_t *buf = seed_read("memcached", name, len);

	if (!buf) {
		fprintf(stderr, "no seed %s\n", name);
		exit(1);
	}
	return buf;
}

static const enum split splits[] = { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_RANDOM, SPLIT_RANDOM,
				     SPLIT_SMALL, SPLIT_SMALL };

/* --- the text and meta session --- */

static unsigned count_of(const uint8_t *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	unsigned count = 0;

	for (size_t i = 0; i + n <= len; i++)
		count += !memcmp(buf + i, needle, n);
	return count;
}

static void test_text_session(void)
{
	size_t c_len, s_len;
	uint8_t *c = seed("client_text_meta_session", &c_len);
	uint8_t *s = seed("server_text_meta_session", &s_len);
	unsigned stat_lines = count_of(s, s_len, "STAT ");

	CHECK_INT(stat_lines, 92);
	for (size_t k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		unsigned n;
		const struct memcached_message *r;

		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, c, c_len, splits[k], (unsigned)k);
		decoder_run_check_all(&client_run, c_len, 29);
		CHECK_INT(client_run.alone, 2);
		CHECK_INT(client_run.kept_result[15].role, ROLE_ALONE);
		CHECK_INT(client_run.kept_result[28].role, ROLE_ALONE);
		CHECK_STR(human(&client_run.kept[15], true, false), "set q 0 0 1 noreply");
		CHECK_INT(client_run.kept_bytes[15], 24);
		CHECK_STR(body(&client_run.kept[28])->command, "quit");
		CHECK_STR(human(&client_run.kept[1], true, false), "get k1 k2 k3");
		CHECK_INT(body(&client_run.kept[1])->n_keys, 3);
		CHECK_STR(body(&client_run.kept[0])->key, "k1");
		CHECK_INT(body(&client_run.kept[0])->value_bytes, 5);
		CHECK_INT(client_run.kept_bytes[0], 21);
		CHECK_INT(body(&client_run.kept[22])->format, MEMCACHED_META);
		CHECK_INT(body(&client_run.kept[21])->value_bytes, 5); /* ms mk 5 T0 F3 */
		CHECK(body(&client_run.kept[24])->noreply);          /* md mk q */
		CHECK_STR(json(&client_run.kept[1]),
			  ",\"format\":\"text\",\"command\":\"get\",\"line\":\"get k1 k2 k3\","
			  "\"key\":\"k1\",\"n_keys\":3,\"value_bytes\":0,\"noreply\":false");
		n = queue_from(&client_run);
		CHECK_INT(n, 27);

		decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
		decoder_run_stream(&server_run, s, s_len, splits[k], (unsigned)k + 100);
		decoder_run_check_all(&server_run, s_len, 27);
		r = body(&server_run.kept[1]);
		CHECK_STR(human(&server_run.kept[1], false, false), "1 hit, 2 misses, 5B");
		CHECK(r->misses_known && r->misses == 2 && r->hits == 1);
		CHECK_INT(server_run.kept_bytes[1], 26);
		CHECK_STR(human(&server_run.kept[0], false, false), "STORED");
		CHECK_STR(human(&server_run.kept[2], false, false), "NOT_STORED");
		CHECK_STR(human(&server_run.kept[6], false, false), "1 hit, 0 misses, 10B");
		CHECK_STR(human(&server_run.kept[7], false, false), "EXISTS");
		CHECK_STR(human(&server_run.kept[9], false, false), "15");
		CHECK(body(&server_run.kept[9])->has_number && body(&server_run.kept[9])->number == 15);
		CHECK_STR(human(&server_run.kept[10], false, false), "12");
		CHECK_STR(human(&server_run.kept[11], false, false), "NOT_FOUND");
		CHECK_STR(human(&server_run.kept[12], false, false), "TOUCHED");
		CHECK_STR(human(&server_run.kept[13], false, false), "DELETED");
		CHECK_INT(body(&server_run.kept[15])->stats, stat_lines);
		CHECK_STR(human(&server_run.kept[15], false, false), "92 stats");
		CHECK_STR(body(&server_run.kept[16])->message, "1.6.18");
		CHECK_STR(human(&server_run.kept[17], false, false), "ERROR");
		CHECK_STR(human(&server_run.kept[18], false, false),
			  "CLIENT_ERROR bad command line format");
		CHECK_STR(body(&server_run.kept[18])->message, "bad command line format");
		CHECK_STR(human(&server_run.kept[19], false, false), "MN");
		CHECK_STR(human(&server_run.kept[20], false, false), "HD");
		CHECK_STR(human(&server_run.kept[21], false, false), "VA 5 f3 t-1");
		CHECK_INT(body(&server_run.kept[21])->value_bytes, 5);
		CHECK_INT(body(&server_run.kept[21])->format, MEMCACHED_META);
		CHECK_STR(human(&server_run.kept[22], false, false), "EN");
		/* md mk q got no reply: the MN after is mn's. */
		CHECK(body(&server_run.kept[23])->no_reply);
		CHECK_INT(server_run.kept_bytes[23], 0);
		CHECK_STR(human(&server_run.kept[23], false, false), "(no reply)");
		CHECK_STR(human(&server_run.kept[24], false, false), "MN");
		CHECK_STR(human(&server_run.kept[25], false, false), "VA 2");
		CHECK_STR(human(&server_run.kept[26], false, false), "OK");
		CHECK_STR(json(&server_run.kept[1]),
			  ",\"format\":\"text\",\"code\":\"VALUE\",\"line\":\"VALUE k1 5 5\","
			  "\"message\":\"\",\"hits\":1,\"misses\":2,\"value_bytes\":5,\"stats\":0");
		CHECK_STR(json(&server_run.kept[23]), ",\"format\":\"meta\",\"no_reply\":true");
	}
	free(c);
	free(s);
}

/* The endpoint and outcome hooks on the recorded sessions' messages. */
static void hooks_check(unsigned i, const char *endpoint, enum outcome outcome,
			const char *status)
{
	char got[STATUS_CLASS_MAX];

	CHECK_STR(decoder_endpoint(&memcached_protocol, &queue[i]), endpoint);
	CHECK_INT(decoder_outcome(&memcached_protocol, &queue[i], &server_run.kept[i], got),
		  outcome);
	CHECK_STR(got, status);
}

static void test_hooks(void)
{
	size_t c_len, s_len;
	uint8_t *c = seed("client_text_meta_session", &c_len);
	uint8_t *s = seed("server_text_meta_session", &s_len);
	char status[STATUS_CLASS_MAX];
	unsigned n;

	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	decoder_run_stream(&client_run, c, c_len, SPLIT_WHOLE, 0);
	n = queue_from(&client_run);
	decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
	decoder_run_stream(&server_run, s, s_len, SPLIT_WHOLE, 0);
	CHECK_INT(server_run.completes, 27);
	hooks_check(0, "set", OUTCOME_OK, "ok");
	hooks_check(1, "get", OUTCOME_OK, "hit");	/* 1 hit, 2 misses */
	hooks_check(2, "add", OUTCOME_OK, "NOT_STORED");
	hooks_check(7, "cas", OUTCOME_OK, "EXISTS");
	hooks_check(9, "incr", OUTCOME_OK, "ok");
	hooks_check(11, "incr", OUTCOME_OK, "NOT_FOUND"); /* of a missing key */
	hooks_check(15, "stats", OUTCOME_OK, "ok");
	hooks_check(17, "bogus", OUTCOME_CLIENT_ERROR, "ERROR");
	hooks_check(18, "set", OUTCOME_CLIENT_ERROR, "CLIENT_ERROR");
	hooks_check(21, "mg", OUTCOME_OK, "hit");
	hooks_check(22, "mg", OUTCOME_OK, "miss");
	hooks_check(23, "md", OUTCOME_OK, "ok"); /* md mk q: quiet, no reply */
	CHECK_INT(decoder_outcome(&memcached_protocol, NULL, &server_run.kept[17], status),
		  OUTCOME_CLIENT_ERROR);
	free(c);
	free(s);

	/* SERVER_ERROR, as memcached writes it for a value too large. */
	{
		static const char request[] = "set big 0 0 1\r\nx\r\n";
		static const char reply[] = "SERVER_ERROR object too large for cache\r\n";

		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, TEXT(request), SPLIT_WHOLE, 0);
		n = queue_from(&client_run);
		decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
		decoder_run_stream(&server_run, TEXT(reply), SPLIT_WHOLE, 0);
		hooks_check(0, "set", OUTCOME_SERVER_ERROR, "SERVER_ERROR");
	}

	c = seed("client_binary_session", &c_len);
	s = seed("server_binary_session", &s_len);
	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	decoder_run_stream(&client_run, c, c_len, SPLIT_WHOLE, 0);
	n = queue_from(&client_run);
	decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
	decoder_run_stream(&server_run, s, s_len, SPLIT_WHOLE, 0);
	hooks_check(0, "SET", OUTCOME_OK, "NO_ERROR");
	hooks_check(2, "GETKQ", OUTCOME_OK, "miss"); /* quiet: no reply */
	hooks_check(4, "GET", OUTCOME_OK, "KEY_ENOENT");
	hooks_check(7, "STAT", OUTCOME_OK, "NO_ERROR");
	free(c);
	free(s);
}

/* --- the binary session --- */

static unsigned binary_stats_in(const uint8_t *buf, size_t len)
{
	unsigned count = 0;

	for (size_t at = 0; at + 24 <= len;) {
		uint32_t body_len = (uint32_t)buf[at + 8] << 24 | (uint32_t)buf[at + 9] << 16 |
				    (uint32_t)buf[at + 10] << 8 | buf[at + 11];

		count += buf[at + 1] == 0x10 && (buf[at + 2] || buf[at + 3]);
		at += 24 + body_len;
	}
	return count;
}

static void test_binary_session(void)
{
	size_t c_len, s_len, m_len;
	uint8_t *c = seed("client_binary_session", &c_len);
	uint8_t *s = seed("server_binary_session", &s_len);
	uint8_t *m = seed("client_memccp_set", &m_len);
	unsigned stats = binary_stats_in(s, s_len);

	CHECK(stats > 80);
	for (size_t k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		unsigned n;

		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, c, c_len, splits[k], (unsigned)k);
		decoder_run_check_all(&client_run, c_len, 8);
		CHECK_INT(client_run.alone, 0);
		CHECK_STR(human(&client_run.kept[0], true, false), "binary SET bk 6B");
		CHECK_STR(human(&client_run.kept[1], true, false), "binary GETKQ bk");
		CHECK(body(&client_run.kept[1])->noreply);
		CHECK_STR(human(&client_run.kept[2], true, false), "binary GETKQ missing");
		CHECK_STR(human(&client_run.kept[3], true, false), "binary NOOP");
		CHECK_STR(human(&client_run.kept[5], true, false), "binary INCREMENT ctr");
		CHECK_INT(body(&client_run.kept[6])->opaque, 7);
		CHECK_STR(human(&client_run.kept[7], true, false), "binary STAT");
		n = queue_from(&client_run);

		decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
		decoder_run_stream(&server_run, s, s_len, splits[k], (unsigned)k + 7);
		decoder_run_check_all(&server_run, s_len, 8);
		CHECK_STR(human(&server_run.kept[0], false, false), "NO_ERROR");
		CHECK_STR(human(&server_run.kept[1], false, false), "NO_ERROR 6B");
		CHECK_STR(body(&server_run.kept[1])->command, "GETKQ");
		CHECK(body(&server_run.kept[2])->no_reply); /* GETKQ missing: quiet miss */
		CHECK_INT(server_run.kept_bytes[2], 0);
		CHECK_STR(body(&server_run.kept[3])->command, "NOOP");
		CHECK_STR(human(&server_run.kept[4], false, false), "KEY_ENOENT \"Not found\"");
		CHECK_INT(body(&server_run.kept[4])->status, 1);
		CHECK_STR(human(&server_run.kept[5], false, false), "NO_ERROR 100");
		CHECK_STR(human(&server_run.kept[6], false, false), "NO_ERROR \"1.6.18\"");
		CHECK_INT(body(&server_run.kept[7])->stats, stats);
		CHECK_INT(server_run.kept_bytes[7], s_len - 24 - 36 - 24 - 33 - 32 - 30);
		CHECK_STR(json(&server_run.kept[4]),
			  ",\"format\":\"binary\",\"command\":\"GET\",\"code\":\"KEY_ENOENT\","
			  "\"message\":\"Not found\",\"hits\":0,\"value_bytes\":9,\"stats\":0,"
			  "\"opcode\":0,\"status\":1,\"opaque\":5");
	}
	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	decoder_run_stream(&client_run, m, m_len, SPLIT_BYTES, 0);
	decoder_run_check_all(&client_run, m_len, 1);
	CHECK_STR(human(&client_run.kept[0], true, false), "binary SET bfile 13B");
	free(c);
	free(s);
	free(m);
}

/* --- a value larger than any buffer, and the request after it --- */

static void test_big_value(void)
{
	static const char head[] = "set big 0 0 1048576\r\n"; /* as pymemcache wrote it */
	static const char reply_head[] = "VALUE big 0 1048576\r\n";
	size_t value = 1048576, total = strlen(head) + value + 2 + 7;
	uint8_t *req = malloc(total), *rep;
	size_t rep_total;
	unsigned n;

	memcpy(req, head, strlen(head));
	memset(req + strlen(head), 'x', value);
	memcpy(req + strlen(head) + value, "\r\nget a\r\n", 9);
	rep_total = strlen(reply_head) + value + 2 + 5 + 21;
	rep = malloc(rep_total);
	memcpy(rep, reply_head, strlen(reply_head));
	memset(rep + strlen(reply_head), 'x', value);
	memcpy(rep + strlen(reply_head) + value, "\r\nEND\r\nVALUE a 0 1\r\n1\r\nEND\r\n", 28);
	for (unsigned k = 2; k < sizeof(splits) / sizeof(splits[0]); k++) {
		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, req, total, splits[k], k);
		decoder_run_check_all(&client_run, total, 2);
		CHECK_INT(body(&client_run.kept[0])->value_bytes, value);
		CHECK_INT(client_run.kept_bytes[0], total - 7);
		CHECK(client_run.skipped > value - 4096); /* skipped, not held */
		CHECK_STR(human(&client_run.kept[1], true, false), "get a");
		n = queue_from(&client_run);
		/* The reply to a get big, then get a's. */
		queue[0] = queue[1];
		strcpy(PROTOCOL_BODY(&queue[0], struct memcached_message)->key, "big");
		decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
		decoder_run_stream(&server_run, rep, rep_total, splits[k], k + 3);
		decoder_run_check_all(&server_run, rep_total, 2);
		CHECK_INT(body(&server_run.kept[0])->value_bytes, value);
		CHECK_INT(server_run.kept_bytes[0], rep_total - 21);
		CHECK_STR(human(&server_run.kept[1], false, false), "1 hit, 0 misses, 1B");
		CHECK(server_run.skipped > value - 4096);
	}
	free(req);
	free(rep);
}

/* --- a get line of 10,000 keys, longer than a piece --- */

static void test_long_get(void)
{
	size_t cap = 120000, len = 0;
	uint8_t *buf = malloc(cap);

	len += (size_t)snprintf((char *)buf, cap, "get");
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf((char *)buf + len, cap - len, " key-%05d", i);
	len += (size_t)snprintf((char *)buf + len, cap - len, "\r\n");
	for (size_t k = 0; k < sizeof(splits) / sizeof(splits[0]); k++) {
		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, buf, len, splits[k], (unsigned)k);
		decoder_run_check_all(&client_run, len, 1);
		CHECK_INT(body(&client_run.kept[0])->n_keys, 10000);
		CHECK_STR(body(&client_run.kept[0])->key, "key-00000");
		CHECK(body(&client_run.kept[0])->line_cut);
		/* Linear: each byte offered about once, however it arrives. */
		CHECK(client_run.offered_new <= 3 * len);
		decoder_run_init(&server_run, &memcached_protocol, false, client_run.kept, 1);
		decoder_run_stream(&server_run, TEXT("END\r\n"), SPLIT_WHOLE, 0);
		CHECK_STR(human(&server_run.kept[0], false, false), "0 hits, 10000 misses");
	}
	{
		char expected[200];

		snprintf(expected, sizeof(expected), "%.127s... (10000 keys)", (const char *)buf);
		CHECK_STR(human(&client_run.kept[0], true, false), expected);
	}
	free(buf);
}

/* --- quiet meta requests: paired with their reply, or with none --- */

static void test_quiet_meta(void)
{
	/* protocol.txt: a batch of quiet gets ended by mn; only the hit
	 * answers, with the opaque it was sent with. */
	static const char requests[] = "mg a q O1 v\r\nmg b q O2 v\r\nmn\r\n";
	static const char replies[] = "VA 1 O2\r\nx\r\nMN\r\n";
	unsigned n;

	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	decoder_run_stream(&client_run, TEXT(requests), SPLIT_WHOLE, 0);
	decoder_run_check_all(&client_run, sizeof(requests) - 1, 3);
	CHECK_STR(body(&client_run.kept[0])->opaque_token, "O1");
	n = queue_from(&client_run);
	CHECK_INT(n, 3);
	for (unsigned k = 0; k < 3; k++) {
		decoder_run_init(&server_run, &memcached_protocol, false, queue, n);
		decoder_run_stream(&server_run, TEXT(replies), splits[k], k);
		decoder_run_check_all(&server_run, sizeof(replies) - 1, 3);
		CHECK(body(&server_run.kept[0])->no_reply);
		CHECK_STR(human(&server_run.kept[1], false, false), "VA 1 O2");
		CHECK_STR(human(&server_run.kept[2], false, false), "MN");
	}
}

/* --- credentials --- */

static void test_secrets(void)
{
	/* memcached -Y: the first storage command's "user password" block
	 * authenticates (after a get it refused); a later one is data. */
	static const char ascii[] = "get a\r\nset auth 0 0 15\r\nalice s3cret-Pw\r\n"
				    "set k 0 0 5\r\nab cd\r\n";
	/* SASL_AUTH PLAIN "\0alice\0s3cret" (protocol_binary.h) */
	static const uint8_t sasl[] = {
		0x80, 0x21, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, /* magic, SASL_AUTH, key 5 */
		0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00, 0x09, /* body 18, opaque 9 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* cas */
		'P',  'L',  'A',  'I',  'N',		        /* key: the mechanism */
		0x00, 'a',  'l',  'i',  'c',  'e',  0x00, 's',  /* value: the credentials */
		'3',  'c',  'r',  'e',  't',
	};

	for (unsigned k = 0; k < 3; k++) {
		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, TEXT(ascii), splits[k], k);
		decoder_run_check_all(&client_run, sizeof(ascii) - 1, 3);
		CHECK_INT(client_run.n_secrets, 1);
		CHECK_INT(client_run.secret_at[0], 24);
		CHECK_INT(client_run.secret_len[0], 15);
		CHECK(body(&client_run.kept[1])->credentials);
		CHECK(!body(&client_run.kept[2])->credentials);
		CHECK_STR(human(&client_run.kept[1], true, false),
			  "set auth 0 0 15 (credentials ***)");
		CHECK(!strstr(json(&client_run.kept[1]), "s3cret"));

		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, sasl, sizeof(sasl), splits[k], k);
		decoder_run_check_all(&client_run, sizeof(sasl), 1);
		CHECK_INT(client_run.n_secrets, 1);
		CHECK_INT(client_run.secret_at[0], 29);
		CHECK_INT(client_run.secret_len[0], 13);
		CHECK_STR(human(&client_run.kept[0], true, false), "binary SASL_AUTH PLAIN ***");
		CHECK(strstr(json(&client_run.kept[0]), "\"credentials\":\"***\""));
	}
}

/* --- prefixes, flips, bad bytes --- */

static void test_prefixes_and_flips(void)
{
	static const struct {
		const char *name;
		bool from_client;
	} seeds[] = {
		{ "client_text_meta_session", true }, { "server_text_meta_session", false },
		{ "client_binary_session", true },    { "server_binary_session", false },
		{ "client_memccp_set", true },
	};
	/* Whole messages of the sessions: no prefix completes, none is invalid. */
	static const struct {
		const uint8_t *buf;
		size_t len;
		bool from_client;
	} whole[] = {
		{ TEXT("set k1 5 0 5\r\nhello\r\n"), true },
		{ TEXT("get k1 k2 k3\r\n"), true },
		{ TEXT("VALUE k1 5 5\r\nhello\r\nEND\r\n"), false },
		{ TEXT("VA 5 f3 t-1\r\nmeta!\r\n"), false },
		{ TEXT("CLIENT_ERROR bad command line format\r\n"), false },
	};
	struct message msg;

	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		for (size_t cut = 0; cut < whole[i].len; cut++) {
			decoder_run_init(&client_run, &memcached_protocol, whole[i].from_client,
					 NULL, 0);
			decoder_run_stream(&client_run, whole[i].buf, cut, SPLIT_WHOLE, 0);
			CHECK_INT(client_run.invalid, 0);
			CHECK_INT(client_run.completes, 0);
		}
		flips_check_decoder(memcached_parse, whole[i].buf, whole[i].len,
				    whole[i].from_client, NULL, &msg, texts_check);
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
		size_t len;
		uint8_t *buf = seed(seeds[i].name, &len);

		for (size_t at = 0; at < len; at++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				uint8_t *flipped = exact_copy(buf, len);

				flipped[at] ^= masks[m];
				decoder_run_init(&client_run, &memcached_protocol,
						 seeds[i].from_client, NULL, 0);
				decoder_run_stream(&client_run, flipped, len, SPLIT_WHOLE, 0);
				free(flipped);
				CHECK(client_run.consumed <= len);
				for (unsigned k = 0; k < decoder_run_kept(&client_run); k++)
					texts_check(&client_run.kept[k]);
			}
		}
		free(buf);
	}
	/* Bad bytes: a clear refusal. */
	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	decoder_run_stream(&client_run, TEXT("get a\x01 b\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(client_run.invalid, 1);
	decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
	/* No CRLF after the 3 bytes. */
	decoder_run_stream(&client_run, TEXT("set k 0 0 3\r\nabcde\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(client_run.invalid, 1);
	decoder_run_init(&server_run, &memcached_protocol, false, NULL, 0);
	decoder_run_stream(&server_run, TEXT("VALUE k x 5\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(server_run.invalid, 1);
	decoder_run_init(&server_run, &memcached_protocol, false, NULL, 0);
	decoder_run_stream(&server_run, TEXT("stored\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(server_run.invalid, 1);
	decoder_run_init(&server_run, &memcached_protocol, false, NULL, 0);
	decoder_run_stream(&server_run,
			   TEXT("\x81\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x04"
				"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
			   SPLIT_WHOLE, 0); /* a key longer than the body */
	CHECK_INT(server_run.invalid, 1);
	{
		uint8_t long_line[MC_LINE_MAX_TEST];

		memset(long_line, 'a', sizeof(long_line));
		memcpy(long_line, "delete ", 7);
		decoder_run_init(&client_run, &memcached_protocol, true, NULL, 0);
		decoder_run_stream(&client_run, long_line, sizeof(long_line), SPLIT_WHOLE, 0);
		CHECK_INT(client_run.invalid, 1);
	}
}

/* --- detection --- */

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(memcached_detect, buf, len, from_client);
}

static unsigned cross_claims, others_seen;

static void other_seed(const char *protocol, const char *name, const uint8_t *buf, size_t len)
{
	bool client = !strncmp(name, "client", 6), server = !strncmp(name, "server", 6);

	if (!strcmp(protocol, "memcached")) {
		/* Ours: memcached claims it from its side, no other protocol does. */
		CHECK(detect(buf, len, client));
		for (unsigned i = 0; i < protocol_count; i++) {
			const struct protocol *p = protocol_registry[i];

			if (p != &memcached_protocol && p->detect &&
			    detect_exact(p->detect, buf, len, client)) {
				fprintf(stderr, "%s claims memcached/%s\n", p->name, name);
				cross_claims++;
			}
		}
		(void)server;
		return;
	}
	others_seen++;
	for (int side = 0; side < 2; side++) {
		if (detect(buf, len, side)) {
			fprintf(stderr, "memcached claims %s/%s (from_client %d)\n", protocol, name,
				side);
			cross_claims++;
		}
	}
}

static void test_detect(void)
{
	CHECK(detect(TEXT("get k1 k2 k3\r\n"), true));
	CHECK(detect(TEXT("set k1 5 0 5\r\nhel"), true));
	CHECK(detect(TEXT("gets k1\r\n"), true));
	CHECK(detect(TEXT("incr n 5\r\n"), true));
	CHECK(detect(TEXT("mg mk v f t\r\n"), true));
	CHECK(detect(TEXT("mn\r\n"), true));
	CHECK(detect(TEXT("stats\r\n"), true));
	CHECK(detect(TEXT("version\r\n"), true));
	CHECK(detect(TEXT("flush_all\r\n"), true));
	CHECK(!detect(TEXT("get\r\n"), true));
	CHECK(!detect(TEXT("set k 0 0\r\n"), true));
	CHECK(!detect(TEXT("get k1"), true)); /* the line is not whole yet */
	CHECK(!detect(TEXT("GET / HTTP/1.1\r\n"), true));
	CHECK(!detect(TEXT("get me a coffee please\n"), false));
	CHECK(!detect(TEXT("hello there\r\n"), true));
	CHECK(!detect(TEXT("STORED\r\n"), true));
	CHECK(!detect(TEXT("*1\r\n$4\r\nPING\r\n"), true));
	CHECK(!detect(TEXT("SSH-2.0-OpenSSH_9.2p1\r\n"), true));
	CHECK(detect(TEXT("STORED\r\n"), false));
	CHECK(detect(TEXT("VALUE k1 5 5\r\nhello\r\nEND\r\n"), false));
	CHECK(detect(TEXT("END\r\n"), false));
	CHECK(detect(TEXT("HD\r\n"), false));
	CHECK(detect(TEXT("VA 5 f3 t-1\r\n"), false));
	CHECK(detect(TEXT("STAT pid 2775\r\n"), false));
	CHECK(detect(TEXT("CLIENT_ERROR bad command line format\r\n"), false));
	CHECK(!detect(TEXT("STORED"), false));
	CHECK(!detect(TEXT("15\r\n"), false)); /* a number alone could be anything */
	CHECK(!detect(TEXT("+OK\r\n"), false));
	CHECK(!detect(TEXT("HTTP/1.1 200 OK\r\n"), false));
	CHECK(!detect(TEXT("get k1\r\n"), false));
	CHECK(!detect(TEXT(""), true));
	CHECK(!detect(TEXT("\x80\x01\x00"), true)); /* a binary header not whole yet */

	cross_claims = others_seen = 0;
	CHECK(seeds_visit(other_seed) > 10);
	CHECK(others_seen > 10);
	CHECK_INT(cross_claims, 0);
}

int main(void)
{
	test_text_session();
	test_hooks();
	test_binary_session();
	test_big_value();
	test_long_get();
	test_quiet_meta();
	test_secrets();
	test_prefixes_and_flips();
	test_detect();
	return check_report("test_decode_memcached");
}
