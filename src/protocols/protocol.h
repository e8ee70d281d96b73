/*
 * What a protocol is to the rest of the tracer: one descriptor (struct
 * protocol), listed once in src/protocols/registry.c. The engine
 * (src/protocols/exchange.c) reassembles each direction of a connection, asks the
 * descriptors which one the first bytes start, drives that one's parser and
 * pairs its messages as the descriptor says; the output calls its
 * formatters. Nothing outside a protocol's own files names it. The guide is
 * docs/protocols.md.
 *
 * A parser reads the bytes of one direction of one connection and says what
 * they are. It never reads outside buf[0..len), never allocates, and copies
 * what it keeps into its message body (text fields are raw bytes,
 * NUL-terminated, cut to their size: the output escapes them).
 */
#ifndef ST_PROTOCOL_H
#define ST_PROTOCOL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct output_style;

enum parse_state {
	/* A whole message: consumed bytes, then skip more stream bytes. */
	PARSE_COMPLETE,
	/* The message goes on: consume, skip, then call again with the same
	 * message (a chunked body, the next element of an array, the next
	 * message of a PostgreSQL reply). A message larger than any buffer is
	 * parsed this way, piece by piece, each byte once. */
	PARSE_CONTINUE,
	/* buf holds the start of a piece but not all of it: call again with
	 * more bytes. Nothing is consumed. */
	PARSE_NEED_MORE,
	/* A whole message of no interest (a PostgreSQL ParameterStatus, say):
	 * consume and skip as for PARSE_COMPLETE, emit nothing. */
	PARSE_IGNORED,
	/* Not this protocol, or broken beyond repair: the engine drops what it
	 * holds for this direction and waits for the next message start. */
	PARSE_INVALID,
};

/* What the connection carries after a PARSE_COMPLETE message. */
enum stream_after {
	STREAM_GOES_ON,   /* more of this protocol */
	STREAM_ENDS,      /* another protocol (HTTP 101, the h2c preface): stop decoding */
	STREAM_ENCRYPTED, /* a TLS handshake finished: the rest is ciphertext */
	/* Another registered protocol goes on from the next byte, in both
	 * directions: the one whose upgrade_token is parse_result.upgrade_to
	 * (HTTP/1.1 101 to h2c). */
	STREAM_SWITCHES,
};

/* What a PARSE_COMPLETE message is to the pairing. A multiplexed protocol
 * finishes one side's message from the other side's bytes (an HTTP/2
 * stream reset by the client ends the server's response). */
enum message_role {
	ROLE_OF_SENDER, /* a request from the client, a response from the server */
	ROLE_REQUEST,
	ROLE_RESPONSE,
	ROLE_ALONE,     /* reported alone, paired with nothing (an HTTP/2 GOAWAY) */
};

struct parse_result {
	enum parse_state state;
	size_t consumed;    /* bytes of buf used, <= len */
	uint64_t skip;      /* stream bytes after those that the message also takes (a body) */
	bool until_close;   /* the message ends when the connection closes */
	enum stream_after after; /* with PARSE_COMPLETE */
	/* With PARSE_COMPLETE from the server: the message answers no request
	 * (a pub/sub message, a RESP3 push) and is reported alone. */
	bool unsolicited;
	/* With PARSE_COMPLETE: */
	enum message_role role;
	/* The message's frames were interleaved with other messages' (HTTP/2
	 * streams): its first byte arrived at span_first_ts_ns and it took
	 * span_bytes of the stream, not the bytes since the last message. */
	bool spanned;
	uint64_t span_first_ts_ns;
	uint64_t span_bytes;
	/* With STREAM_SWITCHES: the next protocol's upgrade_token. */
	char upgrade_to[16];
};

struct message;

struct parse_ctx {
	bool from_client;
	bool stream; /* a stream socket: DNS over TCP has a 2-byte length before each message */
	/* Server side: the request this response answers (NULL: not known). */
	const struct message *request;
	/* Bytes of buf that the previous call was given and answered
	 * PARSE_NEED_MORE to: a search for a delimiter may resume there, so
	 * that a message arriving a byte at a time costs linear time. */
	size_t seen;
	/* The protocol's own per-connection state, shared by both directions
	 * (Redis: subscribed), 0 at the start, PROTOCOL_SWITCHED_TO after an
	 * upgrade. */
	uint32_t *conn_flags;
	/* More of it when the descriptor asks (conn_state_size bytes, zeroed
	 * when the connection is recognised): PostgreSQL's prepared
	 * statements. NULL when conn_state_size is 0, or in tests. */
	void *conn_state;
	/* Marks stream bytes [offset, offset + len) from buf's start as a
	 * credential: masked in data lines unless --show-secrets. offset lies
	 * within buf; the range may go on into bytes the message skips. The
	 * message's formatter masks its own copy. */
	void (*secret)(const struct parse_ctx *ctx, size_t offset, size_t len);
	void *engine; /* for secret() */
	/* Stream position of buf[0] and when it arrived: a multiplexed
	 * protocol times its messages itself and sees a gap as a jump. */
	uint64_t pos;
	uint64_t ts_ns;
	/* The connection closed (buf is empty): a multiplexed protocol hands
	 * over its unfinished messages, one PARSE_COMPLETE per call, then
	 * answers PARSE_IGNORED. */
	bool closing;
};

/* conn_flags' value when the connection switched to the protocol
 * (STREAM_SWITCHES): its first request was the upgrading one. */
#define PROTOCOL_SWITCHED_TO (1u << 31)

/* Text field sizes the protocols share. */
#define TEXT_SHORT 64
#define TEXT_LONG 256

/* ctx->secret, when there is one (tests and fuzzers have none). */
static inline void parse_secret(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	if (ctx->secret)
		ctx->secret(ctx, offset, len);
}

/* A message body holds any one protocol's message struct. */
#define MESSAGE_BODY_MAX 4096

struct message {
	const struct protocol *protocol;
	/* Its framing was lost to bytes not captured: the fields come from its
	 * start only (none if !started), its size and place in the stream are
	 * still exact. */
	bool partial;
	bool started; /* the parser took at least one piece of it */
	alignas(8) uint8_t body[MESSAGE_BODY_MAX];
};

/* A protocol's view of a message: PROTOCOL_BODY(msg, struct redis_message). */
#define PROTOCOL_BODY(msg, type) ((type *)(void *)(msg)->body)
#define PROTOCOL_BODY_CONST(msg, type) ((const type *)(const void *)(msg)->body)
#define PROTOCOL_BODY_FITS(type)                                                  \
	_Static_assert(sizeof(type) <= MESSAGE_BODY_MAX, #type " must fit a message body")

/* The most per-connection state a protocol may ask for. */
#define PROTOCOL_CONN_STATE_MAX 4096

/* How an exchange went, for --stats and --metrics. */
enum outcome {
	OUTCOME_NONE,         /* no response (yet, or at close) */
	OUTCOME_OK,
	OUTCOME_CLIENT_ERROR, /* the request was refused (HTTP 4xx) */
	OUTCOME_SERVER_ERROR, /* the server failed (HTTP 5xx) */
	OUTCOME_ERROR,        /* failed, with no such split (a Redis error reply) */
};

/* Room for an endpoint: what --stats and --metrics group requests by. */
#define ENDPOINT_MAX 128
/* Room for a status class: a label of few values ("4xx", "NXDOMAIN"). */
#define STATUS_CLASS_MAX 40

/* How a protocol's responses find their requests. */
enum pairing {
	PAIR_IN_ORDER, /* each response answers the oldest request waiting */
	PAIR_BY_ID,    /* pair_id() of both is equal (DNS, HTTP/2 streams) */
};

struct protocol {
	const char *name; /* "http": --protocol, JSON, human lines */
	/* The peer's port that makes this protocol the first one tried; 0 none. */
	uint16_t port_hint;
	bool datagram;          /* UDP: one message per datagram */
	bool stream_framed;     /* also a stream protocol (DNS over TCP) */
	enum pairing pairing;
	size_t body_size;       /* sizeof its message struct: zeroed before each message */
	/* Optional: how much of a message's body is in use, when its struct
	 * ends in a buffer filled from its start (HTTP's header text): the
	 * engine copies a message that far, not body_size. */
	size_t (*body_used)(const struct message *msg);
	size_t conn_state_size; /* parse_ctx.conn_state's size; at most PROTOCOL_CONN_STATE_MAX */
	/* Optional: releases what conn_state holds (a parser that keeps
	 * allocations there bounds and accounts them itself). */
	void (*conn_state_free)(void *conn_state);
	/* Messages of many requests interleave on one connection (HTTP/2): a
	 * message the engine loses track of is not reported (the parser sees
	 * the gap in ctx->pos and marks the messages it touched), and at close
	 * the parser is asked for what it holds (ctx->closing). */
	bool multiplexed;
	/* The server speaks first (an SSH version line): on a connection of
	 * unknown role (a socket a re-executed server inherited), the side
	 * whose bytes are recognised first is taken for the server. */
	bool server_first;
	/* Optional: the token of an HTTP/1.1 Upgrade that switches to it. */
	const char *upgrade_token;
	/* Optional: another name --protocol knows it by (what it carries:
	 * "grpc" for http2). */
	const char *alias;
	/* True when buf (a connection's first bytes in one direction) starts a
	 * message of this protocol; from_client says which side sent them. */
	bool (*detect)(const uint8_t *buf, size_t len, bool from_client);
	/* Parses one message, or the next piece of one, from buf. msg's body
	 * is zeroed before a new message and kept between PARSE_CONTINUE
	 * calls. */
	struct parse_result (*parse)(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				     struct message *msg);
	/* Optional: the captured bytes of a skipped part (a body that arrives
	 * after its headers), for excerpts, then how many bytes after them
	 * were skipped without being captured. */
	void (*skipped)(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
			uint64_t uncaptured);
	/* Optional: marks credentials (parse_secret) in bytes its parser did
	 * not take: refused, lost to a gap, or of a connection no protocol
	 * claimed (then every protocol's scan runs). Linear, keeps no state. */
	void (*secrets_scan)(const uint8_t *buf, size_t len, const struct parse_ctx *ctx);
	/* PAIR_BY_ID: the id; datagrams: is_response tells the sides apart
	 * (a DNS server and client both use port 53 sometimes). */
	uint32_t (*pair_id)(const struct message *msg);
	bool (*is_response)(const struct message *msg);
	/* The message's part of a human exchange line ("GET /x", "200 OK"). */
	void (*human_put)(struct strbuf *out, const struct message *msg, bool request,
			  const struct output_style *style);
	/* The message's JSON keys after "protocol", each with its leading comma. */
	void (*json_put)(struct strbuf *out, const struct message *msg,
			 const struct output_style *style);
	/* Optional: the name of a human exchange line when not the protocol's
	 * (gRPC over HTTP/2); either message may be NULL. */
	const char *(*exchange_label)(const struct message *request, const struct message *response);
	/* Optional: what ends a human exchange line after the sizes. */
	void (*exchange_tail)(struct strbuf *out, const struct message *request,
			      const struct message *response);
	/* Optional: the request's endpoint with its literals folded, so that
	 * requests alike group together ("GET /users/{id}", "SELECT * FROM t
	 * WHERE id = ?", "GET" for Redis): a few hundred values, not one per
	 * request. Without it, the protocol's name. */
	void (*endpoint_put)(struct strbuf *out, const struct message *request);
	/* Optional: how the exchange went, and its status class into
	 * status (STATUS_CLASS_MAX bytes): "2xx", "NOT_FOUND", "error". The
	 * request may be NULL. Without it, OUTCOME_OK and "ok" for any
	 * response. */
	enum outcome (*outcome_of)(const struct message *request, const struct message *response,
				   char *status);
	/* Optional: the protocol's own counters for the exit summary, without
	 * "socket-tracer: " or a newline; false when there is nothing to say. */
	bool (*summary_put)(struct strbuf *out);
};

/* The registry (src/protocols/registry.c), in detection order when no port hint
 * applies: the most specific first. A protocol's number (struct event's
 * protocol, --protocol's bit) is its index + 1; 0 is none. */
extern const struct protocol *const protocol_registry[];
extern const unsigned protocol_count;

/* By number (1..protocol_count); NULL for 0 or out of range. */
const struct protocol *protocol_by_number(unsigned number);
/* The number of a registered protocol. */
unsigned protocol_number(const struct protocol *protocol);
/* "dns, http, ..." (in name order), cut to size. */
void protocol_names_list(char *out, size_t size);
/* By name; NULL if none. */
const struct protocol *protocol_by_name(const char *name);

#endif
