/* AMQP 0-9-1 (RabbitMQ's protocol): frames, methods and their content. */
#ifndef ST_PROTO_AMQP_H
#define ST_PROTO_AMQP_H

#include "protocols/protocol.h"

#define AMQP_STRINGS 5  /* string fields a method keeps (basic.return: 3) */
#define AMQP_NUMBERS 6  /* numeric fields a method keeps (connection.close: 3) */
#define AMQP_SECRET_KEPT 64 /* bytes of a credential kept, for --show-secrets */
/* Channels whose waiting synchronous requests are counted (conn_state): a
 * server's channel.close on a channel with none waiting is reported alone. */
#define AMQP_TRACKED_CHANNELS 2048

/* What a message is. */
enum amqp_kind {
	AMQP_KIND_NONE,
	AMQP_KIND_PROTOCOL_HEADER, /* "AMQP" and four version bytes */
	AMQP_KIND_METHOD,          /* a method frame, and its content if it has one */
};

/* Where the parse of a method with content is (amqp_message.stage). */
enum amqp_stage {
	AMQP_STAGE_START,   /* nothing read yet */
	AMQP_STAGE_HEADER,  /* the method read: its content header frame next */
	AMQP_STAGE_BODY,    /* body frames next: body_left bytes of body */
};

struct amqp_message {
	uint8_t kind;           /* enum amqp_kind */
	uint8_t stage;          /* enum amqp_stage: parse progress */
	bool from_client;
	bool alone;             /* one-way (basic.publish, basic.deliver, basic.ack, ...) */
	bool fields_cut;        /* the method frame was larger than read: fields after the cut unread */
	bool content_missing;   /* another frame came where its content header or body was due */
	bool content_predicted; /* body frames past the buffer were skipped as the body's size says */
	uint8_t version[4];     /* protocol header: the bytes after "AMQP" */
	uint16_t channel;
	uint16_t class_id, method_id;
	uint8_t bits;           /* the method's bits octet, when it has one */
	uint8_t n_strings, n_numbers; /* fields kept, in the method's field order */
	char strings[AMQP_STRINGS][TEXT_LONG];
	uint64_t numbers[AMQP_NUMBERS];
	/* A credential (start-ok and secure-ok response, update-secret): its
	 * length on the wire and its first bytes (may hold NULs). */
	bool has_secret;
	uint32_t secret_len;
	uint8_t secret_kept;
	uint8_t secret[AMQP_SECRET_KEPT];
	/* Content (basic.publish, basic.return, basic.deliver, basic.get-ok). */
	bool has_content;
	bool content_header_seen;
	uint64_t body_size;     /* from its content header */
	uint64_t body_left;     /* body bytes still to come (parse progress) */
	uint32_t body_frames;
	char content_type[TEXT_SHORT];
};
PROTOCOL_BODY_FITS(struct amqp_message);

/* The per-connection state: waiting synchronous requests per channel. */
struct amqp_conn_state {
	uint8_t waiting[AMQP_TRACKED_CHANNELS];
};

extern const struct protocol amqp_protocol;

bool amqp_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result amqp_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			       struct message *msg);
void amqp_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx);

/* --- the method table, shared by the parser and the formatter --- */

/* A field's wire type. */
enum amqp_field_type {
	AMQP_F_END,
	AMQP_F_OCTET,
	AMQP_F_SHORT,
	AMQP_F_LONG,
	AMQP_F_LONGLONG,
	AMQP_F_SHORTSTR,
	AMQP_F_LONGSTR,
	AMQP_F_TABLE,      /* passed over */
	AMQP_F_PEER_TABLE, /* passed over, its "product" and "version" strings kept (two strings) */
	AMQP_F_BITS,       /* one octet of named bits */
	AMQP_F_SECRET,     /* a long string that is a credential */
	AMQP_F_VERSION,    /* two octets, major and minor (one number: major * 256 + minor) */
};

/* How a field shows in a human line. */
enum amqp_show {
	AMQP_SHOW_NONE,   /* JSON only */
	AMQP_SHOW_BARE,   /* the value alone */
	AMQP_SHOW_KV,     /* key=value */
	AMQP_SHOW_QUOTED, /* "value" */
	AMQP_SHOW_CODE,   /* a reply code and its name: 404 NOT_FOUND */
	AMQP_SHOW_METHOD, /* with the next field: a class and method id, as (queue.declare) */
};

struct amqp_field {
	uint8_t type;       /* enum amqp_field_type */
	uint8_t show;       /* enum amqp_show */
	const char *key;    /* JSON key (and human key for AMQP_SHOW_KV); NULL: not kept */
	const char *bits;   /* AMQP_F_BITS: the bit names from bit 0, comma separated */
};

/* What a method is to the pairing. */
enum amqp_dir {
	AMQP_DIR_REQUEST,  /* a synchronous request from the client (from the server: alone) */
	AMQP_DIR_RESPONSE, /* its reply from the server (from the client: alone) */
	AMQP_DIR_ONEWAY,   /* alone from either side */
	AMQP_DIR_CLOSE,    /* connection.close, channel.close: a request from the client; from
			    * the server the answer to the request waiting on its channel, if any */
};

#define AMQP_FIELDS_MAX 8

struct amqp_method {
	uint16_t class_id, method_id;
	const char *name;   /* "queue.declare" */
	uint8_t dir;        /* enum amqp_dir */
	bool content;       /* followed by a content header and body frames */
	/* The no-wait bit: index of the bits field's bit, or -1 (then a
	 * request is always answered). */
	int8_t no_wait_bit;
	struct amqp_field fields[AMQP_FIELDS_MAX];
};

/* The method of class and method id; NULL when it is not AMQP 0-9-1's. */
const struct amqp_method *amqp_method_find(uint16_t class_id, uint16_t method_id);
/* A reply code's name (404: "NOT_FOUND"); NULL when not one of the spec's. */
const char *amqp_reply_code_name(uint64_t code);

#endif
