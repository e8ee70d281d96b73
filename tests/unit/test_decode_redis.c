/*
 * The Redis decoder on recorded bytes, driven the way the engine drives it
 * (decoder_test.h's decoder_run_stream: a message read piece by piece with
 * PARSE_CONTINUE, skipped bytes passed to redis_skipped, ctx->seen after
 * PARSE_NEED_MORE), fed whole, a byte at a time and in random splits.
 * Unless a fixture says otherwise, the bytes were captured on loopback
 * between redis-cli 7.0.15 and redis-server 7.0.15 (a logging TCP proxy
 * between them, one read() per fixture); RESP3 replies came from the same
 * server after HELLO 3. Large inputs (an 8,001-argument RPUSH, a
 * 200,000-element reply) are built here.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "decoder_test.h"
#include "protocols/redis.h"
#include "output/output.h"

/* A string literal as bytes and length, its NUL left out. */
#define TEXT(literal) (const uint8_t *)(literal), sizeof(literal) - 1

static struct message msg;

/* One call on an exact-size heap copy, so that AddressSanitizer sees a
 * read past len. The message body is zeroed first: a new message. */
static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client)
{
	memset(msg.body, 0, sizeof(msg.body));
	decoder_test_flags = 0;
	return parse_exact(redis_parse, buf, len, from_client, NULL, &msg);
}

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(redis_detect, buf, len, from_client);
}

static const struct redis_message *body(const struct message *m)
{
	return PROTOCOL_BODY_CONST(m, struct redis_message);
}

static const char *human(const struct message *m, bool request, bool show_secrets)
{
	return decoder_human(&redis_protocol, m, request, show_secrets);
}

static const char *json(const struct message *m, bool show_secrets)
{
	return decoder_json(&redis_protocol, m, show_secrets);
}

/* One direction each (run_b answers run_a's requests). */
static struct decoder_run run_a, run_b;

/* redis-cli SET greeting hello */
static const uint8_t set_request[] = {
	'*', '3', '\r', '\n',                                       /* array of 3 */
	'$', '3', '\r', '\n', 'S', 'E', 'T', '\r', '\n',            /* bulk "SET" */
	'$', '8', '\r', '\n', 'g', 'r', 'e', 'e', 't', 'i', 'n', 'g',
	'\r', '\n',                                                 /* bulk "greeting" */
	'$', '5', '\r', '\n', 'h', 'e', 'l', 'l', 'o', '\r', '\n', /* bulk "hello" */
};
/* its reply: simple string OK */
static const uint8_t ok_reply[] = {
	'+', 'O', 'K', '\r', '\n',
};
/* redis-cli GET greeting */
static const uint8_t get_request[] = {
	'*', '2', '\r', '\n',                                       /* array of 2 */
	'$', '3', '\r', '\n', 'G', 'E', 'T', '\r', '\n',            /* bulk "GET" */
	'$', '8', '\r', '\n', 'g', 'r', 'e', 'e', 't', 'i', 'n', 'g',
	'\r', '\n',                                                 /* bulk "greeting" */
};
/* its reply: bulk string of 5 bytes */
static const uint8_t bulk_reply[] = {
	'$', '5', '\r', '\n', 'h', 'e', 'l', 'l', 'o', '\r', '\n',
};
/* redis-cli GET missing, reply: the RESP2 null bulk string */
static const uint8_t null_reply[] = {
	'$', '-', '1', '\r', '\n',
};
/* redis-cli INCR counter, reply: integer 1 */
static const uint8_t int_reply[] = {
	':', '1', '\r', '\n',
};
/* redis-cli FOO bar, reply: simple error (with the server's trailing blank) */
static const uint8_t err_reply[] = {
	'-', 'E', 'R', 'R', ' ', 'u', 'n', 'k', 'n', 'o', 'w', 'n',
	' ', 'c', 'o', 'm', 'm', 'a', 'n', 'd', ' ', '\'', 'F', 'O',
	'O', '\'', ',', ' ', 'w', 'i', 't', 'h', ' ', 'a', 'r', 'g',
	's', ' ', 'b', 'e', 'g', 'i', 'n', 'n', 'i', 'n', 'g', ' ',
	'w', 'i', 't', 'h', ':', ' ', '\'', 'b', 'a', 'r', '\'', ' ',
	'\r', '\n',
};
/* redis-cli SCAN 0, reply: [cursor "0", [keys]] - an array in an array */
static const uint8_t scan_reply[] = {
	'*', '2', '\r', '\n',                                       /* array of 2 */
	'$', '1', '\r', '\n', '0', '\r', '\n',                      /* cursor "0" */
	'*', '2', '\r', '\n',                                       /* array of 2 keys */
	'$', '7', '\r', '\n', 'c', 'o', 'u', 'n', 't', 'e', 'r', '\r',
	'\n',                                                       /* "counter" */
	'$', '8', '\r', '\n', 'g', 'r', 'e', 'e', 't', 'i', 'n', 'g',
	'\r', '\n',                                                 /* "greeting" */
};
/* SET a 1 and GET a sent in one write() by a pipelining client, then the
 * two replies as the server wrote them, in one read() */
static const uint8_t pipelined[] = {
	'*', '3', '\r', '\n',                                       /* SET: 27 bytes */
	'$', '3', '\r', '\n', 'S', 'E', 'T', '\r', '\n',
	'$', '1', '\r', '\n', 'a', '\r', '\n',
	'$', '1', '\r', '\n', '1', '\r', '\n',
	'*', '2', '\r', '\n',                                       /* GET: 20 bytes */
	'$', '3', '\r', '\n', 'G', 'E', 'T', '\r', '\n',
	'$', '1', '\r', '\n', 'a', '\r', '\n',
};
static const uint8_t pipelined_replies[] = {
	'+', 'O', 'K', '\r', '\n',                                  /* OK */
	'$', '1', '\r', '\n', '1', '\r', '\n',                      /* "1" */
};
/* An inline command, as a health check's "printf 'PING\r\n' | nc" sends it */
static const uint8_t ping_inline[] = {
	'P', 'I', 'N', 'G', '\r', '\n',
};
/* redis-cli -x SET big < (100000 'x'): the 31 bytes before the value */
static const uint8_t big_head[] = {
	'*', '3', '\r', '\n',                                       /* array of 3 */
	'$', '3', '\r', '\n', 'S', 'E', 'T', '\r', '\n',            /* "SET" */
	'$', '3', '\r', '\n', 'b', 'i', 'g', '\r', '\n',            /* "big" */
	'$', '1', '0', '0', '0', '0', '0', '\r', '\n',              /* 100000 bytes follow */
};
/* HELLO 3, reply: a RESP3 map of 7 pairs */
static const uint8_t hello3_reply[] = {
	'%', '7', '\r', '\n',                                       /* map of 7 pairs */
	'$', '6', '\r', '\n', 's', 'e', 'r', 'v', 'e', 'r', '\r', '\n',
	'$', '5', '\r', '\n', 'r', 'e', 'd', 'i', 's', '\r', '\n',
	'$', '7', '\r', '\n', 'v', 'e', 'r', 's', 'i', 'o', 'n', '\r',
	'\n',
	'$', '6', '\r', '\n', '7', '.', '0', '.', '1', '5', '\r', '\n',
	'$', '5', '\r', '\n', 'p', 'r', 'o', 't', 'o', '\r', '\n',
	':', '3', '\r', '\n',                                       /* proto: integer 3 */
	'$', '2', '\r', '\n', 'i', 'd', '\r', '\n',
	':', '1', '3', '\r', '\n',
	'$', '4', '\r', '\n', 'm', 'o', 'd', 'e', '\r', '\n',
	'$', '1', '0', '\r', '\n', 's', 't', 'a', 'n', 'd', 'a', 'l',
	'o', 'n', 'e', '\r', '\n',
	'$', '4', '\r', '\n', 'r', 'o', 'l', 'e', '\r', '\n',
	'$', '6', '\r', '\n', 'm', 'a', 's', 't', 'e', 'r', '\r', '\n',
	'$', '7', '\r', '\n', 'm', 'o', 'd', 'u', 'l', 'e', 's', '\r',
	'\n',
	'*', '0', '\r', '\n',                                       /* modules: empty array */
};
/* RESP3 SMEMBERS s: a set */
static const uint8_t set_reply[] = {
	'~', '2', '\r', '\n',
	'$', '1', '\r', '\n', 'b', '\r', '\n',
	'$', '1', '\r', '\n', 'a', '\r', '\n',
};
/* RESP3 ZSCORE z m: a double; GET missing: the RESP3 null; EVAL returning
 * true: a boolean; EVAL returning {big_number=...}: a big number */
static const uint8_t double_reply[] = { ',', '1', '.', '5', '\r', '\n' };
static const uint8_t resp3_null[] = { '_', '\r', '\n' };
static const uint8_t bool_reply[] = { '#', 't', '\r', '\n' };
static const uint8_t bignum_reply[] = {
	'(', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1',
	'2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '3',
	'4', '5', '6', '7', '8', '9', '0', '\r', '\n',
};
/* Hand-written from the RESP3 spec: a verbatim string (format "txt"), and a
 * reply with an attribute map in front of the array it annotates */
static const uint8_t verbatim_reply[] = {
	'=', '1', '5', '\r', '\n',
	't', 'x', 't', ':', 'S', 'o', 'm', 'e', ' ', 's', 't', 'r',
	'i', 'n', 'g', '\r', '\n',
};
static const uint8_t attribute_reply[] = {
	'|', '1', '\r', '\n',                                       /* attribute, 1 pair */
	'+', 'k', 'e', 'y', '-', 'p', 'o', 'p', 'u', 'l', 'a', 'r',
	'i', 't', 'y', '\r', '\n',                                  /* key */
	'%', '2', '\r', '\n',                                       /* value: map of 2 */
	'$', '1', '\r', '\n', 'a', '\r', '\n',
	',', '0', '.', '1', '9', '2', '3', '\r', '\n',
	'$', '1', '\r', '\n', 'b', '\r', '\n',
	',', '0', '.', '0', '0', '1', '2', '\r', '\n',
	'*', '2', '\r', '\n',                                       /* the reply itself */
	':', '2', '0', '3', '9', '1', '2', '3', '\r', '\n',
	':', '9', '5', '4', '3', '8', '9', '2', '\r', '\n',
};


struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
	bool from_client;
};

#define FIXTURE(array, side) { #array, array, sizeof(array), side }

static const struct fixture whole_messages[] = {
	FIXTURE(set_request, true),   FIXTURE(get_request, true),   FIXTURE(ping_inline, true),
	FIXTURE(ok_reply, false),     FIXTURE(bulk_reply, false),   FIXTURE(null_reply, false),
	FIXTURE(int_reply, false),    FIXTURE(err_reply, false),    FIXTURE(scan_reply, false),
	FIXTURE(hello3_reply, false), FIXTURE(set_reply, false),    FIXTURE(double_reply, false),
	FIXTURE(resp3_null, false),   FIXTURE(bool_reply, false),   FIXTURE(bignum_reply, false),
	FIXTURE(verbatim_reply, false), FIXTURE(attribute_reply, false),
};

static void test_requests(void)
{
	struct parse_result result;
	const struct redis_message *redis = body(&msg);

	result = parse(set_request, sizeof(set_request), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(set_request));
	CHECK_INT(result.skip, 0);
	CHECK(redis->is_request);
	CHECK_STR(redis->command, "SET");
	CHECK_INT(redis->n_args, 2);
	CHECK_STR(redis->args[0], "greeting");
	CHECK_STR(redis->args[1], "hello");
	CHECK_STR(redis->args[2], "");
	CHECK_STR(human(&msg, true, false), "SET greeting hello");
	CHECK_STR(json(&msg, false), ",\"command\":\"SET\",\"args\":[\"greeting\",\"hello\"],\"n_args\":2");

	result = parse(get_request, sizeof(get_request), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(get_request));
	CHECK_STR(redis->command, "GET");
	CHECK_INT(redis->n_args, 1);
	CHECK_STR(redis->args[0], "greeting");

	/* Command names are upper-cased and cut to 31 bytes. */
	result = parse(TEXT("*1\r\n$4\r\nping\r\n"), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(redis->command, "PING");
	CHECK_INT(redis->n_args, 0);
	result = parse(TEXT("*1\r\n$40\r\nabcdefghijklmnopqrstuvwxyz0123456789abcd\r\n"), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(redis->command, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01...");

	/* Only the first DECODER_MAX_ARGS arguments are kept; all are counted. */
	static const char mset[] = "*6\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n"
				   "$1\r\n2\r\n$1\r\nc\r\n";
	result = parse((const uint8_t *)mset, sizeof(mset) - 1, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(mset) - 1);
	CHECK_INT(redis->n_args, 5);
	CHECK_STR(redis->args[0], "a");
	CHECK_STR(redis->args[3], "2");
	CHECK_STR(human(&msg, true, false), "MSET a 1 b 2 (+1 args)");

	/* An argument of 63 bytes fits TEXT_SHORT; of 64, it is cut to 60 and "...". */
	char req[128], want[64];
	memset(want, 'v', 63);
	want[63] = '\0';
	snprintf(req, sizeof(req), "*2\r\n$4\r\nECHO\r\n$63\r\n%s\r\n", want);
	result = parse((const uint8_t *)req, strlen(req), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(redis->args[0], want);
	snprintf(req, sizeof(req), "*2\r\n$4\r\nECHO\r\n$64\r\n%sv\r\n", want);
	result = parse((const uint8_t *)req, strlen(req), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	memcpy(want + 60, "...", 4);
	CHECK_STR(redis->args[0], want);

	/* Arguments are raw bytes: the output escapes them. */
	result = parse(TEXT("*2\r\n$3\r\nGET\r\n$3\r\n\x1b[m\r\n"), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(redis->args[0], "\x1b[m");
	CHECK_STR(human(&msg, true, false), "GET \\x1b[m");

	/* Empty arrays are skipped, as Redis does. */
	result = parse(TEXT("*0\r\n"), true);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 4);
	result = parse(TEXT("*-1\r\n"), true);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 5);

	/* A request stops where its pieces stop: what is whole is consumed. */
	result = parse(set_request, 20, true);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed, 13); /* "*3\r\n$3\r\nSET\r\n" */
	CHECK_STR(redis->command, "SET");
}

static void test_inline(void)
{
	struct parse_result result;
	const struct redis_message *redis = body(&msg);

	result = parse(ping_inline, sizeof(ping_inline), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 6);
	CHECK_STR(redis->command, "PING");
	CHECK_INT(redis->n_args, 0);
	CHECK(redis->inline_command);

	/* Words split on blanks, quotes keep theirs, a bare LF ends the line. */
	static const char set_quoted[] = "set k  \"hello world\"\nPING\r\n";
	result = parse((const uint8_t *)set_quoted, sizeof(set_quoted) - 1, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 21);
	CHECK_STR(redis->command, "SET");
	CHECK_INT(redis->n_args, 2);
	CHECK_STR(redis->args[0], "k");
	CHECK_STR(redis->args[1], "hello world");

	result = parse(TEXT("\r\n"), true);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 2);

	result = parse(TEXT("PI\x01G\r\n"), true);
	CHECK_INT(result.state, PARSE_INVALID);
	result = parse(TEXT("\x16\x03\x01\x02\x00"), true);
	CHECK_INT(result.state, PARSE_INVALID);

	/* Many words: all counted. */
	static char words[8 * 1024];
	size_t n = (size_t)snprintf(words, sizeof(words), "RPUSH l");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(words + n, sizeof(words) - n, " %d", i);
	n += (size_t)snprintf(words + n, sizeof(words) - n, "\r\n");
	decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
	decoder_run_stream(&run_a, (const uint8_t *)words, n, SPLIT_BYTES, 0);
	decoder_run_check_all(&run_a, n, 1);
	CHECK_INT(body(&run_a.kept[0])->n_args, 1001);
	CHECK_STR(human(&run_a.kept[0], true, false), "RPUSH l 0 1 2 (+997 args)");
	/* A byte at a time, each call looks at the new byte only. */
	CHECK_INT(run_a.offered_new, n);
}

static void test_replies(void)
{
	struct parse_result result;
	const struct redis_message *redis = body(&msg);
	static const struct {
		const uint8_t *buf;
		size_t len;
		const char *type, *reply, *human;
		uint64_t n_elements;
	} cases[] = {
		{ ok_reply, sizeof(ok_reply), "status", "OK", "OK", 0 },
		{ bulk_reply, sizeof(bulk_reply), "bulk", "hello", "bulk \"hello\"", 0 },
		{ null_reply, sizeof(null_reply), "null", "", "null", 0 },
		{ int_reply, sizeof(int_reply), "integer", "1", "integer 1", 0 },
		{ err_reply, sizeof(err_reply), "error",
		  "ERR unknown command 'FOO', with args beginning with: 'bar' ",
		  "error \"ERR unknown command 'FOO', with args beginning with: 'bar' \"", 0 },
		{ scan_reply, sizeof(scan_reply), "array", "", "array of 2 [\"0\", array of 2]", 2 },
		{ hello3_reply, sizeof(hello3_reply), "map", "",
		  "map of 7 [\"server\", \"redis\", \"version\", \"7.0.15\", ...]", 7 },
		{ set_reply, sizeof(set_reply), "set", "", "set of 2 [\"b\", \"a\"]", 2 },
		{ double_reply, sizeof(double_reply), "double", "1.5", "double 1.5", 0 },
		{ resp3_null, sizeof(resp3_null), "null", "", "null", 0 },
		{ bool_reply, sizeof(bool_reply), "boolean", "true", "boolean true", 0 },
		{ bignum_reply, sizeof(bignum_reply), "bignum", "123456789012345678901234567890",
		  "bignum 123456789012345678901234567890", 0 },
		{ verbatim_reply, sizeof(verbatim_reply), "verbatim", "Some string",
		  "verbatim \"Some string\"", 0 },
		/* The attribute is skipped; the value it annotates is reported. */
		{ attribute_reply, sizeof(attribute_reply), "array", "",
		  "array of 2 [2039123, 9543892]", 2 },
		/* Hand-written. */
		{ TEXT("*-1\r\n"), "null", "", "null", 0 },
		{ TEXT("*0\r\n"), "array", "", "array of 0", 0 },
		{ TEXT("*1\r\n*0\r\n"), "array", "", "array of 1 [array of 0]", 1 },
		{ TEXT("*1\r\n$-1\r\n"), "array", "", "array of 1 [nil]", 1 },
		{ TEXT("*3\r\n+OK\r\n-ERR x\r\n_\r\n"), "array", "",
		  "array of 3 [OK, error \"ERR x\", nil]", 3 },
		{ TEXT("!21\r\nSYNTAX invalid syntax\r\n"), "error", "SYNTAX invalid syntax",
		  "error \"SYNTAX invalid syntax\"", 0 },
		{ TEXT(":-9223372036854775808\r\n"), "integer", "-9223372036854775808",
		  "integer -9223372036854775808", 0 },
		{ TEXT("$0\r\n\r\n"), "bulk", "", "bulk \"\"", 0 },
		{ TEXT(",-inf\r\n"), "double", "-inf", "double -inf", 0 },
		{ TEXT("|1\r\n+a\r\n+b\r\n*2\r\n|1\r\n+c\r\n+d\r\n:1\r\n:2\r\n"), "array", "",
		  "array of 2 [1, 2]", 2 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		result = parse(cases[i].buf, cases[i].len, false);
		CHECK_INT(result.state, PARSE_COMPLETE);
		CHECK_INT(result.consumed, cases[i].len);
		CHECK_INT(result.skip, 0);
		CHECK(!result.unsolicited);
		CHECK(!redis->is_request);
		CHECK_STR(redis->reply_type, cases[i].type);
		CHECK_STR(redis->reply, cases[i].reply);
		CHECK_INT(redis->n_elements, cases[i].n_elements);
		CHECK_STR(human(&msg, false, false), cases[i].human);
	}

	/* A long status line is cut to TEXT_LONG with "...". */
	char long_line[400], want[TEXT_LONG];
	long_line[0] = '+';
	memset(long_line + 1, 's', 300);
	memcpy(long_line + 301, "\r\n", 2);
	result = parse((const uint8_t *)long_line, 303, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	memset(want, 's', TEXT_LONG - 4);
	memcpy(want + TEXT_LONG - 4, "...", 4);
	CHECK_STR(redis->reply, want);

	/* JSON: the same fields, keys always there. */
	parse(scan_reply, sizeof(scan_reply), false);
	CHECK_STR(json(&msg, false), ",\"reply_type\":\"array\",\"reply\":\"\",\"n_elements\":2,"
				     "\"elements\":[\"0\",\"array of 2\"]");
	parse(TEXT("*2\r\n$-1\r\n:5\r\n"), false);
	CHECK_STR(json(&msg, false), ",\"reply_type\":\"array\",\"reply\":\"\",\"n_elements\":2,"
				     "\"elements\":[null,\"5\"]");
	parse(ok_reply, sizeof(ok_reply), false);
	CHECK_STR(json(&msg, false), ",\"reply_type\":\"status\",\"reply\":\"OK\",\"n_elements\":0,"
				     "\"elements\":[]");
}

static void test_pipelined(void)
{
	struct parse_result result;
	const struct redis_message *redis = body(&msg);

	/* The first message consumes exactly its bytes; the second follows. */
	result = parse(pipelined, sizeof(pipelined), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 27);
	CHECK_STR(redis->command, "SET");
	CHECK_STR(redis->args[1], "1");
	result = parse(pipelined + 27, sizeof(pipelined) - 27, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 20);
	CHECK_STR(redis->command, "GET");
	CHECK_STR(redis->args[0], "a");
	CHECK_STR(redis->args[1], "");

	result = parse(pipelined_replies, sizeof(pipelined_replies), false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 5);
	CHECK_STR(redis->reply, "OK");
	result = parse(pipelined_replies + 5, sizeof(pipelined_replies) - 5, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 7);
	CHECK_STR(redis->reply_type, "bulk");
	CHECK_STR(redis->reply, "1");

	/* Split anywhere: the same two messages, each of its own size. */
	for (unsigned seed = 0; seed < 50; seed++) {
		decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
		decoder_run_stream(&run_a, pipelined, sizeof(pipelined), SPLIT_SMALL, seed);
		decoder_run_check_all(&run_a, sizeof(pipelined), 2);
		CHECK_INT(run_a.kept_bytes[0], 27);
		CHECK_INT(run_a.kept_bytes[1], 20);
		CHECK_STR(human(&run_a.kept[1], true, false), "GET a");
	}
}

/* The SET big request whole: 31 + 100000 + 2 bytes. */
#define BIG_VALUE 100000
#define BIG_TOTAL (sizeof(big_head) + BIG_VALUE + 2)
static uint8_t big[BIG_TOTAL];

static void test_big_bulk(void)
{
	struct parse_result result;
	const struct redis_message *redis = body(&msg);
	char want[TEXT_LONG];

	memcpy(big, big_head, sizeof(big_head));
	memset(big + sizeof(big_head), 'x', BIG_VALUE);
	memcpy(big + BIG_TOTAL - 2, "\r\n", 2);
	memset(want, 'x', 60);
	memcpy(want + 60, "...", 4);

	/* As captured: the first read() held 65536 bytes, the second 34497. */
	CHECK_INT(BIG_TOTAL, 65536 + 34497);
	result = parse(big, 65536, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 65536);
	CHECK_INT(result.skip, 34497);
	CHECK_STR(redis->command, "SET");
	CHECK_INT(redis->n_args, 2);
	CHECK_STR(redis->args[0], "big");
	CHECK_STR(redis->args[1], want);

	result = parse(big, BIG_TOTAL, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, BIG_TOTAL);
	CHECK_INT(result.skip, 0);
	CHECK_STR(redis->args[1], want);

	/* From the big value's header on, every cut ends the message: consumed
	 * + skip is its whole length. */
	static const size_t cuts[] = { 31, 32, 31 + 256, 1000, 65535, BIG_TOTAL - 3,
				       BIG_TOTAL - 2, BIG_TOTAL - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		result = parse(big, cuts[i], true);
		CHECK_INT(result.state, PARSE_COMPLETE);
		CHECK_INT(result.consumed, cuts[i]);
		CHECK_INT(result.consumed + result.skip, BIG_TOTAL);
	}
	/* The CR after the value, when it is there, is still checked. */
	big[BIG_TOTAL - 2] = 'y';
	CHECK_INT(parse(big, BIG_TOTAL - 1, true).state, PARSE_INVALID);
	CHECK_INT(parse(big, BIG_TOTAL - 2, true).state, PARSE_COMPLETE);
	big[BIG_TOTAL - 2] = '\r';

	/* Any split: one message, its bytes once, the value's first bytes shown
	 * (from buf, or through redis_skipped when its header ended a chunk). */
	for (unsigned seed = 0; seed < 40; seed++) {
		decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
		decoder_run_stream(&run_a, big, BIG_TOTAL, seed < 20 ? SPLIT_SMALL : SPLIT_RANDOM,
				   seed);
		decoder_run_check_all(&run_a, BIG_TOTAL, 1);
		CHECK_STR(body(&run_a.kept[0])->args[1], want);
		CHECK_INT(run_a.kept_bytes[0], BIG_TOTAL);
	}

	/* A big argument with more after it: read on, skipped, then the rest. */
	static const char key_first[] = "*3\r\n$3\r\nSET\r\n$100000\r\n";
	memcpy(big, key_first, sizeof(key_first) - 1);
	result = parse(big, 5000, true);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed, 5000);
	CHECK_INT(result.skip, 100002 - (5000 - 22));
	memcpy(big, big_head, sizeof(big_head));

	/* A big reply (GET big), the same bytes from "$100000\r\n" on. */
	result = parse(big + 22, 65536 - 22, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 65536 - 22);
	CHECK_INT(result.consumed + result.skip, 9 + BIG_VALUE + 2);
	CHECK_STR(redis->reply_type, "bulk");
	CHECK_INT(redis->value_len, BIG_VALUE);
	memset(want, 'x', TEXT_LONG - 4);
	memcpy(want + TEXT_LONG - 4, "...", 4);
	CHECK_STR(redis->reply, want);
	CHECK(!strncmp(human(&msg, false, false), "bulk 100000B \"xxxx", 18));
	/* Its header alone: the value's first bytes come through skipped. */
	result = parse(big + 22, 9, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.skip, BIG_VALUE + 2);
	CHECK_STR(redis->reply, "...");
	redis_skipped(&msg, NULL, (const uint8_t *)"abc", 3, 0);
	CHECK_STR(redis->reply, "abc...");
	redis_skipped(&msg, NULL, big + 31, 1000, 0);
	CHECK_STR(redis->reply + 3, want + 3);
	CHECK(!strncmp(redis->reply, "abc", 3));
	redis_skipped(&msg, NULL, (const uint8_t *)"zz", 2, 0); /* past the field: no change */
	CHECK(!strncmp(redis->reply, "abc", 3));
	CHECK_INT(strlen(redis->reply), TEXT_LONG - 1);
	/* ... also as the last element of an array. */
	memcpy(big + 18, "*1\r\n", 4);
	result = parse(big + 18, 5000, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed + result.skip, 4 + 9 + BIG_VALUE + 2);
	memset(want, 'x', 60);
	memcpy(want + 60, "...", 4);
	CHECK_STR(redis->elements[0], want);
	/* ... and before another one: the message goes on after the skip. */
	memcpy(big + 18, "*2\r\n", 4);
	result = parse(big + 18, 5000, false);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed + result.skip, 4 + 9 + BIG_VALUE + 2);
	memcpy(big, big_head, sizeof(big_head));
}

/* RPUSH list v0 .. v7999: 8,001 arguments, about 70 KB. */
static uint8_t rpush[128 * 1024];

static size_t rpush_build(void)
{
	size_t n = (size_t)snprintf((char *)rpush, sizeof(rpush),
				    "*8002\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n");

	for (int i = 0; i < 8000; i++) {
		char value[16];
		int len = snprintf(value, sizeof(value), "v%d", i);

		n += (size_t)snprintf((char *)rpush + n, sizeof(rpush) - n, "$%d\r\n%s\r\n", len,
				      value);
	}
	return n;
}

static void test_many_arguments(void)
{
	size_t total = rpush_build();
	static const enum split splits[] = { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_SMALL, SPLIT_RANDOM,
					     SPLIT_RANDOM, SPLIT_RANDOM };

	CHECK(total > 65536);
	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
		decoder_run_stream(&run_a, rpush, total, splits[i], (unsigned)i);
		decoder_run_check_all(&run_a, total, 1);
		CHECK_INT(run_a.kept_bytes[0], total);
		CHECK_INT(body(&run_a.kept[0])->n_args, 8001);
		CHECK_STR(human(&run_a.kept[0], true, false), "RPUSH list v0 v1 v2 (+7997 args)");
		/* Linear: at most one call per byte, each byte looked at a
		 * bounded number of times. */
		CHECK(run_a.calls <= total);
		CHECK(run_a.offered_new <= 2 * total);
		if (splits[i] == SPLIT_BYTES)
			CHECK_INT(run_a.offered_new, total);
	}
}

/* A reply of 200,000 elements (bulk, integer, array, status, in turn), built here. */
#define HUGE_ELEMENTS 200000
static uint8_t *huge;

static size_t huge_build(void)
{
	size_t cap = 32u * HUGE_ELEMENTS, n;

	huge = malloc(cap);
	if (!huge)
		abort();
	n = (size_t)snprintf((char *)huge, cap, "*%d\r\n", HUGE_ELEMENTS);
	for (int i = 0; i < HUGE_ELEMENTS; i++) {
		char value[16];
		int len;

		switch (i % 4) {
		case 0:
			len = snprintf(value, sizeof(value), "e%d", i);
			n += (size_t)snprintf((char *)huge + n, cap - n, "$%d\r\n%s\r\n", len, value);
			break;
		case 1:
			n += (size_t)snprintf((char *)huge + n, cap - n, ":%d\r\n", i);
			break;
		case 2:
			n += (size_t)snprintf((char *)huge + n, cap - n, "*2\r\n$1\r\na\r\n:1\r\n");
			break;
		default:
			n += (size_t)snprintf((char *)huge + n, cap - n, "+OK\r\n");
			break;
		}
	}
	return n;
}

static void test_huge_array(void)
{
	size_t total = huge_build();
	static const enum split splits[] = { SPLIT_BYTES, SPLIT_SMALL, SPLIT_RANDOM,
					     SPLIT_RANDOM };
	clock_t start = clock();

	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		decoder_run_init(&run_a, &redis_protocol, false, NULL, 0);
		decoder_run_stream(&run_a, huge, total, splits[i], (unsigned)i + 7);
		decoder_run_check_all(&run_a, total, 1);
		CHECK_INT(run_a.kept_bytes[0], total);
		CHECK_INT(body(&run_a.kept[0])->n_elements, HUGE_ELEMENTS);
		CHECK_STR(human(&run_a.kept[0], false, false),
			  "array of 200000 [\"e0\", 1, array of 2, OK, ...]");
		CHECK(run_a.calls <= total);
		CHECK(run_a.offered_new <= 2 * total);
		if (splits[i] == SPLIT_BYTES)
			CHECK_INT(run_a.offered_new, total);
	}
	/* About 5.4 MB parsed in all (2.4 million calls a byte at a time):
	 * linear, well under a second even with sanitizers. */
	CHECK((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
	free(huge);
}

/* An array of 1000 arrays [1000-byte bulk, integer, empty array], ~1 MB. */
static void test_nested_big(void)
{
	size_t cap = 1100u * 1000 + 64, total;
	uint8_t *nested = malloc(cap);
	char want[TEXT_SHORT];

	if (!nested)
		abort();
	total = (size_t)snprintf((char *)nested, cap, "*1000\r\n");
	for (int i = 0; i < 1000; i++) {
		total += (size_t)snprintf((char *)nested + total, cap - total, "*3\r\n$1000\r\n");
		memset(nested + total, 'y', 1000);
		total += 1000;
		total += (size_t)snprintf((char *)nested + total, cap - total, "\r\n:%d\r\n*0\r\n", i);
	}
	for (unsigned seed = 0; seed < 6; seed++) {
		decoder_run_init(&run_a, &redis_protocol, false, NULL, 0);
		decoder_run_stream(&run_a, nested, total, seed < 3 ? SPLIT_RANDOM : SPLIT_SMALL,
				   seed);
		decoder_run_check_all(&run_a, total, 1);
		CHECK(run_a.skipped > 0);
		CHECK_STR(human(&run_a.kept[0], false, false),
			  "array of 1000 [array of 3, array of 3, array of 3, array of 3, ...]");
	}
	/* A bulk of 1000 as an element keeps its first bytes, from buf or
	 * through redis_skipped, however it is split. */
	total = (size_t)snprintf((char *)nested, cap, "*1\r\n$1000\r\n");
	memset(nested + total, 'y', 1000);
	total += 1000;
	memcpy(nested + total, "\r\n", 2);
	total += 2;
	memset(want, 'y', 60);
	memcpy(want + 60, "...", 4);
	for (unsigned seed = 0; seed < 40; seed++) {
		decoder_run_init(&run_a, &redis_protocol, false, NULL, 0);
		decoder_run_stream(&run_a, nested, total, SPLIT_SMALL, seed);
		decoder_run_check_all(&run_a, total, 1);
		CHECK_STR(body(&run_a.kept[0])->elements[0], want);
	}
	free(nested);
}

static void test_limits(void)
{
	char buf[256];
	size_t len;

	/* 32 arrays deep is fine; 33 is not Redis. */
	len = 0;
	for (int i = 0; i < REDIS_MAX_DEPTH; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "*1\r\n");
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ":1\r\n");
	CHECK_INT(parse((const uint8_t *)buf, len, false).state, PARSE_COMPLETE);
	CHECK_INT(parse((const uint8_t *)buf, len, false).consumed, len);
	memmove(buf + 4, buf, len);
	len += 4;
	CHECK_INT(parse((const uint8_t *)buf, len, false).state, PARSE_INVALID);
	/* Requests are flat. */
	CHECK_INT(parse(TEXT("*1\r\n*1\r\n$1\r\na\r\n"), true).state, PARSE_INVALID);

	/* Counts up to INT32_MAX elements, bulk strings up to 512 MiB. */
	CHECK_INT(parse(TEXT("*2147483647\r\n"), false).state, PARSE_CONTINUE);
	CHECK_INT(parse(TEXT("*2147483648\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*2147483647\r\n"), true).state, PARSE_CONTINUE);
	CHECK_INT(parse(TEXT("*2147483648\r\n"), true).state, PARSE_INVALID);
	struct parse_result result = parse(TEXT("$536870912\r\n"), false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.skip, 536870914);
	CHECK_INT(parse(TEXT("$536870913\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*1\r\n$536870913\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$99999999999999999999\r\n"), false).state, PARSE_INVALID);

	/* Malformed: negative lengths, streamed RESP3, junk types and lines. */
	CHECK_INT(parse(TEXT("$-2\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("~-1\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$?\r\n;4\r\nHell\r\n;0\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*?\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("HTTP/1.1 200 OK\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT(":12a\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT(",1.5x\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("(12a\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("+OK\nmore\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("#x\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$3\r\nabcd\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*1\r\n:1\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*1\r\n$-1\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*-2\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT(""), false).state, PARSE_NEED_MORE);

	/* A line with no end in 64 KiB is not Redis. */
	static uint8_t long_line[70000];
	memset(long_line, 'a', sizeof(long_line));
	long_line[0] = '+';
	CHECK_INT(parse(long_line, sizeof(long_line), false).state, PARSE_INVALID);
	CHECK_INT(parse(long_line, 1000, false).state, PARSE_NEED_MORE);
	long_line[0] = 'P';
	CHECK_INT(parse(long_line, sizeof(long_line), true).state, PARSE_INVALID);
}

/* A 60 KB line arriving a byte at a time costs linear time (ctx->seen). */
static void test_drip(void)
{
	static uint8_t line_bytes[60003];
	const size_t n = sizeof(line_bytes);
	clock_t start = clock();

	line_bytes[0] = '+';
	memset(line_bytes + 1, 'a', n - 3);
	memcpy(line_bytes + n - 2, "\r\n", 2);
	decoder_run_init(&run_a, &redis_protocol, false, NULL, 0);
	decoder_run_stream(&run_a, line_bytes, n, SPLIT_BYTES, 0);
	decoder_run_check_all(&run_a, n, 1);
	CHECK_INT(run_a.calls, n);

	/* The same line as an array's element, and as an inline command. */
	static uint8_t element[60007];
	memcpy(element, "*1\r\n", 4);
	memcpy(element + 4, line_bytes, n);
	decoder_run_init(&run_a, &redis_protocol, false, NULL, 0);
	decoder_run_stream(&run_a, element, sizeof(element), SPLIT_BYTES, 0);
	decoder_run_check_all(&run_a, sizeof(element), 1);

	memcpy(line_bytes, "ECHO ", 5);
	decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
	decoder_run_stream(&run_a, line_bytes, n, SPLIT_BYTES, 0);
	decoder_run_check_all(&run_a, n, 1);
	CHECK_STR(body(&run_a.kept[0])->command, "ECHO");
	/* Quadratic would be 3 x 1.8 billion byte visits. */
	CHECK((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
}

struct secret_case {
	const char *bytes;
	bool from_client;
	const char *masked, *shown;
	unsigned n_secrets;
	const char *first_secret; /* the bytes marked first */
};

static void test_secrets(void)
{
	static const struct secret_case cases[] = {
		{ "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n", true, "AUTH ***", "AUTH secret", 1,
		  "secret" },
		{ "*3\r\n$4\r\nauth\r\n$5\r\nalice\r\n$2\r\npw\r\n", true, "AUTH *** ***",
		  "AUTH alice pw", 2, "alice" },
		{ "*7\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$3\r\npw1\r\n"
		  "$7\r\nSETNAME\r\n$1\r\nc\r\n",
		  true, "HELLO 3 AUTH *** *** (+2 args)", "HELLO 3 AUTH default pw1 (+2 args)", 2,
		  "default" },
		{ "*12\r\n$7\r\nMIGRATE\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n$0\r\n\r\n$1\r\n0\r\n"
		  "$4\r\n5000\r\n$5\r\nAUTH2\r\n$1\r\nu\r\n$5\r\npass2\r\n$4\r\nKEYS\r\n"
		  "$2\r\nk1\r\n$4\r\nAUTH\r\n",
		  true, "MIGRATE 127.0.0.1 6380  0 (+7 args)", "MIGRATE 127.0.0.1 6380  0 (+7 args)",
		  2, "u" },
		{ "*6\r\n$7\r\nMIGRATE\r\n$1\r\nh\r\n$1\r\n1\r\n$1\r\nk\r\n$4\r\nAUTH\r\n$2\r\npw\r\n",
		  true, "MIGRATE h 1 k AUTH (+1 args)", "MIGRATE h 1 k AUTH (+1 args)", 1, "pw" },
		{ "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n$3\r\nabc\r\n", true,
		  "CONFIG SET requirepass ***", "CONFIG SET requirepass abc", 1, "abc" },
		{ "*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$11\r\nrequirepass\r\n", true,
		  "CONFIG GET requirepass", "CONFIG GET requirepass", 0, NULL },
		{ "*5\r\n$3\r\nACL\r\n$7\r\nSETUSER\r\n$5\r\nalice\r\n$2\r\non\r\n$4\r\n>pw1\r\n",
		  true, "ACL SETUSER alice on ***", "ACL SETUSER alice on >pw1", 1, ">pw1" },
		{ "AUTH hunter2\r\n", true, "AUTH ***", "AUTH hunter2", 1, "hunter2" },
		{ "*2\r\n$3\r\nGET\r\n$4\r\nAUTH\r\n", true, "GET AUTH", "GET AUTH", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct secret_case *c = &cases[i];
		size_t n = strlen(c->bytes);

		for (int split = 0; split < 2; split++) {
			decoder_run_init(&run_a, &redis_protocol, c->from_client, NULL, 0);
			decoder_run_stream(&run_a, (const uint8_t *)c->bytes, n,
					   split ? SPLIT_BYTES : SPLIT_WHOLE, 0);
			decoder_run_check_all(&run_a, n, 1);
			CHECK_STR(human(&run_a.kept[0], true, false), c->masked);
			CHECK_STR(human(&run_a.kept[0], true, true), c->shown);
			CHECK_INT(run_a.n_secrets, c->n_secrets);
			if (c->first_secret && run_a.n_secrets) {
				CHECK_INT(run_a.secret_len[0], strlen(c->first_secret));
				CHECK(!memcmp(c->bytes + run_a.secret_at[0], c->first_secret,
					      strlen(c->first_secret)));
			}
		}
	}
	/* JSON masks too. */
	decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
	decoder_run_stream(&run_a, TEXT("*3\r\n$4\r\nAUTH\r\n$5\r\nalice\r\n$2\r\npw\r\n"),
			   SPLIT_WHOLE, 0);
	CHECK_STR(json(&run_a.kept[0], false),
		  ",\"command\":\"AUTH\",\"args\":[\"***\",\"***\"],\"n_args\":2");
	CHECK_STR(json(&run_a.kept[0], true),
		  ",\"command\":\"AUTH\",\"args\":[\"alice\",\"pw\"],\"n_args\":2");
}

/* Builds a multibulk request from words, into out; returns its length. */
static size_t command_build(char *out, size_t cap, const char *const *words, int n)
{
	size_t len = (size_t)snprintf(out, cap, "*%d\r\n", n);

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "$%zu\r\n%s\r\n", strlen(words[i]),
					words[i]);
	return len;
}

/* Client requests, then the server's stream answered against them. */
static void conversation(const char *const *const *commands, const int *counts, int n_commands,
			 const char *replies, enum split split, unsigned seed, uint32_t flags)
{
	static char requests[4096];
	size_t len = 0;

	for (int i = 0; i < n_commands; i++)
		len += command_build(requests + len, sizeof(requests) - len, commands[i], counts[i]);
	decoder_run_init(&run_a, &redis_protocol, true, NULL, 0);
	decoder_run_stream(&run_a, (const uint8_t *)requests, len, split, seed);
	decoder_run_check_all(&run_a, len, (unsigned)n_commands);
	decoder_run_init(&run_b, &redis_protocol, false, run_a.kept, run_a.completes);
	run_b.flags = flags;
	decoder_run_stream(&run_b, (const uint8_t *)replies, strlen(replies), split, seed);
}

static void test_pubsub(void)
{
	static const char *const subscribe[] = { "SUBSCRIBE", "a", "b", "c" };
	static const char *const ping[] = { "PING" };
	static const char *const unsubscribe[] = { "UNSUBSCRIBE" };
	static const char *const psubscribe[] = { "PSUBSCRIBE", "n*" };
	static const char *const punsubscribe[] = { "PUNSUBSCRIBE" };
	static const char *const *const commands[] = { subscribe,    ping,	   unsubscribe,
						       psubscribe,   punsubscribe, unsubscribe };
	static const int counts[] = { 4, 1, 1, 2, 1, 1 };
	/* As redis-server 7.0.15 answered them (RESP2), with a PUBLISH a hello
	 * and a PUBLISH news hi from another client in between. */
	static const char replies[] =
		"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
		"*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
		"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:3\r\n"
		"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
		"*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:2\r\n"
		"*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n"
		"*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n"
		"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n"
		"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
		"*3\r\n$12\r\npunsubscribe\r\n$2\r\nn*\r\n:0\r\n"
		"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";

	for (unsigned seed = 0; seed < 30; seed++) {
		conversation(commands, counts, 6, replies, seed ? SPLIT_SMALL : SPLIT_WHOLE, seed, 0);
		decoder_run_check_all(&run_b, strlen(replies), 8);
		CHECK_INT(run_b.unsolicited, 2);
		CHECK_INT(run_b.next_request, 6); /* every request answered, once */
		CHECK_INT(run_b.flags, 0);        /* nothing subscribed at the end */
		CHECK_STR(human(&run_b.kept[0], false, false), "subscribe confirmed 3, 3 subscriptions");
		CHECK(!run_b.kept_result[0].unsolicited);
		CHECK_INT(run_b.kept_bytes[0], 3 * 30);
		CHECK(run_b.kept_result[1].unsolicited);
		CHECK_STR(human(&run_b.kept[1], false, false), "push message a \"hello\"");
		CHECK_STR(human(&run_b.kept[2], false, false), "array of 2 [\"pong\", \"\"]");
		CHECK_STR(human(&run_b.kept[3], false, false),
			  "unsubscribe confirmed 3, 0 subscriptions");
		CHECK_STR(human(&run_b.kept[4], false, false),
			  "psubscribe confirmed 1, 1 subscription");
		CHECK(run_b.kept_result[5].unsolicited);
		CHECK_STR(human(&run_b.kept[5], false, false), "push pmessage n* news \"hi\"");
		CHECK_STR(human(&run_b.kept[6], false, false),
			  "punsubscribe confirmed 1, 0 subscriptions");
		CHECK_STR(human(&run_b.kept[7], false, false),
			  "unsubscribe confirmed 1, 0 subscriptions");
	}
	CHECK_STR(json(&run_b.kept[1], false),
		  ",\"reply_type\":\"array\",\"reply\":\"\",\"n_elements\":3,"
		  "\"elements\":[\"message\",\"a\",\"hello\"],\"kind\":\"message\",\"channel\":\"a\","
		  "\"pattern\":null,\"payload\":\"hello\"");
	CHECK_STR(json(&run_b.kept[5], false),
		  ",\"reply_type\":\"array\",\"reply\":\"\",\"n_elements\":4,"
		  "\"elements\":[\"pmessage\",\"n*\",\"news\",\"hi\"],\"kind\":\"pmessage\","
		  "\"channel\":\"news\",\"pattern\":\"n*\",\"payload\":\"hi\"");
	CHECK_STR(json(&run_b.kept[0], false),
		  ",\"reply_type\":\"array\",\"reply\":\"\",\"n_elements\":3,"
		  "\"elements\":[\"subscribe\",\"a\",\"1\"],\"kind\":\"subscribe\","
		  "\"confirmations\":3,\"subscriptions\":3");

	/* Not subscribed: an array that looks like a message is a reply. */
	static const char *const lrange[] = { "LRANGE", "l", "0", "-1" };
	static const char *const *const one_lrange[] = { lrange };
	static const int four[] = { 4 };
	conversation(one_lrange, four, 1, "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n",
		     SPLIT_WHOLE, 0, 0);
	CHECK_INT(run_b.completes, 1);
	CHECK_INT(run_b.unsolicited, 0);
	CHECK_INT(run_b.next_request, 1);
}

static void test_resp3_push(void)
{
	static const char *const hello[] = { "HELLO", "3" };
	static const char *const subscribe[] = { "SUBSCRIBE", "x" };
	static const char *const get[] = { "GET", "k" };
	static const char *const lrange[] = { "LRANGE", "l", "0", "-1" };
	static const char *const *const commands[] = { hello, subscribe, get, lrange };
	static const int counts[] = { 2, 2, 2, 4 };
	static char replies[1024];
	size_t n = sizeof(hello3_reply);

	memcpy(replies, hello3_reply, n);
	snprintf(replies + n, sizeof(replies) - n, "%s",
		 ">3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n"          /* SUBSCRIBE's answer */
		 ">3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$2\r\nhi\r\n"      /* a push */
		 ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"        /* client tracking */
		 "$1\r\nv\r\n"                                         /* GET's answer */
		 "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n");     /* LRANGE's: a list */
	for (unsigned seed = 0; seed < 20; seed++) {
		conversation(commands, counts, 4, replies, seed ? SPLIT_SMALL : SPLIT_WHOLE, seed, 0);
		decoder_run_check_all(&run_b, strlen(replies), 6);
		CHECK_INT(run_b.unsolicited, 2);
		CHECK_INT(run_b.next_request, 4);
		CHECK(run_b.flags & REDIS_FLAG_RESP3);
		CHECK_STR(human(&run_b.kept[1], false, false), "subscribe confirmed 1, 1 subscription");
		CHECK(run_b.kept_result[2].unsolicited);
		CHECK_STR(human(&run_b.kept[2], false, false), "push message x \"hi\"");
		CHECK(run_b.kept_result[3].unsolicited);
		CHECK_STR(human(&run_b.kept[3], false, false), "push invalidate array of 1");
		CHECK_STR(human(&run_b.kept[4], false, false), "bulk \"v\"");
		CHECK(!run_b.kept_result[5].unsolicited);
		CHECK_STR(human(&run_b.kept[5], false, false),
			  "array of 3 [\"message\", \"x\", \"y\"]");
	}
	/* A push alone is unsolicited whatever the state. */
	struct parse_result result = parse(TEXT(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
					   false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK(result.unsolicited);
	CHECK_STR(human(&msg, false, false), "push message ch \"hi\"");
}

static void test_multi_exec(void)
{
	static const char *const multi[] = { "MULTI" };
	static const char *const set[] = { "SET", "k", "v" };
	static const char *const incr[] = { "INCR", "n" };
	static const char *const exec[] = { "EXEC" };
	static const char *const *const commands[] = { multi, set, incr, exec };
	static const int counts[] = { 1, 3, 2, 1 };

	conversation(commands, counts, 4, "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:1\r\n",
		     SPLIT_BYTES, 0, 0);
	decoder_run_check_all(&run_b, 36, 4);
	CHECK_STR(human(&run_a.kept[0], true, false), "MULTI");
	CHECK_STR(human(&run_b.kept[0], false, false), "OK");
	CHECK_STR(human(&run_b.kept[1], false, false), "QUEUED");
	CHECK_STR(human(&run_b.kept[2], false, false), "QUEUED");
	CHECK_STR(human(&run_b.kept[3], false, false), "array of 2 [OK, 1]");
	CHECK_INT(run_b.kept_bytes[3], 13);
}

/* Every prefix of a message is no message yet, and never invalid; the
 * whole, split any way, is one. Flipped bytes never break the contract. */
static void test_prefixes_and_flips(void)
{
	for (size_t i = 0; i < sizeof(whole_messages) / sizeof(whole_messages[0]); i++) {
		const struct fixture *f = &whole_messages[i];
		uint8_t copy[512];

		for (size_t cut = 0; cut < f->len; cut++) {
			decoder_run_init(&run_a, &redis_protocol, f->from_client, NULL, 0);
			decoder_run_stream(&run_a, f->buf, cut, SPLIT_WHOLE, 0);
			if (run_a.invalid || run_a.completes)
				fprintf(stderr, "%s: prefix of %zu bytes\n", f->name, cut);
			CHECK_INT(run_a.invalid, 0);
			CHECK_INT(run_a.completes, 0);
		}
		for (unsigned seed = 0; seed < 8; seed++) {
			decoder_run_init(&run_a, &redis_protocol, f->from_client, NULL, 0);
			decoder_run_stream(&run_a, f->buf, f->len, seed ? SPLIT_SMALL : SPLIT_BYTES,
					   seed);
			decoder_run_check_all(&run_a, f->len, 1);
		}
		/* Every CR and LF of a RESP message is structure. */
		for (size_t at = 0; at < f->len && f->len <= sizeof(copy); at++) {
			if (f->buf == ping_inline || f->buf == verbatim_reply ||
			    (f->buf[at] != '\r' && f->buf[at] != '\n'))
				continue;
			memcpy(copy, f->buf, f->len);
			copy[at] ^= 0x01;
			decoder_run_init(&run_a, &redis_protocol, f->from_client, NULL, 0);
			decoder_run_stream(&run_a, copy, f->len, SPLIT_WHOLE, 0);
			if (!run_a.invalid)
				fprintf(stderr, "%s: flipping byte %zu is not invalid\n", f->name, at);
			CHECK_INT(run_a.invalid, 1);
		}
		/* Any flip: nothing read outside, texts terminated. */
		static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
		for (size_t at = 0; at < f->len && f->len <= sizeof(copy); at++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				uint8_t *flipped = exact_copy(f->buf, f->len);

				flipped[at] ^= masks[m];
				decoder_run_init(&run_a, &redis_protocol, f->from_client, NULL, 0);
				decoder_run_stream(&run_a, flipped, f->len, SPLIT_WHOLE, 0);
				free(flipped);
				CHECK(run_a.consumed <= f->len);
				for (unsigned k = 0; k < decoder_run_kept(&run_a); k++) {
					const struct redis_message *r = body(&run_a.kept[k]);

					CHECK(text_terminated(r->command, sizeof(r->command)));
					for (int a = 0; a < DECODER_MAX_ARGS; a++)
						CHECK(text_terminated(r->args[a], TEXT_SHORT));
					for (int e = 0; e < REDIS_SHOWN_ELEMENTS; e++)
						CHECK(text_terminated(r->elements[e], TEXT_SHORT));
					CHECK(text_terminated(r->reply, sizeof(r->reply)));
					CHECK(r->n_shown <= REDIS_SHOWN_ELEMENTS);
					human(&run_a.kept[k], f->from_client, false);
					json(&run_a.kept[k], false);
				}
			}
		}
	}
}

static void test_detect(void)
{
	/* Clients: arrays of bulk strings, well-known inline commands. */
	CHECK(detect(set_request, sizeof(set_request), true));
	CHECK(detect(set_request, 2, true));
	CHECK(detect(pipelined, sizeof(pipelined), true));
	CHECK(detect(ping_inline, sizeof(ping_inline), true));
	CHECK(detect("info server\r\n", 13, true));
	CHECK(detect("ping\n", 5, true));
	CHECK(detect("HELLO 3\r\n", 9, true));
	CHECK(detect("KEYS *\r\n", 8, true));
	CHECK(detect("AUTH secret\r\n", 13, true));
	CHECK(!detect(ping_inline, 4, true));             /* the line is not whole yet */
	CHECK(!detect("*\r\n", 3, true));
	CHECK(!detect("*3\r\n:1\r\n", 8, true));
	CHECK(!detect("*0\r\n", 4, true));
	CHECK(!detect("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, true));
	CHECK(!detect("get foo\r\n", 9, true));       /* memcached */
	CHECK(!detect("EHLO mail.example\r\n", 19, true));
	CHECK(!detect("PING\x01\r\n", 7, true));
	CHECK(!detect("\x16\x03\x01\x02\x00\x01", 6, true));
	CHECK(!detect("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8, true)); /* PostgreSQL SSLRequest */
	CHECK(!detect("", 0, true));
	/* Lines of text (over socat, nc) are not inline commands. */
	CHECK(!detect("Hello there\r\n", 13, true));
	CHECK(!detect("hello there\n", 12, true));
	CHECK(!detect("Ping\n", 5, true));
	CHECK(!detect("keys are on the table\n", 22, true));
	CHECK(!detect("ping me later\n", 14, true));
	CHECK(!detect("select one\n", 11, true));
	CHECK(!detect("Info: starting\n", 15, true));

	/* Servers: any well-formed first line. */
	CHECK(detect(ok_reply, sizeof(ok_reply), false));
	CHECK(detect(err_reply, sizeof(err_reply), false));
	CHECK(detect(int_reply, sizeof(int_reply), false));
	CHECK(detect(bulk_reply, 6, false));
	CHECK(detect(null_reply, sizeof(null_reply), false));
	CHECK(detect(scan_reply, sizeof(scan_reply), false));
	CHECK(detect(hello3_reply, sizeof(hello3_reply), false));
	CHECK(detect(resp3_null, sizeof(resp3_null), false));
	CHECK(detect(bool_reply, sizeof(bool_reply), false));
	CHECK(detect(double_reply, sizeof(double_reply), false));
	CHECK(detect(attribute_reply, sizeof(attribute_reply), false));
	CHECK(detect("-NOAUTH Authentication required.\r\n", 34, false));
	CHECK(!detect(ok_reply, 3, false));
	CHECK(!detect("HTTP/1.1 200 OK\r\n", 17, false));
	CHECK(!detect("-1\r\n", 4, false));
	CHECK(!detect("-hello\r\n", 8, false));
	CHECK(!detect("+one more\r\n", 11, false));
	CHECK(!detect(", hello\r\n", 9, false));
	CHECK(!detect("+\x80\x81\r\n", 5, false));
	CHECK(!detect("$abc\r\n", 6, false));
	CHECK(!detect("R\x00\x00\x00\x08\x00\x00\x00\x00", 9, false)); /* PostgreSQL AuthenticationOk */
	CHECK(!detect("", 0, false));
}

int main(void)
{
	test_requests();
	test_inline();
	test_replies();
	test_pipelined();
	test_big_bulk();
	test_many_arguments();
	test_huge_array();
	test_nested_big();
	test_limits();
	test_drip();
	test_secrets();
	test_pubsub();
	test_resp3_push();
	test_multi_exec();
	test_prefixes_and_flips();
	test_detect();
	return check_report("test_decode_redis");
}
