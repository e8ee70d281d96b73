/*
 * The PostgreSQL decoder on recorded bytes. Unless a fixture says
 * otherwise, the bytes were captured on loopback between psql 15.18 and
 * PostgreSQL 15.18 (trust authentication, ssl=off, a logging TCP proxy
 * between them, one read() per capture), for
 *   psql "host=127.0.0.1 user=postgres dbname=postgres sslmode=prefer" -c "SELECT 1"
 *   psql "... sslmode=disable" -c "SELECT * FROM nope"
 * and, for the extended protocol, between psycopg 3.1.7 and the same server.
 * Lengths are int32 big endian and count themselves, not the type byte.
 *
 * The replies are fed through a small model of the engine (struct decoder_sim):
 * a buffer of what has arrived, the parser called on it until it needs
 * more, consumed bytes dropped, skipped bytes passed over as they come,
 * a message emitted at PARSE_COMPLETE.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "protocols/postgres.h"
#include "output/output.h"
#include "base/strbuf.h"

static struct message msg;

/* Parses from an exact-size heap copy, so that AddressSanitizer sees a
 * read past len; msg starts zeroed (a new message). */
static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client,
				 const struct message *request)
{
	memset(&msg, 0, sizeof(msg));
	return parse_exact(postgres_parse, buf, len, from_client, request, &msg);
}

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(postgres_detect, buf, len, from_client);
}

/* --- a model of the engine --- */

static struct decoder_sim sim_storage;

/* The connection's prepared statements the sim's parser is given (NULL:
 * none, as with an engine that keeps none). */
static struct pg_conn_state *sim_state;

static struct decoder_sim *sim_start(bool from_client, const struct message *request)
{
	decoder_sim_start(&sim_storage, &postgres_protocol, sim_state, from_client, request);
	return &sim_storage;
}

/* All of buf, in pieces of piece bytes (0: random sizes from seed). */
static struct decoder_sim *sim_all(const uint8_t *buf, size_t len, bool from_client,
				   const struct message *request, size_t piece, unsigned seed)
{
	struct decoder_sim *s = sim_start(from_client, request);

	decoder_sim_feed_all(s, buf, len, piece, seed);
	return s;
}

static const struct pg_message *out_pg(const struct decoder_sim *s, unsigned i)
{
	return PROTOCOL_BODY_CONST(&s->out[i].msg, struct pg_message);
}

/* A client message (or batch) as the pending request of a server reply. */
static struct message request_of(const uint8_t *buf, size_t len)
{
	uint32_t flags = decoder_test_flags;
	struct decoder_sim *s = sim_all(buf, len, true, NULL, len, 1);
	struct message request = s->out[0].msg;

	CHECK_INT(s->n_out, 1);
	decoder_test_flags = flags;
	return request;
}

/* Human and JSON text of one message. */
static char text_buf[8192];

static const char *human(const struct message *m, bool request, bool show_secrets)
{
	struct strbuf out;
	struct output_style style = { .show_secrets = show_secrets };

	strbuf_init(&out, text_buf, sizeof(text_buf));
	postgres_protocol.human_put(&out, m, request, &style);
	return text_buf;
}

static const char *json(const struct message *m, bool show_secrets)
{
	struct strbuf out;
	struct output_style style = { .json = true, .show_secrets = show_secrets };

	strbuf_init(&out, text_buf, sizeof(text_buf));
	postgres_protocol.json_put(&out, m, &style);
	return text_buf;
}

static void pg_texts_check(const struct message *m)
{
	const struct pg_message *pg = PROTOCOL_BODY_CONST(m, struct pg_message);

	CHECK(text_terminated(pg->user, sizeof(pg->user)));
	CHECK(text_terminated(pg->database, sizeof(pg->database)));
	CHECK(text_terminated(pg->application, sizeof(pg->application)));
	CHECK(text_terminated(pg->query, sizeof(pg->query)));
	CHECK(text_terminated(pg->statement, sizeof(pg->statement)));
	CHECK(text_terminated(pg->portal, sizeof(pg->portal)));
	CHECK(text_terminated(pg->close_name, sizeof(pg->close_name)));
	CHECK(text_terminated(pg->messages, sizeof(pg->messages)));
	CHECK(text_terminated(pg->mechanism, sizeof(pg->mechanism)));
	CHECK(text_terminated(pg->credential, sizeof(pg->credential)));
	for (unsigned i = 0; i < PG_TAGS_MAX; i++)
		CHECK(text_terminated(pg->tags[i], sizeof(pg->tags[i])));
	for (unsigned i = 0; i < PG_PARAMS_MAX; i++)
		CHECK(pg->params[i].kept <= PG_PARAM_BYTES);
	CHECK(text_terminated(pg->severity, sizeof(pg->severity)));
	CHECK(text_terminated(pg->code, sizeof(pg->code)));
	CHECK(text_terminated(pg->error, sizeof(pg->error)));
	CHECK(text_terminated(pg->notice, sizeof(pg->notice)));
	CHECK(text_terminated(pg->channel, sizeof(pg->channel)));
	CHECK(text_terminated(pg->payload, sizeof(pg->payload)));
	CHECK(text_terminated(pg->parameter, sizeof(pg->parameter)));
	CHECK(text_terminated(pg->mechanisms, sizeof(pg->mechanisms)));
	/* Whatever was parsed formats. */
	human(m, true, false);
	json(m, true);
}

/*
 * Flips every byte of buf with a few masks and runs the result through the
 * engine model, whole and in random pieces: the parser keeps the contract
 * (checked by decoder_sim_run), its texts stay terminated. Returns how many runs
 * met an INVALID. (decoder_test.h's flips_check_decoder wants one whole
 * message per call; a reply here is a series of PARSE_CONTINUE pieces.)
 */
static int flips_check(const uint8_t *buf, size_t len, bool from_client,
		       const struct message *request)
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
	uint32_t flags = decoder_test_flags;
	uint8_t *copy = exact_copy(buf, len);
	int invalid = 0;

	for (size_t at = 0; at < len; at++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			copy[at] ^= masks[m];
			for (unsigned piece = 0; piece < 2; piece++) {
				struct decoder_sim *s;

				decoder_test_flags = flags;
				s = sim_all(copy, len, from_client, request, piece ? 0 : len,
					    (unsigned)(at * 7 + m));
				invalid += s->n_invalid > 0;
				for (unsigned i = 0; i < s->n_out && i < DECODER_SIM_OUT; i++)
					pg_texts_check(&s->out[i].msg);
				pg_texts_check(&s->msg);
			}
			copy[at] ^= masks[m];
		}
	}
	free(copy);
	decoder_test_flags = flags;
	return invalid;
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

/* psycopg 3.1.7's BEGIN: Parse, Bind, Describe portal, Execute, Sync in one write */
static const uint8_t ext_begin[] = {
	/* P, length 13 */
	'P', 0x00, 0x00, 0x00, 0x0d,
	0x00, 'B', 'E', 'G', 'I', 'N', 0x00, 0x00, 0x00,
	/* B, length 14 */
	'B', 0x00, 0x00, 0x00, 0x0e,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	/* D, length 6 */
	'D', 0x00, 0x00, 0x00, 0x06,
	'P', 0x00,
	/* E, length 9 */
	'E', 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00,
	/* S, length 4 */
	'S', 0x00, 0x00, 0x00, 0x04,
};
/* its reply: ParseComplete, BindComplete, NoData, CommandComplete, ReadyForQuery (in a transaction) */
static const uint8_t ext_begin_reply[] = {
	/* 1, length 4 */
	'1', 0x00, 0x00, 0x00, 0x04,
	/* 2, length 4 */
	'2', 0x00, 0x00, 0x00, 0x04,
	/* n, length 4 */
	'n', 0x00, 0x00, 0x00, 0x04,
	/* C, length 10 */
	'C', 0x00, 0x00, 0x00, 0x0a,
	'B', 'E', 'G', 'I', 'N', 0x00,
	/* Z, length 5 */
	'Z', 0x00, 0x00, 0x00, 0x05,
	'T',
};
/* cur.execute("select %s::int, %s::text, %s", (42, "hi there", None)): Parse with types (int2, -, -), Bind (binary, text, text: 42, "hi there", NULL), Describe, Execute, Sync */
static const uint8_t ext_select[] = {
	/* P, length 48 */
	'P', 0x00, 0x00, 0x00, 0x30,
	0x00, 's', 'e', 'l', 'e', 'c', 't', ' ', '$', '1', ':', ':',
	'i', 'n', 't', ',', ' ', '$', '2', ':', ':', 't', 'e', 'x',
	't', ',', ' ', '$', '3', 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x15,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* B, length 42 */
	'B', 0x00, 0x00, 0x00, 0x2a,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x02, 0x00, '*', 0x00, 0x00, 0x00, 0x08, 'h', 'i',
	' ', 't', 'h', 'e', 'r', 'e', 0xff, 0xff, 0xff, 0xff, 0x00, 0x01,
	0x00, 0x00,
	/* D, length 6 */
	'D', 0x00, 0x00, 0x00, 0x06,
	'P', 0x00,
	/* E, length 9 */
	'E', 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00,
	/* S, length 4 */
	'S', 0x00, 0x00, 0x00, 0x04,
};
/* its reply, one write */
static const uint8_t ext_select_reply[] = {
	/* 1, length 4 */
	'1', 0x00, 0x00, 0x00, 0x04,
	/* 2, length 4 */
	'2', 0x00, 0x00, 0x00, 0x04,
	/* T, length 79 */
	'T', 0x00, 0x00, 0x00, 0x4f,
	0x00, 0x03, 'i', 'n', 't', '4', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x17, 0x00, 0x04, 0xff, 0xff, 0xff, 0xff, 0x00,
	0x00, 't', 'e', 'x', 't', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
	'?', 'c', 'o', 'l', 'u', 'm', 'n', '?', 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x00, 0x00,
	/* D, length 28 */
	'D', 0x00, 0x00, 0x00, 0x1c,
	0x00, 0x03, 0x00, 0x00, 0x00, 0x02, '4', '2', 0x00, 0x00, 0x00, 0x08,
	'h', 'i', ' ', 't', 'h', 'e', 'r', 'e', 0xff, 0xff, 0xff, 0xff,
	/* C, length 13 */
	'C', 0x00, 0x00, 0x00, 0x0d,
	'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0x00,
	/* Z, length 5 */
	'Z', 0x00, 0x00, 0x00, 0x05,
	'T',
};
/* cur.execute("select * from nope where a = %s", (1,)) */
static const uint8_t ext_error[] = {
	/* P, length 43 */
	'P', 0x00, 0x00, 0x00, 0x2b,
	0x00, 's', 'e', 'l', 'e', 'c', 't', ' ', '*', ' ', 'f', 'r',
	'o', 'm', ' ', 'n', 'o', 'p', 'e', ' ', 'w', 'h', 'e', 'r',
	'e', ' ', 'a', ' ', '=', ' ', '$', '1', 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x15,
	/* B, length 22 */
	'B', 0x00, 0x00, 0x00, 0x16,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	/* D, length 6 */
	'D', 0x00, 0x00, 0x00, 0x06,
	'P', 0x00,
	/* E, length 9 */
	'E', 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00,
	/* S, length 4 */
	'S', 0x00, 0x00, 0x00, 0x04,
};

/* Hand-written from the protocol docs: a multi-statement Query
 * "select 1; select 2" and its reply (one RowDescription, DataRow and
 * CommandComplete per statement, one ReadyForQuery) */
static const uint8_t query_two[] = {
	'Q', 0x00, 0x00, 0x00, 0x17,                    /* Query, length 23 */
	's', 'e', 'l', 'e', 'c', 't', ' ', '1', ';', ' ', 's', 'e',
	'l', 'e', 'c', 't', ' ', '2', 0x00,
};

/* CommandComplete "SELECT 20000" */
static const uint8_t select_20000[] = {
	'C', 0x00, 0x00, 0x00, 0x11,
	'S', 'E', 'L', 'E', 'C', 'T', ' ', '2', '0', '0', '0', '0', 0x00,
};

/* Hand-written: MD5 authentication. The request (salt 01 02 03 04), the
 * PasswordMessage "md5" + 32 hex digits, and a failed login's FATAL error */
static const uint8_t auth_md5[] = {
	'R', 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x05, /* AuthenticationMD5Password */
	0x01, 0x02, 0x03, 0x04,                         /* salt */
};
static const uint8_t password_md5[] = {
	'p', 0x00, 0x00, 0x00, 0x28,                    /* PasswordMessage, length 40 */
	'm', 'd', '5', '0', '1', '2', '3', '4', '5', '6', '7', '8',
	'9', 'a', 'b', 'c', 'd', 'e', 'f', '0', '1', '2', '3', '4',
	'5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 0x00,
};
static const uint8_t error_fatal[] = {
	'E', 0x00, 0x00, 0x00, 0x31,                    /* ErrorResponse, length 49 */
	'S', 'F', 'A', 'T', 'A', 'L', 0x00,
	'V', 'F', 'A', 'T', 'A', 'L', 0x00,
	'C', '2', '8', 'P', '0', '1', 0x00,             /* invalid_password */
	'M', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', ' ', 'f', 'a',
	'i', 'l', 'e', 'd', ' ', 'f', 'o', 'r', ' ', 'x', 0x00,
	0x00,
};

/* Hand-written: SCRAM-SHA-256 (RFC 7677 shapes, shortened nonces) */
static const uint8_t auth_sasl[] = {
	'R', 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0a, /* AuthenticationSASL */
	'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5',
	'6', 0x00, 0x00,                                /* mechanisms, then an empty name */
};
static const uint8_t sasl_initial[] = {
	'p', 0x00, 0x00, 0x00, 0x25,                    /* SASLInitialResponse, length 37 */
	'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2', '5',
	'6', 0x00,                                      /* mechanism */
	0x00, 0x00, 0x00, 0x0f,                         /* 15 bytes of data */
	'n', ',', ',', 'n', '=', ',', 'r', '=', 'n', 'o', 'n', 'c',
	'e', '0', '1',                                  /* client-first-message */
};
static const uint8_t auth_sasl_continue[] = {
	'R', 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00, 0x0b, /* AuthenticationSASLContinue */
	'r', '=', 'n', 'o', 'n', 'c', 'e', '0', '1', 's', 'v',  /* server-first-message */
};
static const uint8_t sasl_response[] = {
	'p', 0x00, 0x00, 0x00, 0x14,                    /* SASLResponse, length 20 */
	'c', '=', 'b', 'i', 'w', 's', ',', 'p', '=', 'p', 'r', 'o',
	'o', 'f', '1', '6',                             /* client-final-message */
};
static const uint8_t auth_sasl_final[] = {
	'R', 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x0c, /* AuthenticationSASLFinal */
	'v', '=', 's', 'i', 'g', 'n',                   /* server-final-message */
};

/* Hand-written: a NotificationResponse (pid 20642, "jobs", "42") and a
 * NoticeResponse, each arriving alone */
static const uint8_t notification[] = {
	'A', 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x50, 0xa2,
	'j', 'o', 'b', 's', 0x00, '4', '2', 0x00,
};
static const uint8_t notice[] = {
	'N', 0x00, 0x00, 0x00, 0x1e,
	'S', 'W', 'A', 'R', 'N', 'I', 'N', 'G', 0x00,
	'C', '0', '1', '0', '0', '0', 0x00,
	'M', 'c', 'a', 'r', 'e', 'f', 'u', 'l', 0x00,
	0x00,
};

/* Hand-written: COPY t FROM STDIN's CopyInResponse (text, 1 column) and
 * the client's CopyData and CopyDone */
static const uint8_t copy_in[] = {
	'G', 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x00,
};
static const uint8_t copy_data[] = {
	'd', 0x00, 0x00, 0x00, 0x06, '1', '\n',
	'c', 0x00, 0x00, 0x00, 0x04,
};
static const uint8_t copy_complete[] = {
	'C', 0x00, 0x00, 0x00, 0x0b, 'C', 'O', 'P', 'Y', ' ', '1', 0x00,
};

/* Hand-written: a batch on a statement prepared earlier ("S_1"): Bind
 * (text "7"), Execute at most 10 rows, Sync; its reply ends suspended */
static const uint8_t ext_named[] = {
	'B', 0x00, 0x00, 0x00, 0x14,
	0x00,                                           /* unnamed portal */
	'S', '_', '1', 0x00,                            /* statement S_1 */
	0x00, 0x00,                                     /* no format codes: text */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x01, '7',        /* 1 parameter: "7" */
	0x00, 0x00,                                     /* no result formats */
	'E', 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x0a,
	'S', 0x00, 0x00, 0x00, 0x04,
};
static const uint8_t suspended_reply[] = {
	'2', 0x00, 0x00, 0x00, 0x04,
	'D', 0x00, 0x00, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, '7',
	's', 0x00, 0x00, 0x00, 0x04,
	'Z', 0x00, 0x00, 0x00, 0x05, 'I',
};

static uint8_t stream[1 << 16];
static size_t stream_len;

static void stream_start(void)
{
	stream_len = 0;
}

static void stream_add(const uint8_t *bytes, size_t n)
{
	CHECK(stream_len + n <= sizeof(stream));
	memcpy(stream + stream_len, bytes, n);
	stream_len += n;
}

#define ADD(array) stream_add(array, sizeof(array))

static void test_startup(void)
{
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	struct message request;
	struct decoder_sim *s;

	decoder_test_flags = 0;
	result = parse(ssl_request, sizeof(ssl_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 8);
	CHECK_INT(pg->kind, PG_SSL_REQUEST);
	CHECK_STR(human(&msg, true, false), "SSLRequest");

	/* The one-byte answer, known as such by the request before it. */
	result = parse(ssl_no, sizeof(ssl_no), false, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 1);
	CHECK_INT(result.after, STREAM_GOES_ON);
	CHECK_INT(pg->kind, PG_SSL_ANSWER);
	CHECK_STR(human(&msg, false, false), "SSL refused");
	CHECK_STR(json(&msg, false), ",\"type\":\"ssl_answer\",\"answer\":\"N\",\"request\":\"ssl\"");
	/* Only once: then 'N' starts a NoticeResponse. */
	CHECK_INT(parse(ssl_no, sizeof(ssl_no), false, NULL).state, PARSE_NEED_MORE);
	/* Yes: the rest of the connection is TLS. */
	request = request_of(ssl_request, sizeof(ssl_request));
	result = parse((const uint8_t *)"S", 1, false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.after, STREAM_ENCRYPTED);
	CHECK_STR(human(&msg, false, false), "SSL accepted");

	result = parse(startup, sizeof(startup), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(startup));
	CHECK_INT(result.skip, 0);
	CHECK_STR(pg->user, "postgres");
	CHECK_STR(pg->database, "postgres");
	CHECK_STR(human(&msg, true, false),
		  "startup user=postgres database=postgres application=psql");
	CHECK_STR(json(&msg, false), ",\"type\":\"startup\",\"user\":\"postgres\","
				     "\"database\":\"postgres\",\"application\":\"psql\"");

	/* The database defaults to the user's name. */
	result = parse(startup_user_only, sizeof(startup_user_only), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->user, "alice");
	CHECK_STR(pg->database, "alice");

	/* The startup reply is one message, every byte of it, to ReadyForQuery. */
	request = request_of(startup, sizeof(startup));
	stream_start();
	ADD(auth_ok);
	ADD(parameter_status);
	ADD(backend_key);
	ADD(ready_idle);
	s = sim_all(stream, stream_len, false, &request, stream_len, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_invalid, 0);
	CHECK_INT(s->out[0].bytes, stream_len);
	CHECK_INT(out_pg(s, 0)->n_backend, 4);
	CHECK_INT(out_pg(s, 0)->status, 'I');
	CHECK_STR(human(&s->out[0].msg, false, false), "auth ok, ready");
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"ready\",\"tags\":[],\"n_tags\":0,\"rows\":0,\"messages\":4,"
		  "\"status\":\"idle\",\"auth\":\"ok\"");

	/* GSSENCRequest and its answers. */
	decoder_test_flags = 0;
	result = parse(gssenc_request, sizeof(gssenc_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(pg->kind, PG_GSSENC_REQUEST);
	result = parse((const uint8_t *)"G", 1, false, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.after, STREAM_ENCRYPTED);
	CHECK_STR(human(&msg, false, false), "GSSENC accepted");
	/* An 'S' is no answer to a GSSENCRequest. */
	parse(gssenc_request, sizeof(gssenc_request), true, NULL);
	CHECK_INT(parse((const uint8_t *)"S", 1, false, NULL).state, PARSE_NEED_MORE);

	result = parse(cancel_request, sizeof(cancel_request), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, 16);
	CHECK_STR(human(&msg, true, false), "CancelRequest pid=20642");

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
	decoder_test_flags = 0;
}

static void test_simple_query(void)
{
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	struct message request;
	struct decoder_sim *s;

	decoder_test_flags = 0;
	result = parse(query_select_1, sizeof(query_select_1), true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(result.consumed, sizeof(query_select_1));
	CHECK_INT(pg->kind, PG_QUERY);
	CHECK_STR(pg->query, "SELECT 1");
	CHECK_STR(human(&msg, true, false), "query \"SELECT 1\"");
	CHECK_STR(json(&msg, false), ",\"type\":\"query\",\"query\":\"SELECT 1\"");

	/* Each backend message is one piece of the reply; ReadyForQuery ends it. */
	request = request_of(query_select_1, sizeof(query_select_1));
	result = parse(row_description, sizeof(row_description), false, &request);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed, sizeof(row_description));
	CHECK_INT(result.skip, 0);
	result = parse(ready_idle, sizeof(ready_idle), false, &request);
	CHECK_INT(result.state, PARSE_COMPLETE);
	/* A DataRow larger than buf: its header read, the rest skipped. */
	result = parse(data_row, 7, false, &request);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed, 7);
	CHECK_INT(result.skip, sizeof(data_row) - 7);
	CHECK_INT(pg->rows, 1);
	/* Fewer than 5 bytes: the header is not in. */
	CHECK_INT(parse(data_row, 4, false, &request).state, PARSE_NEED_MORE);

	/* The reply as captured, 66 bytes in one read: one message. */
	stream_start();
	ADD(row_description);
	ADD(data_row);
	ADD(select_complete);
	ADD(ready_idle);
	CHECK_INT(stream_len, 66);
	s = sim_all(stream, stream_len, false, &request, stream_len, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, 66);
	CHECK_INT(out_pg(s, 0)->n_tags, 1);
	CHECK_STR(out_pg(s, 0)->tags[0], "SELECT 1");
	CHECK_INT(out_pg(s, 0)->rows, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "SELECT 1 (1 row)");
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"command_complete\",\"tag\":\"SELECT 1\",\"tags\":[\"SELECT 1\"],"
		  "\"n_tags\":1,\"rows\":1,\"messages\":4,\"status\":\"idle\"");

	/* "select 1; select 2": one exchange, both tags. */
	result = parse(query_two, sizeof(query_two), true, NULL);
	CHECK_STR(pg->query, "select 1; select 2");
	request = request_of(query_two, sizeof(query_two));
	stream_start();
	ADD(row_description);
	ADD(data_row);
	ADD(select_complete);
	ADD(row_description);
	ADD(data_row);
	ADD(select_complete);
	ADD(ready_idle);
	for (unsigned seed = 1; seed < 40; seed++) {
		s = sim_all(stream, stream_len, false, &request, seed < 20 ? seed : 0, seed);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->n_invalid, 0);
		CHECK_INT(s->out[0].bytes, stream_len);
		CHECK_STR(human(&s->out[0].msg, false, false), "SELECT 1, SELECT 1 (2 rows)");
	}

	/* An error, then ReadyForQuery in a second write. */
	request = request_of(query_nope, sizeof(query_nope));
	stream_start();
	ADD(error_nope);
	ADD(ready_idle);
	s = sim_all(stream, sizeof(error_nope), false, &request, sizeof(error_nope), 1);
	CHECK_INT(s->n_out, 0);
	CHECK(s->in_message);
	decoder_sim_feed(s, ready_idle, sizeof(ready_idle));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, sizeof(error_nope) + sizeof(ready_idle));
	pg = out_pg(s, 0);
	CHECK_STR(pg->severity, "ERROR");
	CHECK_STR(pg->code, "42P01");
	CHECK_STR(pg->error, "relation \"nope\" does not exist");
	CHECK_STR(human(&s->out[0].msg, false, false),
		  "ERROR 42P01 relation \"nope\" does not exist");
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"error\",\"tags\":[],\"n_tags\":0,\"rows\":0,\"messages\":2,"
		  "\"status\":\"idle\",\"severity\":\"ERROR\",\"code\":\"42P01\","
		  "\"error\":\"relation \\\"nope\\\" does not exist\"");

	/* An empty query; Terminate and CopyDone alone are ignored. */
	static const uint8_t empty_reply[] = { 'I', 0, 0, 0, 4, 'Z', 0, 0, 0, 5, 'I' };
	s = sim_all(empty_reply, sizeof(empty_reply), false, &request, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "empty query");
	result = parse(terminate, sizeof(terminate), true, NULL);
	CHECK_INT(result.state, PARSE_IGNORED);
	CHECK_INT(result.consumed, sizeof(terminate));
}

static void test_extended(void)
{
	const struct pg_message *pg;
	struct message request;
	struct decoder_sim *s;

	decoder_test_flags = 0;
	/* psycopg's BEGIN: one request of five messages, to the Sync. */
	s = sim_all(ext_begin, sizeof(ext_begin), true, NULL, sizeof(ext_begin), 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, sizeof(ext_begin));
	pg = out_pg(s, 0);
	CHECK_INT(pg->kind, PG_EXTENDED);
	CHECK_STR(pg->messages, "PBDES");
	CHECK_STR(pg->query, "BEGIN");
	CHECK_STR(human(&s->out[0].msg, true, false), "execute \"BEGIN\"");
	request = s->out[0].msg;
	s = sim_all(ext_begin_reply, sizeof(ext_begin_reply), false, &request, 3, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, sizeof(ext_begin_reply));
	CHECK_STR(human(&s->out[0].msg, false, false), "BEGIN");
	CHECK_INT(out_pg(s, 0)->status, 'T');

	/* With parameters: binary int2 42 (its type from the Parse), text, NULL. */
	for (unsigned seed = 0; seed < 30; seed++) {
		s = sim_all(ext_select, sizeof(ext_select), true, NULL, seed < 10 ? seed + 1 : 0,
			    seed);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->out[0].bytes, sizeof(ext_select));
	}
	pg = out_pg(s, 0);
	CHECK_STR(pg->query, "select $1::int, $2::text, $3");
	CHECK_INT(pg->n_params, 3);
	CHECK_INT(pg->params[0].type_oid, 21);
	CHECK(pg->params[0].binary);
	CHECK_INT(pg->params[2].length, -1);
	CHECK_STR(human(&s->out[0].msg, true, false),
		  "execute \"select $1::int, $2::text, $3\" [42, 'hi there', NULL]");
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"extended\",\"action\":\"execute\",\"messages\":\"PBDES\","
		  "\"n_messages\":5,\"statement\":\"\",\"query\":\"select $1::int, $2::text, $3\","
		  "\"portal\":\"\",\"params\":[\"42\",\"hi there\",null],\"n_params\":3,"
		  "\"executes\":1,\"max_rows\":0,\"describe\":\"portal\"");
	request = s->out[0].msg;
	s = sim_all(ext_select_reply, sizeof(ext_select_reply), false, &request, 0, 5);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, sizeof(ext_select_reply));
	CHECK_STR(human(&s->out[0].msg, false, false), "SELECT 1 (1 row)");

	/* The failing one: its text, its parameter, then the error. */
	s = sim_all(ext_error, sizeof(ext_error), true, NULL, sizeof(ext_error), 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, true, false),
		  "execute \"select * from nope where a = $1\" [1]");
	request = s->out[0].msg;
	stream_start();
	ADD(error_nope);
	ADD(ready_idle);
	s = sim_all(stream, stream_len, false, &request, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false),
		  "ERROR 42P01 relation \"nope\" does not exist");
	CHECK_INT(out_pg(s, 0)->status, 'I');

	/* A statement prepared earlier: its name, no text; a suspended portal. */
	s = sim_all(ext_named, sizeof(ext_named), true, NULL, 2, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "execute S_1 ['7'] max_rows=10");
	request = s->out[0].msg;
	s = sim_all(suspended_reply, sizeof(suspended_reply), false, &request, 4, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "(1 row), suspended");

	/* Two batches in one write: two requests. */
	stream_start();
	ADD(ext_begin);
	ADD(ext_select);
	s = sim_all(stream, stream_len, true, NULL, stream_len, 1);
	CHECK_INT(s->n_out, 2);
	CHECK_INT(s->out[0].bytes + s->out[1].bytes, stream_len);

	/* Parse and Sync only: a prepare; Close and Sync: a close. */
	static const uint8_t prepare[] = {
		'P', 0x00, 0x00, 0x00, 0x13, 'S', '_', '1', 0x00, 's', 'e', 'l', 'e', 'c', 't',
		' ', '1', 0x00, 0x00, 0x00, 'S', 0x00, 0x00, 0x00, 0x04,
	};
	static const uint8_t close_sync[] = {
		'C', 0x00, 0x00, 0x00, 0x09, 'S', 'S', '_', '1', 0x00,
		'S', 0x00, 0x00, 0x00, 0x04,
	};
	static const uint8_t prepare_reply[] = { '1', 0, 0, 0, 4, 'Z', 0, 0, 0, 5, 'I' };
	s = sim_all(prepare, sizeof(prepare), true, NULL, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "prepare S_1 \"select 1\"");
	s = sim_all(prepare_reply, sizeof(prepare_reply), false, NULL, 1, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "parsed");
	s = sim_all(close_sync, sizeof(close_sync), true, NULL, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "close statement S_1");

	/* Broken batch messages. */
	static const uint8_t bind_short[] = {
		'B', 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	};
	static const uint8_t execute_long[] = {
		'E', 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t describe_bad[] = { 'D', 0x00, 0x00, 0x00, 0x06, 'x', 0x00 };
	static const uint8_t sync_long[] = { 'S', 0x00, 0x00, 0x00, 0x05, 0x00 };
	CHECK_INT(parse(bind_short, sizeof(bind_short), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(execute_long, sizeof(execute_long), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(describe_bad, sizeof(describe_bad), true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse(sync_long, sizeof(sync_long), true, NULL).state, PARSE_INVALID);
}

static void test_auth(void)
{
	struct message request;
	struct decoder_sim *s;

	/* MD5: the startup's reply ends at the request; the password is a
	 * credential: marked, masked unless asked. */
	decoder_test_flags = 0;
	request = request_of(startup, sizeof(startup));
	s = sim_all(auth_md5, sizeof(auth_md5), false, &request, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, sizeof(auth_md5));
	CHECK_STR(human(&s->out[0].msg, false, false), "auth md5");
	s = sim_all(password_md5, sizeof(password_md5), true, NULL, 7, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_secrets, 1);
	CHECK_INT(s->secret_at[0], 5);
	CHECK_INT(s->secret_len[0], sizeof(password_md5) - 5);
	CHECK_STR(human(&s->out[0].msg, true, false), "password ***");
	CHECK_STR(human(&s->out[0].msg, true, true),
		  "password \"md50123456789abcdef0123456789abcdef\"");
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"password\",\"credential_type\":\"password\",\"credential\":\"***\"");
	CHECK(strstr(json(&s->out[0].msg, true), "md50123456789abcdef") != NULL);
	request = s->out[0].msg;
	s = sim_all(error_fatal, sizeof(error_fatal), false, &request, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK(!s->out[0].unsolicited);
	CHECK_STR(human(&s->out[0].msg, false, false), "FATAL 28P01 password failed for x");

	/* SCRAM-SHA-256: three exchanges. */
	decoder_test_flags = 0;
	request = request_of(startup, sizeof(startup));
	s = sim_all(auth_sasl, sizeof(auth_sasl), false, &request, 0, 2);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "auth sasl SCRAM-SHA-256");
	s = sim_all(sasl_initial, sizeof(sasl_initial), true, NULL, 0, 3);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_secrets, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "sasl SCRAM-SHA-256 ***");
	CHECK_STR(human(&s->out[0].msg, true, true), "sasl SCRAM-SHA-256 \"n,,n=,r=nonce01\"");
	request = s->out[0].msg;
	s = sim_all(auth_sasl_continue, sizeof(auth_sasl_continue), false, &request, 0, 4);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "auth sasl_continue");
	s = sim_all(sasl_response, sizeof(sasl_response), true, NULL, 0, 5);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "sasl-response ***");
	CHECK_STR(human(&s->out[0].msg, true, true), "sasl-response \"c=biws,p=proof16\"");
	request = s->out[0].msg;
	stream_start();
	ADD(auth_sasl_final);
	ADD(auth_ok);
	ADD(parameter_status);
	ADD(backend_key);
	ADD(ready_idle);
	s = sim_all(stream, stream_len, false, &request, 0, 6);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, stream_len);
	CHECK_STR(human(&s->out[0].msg, false, false), "auth ok, ready");

	/* A 'p' whose request was not seen: still a credential. */
	decoder_test_flags = 0;
	s = sim_all(password_md5, sizeof(password_md5), true, NULL, 0, 7);
	CHECK_INT(s->n_secrets, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "password ***");
}

static void test_push_and_copy(void)
{
	struct message request;
	struct decoder_sim *s;

	/* While no request waits, a notification and a notice are pushes. */
	s = sim_all(notification, sizeof(notification), false, NULL, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK(s->out[0].unsolicited);
	CHECK_STR(human(&s->out[0].msg, false, false), "notification jobs \"42\"");
	s = sim_all(notice, sizeof(notice), false, NULL, 0, 1);
	CHECK_INT(s->n_out, 1);
	CHECK(s->out[0].unsolicited);
	CHECK_STR(human(&s->out[0].msg, false, false), "notice \"careful\"");
	s = sim_all(parameter_status, sizeof(parameter_status), false, NULL, 0, 1);
	CHECK(s->out[0].unsolicited);
	CHECK_STR(human(&s->out[0].msg, false, false), "parameter application_name=psql");
	/* A FATAL error alone: the server hangs up (admin shutdown). */
	s = sim_all(error_fatal, sizeof(error_fatal), false, NULL, 0, 1);
	CHECK_INT(s->n_out, 1);
	CHECK(s->out[0].unsolicited);
	/* Inside a reply, they are part of it. */
	request = request_of(query_select_1, sizeof(query_select_1));
	stream_start();
	ADD(notice);
	ADD(select_complete);
	ADD(notification);
	ADD(ready_idle);
	s = sim_all(stream, stream_len, false, &request, 0, 9);
	CHECK_INT(s->n_out, 1);
	CHECK(!s->out[0].unsolicited);
	CHECK_STR(human(&s->out[0].msg, false, false),
		  "SELECT 1, notice \"careful\", notification jobs \"42\"");

	/* COPY FROM STDIN: the reply waits in CopyInResponse while the client's
	 * CopyData and CopyDone are ignored; CommandComplete and
	 * ReadyForQuery end it. */
	struct decoder_sim *server = sim_start(false, &request);
	decoder_sim_feed(server, copy_in, sizeof(copy_in));
	CHECK_INT(server->n_out, 0);
	s = sim_all(copy_data, sizeof(copy_data), true, NULL, 0, 1);
	CHECK_INT(s->n_out, 0);
	CHECK_INT(s->n_ignored, 2);
	server = &sim_storage; /* sim_all reused it: start again */
	stream_start();
	ADD(copy_in);
	ADD(copy_complete);
	ADD(ready_idle);
	s = sim_all(stream, stream_len, false, &request, 0, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_STR(human(&s->out[0].msg, false, false), "COPY 1, copy in");
}

/* Work a feed cost, in bytes looked at: consumed, plus what each NEED_MORE
 * call was given (it may have looked at all of it), plus one per call. */
static uint64_t work(const struct decoder_sim *s)
{
	return s->consumed + s->need_more_bytes + s->calls;
}

static void test_splits_linear(void)
{
	struct message request = request_of(query_two, sizeof(query_two));
	struct decoder_sim *s;

	/* The psql reply of two statements, an error and a notice, byte by
	 * byte and in random pieces: the same one message. */
	stream_start();
	ADD(row_description);
	ADD(data_row);
	ADD(select_complete);
	ADD(notice);
	ADD(error_nope);
	ADD(ready_idle);
	for (unsigned seed = 0; seed < 50; seed++) {
		s = sim_all(stream, stream_len, false, &request, seed ? 0 : 1, seed);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->n_invalid, 0);
		CHECK_INT(s->out[0].bytes, stream_len);
		CHECK_STR(human(&s->out[0].msg, false, false),
			  "SELECT 1 (1 row), ERROR 42P01 relation \"nope\" does not exist, "
			  "notice \"careful\"");
		if (!seed) {
			/* Byte by byte: each piece is given at most its own size
			 * again and again; nothing beyond one message is held. */
			CHECK(work(s) <= 40 * stream_len);
			CHECK(s->max_len <= sizeof(error_nope));
		} else {
			CHECK(work(s) <= 4 * stream_len);
		}
	}
}

static void test_big_reply(void)
{
	static uint8_t big[20000 * 16 + 128];
	struct message request;
	size_t len = 0;
	struct decoder_sim *s;

	/* psql -c 'select generate_series(1,20000)' as the server sends it,
	 * DataRows of 1 to 5 digits. */
	static const char query[] = "select generate_series(1,20000)";
	uint8_t q[5 + sizeof(query)] = { 'Q', 0, 0, 0, 4 + sizeof(query) };
	memcpy(q + 5, query, sizeof(query));
	request = request_of(q, sizeof(q));
	memcpy(big, row_description, sizeof(row_description));
	len = sizeof(row_description);
	for (unsigned i = 1; i <= 20000; i++) {
		char digits[8];
		int n = snprintf(digits, sizeof(digits), "%u", i);

		big[len++] = 'D';
		big[len++] = 0;
		big[len++] = 0;
		big[len++] = 0;
		big[len++] = (uint8_t)(10 + n);
		big[len++] = 0;
		big[len++] = 1;
		big[len++] = 0;
		big[len++] = 0;
		big[len++] = 0;
		big[len++] = (uint8_t)n;
		memcpy(big + len, digits, (size_t)n);
		len += (size_t)n;
	}
	memcpy(big + len, select_20000, sizeof(select_20000));
	len += sizeof(select_20000);
	memcpy(big + len, ready_idle, sizeof(ready_idle));
	len += sizeof(ready_idle);
	CHECK(len <= sizeof(big));
	/* In the server's 8192-byte writes, and in random pieces. */
	for (unsigned seed = 0; seed < 3; seed++) {
		s = sim_all(big, len, false, &request, seed ? 0 : 8192, seed);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->n_invalid, 0);
		CHECK_INT(s->out[0].bytes, len);
		CHECK_INT(out_pg(s, 0)->rows, 20000);
		CHECK_INT(out_pg(s, 0)->n_backend, 20003);
		CHECK_STR(human(&s->out[0].msg, false, false), "SELECT 20000 (20000 rows)");
		CHECK(work(s) <= 3 * len);
	}
	/* Byte by byte, too. */
	s = sim_all(big, len, false, &request, 1, 1);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, len);
	CHECK(work(s) <= 20 * len);
	CHECK(s->max_len <= 64);
}

static void test_long_messages(void)
{
	static uint8_t buf[4096];
	struct parse_result result;
	const struct pg_message *pg = PROTOCOL_BODY(&msg, struct pg_message);
	char want[TEXT_LONG];

	decoder_test_flags = 0;
	/* A DataRow of 100000 bytes, 4096 in buf: read, the rest skipped. */
	memset(buf, 'r', sizeof(buf));
	memcpy(buf, "D\x00\x01\x86\xa0", 5); /* length 100000 */
	result = parse(buf, sizeof(buf), false, NULL);
	CHECK_INT(result.state, PARSE_CONTINUE);
	CHECK_INT(result.consumed, sizeof(buf));
	CHECK_INT(result.skip, 100001 - sizeof(buf));

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

	/* A whole Query of TEXT_LONG - 1 bytes fits; one more is cut. */
	memcpy(buf, "Q\x00\x00\x01\x04", 5); /* length 260: 255 bytes and a NUL */
	buf[5 + 255] = 0;
	result = parse(buf, 261, true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_INT(strlen(pg->query), 255);
	memcpy(buf, "Q\x00\x00\x01\x05", 5);
	buf[5 + 255] = 'q';
	buf[5 + 256] = 0;
	result = parse(buf, 262, true, NULL);
	CHECK_INT(result.state, PARSE_COMPLETE);
	CHECK_STR(pg->query, want);

	/* A batch with a 1 MB parameter: its first bytes kept, the rest
	 * skipped, the Execute and Sync after it still read. */
	static uint8_t batch[4096];
	size_t n = 0;
	uint32_t bind_len = 4 + 1 + 1 + 2 + 2 + 4 + 1000000 + 2;
	memcpy(batch, "B", 1);
	batch[1] = (uint8_t)(bind_len >> 24);
	batch[2] = (uint8_t)(bind_len >> 16);
	batch[3] = (uint8_t)(bind_len >> 8);
	batch[4] = (uint8_t)bind_len;
	n = 5;
	memcpy(batch + n, "\0\0\0\0\0\x01\x00\x0f\x42\x40", 10); /* 1 param of 1000000 */
	n += 10;
	memset(batch + n, 'v', sizeof(batch) - n);
	struct decoder_sim *s = sim_start(true, NULL);
	decoder_sim_feed(s, batch, sizeof(batch));
	static uint8_t rest[1 << 16];
	memset(rest, 'v', sizeof(rest));
	uint64_t left = 1 + (uint64_t)bind_len - sizeof(batch) - 2;
	while (left) {
		size_t k = left < sizeof(rest) ? (size_t)left : sizeof(rest);
		decoder_sim_feed(s, rest, k);
		left -= k;
	}
	static const uint8_t tail[] = {
		0x00, 0x00, /* no result formats */
		'E', 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00,
		'S', 0x00, 0x00, 0x00, 0x04,
	};
	decoder_sim_feed(s, tail, sizeof(tail));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, 1 + (uint64_t)bind_len + 10 + 5);
	CHECK(s->max_len <= sizeof(rest));
	pg = out_pg(s, 0);
	CHECK_STR(pg->messages, "BES");
	CHECK_INT(pg->params[0].length, 1000000);
	CHECK_INT(pg->params[0].kept, PG_PARAM_BYTES);
	CHECK(strstr(human(&s->out[0].msg, true, false), "execute (unnamed) ['vvvvv") != NULL);
}


/* --- prepared statements across batches (hand-written from the protocol
 * docs, in the shapes psycopg 3 sends) --- */

static uint8_t wire[1 << 17];
static size_t wire_len, wire_msg_at;

static void w_bytes(const void *bytes, size_t n)
{
	CHECK(wire_len + n <= sizeof(wire));
	if (wire_len + n > sizeof(wire))
		return;
	memcpy(wire + wire_len, bytes, n);
	wire_len += n;
}

static void w_u16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	w_bytes(b, 2);
}

static void w_u32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	w_bytes(b, 4);
}

static void w_str(const char *text)
{
	w_bytes(text, strlen(text) + 1);
}

static void w_begin(char type)
{
	w_bytes(&type, 1);
	wire_msg_at = wire_len;
	w_u32(0);
}

/* Writes the length of the message begun last. */
static void w_end(void)
{
	uint32_t length = (uint32_t)(wire_len - wire_msg_at);

	wire[wire_msg_at] = (uint8_t)(length >> 24);
	wire[wire_msg_at + 1] = (uint8_t)(length >> 16);
	wire[wire_msg_at + 2] = (uint8_t)(length >> 8);
	wire[wire_msg_at + 3] = (uint8_t)length;
}

/* Parse name text, with one parameter type (0: none given). */
static void w_parse(const char *name, const char *text, uint32_t type)
{
	w_begin('P');
	w_str(name);
	w_str(text);
	w_u16(type ? 1 : 0);
	if (type)
		w_u32(type);
	w_end();
}

/* Bind of statement name: one text parameter (NULL: none). */
static void w_bind_text(const char *name, const char *value)
{
	w_begin('B');
	w_str("");
	w_str(name);
	w_u16(0);
	w_u16(value ? 1 : 0);
	if (value) {
		w_u32((uint32_t)strlen(value));
		w_bytes(value, strlen(value));
	}
	w_u16(0);
	w_end();
}

/* Bind of statement name: one binary int4. */
static void w_bind_int4(const char *name, uint32_t v)
{
	w_begin('B');
	w_str("");
	w_str(name);
	w_u16(1);
	w_u16(1);
	w_u16(1);
	w_u32(4);
	w_u32(v);
	w_u16(0);
	w_end();
}

static void w_execute_sync(void)
{
	w_begin('E');
	w_str("");
	w_u32(0);
	w_end();
	w_begin('S');
	w_end();
}

static void w_close_sync(char kind, const char *name)
{
	w_begin('C');
	w_bytes(&kind, 1);
	w_str(name);
	w_end();
	w_begin('S');
	w_end();
}

static void w_query(const char *text)
{
	w_begin('Q');
	w_str(text);
	w_end();
}

/* The client sends what wire holds (in random pieces when seed): each
 * request's human text, "|" between them, in text_buf. */
static char batches_text[4096];

static const char *send_wire(unsigned seed)
{
	struct decoder_sim *s = sim_all(wire, wire_len, true, NULL, seed ? 0 : wire_len, seed);
	size_t at = 0;

	CHECK_INT(s->n_invalid, 0);
	CHECK(s->n_out <= DECODER_SIM_OUT);
	batches_text[0] = '\0';
	for (unsigned i = 0; i < s->n_out && i < DECODER_SIM_OUT; i++) {
		const char *text = human(&s->out[i].msg, true, false);
		size_t n = strlen(text);

		if (at + n + 2 > sizeof(batches_text))
			break;
		if (i)
			batches_text[at++] = '|';
		memcpy(batches_text + at, text, n + 1);
		at += n;
	}
	wire_len = 0;
	return batches_text;
}

static void test_statements(void)
{
	static struct pg_conn_state state;
	struct decoder_sim *s;
	char name[16];

	decoder_test_flags = 0;
	memset(&state, 0, sizeof(state));
	sim_state = &state;

	/* psycopg's sixth execution: PREPARE's Parse, Bind, Execute, Sync;
	 * then the later ones, a Bind of the name alone. */
	for (unsigned seed = 0; seed < 20; seed++) {
		memset(&state, 0, sizeof(state));
		w_parse("_pg3_0", "select $1::int + 1", 23);
		w_bind_int4("_pg3_0", 7);
		w_execute_sync();
		w_bind_int4("_pg3_0", 8);
		w_execute_sync();
		w_bind_text("_pg3_0", "9");
		w_execute_sync();
		CHECK_STR(send_wire(seed),
			  "execute _pg3_0 \"select $1::int + 1\" [7]|"
			  "execute _pg3_0 \"select $1::int + 1\" [8]|"
			  "execute _pg3_0 \"select $1::int + 1\" ['9']");
	}
	/* In later batches, one at a time: JSON says where the text is from. */
	w_bind_int4("_pg3_0", 10);
	w_execute_sync();
	s = sim_all(wire, wire_len, true, NULL, 3, 1);
	wire_len = 0;
	CHECK_INT(s->n_out, 1);
	CHECK_STR(json(&s->out[0].msg, false),
		  ",\"type\":\"extended\",\"action\":\"execute\",\"messages\":\"BES\","
		  "\"n_messages\":3,\"statement\":\"_pg3_0\",\"query\":\"select $1::int + 1\","
		  "\"query_cached\":true,\"portal\":\"\",\"params\":[\"10\"],\"n_params\":1,"
		  "\"executes\":1,\"max_rows\":0");
	/* The recorded-shape fixture: S_1 prepared by an earlier batch. */
	w_parse("S_1", "select $1", 0);
	w_begin('S');
	w_end();
	CHECK_STR(send_wire(0), "prepare S_1 \"select $1\"");
	s = sim_all(ext_named, sizeof(ext_named), true, NULL, 2, 1);
	CHECK_STR(human(&s->out[0].msg, true, false),
		  "execute S_1 \"select $1\" ['7'] max_rows=10");
	/* Without the connection's state: the name alone, as before. */
	sim_state = NULL;
	s = sim_all(ext_named, sizeof(ext_named), true, NULL, 2, 1);
	CHECK_STR(human(&s->out[0].msg, true, false), "execute S_1 ['7'] max_rows=10");
	sim_state = &state;

	/* Close forgets it; a Parse of another name in the batch keeps its own. */
	w_close_sync('S', "S_1");
	w_bind_text("S_1", "7");
	w_execute_sync();
	w_close_sync('P', "_pg3_0");
	w_bind_int4("_pg3_0", 1);
	w_execute_sync();
	CHECK_STR(send_wire(0), "close statement S_1|execute S_1 ['7']|close portal _pg3_0|"
				"execute _pg3_0 \"select $1::int + 1\" [1]");

	/* The unnamed statement too, until a simple Query destroys it. */
	w_parse("", "select 2", 0);
	w_bind_text("", NULL);
	w_execute_sync();
	w_bind_text("", NULL);
	w_execute_sync();
	w_query("select 3");
	w_bind_text("", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), "execute \"select 2\"|execute \"select 2\"|query \"select 3\"|"
				"execute (unnamed)");

	/* Eviction: 12 remembered, the least recently used gives way. */
	memset(&state, 0, sizeof(state));
	for (unsigned i = 0; i < PG_STATEMENTS_MAX; i++) {
		char text[32];

		snprintf(name, sizeof(name), "s%u", i);
		snprintf(text, sizeof(text), "select %u", i);
		w_parse(name, text, 0);
		w_begin('S');
		w_end();
		send_wire(0);
	}
	w_bind_text("s0", NULL); /* s0 used again: s1 is now the oldest */
	w_execute_sync();
	w_parse("s12", "select 12", 0);
	w_begin('S');
	w_end();
	w_bind_text("s0", NULL);
	w_execute_sync();
	w_bind_text("s1", NULL);
	w_execute_sync();
	w_bind_text("s2", NULL);
	w_execute_sync();
	w_bind_text("s12", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), "execute s0 \"select 0\"|prepare s12 \"select 12\"|"
				"execute s0 \"select 0\"|execute s1|execute s2 \"select 2\"|"
				"execute s12 \"select 12\"");
	/* A name of 64 bytes or more is not remembered; 63 is. */
	char long_name[80];
	memset(long_name, 'n', 63);
	long_name[63] = '\0';
	w_parse(long_name, "select 63", 0);
	w_begin('S');
	w_end();
	send_wire(0);
	w_bind_text(long_name, NULL);
	w_execute_sync();
	CHECK(strstr(send_wire(0), "\"select 63\"") != NULL);
	memset(long_name, 'm', 64);
	long_name[64] = '\0';
	w_parse(long_name, "select 64", 0);
	w_begin('S');
	w_end();
	send_wire(0);
	w_bind_text(long_name, NULL);
	w_execute_sync();
	CHECK(strstr(send_wire(0), "select 64") == NULL);

	/* DEALLOCATE name (folded to lower case unless quoted), DEALLOCATE
	 * ALL, DISCARD ALL. */
	w_query("  deallocate S3 ;");
	w_query("DEALLOCATE PREPARE \"s4\"");
	w_query("deallocate s5x");
	w_bind_text("s3", NULL);
	w_execute_sync();
	w_bind_text("s4", NULL);
	w_execute_sync();
	w_bind_text("s5", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), "query \"  deallocate S3 ;\"|query \"DEALLOCATE PREPARE \"s4\"\"|"
				"query \"deallocate s5x\"|execute s3|execute s4|"
				"execute s5 \"select 5\"");
	w_query("discard all");
	w_bind_text("s5", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), "query \"discard all\"|execute s5");
	w_parse("s6", "select 6", 0);
	w_begin('S');
	w_end();
	w_query("deallocate all");
	w_bind_text("s6", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), "prepare s6 \"select 6\"|query \"deallocate all\"|execute s6");
	for (unsigned i = 0; i < PG_STATEMENTS_MAX; i++)
		CHECK_INT(state.statements[i].used, 0);

	/* A Parse far larger than a buffer: its first bytes remembered, cut. */
	static uint8_t text[100000];
	memset(text, 'q', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	w_parse("big", (const char *)text, 0);
	w_begin('S');
	w_end();
	s = sim_all(wire, wire_len, true, NULL, 4096, 1);
	wire_len = 0;
	CHECK_INT(s->n_out, 1);
	w_bind_text("big", NULL);
	w_execute_sync();
	char want[PG_STATEMENT_TEXT + 32];
	snprintf(want, sizeof(want), "execute big \"%.*s...\"", PG_STATEMENT_TEXT - 4,
		 (const char *)text);
	CHECK_STR(send_wire(0), want);

	/* A stamp clock that wraps keeps the entries. */
	state.clock = UINT32_MAX;
	w_bind_text("big", NULL);
	w_execute_sync();
	CHECK_STR(send_wire(0), want);
	CHECK_INT(state.clock, 2);
	sim_state = NULL;
}

/* A 'p' message longer than what one call sees: all of its payload marked. */
static void test_long_secret(void)
{
	static uint8_t token[20000];
	struct decoder_sim *s;

	decoder_test_flags = 0;
	memset(token, 0x5a, sizeof(token));
	w_begin('p');
	w_bytes(token, sizeof(token));
	w_end();
	for (unsigned seed = 0; seed < 10; seed++) {
		s = sim_all(wire, wire_len, true, NULL, seed ? 0 : 4096, seed);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->out[0].bytes, wire_len);
		CHECK_INT(s->n_secrets, 1);
		CHECK_INT(s->secret_at[0], 5);
		CHECK_INT(s->secret_len[0], sizeof(token));
		CHECK_STR(human(&s->out[0].msg, true, false), "password ***");
	}
	wire_len = 0;
}

static void test_invalid(void)
{
	/* Lengths below 4 or above 1 GiB. */
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x03", 5, true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"D\x40\x00\x00\x01", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"D\x40\x00\x00\x00", 5, false, NULL).state, PARSE_CONTINUE);
	CHECK_INT(parse((const uint8_t *)"C\xff\xff\xff\xff", 5, false, NULL).state, PARSE_INVALID);
	/* Unknown types, wrong fixed lengths, unterminated strings. */
	CHECK_INT(parse((const uint8_t *)"@\x00\x00\x00\x04", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Z\x00\x00\x00\x06II", 7, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Z\x00\x00\x00\x05x", 6, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"1\x00\x00\x00\x05x", 6, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"X\x00\x00\x00\x05\x00", 6, true, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x04", 5, true, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"Q\x00\x00\x00\x06" "ab", 7, true, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"R\x00\x00\x00\x04", 5, false, NULL).state, PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"R\x00\x00\x00\x08\x00\x00\x00\x04", 9, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, false, NULL).state,
		  PARSE_INVALID);
	CHECK_INT(parse((const uint8_t *)"", 0, false, NULL).state, PARSE_NEED_MORE);
	/* An error whose fields do not end where it does. */
	static const uint8_t error_open[] = { 'E', 0, 0, 0, 8, 'S', 'E', 'R', 'R' };
	CHECK_INT(parse(error_open, sizeof(error_open), false, NULL).state, PARSE_INVALID);
}

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
	bool from_client;
};

#define FIXTURE(array, side) { #array, array, sizeof(array), side }

static const struct fixture fixtures[] = {
	FIXTURE(ssl_request, true),      FIXTURE(startup, true),
	FIXTURE(startup_user_only, true), FIXTURE(gssenc_request, true),
	FIXTURE(cancel_request, true),   FIXTURE(query_select_1, true),
	FIXTURE(query_nope, true),       FIXTURE(ext_begin, true),
	FIXTURE(ext_select, true),       FIXTURE(ext_error, true),
	FIXTURE(ext_named, true),        FIXTURE(password_md5, true),
	FIXTURE(sasl_initial, true),     FIXTURE(auth_ok, false),
	FIXTURE(parameter_status, false), FIXTURE(backend_key, false),
	FIXTURE(ready_idle, false),      FIXTURE(row_description, false),
	FIXTURE(data_row, false),        FIXTURE(select_complete, false),
	FIXTURE(error_nope, false),      FIXTURE(ext_select_reply, false),
	FIXTURE(ext_begin_reply, false), FIXTURE(auth_sasl, false),
	FIXTURE(notice, false),          FIXTURE(notification, false),
	FIXTURE(suspended_reply, false),
};

/* Every proper prefix of a whole client message or batch completes
 * nothing; the whole one is exactly one request. */
static void test_prefixes(void)
{
	struct message request = request_of(startup, sizeof(startup));

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		for (size_t cut = 0; cut < f->len; cut++) {
			struct decoder_sim *s;

			decoder_test_flags = 0;
			if (f->buf == password_md5 || f->buf == sasl_initial)
				decoder_test_flags = 0; /* unknown credential: still one */
			s = sim_all(f->buf, cut, f->from_client, f->from_client ? NULL : &request,
				    cut ? cut : 1, 1);
			/* A reply's prefix may only complete at a FATAL error
			 * or an auth request, neither a proper prefix here,
			 * and pushes alone (not with a request waiting). */
			if (s->n_out || s->n_invalid)
				fprintf(stderr, "%s: prefix of %zu bytes\n", f->name, cut);
			CHECK_INT(s->n_out, 0);
			CHECK_INT(s->n_invalid, 0);
		}
	}
	decoder_test_flags = 0;
}

static void test_flips(void)
{
	struct message startup_request = request_of(startup, sizeof(startup));

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		decoder_test_flags = 0;
		flips_check(f->buf, f->len, f->from_client, f->from_client ? NULL : &startup_request);
		if (!f->from_client)
			flips_check(f->buf, f->len, false, NULL);
	}
	/* Broken lengths, codes and terminators are caught. */
	decoder_test_flags = 0;
	CHECK(flips_check(startup, sizeof(startup), true, NULL) > 0);
	CHECK(flips_check(ssl_request, sizeof(ssl_request), true, NULL) > 0);
	CHECK(flips_check(query_select_1, sizeof(query_select_1), true, NULL) > 0);
	CHECK(flips_check(ext_select, sizeof(ext_select), true, NULL) > 0);
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
	CHECK(detect(auth_md5, sizeof(auth_md5), false));
	CHECK(detect(auth_sasl, sizeof(auth_sasl), false));
	CHECK(detect(error_nope, sizeof(error_nope), false));
	CHECK(detect(parameter_status, sizeof(parameter_status), false));
	CHECK(detect(backend_key, sizeof(backend_key), false));
	CHECK(detect(ready_idle, sizeof(ready_idle), false));
	CHECK(!detect(ssl_no, sizeof(ssl_no), false));
	CHECK(!detect(auth_ok, 8, false));
	CHECK(!detect("R\x00\x00\x00\x08\x00\x00\x00\x63", 9, false)); /* no such method */
	CHECK(!detect("+OK\r\n", 5, false));
	CHECK(!detect("HTTP/1.1 200 OK\r\n", 17, false));
	CHECK(!detect("", 0, false));
}

/* A server reply, whole, as the pending request's response. */
static struct message reply_of(const uint8_t *buf, size_t len, const struct message *request)
{
	struct decoder_sim *s = sim_all(buf, len, false, request, len, 1);

	CHECK_INT(s->n_out, 1);
	return s->out[0].msg;
}

/* The endpoint and outcome hooks on parsed requests and replies. */
static void test_hooks(void)
{
	struct message request, response;
	char status[STATUS_CLASS_MAX];

	decoder_test_flags = 0;
	sim_state = NULL;
	request = request_of(query_select_1, sizeof(query_select_1));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "SELECT ?");
	stream_start();
	ADD(row_description);
	ADD(data_row);
	ADD(select_complete);
	ADD(ready_idle);
	response = reply_of(stream, stream_len, &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	CHECK_INT(decoder_outcome(&postgres_protocol, NULL, &response, status), OUTCOME_OK);

	request = request_of(query_nope, sizeof(query_nope));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "SELECT * FROM nope");
	stream_start();
	ADD(error_nope);
	ADD(ready_idle);
	response = reply_of(stream, stream_len, &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_ERROR);
	CHECK_STR(status, "error");

	request = request_of(query_two, sizeof(query_two));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "select ?; select ?");

	/* Extended batches: the Parse's text; its error. */
	request = request_of(ext_select, sizeof(ext_select));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "select ?::int, ?::text, ?");
	response = reply_of(ext_select_reply, sizeof(ext_select_reply), &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	request = request_of(ext_begin, sizeof(ext_begin));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "BEGIN");
	request = request_of(ext_error, sizeof(ext_error));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "select * from nope where a = ?");
	stream_start();
	ADD(error_nope);
	ADD(ready_idle);
	response = reply_of(stream, stream_len, &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_ERROR);
	CHECK_STR(status, "error");
	/* A Bind of a statement whose Parse was not seen: its name, folded. */
	request = request_of(ext_named, sizeof(ext_named));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "Execute S_{id}");
	response = reply_of(suspended_reply, sizeof(suspended_reply), &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_OK);

	/* The rest, by their names; a failed login is an error. */
	request = request_of(startup, sizeof(startup));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "StartupMessage");
	request = request_of(ssl_request, sizeof(ssl_request));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "SSLRequest");
	response = reply_of(ssl_no, sizeof(ssl_no), &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	request = request_of(gssenc_request, sizeof(gssenc_request));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "GSSENCRequest");
	request = request_of(cancel_request, sizeof(cancel_request));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "CancelRequest");
	decoder_test_flags = 0;
	request = request_of(startup, sizeof(startup));
	(void)reply_of(auth_md5, sizeof(auth_md5), &request);
	request = request_of(password_md5, sizeof(password_md5));
	CHECK_STR(decoder_endpoint(&postgres_protocol, &request), "PasswordMessage");
	response = reply_of(error_fatal, sizeof(error_fatal), &request);
	CHECK_INT(decoder_outcome(&postgres_protocol, &request, &response, status), OUTCOME_ERROR);
	CHECK_STR(status, "error");
	decoder_test_flags = 0;
}

int main(void)
{
	test_startup();
	test_simple_query();
	test_extended();
	test_hooks();
	test_auth();
	test_push_and_copy();
	test_splits_linear();
	test_big_reply();
	test_long_messages();
	test_statements();
	test_long_secret();
	test_invalid();
	test_prefixes();
	test_flips();
	test_detect();
	return check_report("test_decode_postgres");
}
