/*
 * The protocol engine: per connection, reassemble each direction's captured
 * bytes, detect the protocol, drive its parser piece by piece, and pair
 * each request with its response into an exchange, as the protocol's
 * descriptor (decode/protocol.h) says. It names no protocol.
 */
#ifndef ST_EXCHANGE_H
#define ST_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "protocols/protocol.h"
#include "events/event.h"

/* Bytes held per direction while one piece of a message (a header line, an
 * element header) is incomplete. A larger piece is not decoded. */
#define STREAM_BUFFER_MAX (64u * 1024)
/* Requests waiting for their responses, per connection, in bytes: past it
 * the connection's messages are reported unpaired. About 1,000 requests. */
#define EXCHANGE_QUEUE_BYTES_MAX (4u << 20)
/* Protocol state of all connections together: past it, new connections are
 * not decoded (their data events still print). */
#define EXCHANGE_MEMORY_MAX (128u << 20)
/* Captured bytes after which an unrecognised connection stops being tried. */
#define DETECT_BYTES_MAX 8192
/* Credential byte ranges remembered per connection, to mask in data lines. */
#define EXCHANGE_SECRETS_MAX 16

struct exchange {
	const struct protocol *protocol;
	const struct message *request;  /* NULL: a response without a request seen */
	const struct message *response; /* NULL: no response (yet, at close, or none due) */
	bool unsolicited;         /* a server message that answers no request (a push) */
	bool alone;               /* a message that pairs with nothing (ROLE_ALONE) */
	bool tls;                 /* decoded from TLS plaintext */
	/* No response of its own seen: it was inside the partial response
	 * before (a pipeline whose first reply lost its framing). */
	bool answered_before;
	uint64_t request_ts_ns;   /* first byte of the request */
	uint64_t response_ts_ns;  /* last byte of the response (or request's, if none) */
	uint64_t request_bytes;   /* on the wire, captured or not */
	uint64_t response_bytes;
};

struct proto_conn;
struct ready_exchange;

/* Called with each finished exchange; ev is the event that finished it. */
typedef void (*exchange_fn)(void *ctx, const struct event *ev, const struct exchange *exchange);

struct exchange_tracker {
	exchange_fn on_exchange;
	void *ctx;
	uint64_t memory_used;
	uint64_t conns_not_decoded;  /* refused for memory */
	uint64_t messages_partial;   /* framing lost to bytes not captured or not seen */
	uint64_t streams_invalid;    /* bytes the protocol's parser refused */
	uint64_t pieces_too_large;   /* a piece needed more than STREAM_BUFFER_MAX */
	uint64_t requests_dropped;   /* queue past EXCHANGE_QUEUE_BYTES_MAX */
	uint64_t requests_answered_unseen; /* their response inside a partial one */
	uint64_t conns_desynced;     /* stopped pairing: their queue overflowed */
	/* Exchanges finished by the event being handled, printed after it. */
	struct ready_exchange *ready;
	uint32_t ready_count;
	uint32_t ready_cap;
};

void exchange_tracker_init(struct exchange_tracker *tracker, exchange_fn on_exchange, void *ctx);
void exchange_tracker_free(struct exchange_tracker *tracker);

/*
 * Detects the protocol of a data event's connection, whose state is *state
 * (created on first use; the caller starts it NULL), and sets ev's protocol
 * and encrypted fields.
 */
void exchange_classify(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev);

/* Feeds the classified data event to its parser. Exchanges it finishes are
 * held until exchange_flush, so that the event prints first. */
void exchange_on_data(struct exchange_tracker *tracker, struct proto_conn *state,
		      const struct event *ev);

/* ev's captured bytes with the credentials the parser marked in them
 * replaced by '*': scratch (ST_DATA_MAX bytes) when any, else ev->data. */
const uint8_t *exchange_masked(const struct proto_conn *state, const struct event *ev,
			       uint8_t *scratch);

/* Hands the held exchanges to the callback, with ev. */
void exchange_flush(struct exchange_tracker *tracker, const struct event *ev);

/* The connection closed: finishes messages that end at close, reports
 * requests left without a response, frees *state. ev is the close event. */
void exchange_on_close(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev);

/* Frees *state without reporting anything. */
void exchange_forget(struct exchange_tracker *tracker, struct proto_conn **state);

#endif
