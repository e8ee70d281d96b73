/*
 * The contract every protocol decoder keeps. A decoder reads the bytes of
 * one direction of one connection, as reassembled by src/stream.c, and
 * says what they are. It never reads outside buf[0..len), never allocates,
 * and copies what it keeps into the message (text fields are raw bytes,
 * NUL-terminated, cut to their size: output escapes them).
 */
#ifndef ST_DECODER_H
#define ST_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Protocols. Append only. */
enum protocol {
	PROTO_UNKNOWN = 0,
	PROTO_HTTP = 1,
	PROTO_HTTP2 = 2,
	PROTO_REDIS = 3,
	PROTO_DNS = 4,
	PROTO_TLS = 5,
	PROTO_POSTGRES = 6,
	PROTO_NR
};

extern const char *const protocol_names[PROTO_NR]; /* "http", "http2", ... */

enum parse_state {
	/* A whole message: consumed bytes, then skip more stream bytes. */
	PARSE_COMPLETE,
	/* The message goes on: consume, skip, then call again with the same
	 * message (a chunked body, say). */
	PARSE_CONTINUE,
	/* buf holds the start of a message but not all of it: call again with
	 * more bytes. Nothing is consumed. */
	PARSE_NEED_MORE,
	/* A whole message of no interest (a PostgreSQL ParameterStatus, say):
	 * consume and skip as for PARSE_COMPLETE, emit nothing. */
	PARSE_IGNORED,
	/* Not this protocol, or broken beyond repair: the caller drops what it
	 * holds for this direction and waits for the next message start. */
	PARSE_INVALID,
};

struct parse_result {
	enum parse_state state;
	size_t consumed;    /* bytes of buf used, <= len */
	uint64_t skip;      /* stream bytes after those that the message also takes (a body) */
	bool until_close;   /* the message ends when the connection closes */
};

#define TEXT_SHORT 64
#define TEXT_LONG 256
#define DECODER_MAX_ARGS 4
#define DECODER_MAX_ANSWERS 8

struct http_message {
	bool is_request;
	char method[16];
	char target[TEXT_LONG];
	char host[TEXT_SHORT * 2];
	char version[16];          /* "HTTP/1.1" */
	int status;                /* response: 100..999 */
	char reason[TEXT_SHORT];
	int64_t content_length;    /* -1 when absent */
	bool chunked;
	bool keep_alive;
	uint8_t body[TEXT_SHORT];  /* first body bytes seen (raw) */
	uint32_t body_len;
	/* Continuation state of a chunked body (decoder's own). */
	uint32_t chunk_state;
};

struct redis_message {
	bool is_request;
	char command[32];               /* request: upper-cased command name */
	char args[DECODER_MAX_ARGS][TEXT_SHORT]; /* request: first arguments, shortened */
	uint32_t n_args;                /* request: all arguments, shown or not */
	char reply_type[16];            /* response: "status", "error", "integer", "bulk", "null", "array", ... */
	char reply[TEXT_LONG];          /* response: the value, shortened; arrays: "N elements" */
};

struct dns_message {
	bool is_response;
	uint16_t id;
	char name[TEXT_LONG];      /* first question, dotted */
	char type[16];             /* "A", "AAAA", "TYPE65", ... */
	char rcode[16];            /* response: "NOERROR", "NXDOMAIN", ... */
	char answers[DECODER_MAX_ANSWERS][TEXT_SHORT]; /* response: "1.2.3.4", "::1", "cname.example." */
	uint32_t n_answers;        /* all answers, shown or not */
};

struct tls_message {
	bool client_hello;         /* else server hello, or another record */
	bool server_hello;
	bool application_data;     /* encrypted records after the handshake */
	char sni[TEXT_LONG];       /* client hello: server_name, "" none */
	char version[16];          /* client: highest offered; server: selected ("TLS1.3") */
};

enum pg_kind {
	PG_STARTUP,         /* client: user, database */
	PG_SSL_REQUEST,     /* client: SSLRequest; server answers one byte S/N */
	PG_QUERY,           /* client: simple Query */
	PG_COMMAND_COMPLETE,/* server: tag */
	PG_ERROR,           /* server: ErrorResponse message */
	PG_READY,           /* server: ReadyForQuery (ends a reply) */
	PG_AUTH,            /* server: Authentication* */
	PG_OTHER,
};

struct pg_message {
	enum pg_kind kind;
	char user[TEXT_SHORT];
	char database[TEXT_SHORT];
	char query[TEXT_LONG];
	char tag[TEXT_SHORT];
	char severity[16];
	char code[8];              /* SQLSTATE */
	char error[TEXT_LONG];
};

struct message {
	enum protocol protocol;
	union {
		struct http_message http;
		struct redis_message redis;
		struct dns_message dns;
		struct tls_message tls;
		struct pg_message pg;
	} u;
};

/*
 * Each decoder, in src/decode/<name>.c:
 *   bool <name>_detect(const uint8_t *buf, size_t len, bool from_client);
 *     true when buf (a connection's first bytes in one direction) starts a
 *     message of this protocol; from_client says which side sent them.
 *   struct parse_result <name>_parse(const uint8_t *buf, size_t len, bool from_client,
 *                                    const struct message *request, struct message *msg);
 *     parses one message from buf. request is the request this response
 *     answers (NULL if unknown), for protocols where it matters (a response
 *     to HEAD has no body). msg is zeroed by the caller before a new
 *     message, and kept between PARSE_CONTINUE calls.
 */
/*
 * Optional: <name>_skipped(msg, bytes, len) is given the captured bytes of a
 * skipped part (a body that arrives after its headers), for excerpts.
 */
void http_skipped(struct message *msg, const uint8_t *bytes, size_t len);
bool http_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http_parse(const uint8_t *buf, size_t len, bool from_client,
			       const struct message *request, struct message *msg);
bool http2_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http2_parse(const uint8_t *buf, size_t len, bool from_client,
				const struct message *request, struct message *msg);
bool redis_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result redis_parse(const uint8_t *buf, size_t len, bool from_client,
				const struct message *request, struct message *msg);
bool dns_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result dns_parse(const uint8_t *buf, size_t len, bool from_client,
			      const struct message *request, struct message *msg);
bool tls_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result tls_parse(const uint8_t *buf, size_t len, bool from_client,
			      const struct message *request, struct message *msg);
bool postgres_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result postgres_parse(const uint8_t *buf, size_t len, bool from_client,
				   const struct message *request, struct message *msg);

#endif
