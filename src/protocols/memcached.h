/* memcached: the text protocol, the meta commands and the binary protocol. */
#ifndef ST_PROTO_MEMCACHED_H
#define ST_PROTO_MEMCACHED_H

#include "protocols/protocol.h"

/* How a message is written on the wire. */
enum memcached_format {
	MEMCACHED_TEXT = 1, /* "get k\r\n", "STORED\r\n" */
	MEMCACHED_META,     /* "mg k v\r\n", "VA 5\r\n" */
	MEMCACHED_BINARY,   /* 24-byte headers, magic 0x80 / 0x81 */
};

struct memcached_message {
	bool is_request;
	uint8_t format;        /* enum memcached_format */
	/* Request: no reply is expected (text noreply, reported alone), or
	 * may not come (meta q, a binary quiet opcode: paired with the reply
	 * when one comes, else with none). */
	bool noreply;
	bool no_reply;         /* response: the quiet request before got none (0 bytes) */
	bool credentials;      /* request: its value is a credential (masked) */
	bool line_cut;         /* the line was longer than line[] */
	char command[24];      /* text/meta: the command word; binary: the opcode's name */
	char line[128];        /* text/meta: the first line without its CRLF, cut */
	char key[64];          /* request: the first key (binary: the key); cut */
	uint32_t n_keys;       /* request: keys of a get (all, shown or not) */
	uint64_t value_bytes;  /* data blocks (a request's value; a reply's values) */
	/* Response. */
	char code[24];         /* the reply's first word (STORED, VALUE, END, HD, ...),
				* "number" for incr/decr; binary: the status's name */
	char message[128];     /* the rest of the first line; binary: an error's text, VERSION's */
	uint32_t hits;         /* VALUE / VA blocks */
	bool misses_known;     /* a text get's reply whose request was seen */
	uint32_t misses;       /* its keys without a VALUE */
	uint32_t stats;        /* STAT lines; binary STAT replies */
	bool has_number;
	uint64_t number;       /* incr/decr's new value */
	/* Meta: the O(opaque) token, and the k flag's key of a reply. */
	char opaque_token[40];
	char meta_key[64];
	/* Binary. */
	uint8_t opcode;
	uint16_t status;
	uint32_t opaque;
	/* Parse progress, not output. */
	uint8_t stage;
	bool block_then_lines; /* the data block being read is a VALUE's: lines follow */
	uint64_t block_bytes;  /* its size */
	uint32_t words;        /* a long get line: its words so far */
};
PROTOCOL_BODY_FITS(struct memcached_message);

extern const struct protocol memcached_protocol;

bool memcached_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result memcached_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				    struct message *msg);
/* A binary opcode's name ("GETK"), NULL when not known; status likewise. */
const char *memcached_opcode_name(uint8_t opcode);
const char *memcached_status_name(uint16_t status);

/* *ctx->conn_flags: a storage command was seen (ASCII auth is the first). */
#define MEMCACHED_FLAG_STORED 0x1u

#endif
