/*
 * The PostgreSQL decoder on recorded bytes. Unless a fixture says
 * otherwise, the bytes were captured on loopback between psql 15.18 and
 * PostgreSQL 15.18 (trust authentication, ssl=off, a logging TCP proxy
 * between them, one read() per capture), for
 *   psql "host=127.0.0.1 user=postgres dbname=postgres sslmode=prefer" -c "SELECT 1"
 *   psql "... sslmode=disable" -c "SELECT * FROM nope"
 * Lengths are int32 big endian and count themselves, not the type byte.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "decode/postgres.h"

static struct message msg;

/*
 * Parses from an exact-size heap copy, so that AddressSanitizer sees a
 * read past len.
 */
static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client,
				 const struct message *request)
{
	return parse_exact(postgres_parse, buf, len, from_client, request, &msg);
}

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(postgres_detect, buf, len, from_client);
}

/* A client message as the pending request of a server reply. */
static struct message request_of(const uint8_t *buf, size_t len)
{
	struct message request;

	memset(&request, 0, sizeof(request));
	postgres_parse(buf, len, &(struct parse_ctx){ .from_client = true }, &request);
	return request;
}

/* The first proper prefix of buf that is not PARSE_NEED_MORE, or -1. */
static long first_prefix_not_need_more(const uint8_t *buf, size_t len, bool from_client,
				       const struct message *request)
{
	for (size_t cut = 0; cut < len; cut++) {
		struct parse_result result = parse(buf, cut, from_client, request);

		if (result.state != PARSE_NEED_MORE || result.consumed || result.skip)
			return (long)cut;
	}
	return -1;
}

static void pg_texts_check(const struct message *m)
{
	const struct pg_message *pg = PROTOCOL_BODY(m, struct pg_message);

	CHECK(text_terminated(pg->user, sizeof(pg->user)));
	CHECK(text_terminated(pg->database, sizeof(pg->database)));
	CHECK(text_terminated(pg->query, sizeof(pg->query)));
	CHECK(text_terminated(pg->tag, sizeof(pg->tag)));
	CHECK(text_terminated(pg->severity, sizeof(pg->severity)));
	CHECK(text_terminated(pg->code, sizeof(pg->code)));
	CHECK(text_terminated(pg->error, sizeof(pg->error)));
}

/* Flipped bytes never break the contract; returns how many were INVALID. */
static int flips_check(const uint8_t *buf, size_t len, bool from_client,
		       const struct message *request)
{
	return flips_check_decoder(postgres_parse, buf, len, from_client, request, &msg,
				   pg_texts_check);
}

/* SSLRequest, psql's first message with sslmode=prefer */
static const uint8_t ssl_request[] = {
	0x00, 0x00, 0x00, 0x08,                         /* length 8 */
	0x04, 0xd2, 0x16, 0x2f,                         /* 80877103: 1234 << 16 | 5679 */
};
/* the server's answer, ssl=off: one byte, no */
static const uint8_t ssl_no[] = { 'N' };

/* StartupMessage, next on the same connection */
static const uint8_t startup[] = {
	0x00, 0x00, 0x00, 0x3f,                         /* length 63 */
	0x00, 0x03, 0x00, 0x00,                         /* protocol 3.0 */
	'u', 's', 'e', 'r', 0x00,                       /* parameter "user" */
	'p', 'o', 's', 't', 'g', 'r', 'e', 's', 0x00,   /* = "postgres" */
	'd', 'a', 't', 'a', 'b', 'a', 's', 'e', 0x00,   /* parameter "database" */
	'p', 'o', 's', 't', 'g', 'r', 'e', 's', 0x00,   /* = "postgres" */
	'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '_',
	'n', 'a', 'm', 'e', 0x00,                       /* parameter "application_name" */
	'p', 's', 'q', 'l', 0x00,                       /* = "psql" */
	0x00,                                           /* end of parameters */
};

/* Hand-written: a StartupMessage with a user and no database */
static const uint8_t startup_user_only[] = {
	0x00, 0x00, 0x00, 0x14,                         /* length 20 */
	0x00, 0x03, 0x00, 0x00,                         /* protocol 3.0 */
	'u', 's', 'e', 'r', 0x00,                       /* parameter "user" */
	'a', 'l', 'i', 'c', 'e', 0x00,                  /* = "alice" */
	0x00,                                           /* end of parameters */
};

/* The server's reply to the startup (414 bytes in one read()): the first
 * two messages and the last two; eleven more ParameterStatus cut out */
static const uint8_t auth_ok[] = {
	'R', 0x00, 0x00, 0x00, 0x08,                    /* Authentication, length 8 */
	0x00, 0x00, 0x00, 0x00,                         /* 0: AuthenticationOk */
};
static const uint8_t parameter_status[] = {
	'S', 0x00, 0x00, 0x00, 0x1a,                    /* ParameterStatus, length 26 */
	'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '_',
	'n', 'a', 'm', 'e', 0x00,                       /* "application_name" */
	'p', 's', 'q', 'l', 0x00,                       /* = "psql" */
};
static const uint8_t backend_key[] = {
	'K', 0x00, 0x00, 0x00, 0x0c,                    /* BackendKeyData, length 12 */
	0x00, 0x00, 0x50, 0xa2,                         /* process id 20642 */
	0x4e, 0x19, 0xaf, 0x71,                         /* secret key */
};
static const uint8_t ready_idle[] = {
	'Z', 0x00, 0x00, 0x00, 0x05,                    /* ReadyForQuery, length 5 */
	'I',                                            /* idle */
};

/* Query "SELECT 1" */
static const uint8_t query_select_1[] = {
	'Q', 0x00, 0x00, 0x00, 0x0d,                    /* Query, length 13 */
	'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0x00,   /* "SELECT 1" */
};
/* Its reply, one read(): RowDescription, DataRow, CommandComplete, then
 * ReadyForQuery (the ready_idle bytes again) */
static const uint8_t row_description[] = {
	'T', 0x00, 0x00, 0x00, 0x21,                    /* RowDescription, length 33 */
	0x00, 0x01,                                     /* 1 field */
	'?', 'c', 'o', 'l', 'u', 'm', 'n', '?', 0x00,   /* name "?column?" */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* table oid 0, column 0 */
	0x00, 0x00, 0x00, 0x17,                         /* type oid 23: int4 */
	0x00, 0x04,                                     /* type size 4 */
	0xff, 0xff, 0xff, 0xff,                         /* type modifier -1 */
	0x00, 0x00,                                     /* format: text */
};
static const uint8_t data_row[] = {
	'D', 0x00, 0x00, 0x00, 0x0b,                    /* DataRow, length 11 */
	0x00, 0x01,                                     /* 1 column */
	0x00, 0x00, 0x00, 0x01, '1',                    /* 1 byte: "1" */
};
static const uint8_t select_complete[] = {
	'C', 0x00, 0x00, 0x00, 0x0d,                    /* CommandComplete, length 13 */
	'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0x00,   /* tag "SELECT 1" */
};

/* Query "SELECT * FROM nope" on the second connection, and its error */
static const uint8_t query_nope[] = {
	'Q', 0x00, 0x00, 0x00, 0x17,                    /* Query, length 23 */
	'S', 'E', 'L', 'E', 'C', 'T', ' ', '*', ' ', 'F', 'R', 'O',
	'M', ' ', 'n', 'o', 'p', 'e', 0x00,             /* "SELECT * FROM nope" */
};
static const uint8_t error_nope[] = {
	'E', 0x00, 0x00, 0x00, 0x67,                    /* ErrorResponse, length 103 */
	'S', 'E', 'R', 'R', 'O', 'R', 0x00,             /* severity (localized) */
	'V', 'E', 'R', 'R', 'O', 'R', 0x00,             /* severity (never localized) */
	'C', '4', '2', 'P', '0', '1', 0x00,             /* SQLSTATE undefined_table */
	'M', 'r', 'e', 'l', 'a', 't', 'i', 'o', 'n', ' ', '"', 'n',
	'o', 'p', 'e', '"', ' ', 'd', 'o', 'e', 's', ' ', 'n', 'o',
	't', ' ', 'e', 'x', 'i', 's', 't', 0x00,        /* message */
	'P', '1', '5', 0x00,                            /* position 15 */
	'F', 'p', 'a', 'r', 's', 'e', '_', 'r', 'e', 'l', 'a', 't',
	'i', 'o', 'n', '.', 'c', 0x00,                  /* source file */
	'L', '1', '3', '9', '2', 0x00,                  /* source line */
	'R', 'p', 'a', 'r', 's', 'e', 'r', 'O', 'p', 'e', 'n', 'T',
	'a', 'b', 'l', 'e', 0x00,                       /* source routine */
	0x00,                                           /* end of fields */
};

/* Terminate, psql's last message */
static const uint8_t terminate[] = {
	'X', 0x00, 0x00, 0x00, 0x04,                    /* Terminate, length 4 */
};

/* Hand-written from the protocol docs: GSSENCRequest and CancelRequest */
static const uint8_t gssenc_request[] = {
	0x00, 0x00, 0x00, 0x08,                         /* length 8 */
	0x04, 0xd2, 0x16, 0x30,                         /* 80877104: 1234 << 16 | 5680 */
};
static const uint8_t cancel_request[] = {
	0x00, 0x00, 0x00, 0x10,                         /* length 16 */
	0x04, 0xd2, 0x16, 0x2e,                         /* 80877102: 1234 << 16 | 5678 */
	0x00, 0x00, 0x50, 0xa2,                         /* process id 20642 */
	0x4e, 0x19, 0xaf, 0x71,                         /* secret key */
};

static void test_startup(void)
{
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	struct message request;

	result = parse(ssl_request, sizeof(ssl_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 8);
	CHECK_INT(pg->kind, PG_SSL_REQUEST);

	/* The one-byte answer, known as such only by its request. */
	request = request_of(ssl_request, sizeof(ssl_request));
	result = parse(ssl_no, sizeof(ssl_no), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 1);
	CHECK_INT(pg->kind, PG_OTHER);
	CHECK_STR(pg->tag, "N");
	result = parse((const uint8_t *)"S", 1, false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->tag, "S");
	/* Without it, 'N' starts a NoticeResponse. */
	CHECK_INT(parse(ssl_no, sizeof(ssl_no), false, NULL).state, PARSE_NEED_MORE);

	result = parse(startup, sizeof(startup), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(startup));
	CHECK_INT(result.skip, 0);
	CHECK_INT(pg->kind, PG_STARTUP);
	CHECK_STR(pg->user, "postgres");
	CHECK_STR(pg->database, "postgres");

	/* The database defaults to the user's name. */
	result = parse(startup_user_only, sizeof(startup_user_only), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(startup_user_only));
	CHECK_STR(pg->user, "alice");
	CHECK_STR(pg->database, "alice");

	/* The startup exchange: everything up to ReadyForQuery is ignored,
	 * which then completes it. */
	request = request_of(startup, sizeof(startup));
	result = parse(auth_ok, sizeof(auth_ok), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(auth_ok));
	CHECK_INT(pg->kind, PG_AUTH);
	result = parse(parameter_status, sizeof(parameter_status), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(parameter_status));
	result = parse(backend_key, sizeof(backend_key), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(backend_key));
	result = parse(ready_idle, sizeof(ready_idle), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(ready_idle));
	CHECK_INT(pg->kind, PG_READY);
	CHECK_STR(pg->tag, "I");

	/* GSSENCRequest: PG_OTHER, its one-byte answer G or N. */
	result = parse(gssenc_request, sizeof(gssenc_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(pg->kind, PG_OTHER);
	CHECK_STR(pg->tag, "GSSENCRequest");
	request = request_of(gssenc_request, sizeof(gssenc_request));
	result = parse(ssl_no, sizeof(ssl_no), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->tag, "N");
	result = parse((const uint8_t *)"G", 1, false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->tag, "G");

	result = parse(cancel_request, sizeof(cancel_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 16);
	CHECK_STR(pg->tag, "CancelRequest");

	/* Broken first messages. */
	static const uint8_t no_terminator[] = {
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x03, 0x00, 0x00, 'u', 's', 'e', 'r', 0x00, 0x00,
	};
	static const uint8_t value_runs_out[] = {
		0x00, 0x00, 0x00, 0x0e, 0x00, 0x03, 0x00, 0x00, 'u', 's', 'e', 'r', 0x00, 'b',
	};
	static const uint8_t protocol_2[] = {
		0x00, 0x00, 0x00, 0x09, 0x00, 0x02, 0x00, 0x00, 0x00,
	};
	static const uint8_t ssl_long[] = {
		0x00, 0x00, 0x00, 0x09, 0x04, 0xd2, 0x16, 0x2f, 0x00,
	};
	static const uint8_t too_long[] = {
		0x00, 0x00, 0x27, 0x11, 0x00, 0x03, 0x00, 0x00, /* 10001 */
	};
	CHECK_INT(parse(no_terminator, sizeof(no_terminator), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(value_runs_out, sizeof(value_runs_out), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(protocol_2, sizeof(protocol_2), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(ssl_long, sizeof(ssl_long), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(too_long, sizeof(too_long), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"\x01", 1, true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, true, NULL).state,
		  PARSE_INVALID);
}

static void test_queries(void)
{
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	struct message request;

	result = parse(query_select_1, sizeof(query_select_1), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(query_select_1));
	CHECK_INT(pg->kind, PG_QUERY);
	CHECK_STR(pg->query, "SELECT 1");

	/* The reply: only CommandComplete is reported; ReadyForQuery after a
	 * query is not (the request is no startup). */
	request = request_of(query_select_1, sizeof(query_select_1));
	result = parse(row_description, sizeof(row_description), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(row_description));
	result = parse(data_row, sizeof(data_row), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(data_row));
	result = parse(select_complete, sizeof(select_complete), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(select_complete));
	CHECK_INT(pg->kind, PG_COMMAND_COMPLETE);
	CHECK_STR(pg->tag, "SELECT 1");
	result = parse(ready_idle, sizeof(ready_idle), false, &request);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(ready_idle));
	CHECK_INT(pg->kind, PG_READY);
	/* Nor with no request, or a zeroed one (kind 0 is PG_STARTUP). */
	CHECK_INT(parse(ready_idle, sizeof(ready_idle), false, NULL).state, PARSE_IGNORED);
	memset(&request, 0, sizeof(request));
	CHECK_INT(parse(ready_idle, sizeof(ready_idle), false, &request).state, PARSE_IGNORED);

	/* The reply as it came, in one buffer: message after message. */
	uint8_t reply[sizeof(row_description) + sizeof(data_row) + sizeof(select_complete) +
		      sizeof(ready_idle)];
	size_t off = 0;
	memcpy(reply, row_description, sizeof(row_description));
	memcpy(reply + sizeof(row_description), data_row, sizeof(data_row));
	memcpy(reply + sizeof(row_description) + sizeof(data_row), select_complete,
	       sizeof(select_complete));
	memcpy(reply + sizeof(reply) - sizeof(ready_idle), ready_idle, sizeof(ready_idle));
	CHECK_INT(sizeof(reply), 66); /* as captured */
	request = request_of(query_select_1, sizeof(query_select_1));
	static const enum parse_state want[] = { PARSE_IGNORED, PARSE_IGNORED, PARSE_COMPLETE,
						 PARSE_IGNORED };
	for (size_t i = 0; i < 4; i++) {
		result = parse(reply + off, sizeof(reply) - off, false, &request);
		CHECK_INT(result.state, want[i]);
		CHECK_INT(result.skip, 0);
		off += result.consumed;
	}
	CHECK_INT(off, sizeof(reply));

	result = parse(query_nope, sizeof(query_nope), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->query, "SELECT * FROM nope");
	request = request_of(query_nope, sizeof(query_nope));
	result = parse(error_nope, sizeof(error_nope), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(error_nope));
	CHECK_INT(pg->kind, PG_ERROR);
	CHECK_STR(pg->severity, "ERROR");
	CHECK_STR(pg->code, "42P01");
	CHECK_STR(pg->error, "relation \"nope\" does not exist");

	/* A failed login is an ErrorResponse too, after the startup. */
	request = request_of(startup, sizeof(startup));
	CHECK_INT(parse(error_nope, sizeof(error_nope), false, &request).state, PARSE_COMPLETE);

	/* Everything else the client sends is ignored, whole. */
	result = parse(terminate, sizeof(terminate), true, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(terminate));
	static const uint8_t sync_then_parse[] = {
		'P', 0x00, 0x00, 0x00, 0x10,            /* Parse, length 16 */
		0x00,                                   /* unnamed statement */
		'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0x00, /* query */
		0x00, 0x00,                             /* no parameter types */
		'S', 0x00, 0x00, 0x00, 0x04,            /* Sync */
	};
	result = parse(sync_then_parse, sizeof(sync_then_parse), true, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 17);
	result = parse(sync_then_parse + 17, 5, true, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, 5);
}

static void test_long_messages(void)
{
	static uint8_t buf[4096];
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	char want[TEXT_LONG];

	/* A DataRow of 100000 bytes, 4096 in buf: ignored, the rest skipped. */
	memset(buf, 'r', sizeof(buf));
	memcpy(buf, "D\x00\x01\x86\xa0", 5); /* length 100000 */
	result = parse(buf, sizeof(buf), false, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(buf));
	CHECK_INT(result.skip, 100001 - sizeof(buf));

	/* The same for the client's ignored messages (a Bind, say). */
	buf[0] = 'B';
	result = parse(buf, sizeof(buf), true, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed + result.skip, 100001);

	/* A Query of 100000 bytes: complete once PG_PEEK (1024) bytes of it
	 * are in, the text cut. */
	buf[0] = 'Q';
	memset(buf + 5, 'q', sizeof(buf) - 5);
	CHECK_INT(parse(buf, 5 + 1023, true, NULL).state, PARSE_NEED_MORE);
	result = parse(buf, 5 + 1024, true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 5 + 1024);
	CHECK_INT(result.consumed + result.skip, 100001);
	memset(want, 'q', TEXT_LONG - 4);
	memcpy(want + TEXT_LONG - 4, "...", 4);
	CHECK_STR(pg->query, want);
	CHECK_INT(pg->kind, PG_QUERY);

	/* A whole Query of TEXT_LONG - 1 bytes fits; one more is cut. */
	memcpy(buf, "Q\x00\x00\x01\x04", 5); /* length 260: 255 bytes and a NUL */
	buf[5 + 255] = 0;
	result = parse(buf, 261, true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(strlen(pg->query), 255);
	CHECK(pg->query[254] == 'q');
	memcpy(buf, "Q\x00\x00\x01\x05", 5);
	buf[5 + 255] = 'q';
	buf[5 + 256] = 0;
	result = parse(buf, 262, true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->query, want);
}

static void test_invalid(void)
{
	/* Lengths below 4 or above 1 GiB. */
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x03", 5, true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"D\x40\x00\x00\x01", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"D\x40\x00\x00\x00", 5, false, NULL).state, PARSE_IGNORED);
	CHECK_INT(parse((const uint8_t *)"C\xff\xff\xff\xff", 5, false, NULL).state, PARSE_INVALID);
	/* Unknown types, wrong fixed lengths, unterminated strings. */
	CHECK_INT(parse((const uint8_t *)"@\x00\x00\x00\x04", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Z\x00\x00\x00\x06II", 7, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Z\x00\x00\x00\x05x", 6, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"X\x00\x00\x00\x05\x00", 6, true, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x04", 5, true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x06" "ab", 7, true, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"C\x00\x00\x00\x06" "ab", 7, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"R\x00\x00\x00\x04", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"", 0, false, NULL).state, PARSE_NEED_MORE);
}

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
	bool from_client;
	bool ignored; /* IGNORED even when cut: consumed + skip cover it */
};

#define FIXTURE(array, side, ignored) { #array, array, sizeof(array), side, ignored }

static const struct fixture fixtures[] = {
	FIXTURE(ssl_request, true, false),      FIXTURE(startup, true, false),
	FIXTURE(startup_user_only, true, false), FIXTURE(gssenc_request, true, false),
	FIXTURE(cancel_request, true, false),   FIXTURE(query_select_1, true, false),
	FIXTURE(query_nope, true, false),       FIXTURE(terminate, true, true),
	FIXTURE(auth_ok, false, true),          FIXTURE(parameter_status, false, true),
	FIXTURE(backend_key, false, true),      FIXTURE(ready_idle, false, false),
	FIXTURE(row_description, false, true),  FIXTURE(data_row, false, true),
	FIXTURE(select_complete, false, false), FIXTURE(error_nope, false, false),
};

static void test_prefixes(void)
{
	struct message startup_request = request_of(startup, sizeof(startup));

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		const struct message *request = f->from_client ? NULL : &startup_request;

		if (!f->ignored) {
			long bad = first_prefix_not_need_more(f->buf, f->len, f->from_client,
							      request);
			if (bad >= 0)
				fprintf(stderr, "%s: prefix of %ld bytes\n", f->name, bad);
			CHECK_INT(bad, -1);
			continue;
		}
		/* Until the length is in: need more. Then the message is ignored
		 * whole, consumed what is there and skipping the rest. */
		CHECK_INT(first_prefix_not_need_more(f->buf, 5, f->from_client, request), -1);
		for (size_t cut = 5; cut < f->len; cut++) {
			struct parse_result result = parse(f->buf, cut, f->from_client, request);

			CHECK_INT(result.state, PARSE_IGNORED);
			CHECK_INT(result.consumed, cut);
			CHECK_INT(result.consumed + result.skip, f->len);
		}
	}
}

static void test_flips(void)
{
	struct message startup_request = request_of(startup, sizeof(startup));
	struct message ssl_request_msg = request_of(ssl_request, sizeof(ssl_request));

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		flips_check(f->buf, f->len, f->from_client, f->from_client ? NULL : &startup_request);
		if (!f->from_client)
			flips_check(f->buf, f->len, false, NULL);
	}
	flips_check(ssl_no, sizeof(ssl_no), false, &ssl_request_msg);
	/* Broken lengths, codes and terminators are caught. */
	CHECK(flips_check(startup, sizeof(startup), true, NULL) > 0);
	CHECK(flips_check(ssl_request, sizeof(ssl_request), true, NULL) > 0);
	CHECK(flips_check(query_select_1, sizeof(query_select_1), true, NULL) > 0);
	CHECK(flips_check(error_nope, sizeof(error_nope), false, NULL) > 0);
	CHECK(flips_check(ready_idle, sizeof(ready_idle), false, NULL) > 0);
}

static void test_detect(void)
{
	uint8_t login[sizeof(auth_ok) + sizeof(parameter_status)];

	memcpy(login, auth_ok, sizeof(auth_ok));
	memcpy(login + sizeof(auth_ok), parameter_status, sizeof(parameter_status));

	CHECK(detect(ssl_request, sizeof(ssl_request), true));
	CHECK(detect(startup, sizeof(startup), true));
	CHECK(detect(startup, 8, true));
	CHECK(detect(gssenc_request, sizeof(gssenc_request), true));
	CHECK(detect(cancel_request, sizeof(cancel_request), true));
	CHECK(!detect(ssl_request, 7, true));
	CHECK(!detect(query_select_1, sizeof(query_select_1), true)); /* not a first message */
	CHECK(!detect("GET / HTTP/1.1\r\n", 16, true));
	CHECK(!detect("*1\r\n$4\r\nPING\r\n", 14, true));
	CHECK(!detect("\x00\x00\x00\x08\x00\x02\x00\x00", 8, true));
	CHECK(!detect("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, true));

	CHECK(detect(login, sizeof(login), false));
	CHECK(detect(auth_ok, sizeof(auth_ok), false));
	CHECK(detect(error_nope, sizeof(error_nope), false));
	CHECK(detect(parameter_status, sizeof(parameter_status), false));
	CHECK(detect(backend_key, sizeof(backend_key), false));
	CHECK(detect(ready_idle, sizeof(ready_idle), false));
	CHECK(detect("R\x00\x00\x00\x0c\x00\x00\x00\x05\x01\x02\x03\x04", 13, false)); /* MD5 */
	CHECK(!detect(ssl_no, sizeof(ssl_no), false));
	CHECK(!detect(auth_ok, 8, false));
	CHECK(!detect("R\x00\x00\x00\x08\x00\x00\x00\x63", 9, false)); /* no such method */
	CHECK(!detect("+OK\r\n", 5, false));
	CHECK(!detect("HTTP/1.1 200 OK\r\n", 17, false));
	CHECK(!detect("", 0, false));
}

int main(void)
{
	test_startup();
	test_queries();
	test_long_messages();
	test_invalid();
	test_prefixes();
	test_flips();
	test_detect();
	return check_report("test_decode_postgres");
}
