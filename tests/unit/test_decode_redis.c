/*
 * The Redis decoder on recorded bytes. Unless a fixture says otherwise, the
 * bytes were captured on loopback between redis-cli 7.0.15 and
 * redis-server 7.0.15 (a logging TCP proxy between them, one read() per
 * fixture); RESP3 replies came from the same server after HELLO 3.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "decode/redis.h"

/* A string literal as bytes and length, its NUL left out. */
#define TEXT(literal) (const uint8_t *)(literal), sizeof(literal) - 1

static struct message msg;

/*
 * Parses from an exact-size heap copy, so that AddressSanitizer sees a
 * read past len.
 */
static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client)
{
	return parse_exact(redis_parse, buf, len, from_client, NULL, &msg);
}

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(redis_detect, buf, len, from_client);
}

/* The first proper prefix of buf that is not PARSE_NEED_MORE, or -1. */
static long first_prefix_not_need_more(const uint8_t *buf, size_t len, bool from_client)
{
	for (size_t cut = 0; cut < len; cut++) {
		struct parse_result result = parse(buf, cut, from_client);

		if (result.state != PARSE_NEED_MORE || result.consumed || result.skip)
			return (long)cut;
	}
	return -1;
}

static void redis_texts_check(const struct message *m)
{
	const struct redis_message *redis = PROTOCOL_BODY(m, struct redis_message);

	CHECK(text_terminated(redis->command, sizeof(redis->command)));
	for (int i = 0; i < DECODER_MAX_ARGS; i++)
		CHECK(text_terminated(redis->args[i], TEXT_SHORT));
	CHECK(text_terminated(redis->reply_type, sizeof(redis->reply_type)));
	CHECK(text_terminated(redis->reply, sizeof(redis->reply)));
}

/* Flipped bytes never break the contract; returns how many were INVALID. */
static int flips_check(const uint8_t *buf, size_t len, bool from_client)
{
	return flips_check_decoder(redis_parse, buf, len, from_client, NULL, &msg,
				   redis_texts_check);
}

/* Every CR and LF of a RESP message is structure: breaking one is INVALID. */
static void crlf_flips_invalid(const uint8_t *buf, size_t len, bool from_client)
{
	uint8_t copy[512];

	for (size_t at = 0; at < len && len <= sizeof(copy); at++) {
		if (buf[at] != '\r' && buf[at] != '\n')
			continue;
		memcpy(copy, buf, len);
		copy[at] ^= 0x01;
		if (parse(copy, len, from_client).state != PARSE_INVALID) {
			fprintf(stderr, "%s:%d: flipping byte %zu did not make it INVALID\n",
				__FILE__, __LINE__, at);
			check_failures++;
		}
	}
}

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
	const struct redis_message *redis = PROTOCOL_BODY(&msg, struct redis_message);

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
	CHECK_STR(redis->command, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");

	/* Only the first DECODER_MAX_ARGS arguments are kept; all are counted. */
	static const char mset[] = "*6\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n"
				   "$1\r\n2\r\n$1\r\nc\r\n";
	result = parse((const uint8_t *)mset, sizeof(mset) - 1, true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(mset) - 1);
	CHECK_INT(redis->n_args, 5);
	CHECK_STR(redis->args[0], "a");
	CHECK_STR(redis->args[3], "2");

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

	/* Arguments are raw bytes, NUL and all: the output escapes them. */
	result = parse(TEXT("*2\r\n$3\r\nGET\r\n$3\r\n\x1b[m\r\n"), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(redis->args[0], "\x1b[m");

	/* Empty arrays are skipped, as Redis does. */
	result = parse(TEXT("*0\r\n"), true);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 4);
}

static void test_inline(void)
{
	struct parse_result result;
	const struct redis_message *redis = PROTOCOL_BODY(&msg, struct redis_message);

	result = parse(ping_inline, sizeof(ping_inline), true);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 6);
	CHECK_STR(redis->command, "PING");
	CHECK_INT(redis->n_args, 0);

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
}

static void test_replies(void)
{
	struct parse_result result;
	const struct redis_message *redis = PROTOCOL_BODY(&msg, struct redis_message);
	static const struct {
		const uint8_t *buf;
		size_t len;
		const char *type, *reply;
	} cases[] = {
		{ ok_reply, sizeof(ok_reply), "status", "OK" },
		{ bulk_reply, sizeof(bulk_reply), "bulk", "hello" },
		{ null_reply, sizeof(null_reply), "null", "" },
		{ int_reply, sizeof(int_reply), "integer", "1" },
		{ err_reply, sizeof(err_reply), "error",
		  "ERR unknown command 'FOO', with args beginning with: 'bar' " },
		{ scan_reply, sizeof(scan_reply), "array", "2 elements [0, ...]" },
		{ hello3_reply, sizeof(hello3_reply), "map", "7 pairs" },
		{ set_reply, sizeof(set_reply), "set", "2 elements [b, ...]" },
		{ double_reply, sizeof(double_reply), "double", "1.5" },
		{ resp3_null, sizeof(resp3_null), "null", "" },
		{ bool_reply, sizeof(bool_reply), "boolean", "true" },
		{ bignum_reply, sizeof(bignum_reply), "bignum", "123456789012345678901234567890" },
		{ verbatim_reply, sizeof(verbatim_reply), "verbatim", "Some string" },
		/* The attribute is skipped; the value it annotates is reported. */
		{ attribute_reply, sizeof(attribute_reply), "array", "2 elements [2039123, ...]" },
		/* Hand-written. */
		{ TEXT("*-1\r\n"), "null", "" },
		{ TEXT("*0\r\n"), "array", "0 elements" },
		{ TEXT("*1\r\n*0\r\n"), "array", "1 element" },
		{ TEXT("*1\r\n$-1\r\n"), "array", "1 element" },
		{ TEXT(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"), "push",
		  "3 elements [message, ...]" },
		{ TEXT("!21\r\nSYNTAX invalid syntax\r\n"), "error", "SYNTAX invalid syntax" },
		{ TEXT(":-9223372036854775808\r\n"), "integer", "-9223372036854775808" },
		{ TEXT("$0\r\n\r\n"), "bulk", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		result = parse(cases[i].buf, cases[i].len, false);
		CHECK_INT(result.state, PARSE_COMPLETE);
		CHECK_INT(result.consumed, cases[i].len);
		CHECK_INT(result.skip, 0);
		CHECK(!redis->is_request);
		CHECK_STR(redis->reply_type, cases[i].type);
		CHECK_STR(redis->reply, cases[i].reply);
	}

	/* A long status line is cut to TEXT_LONG with "...". */
	char line[400], want[TEXT_LONG];
	line[0] = '+';
	memset(line + 1, 's', 300);
	memcpy(line + 301, "\r\n", 2);
	result = parse((const uint8_t *)line, 303, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	memset(want, 's', TEXT_LONG - 4);
	memcpy(want + TEXT_LONG - 4, "...", 4);
	CHECK_STR(redis->reply, want);
}

static void test_pipelined(void)
{
	struct parse_result result;
	const struct redis_message *redis = PROTOCOL_BODY(&msg, struct redis_message);

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
	/* Any cut inside the first: need more; past it: the first, whole. */
	CHECK_INT(first_prefix_not_need_more(pipelined, 27, true), -1);
	for (size_t cut = 27; cut <= sizeof(pipelined); cut++) {
		result = parse(pipelined, cut, true);
		CHECK_INT(result.state, PARSE_COMPLETE);
		CHECK_INT(result.consumed, 27);
	}

	result = parse(pipelined_replies, sizeof(pipelined_replies), false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 5);
	CHECK_STR(redis->reply, "OK");
	result = parse(pipelined_replies + 5, sizeof(pipelined_replies) - 5, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 7);
	CHECK_STR(redis->reply_type, "bulk");
	CHECK_STR(redis->reply, "1");
}

/* The SET big request whole: 31 + 100000 + 2 bytes. */
#define BIG_VALUE 100000
#define BIG_TOTAL (sizeof(big_head) + BIG_VALUE + 2)
static uint8_t big[BIG_TOTAL];

static void test_big_bulk(void)
{
	struct parse_result result;
	const struct redis_message *redis = PROTOCOL_BODY(&msg, struct redis_message);
	char want[TEXT_LONG];
	/* REDIS_PEEK in redis.c: value bytes held before the early COMPLETE. */
	const size_t peek = 256;

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

	/* Until peek bytes of the value are in: need more. From then on, every
	 * cut ends the message early, consumed + skip its whole length. */
	CHECK_INT(first_prefix_not_need_more(big, BIG_TOTAL, true),
		  (long)(sizeof(big_head) + peek));
	static const size_t cuts[] = { 31 + 256, 31 + 257, 1000, 65535, BIG_TOTAL - 3,
				       BIG_TOTAL - 2, BIG_TOTAL - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		result = parse(big, cuts[i], true);
		CHECK_INT(result.state, PARSE_COMPLETE);
		CHECK_INT(result.consumed, cuts[i]);
		CHECK_INT(result.consumed + result.skip, BIG_TOTAL);
		CHECK_STR(redis->args[1], want);
	}
	/* The CR after the value, when it is there, is still checked. */
	big[BIG_TOTAL - 2] = 'y';
	CHECK_INT(parse(big, BIG_TOTAL - 1, true).state, PARSE_INVALID);
	CHECK_INT(parse(big, BIG_TOTAL - 2, true).state, PARSE_COMPLETE);
	big[BIG_TOTAL - 2] = '\r';

	/* A big argument with more after it: its end is not computable. */
	static const char key_first[] = "*3\r\n$3\r\nSET\r\n$100000\r\n";
	memcpy(big, key_first, sizeof(key_first) - 1);
	CHECK_INT(parse(big, 5000, true).state, PARSE_NEED_MORE);
	memcpy(big, big_head, sizeof(big_head));

	/* A big reply (GET big), the same bytes from "$100000\r\n" on: the same
	 * early COMPLETE. */
	result = parse(big + 22, 65536 - 22, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 65536 - 22);
	CHECK_INT(result.consumed + result.skip, 9 + BIG_VALUE + 2);
	CHECK_STR(redis->reply_type, "bulk");
	memset(want, 'x', TEXT_LONG - 4);
	memcpy(want + TEXT_LONG - 4, "...", 4);
	CHECK_STR(redis->reply, want);
	/* ... also as the last element of an array, not before another one. */
	memcpy(big + 18, "*1\r\n", 4);
	result = parse(big + 18, 5000, false);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed + result.skip, 4 + 9 + BIG_VALUE + 2);
	memcpy(want, "1 element [", 11);
	memset(want + 11, 'x', 60);
	memcpy(want + 71, "...]", 5);
	CHECK_STR(redis->reply, want);
	memcpy(big + 18, "*2\r\n", 4);
	CHECK_INT(parse(big + 18, 5000, false).state, PARSE_NEED_MORE);
	memcpy(big, big_head, sizeof(big_head));
}

static void test_limits(void)
{
	char buf[128];
	size_t len;

	/* Eight arrays deep is fine; nine is not Redis. */
	len = 0;
	for (int i = 0; i < 8; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "*1\r\n");
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ":1\r\n");
	CHECK_INT(parse((const uint8_t *)buf, len, false).state, PARSE_COMPLETE);
	CHECK_INT(parse((const uint8_t *)buf, len, false).consumed, len);
	memmove(buf + 4, buf, len);
	len += 4;
	CHECK_INT(parse((const uint8_t *)buf, len, false).state, PARSE_INVALID);

	/* Counts up to 1M elements, bulk strings up to 512 MiB. */
	CHECK_INT(parse(TEXT("*1048576\r\n"), false).state, PARSE_NEED_MORE);
	CHECK_INT(parse(TEXT("*1048577\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*1048576\r\n"), true).state, PARSE_NEED_MORE);
	CHECK_INT(parse(TEXT("*1048577\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$536870912\r\n"), false).state, PARSE_NEED_MORE);
	CHECK_INT(parse(TEXT("$536870913\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("*1\r\n$536870913\r\n"), true).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$99999999999999999999\r\n"), false).state,
		  PARSE_INVALID);

	/* Malformed: negative lengths, streamed RESP3, junk types and lines. */
	CHECK_INT(parse(TEXT("$-2\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("~-1\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT("$?\r\n;4\r\nHell\r\n;0\r\n"), false).state,
		  PARSE_INVALID);
	CHECK_INT(parse(TEXT("HTTP/1.1 200 OK\r\n"), false).state, PARSE_INVALID);
	CHECK_INT(parse(TEXT(":12a\r\n"), false).state, PARSE_INVALID);
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

static void test_prefixes_and_flips(void)
{
	for (size_t i = 0; i < sizeof(whole_messages) / sizeof(whole_messages[0]); i++) {
		const struct fixture *f = &whole_messages[i];
		long bad = first_prefix_not_need_more(f->buf, f->len, f->from_client);

		if (bad >= 0)
			fprintf(stderr, "%s: prefix of %ld bytes\n", f->name, bad);
		CHECK_INT(bad, -1);
		if (f->buf != ping_inline && f->buf != verbatim_reply)
			crlf_flips_invalid(f->buf, f->len, f->from_client);
		flips_check(f->buf, f->len, f->from_client);
	}
	/* Breaking the array header or a length is invalid. */
	CHECK(flips_check(set_request, sizeof(set_request), true) > 0);
	CHECK(flips_check(pipelined, sizeof(pipelined), true) > 0);
	CHECK(flips_check(pipelined_replies, sizeof(pipelined_replies), false) > 0);
}

static void test_detect(void)
{
	/* Clients: arrays of bulk strings, well-known inline commands. */
	CHECK(detect(set_request, sizeof(set_request), true));
	CHECK(detect(set_request, 2, true));
	CHECK(detect(pipelined, sizeof(pipelined), true));
	CHECK(detect(ping_inline, sizeof(ping_inline), true));
	CHECK(detect("info server\r\n", 13, true));
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
	CHECK(!detect(ok_reply, 3, false));
	CHECK(!detect("HTTP/1.1 200 OK\r\n", 17, false));
	CHECK(!detect("-1\r\n", 4, false));
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
	test_limits();
	test_prefixes_and_flips();
	test_detect();
	return check_report("test_decode_redis");
}
