/* Redis RESP2/RESP3 commands and replies. */
#ifndef ST_PROTO_REDIS_H
#define ST_PROTO_REDIS_H

#include "protocols/protocol.h"

#define DECODER_MAX_ARGS 4     /* request arguments kept (all are counted) */
#define REDIS_SHOWN_ELEMENTS 4 /* reply elements kept (all are counted) */
#define REDIS_MAX_DEPTH 32     /* aggregates open at once; deeper is PARSE_INVALID */

/* What a request's command is to the decoder (stored, for its response). */
enum redis_command {
	REDIS_CMD_OTHER,
	REDIS_CMD_AUTH,
	REDIS_CMD_HELLO,
	REDIS_CMD_MIGRATE,
	REDIS_CMD_CONFIG,
	REDIS_CMD_ACL,
	REDIS_CMD_RESET,
	REDIS_CMD_SUBSCRIBE, /* the six below in this order: see redis.c */
	REDIS_CMD_PSUBSCRIBE,
	REDIS_CMD_SSUBSCRIBE,
	REDIS_CMD_UNSUBSCRIBE,
	REDIS_CMD_PUNSUBSCRIBE,
	REDIS_CMD_SUNSUBSCRIBE,
};

/* What a server message is. */
enum redis_reply_kind {
	REDIS_REPLY_VALUE,        /* an answer: reply_type and reply / elements */
	REDIS_REPLY_PUSH,         /* unsolicited: a pub/sub message, a RESP3 push */
	REDIS_REPLY_CONFIRMATION, /* the (P|S)(UN)SUBSCRIBE confirmations of one request */
};

/*
 * The parse's progress through one RESP value, kept between PARSE_CONTINUE
 * calls: the aggregates open around the next value, and the text field that
 * bytes passed over by skip still fill (see redis_skipped).
 */
struct redis_walk {
	uint64_t remaining[REDIS_MAX_DEPTH]; /* values still to come in each open aggregate */
	uint64_t top_count;     /* values in the top aggregate (a map's pairs count twice) */
	uint32_t attributes;    /* bit d: the aggregate at depth d is a RESP3 attribute */
	uint8_t depth;          /* aggregates open */
	bool started;           /* the top value's header is read */
	uint8_t top_type;       /* its RESP type byte */
	/* The value being skipped: its first bytes still fill a text field. */
	uint8_t pending_slot;   /* enum in redis.c; 0: none */
	bool pending_cut;       /* longer than its field: ends with "..." */
	bool pending_upper;     /* a command name: upper-cased */
	uint16_t pending_have;  /* bytes of the field filled */
	uint16_t pending_keep;  /* bytes of the field to fill */
	uint16_t pending_drop;  /* bytes to pass first (a verbatim string's "txt:") */
	/* The first three elements of the top aggregate, for pub/sub. */
	char kind[16];          /* element 0, when a string */
	bool second_null;       /* element 1 is a null (UNSUBSCRIBE with nothing subscribed) */
	bool third_integer;
	int64_t third;          /* element 2, when an integer (a subscription count) */
	/* Requests: the arguments that are credentials still to come. */
	uint8_t secret_left;
	uint8_t command_state;  /* a command's own progress (MIGRATE past KEYS, ...) */
};

struct redis_message {
	bool is_request;
	bool inline_command;    /* request: a line of words, not an array */
	uint8_t cmd;            /* request: enum redis_command */
	uint8_t secret_args;    /* request: bit i: args[i] is a credential (masked) */
	char command[32];       /* request: upper-cased command name */
	char args[DECODER_MAX_ARGS][TEXT_SHORT]; /* request: first arguments, shortened */
	uint32_t n_args;        /* request: all arguments, shown or not */

	uint8_t kind;           /* response: enum redis_reply_kind */
	uint8_t type;           /* response: the RESP type byte of the value ('_': any null) */
	char reply_type[16];    /* response: "status", "error", "integer", "bulk", "null", "array", ... */
	char reply[TEXT_LONG];  /* response: a scalar's value, shortened */
	uint64_t value_len;     /* response: a bulk string's length */
	uint64_t n_elements;    /* response: an aggregate's elements (a map's pairs) */
	uint8_t n_shown;        /* response: elements kept, <= REDIS_SHOWN_ELEMENTS */
	uint8_t element_type[REDIS_SHOWN_ELEMENTS]; /* their RESP type bytes ('_': null) */
	char elements[REDIS_SHOWN_ELEMENTS][TEXT_SHORT]; /* their values; aggregates: the count */
	/* REDIS_REPLY_CONFIRMATION: how many, and the subscription count after. */
	uint32_t confirmations;
	int64_t subscriptions;

	struct redis_walk walk; /* parse progress, not output */
};
PROTOCOL_BODY_FITS(struct redis_message);

extern const struct protocol redis_protocol;

bool redis_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result redis_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg);
void redis_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		   uint64_t uncaptured);

/* The per-connection state kept in *ctx->conn_flags (redis.c). */
#define REDIS_FLAG_RESP3 0x1u /* HELLO 3 answered with a map */

#endif
