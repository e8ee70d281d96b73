/*
 * HTTP/2 (RFC 9113) and gRPC over it: frames parsed per direction, header
 * blocks decoded by libnghttp2's HPACK inflater (http2_hpack.c), one
 * exchange per stream. A message is one side of a stream: the request
 * (HEADERS, CONTINUATION, DATA until END_STREAM from the client, or a
 * PUSH_PROMISE) or the response; they pair by stream id. gRPC's parts
 * (path, trailers, length-prefixed messages) are in http2_grpc.c.
 */
#ifndef ST_PROTO_HTTP2_H
#define ST_PROTO_HTTP2_H

#include "protocols/http2_hpack.h"
#include "protocols/protocol.h"

/* The frame types of RFC 9113 section 6. */
enum http2_frame_type {
	H2_DATA,
	H2_HEADERS,
	H2_PRIORITY,
	H2_RST_STREAM,
	H2_SETTINGS,
	H2_PUSH_PROMISE,
	H2_PING,
	H2_GOAWAY,
	H2_WINDOW_UPDATE,
	H2_CONTINUATION,
	H2_FRAME_TYPES,
};

/* The gRPC parts of one side of a call. */
struct grpc_half {
	bool seen;            /* content-type application/grpc */
	uint32_t messages;    /* length-prefixed messages begun */
	uint64_t message_bytes; /* their lengths, as the prefixes say */
	bool compressed;      /* a message with the compressed flag */
	bool count_lost;      /* a prefix fell in bytes not captured: counts are a floor */
	bool status_seen;     /* response: grpc-status */
	uint32_t status;
	char message[TEXT_LONG]; /* response: grpc-message, percent-decoded */
	/* The scan through DATA payloads: a prefix being read, a body left. */
	uint8_t prefix[5];
	uint8_t prefix_have;
	uint32_t body_left;
};

/* One side of a stream. */
struct http2_half {
	uint32_t stream_id;
	bool pushed;          /* a request the server promised (PUSH_PROMISE) */
	bool upgrade;         /* stream 1 after an h2c upgrade: the HTTP/1.1 request */
	bool headers_seen;    /* a header block of it was decoded */
	bool trailers;        /* a second header block after DATA */
	bool open;            /* ended (or reported) before its END_STREAM */
	bool reset;           /* RST_STREAM ended it */
	bool reset_by_client;
	uint32_t reset_code;
	/* Header fields whose dynamic-table entry was never seen (a
	 * connection joined midway): not shown. */
	uint16_t headers_unknown;
	/* A header block the inflater could not decode: fields after the
	 * failure are missing. */
	bool headers_failed;
	uint32_t frames;
	uint64_t data_bytes;  /* DATA payload, padding excluded */
	uint16_t status;      /* response: the final :status */
	char method[16];
	char scheme[16];
	char authority[TEXT_SHORT * 2];
	char path[TEXT_LONG];
	char content_type[TEXT_SHORT];
	struct grpc_half grpc;
};

/* A GOAWAY, reported alone. */
struct http2_goaway {
	uint32_t last_stream_id;
	uint32_t error_code;
	char debug[TEXT_SHORT];
};

struct http2_message {
	bool is_goaway;
	struct http2_half half;
	struct http2_goaway goaway;
	/* While a DATA frame's payload is skipped: whose it is and how much
	 * of it is data before the padding. emitting: this message is that
	 * side, finished by the frame (its END_STREAM). */
	uint32_t skip_stream;
	uint8_t skip_dir;
	bool emitting;
	uint32_t skip_data_left;
};
PROTOCOL_BODY_FITS(struct http2_message);

/* Streams tracked per connection, both sides counted. */
#define HTTP2_STREAMS_MAX 256

/* The connection state (parse_ctx.conn_state): per direction, and the
 * stream sides in progress. */
enum { H2_CLIENT, H2_SERVER, H2_SIDES }; /* a stream side: who sends it */

struct slot {
	bool used;
	bool ended;       /* its END_STREAM came */
	bool gap;         /* bytes of it were lost */
	uint8_t side;
	uint64_t first_ts_ns;
	uint64_t bytes;   /* its frames, headers included */
	struct http2_half half;
};

struct pending {
	uint32_t stream;
	uint8_t side;
	enum message_role role;
};

struct direction {
	struct hpack_decoder hpack; /* this side's header blocks */
	bool started;
	bool hpack_missed;  /* a block went undecoded: the table is unknown */
	bool resync;        /* after lost bytes: only a known, valid frame resumes */
	uint64_t next_pos;
	uint32_t max_frame; /* the receiver's SETTINGS_MAX_FRAME_SIZE (the largest seen) */
	/* A header block open across CONTINUATION frames. */
	uint32_t block_stream;
	uint32_t block_target; /* the stream its fields are for (a PUSH_PROMISE's promised one) */
	uint8_t block_side;
	bool block_end_stream;
	bool block_failed;  /* a fragment of it could not be decoded */
	/* Messages the last frame handed over, one a call. */
	struct pending pending[3];
	uint8_t pending_count, pending_next;
	size_t pending_consumed;
	uint64_t pending_skip;
	uint32_t pending_data_left; /* the frame is DATA: its data before padding */
	bool pending_is_data;
};

struct http2_conn {
	struct direction dir[H2_SIDES];
	struct slot *slots;
	uint32_t slot_cap;
	uint32_t highest_stream; /* the highest client stream begun */
	bool preface_seen;       /* the connection's start: every header block is seen */
	bool upgrade_done;
	struct http2_half scratch; /* fields of a stream not tracked: decoded, dropped */
};


extern const struct protocol http2_protocol;

bool http2_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result http2_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
				struct message *msg);
void http2_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		   uint64_t uncaptured);
void http2_conn_state_free(void *conn_state);
void http2_secrets_scan(const uint8_t *buf, size_t len, const struct parse_ctx *ctx);
uint32_t http2_pair_id(const struct message *msg);
bool http2_summary_put(struct strbuf *out);
/* RFC 9113 section 7's name of an error code, or NULL. */
const char *http2_error_name(uint32_t code);

/* gRPC (http2_grpc.c). */
bool grpc_content_type(const char *content_type);
/* Takes DATA payload bytes of a gRPC side, then uncaptured ones. */
void grpc_scan(struct grpc_half *grpc, const uint8_t *bytes, size_t len, uint64_t uncaptured);
/* The name of a status code ("OK", "NOT_FOUND"), or NULL past the known. */
const char *grpc_status_name(uint32_t status);
/* grpc-message's value, percent-decoded, cut to fit. */
void grpc_message_set(struct grpc_half *grpc, const uint8_t *value, size_t len);

#endif
