/*
 * Protocol tracking per connection: reassemble each direction's captured
 * bytes, detect the protocol, drive its decoder, and pair each request with
 * its response into an exchange.
 */
#ifndef ST_EXCHANGE_H
#define ST_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/protocol.h"
#include "event.h"

/* Bytes held per direction while a message is incomplete. */
#define STREAM_BUFFER_MAX (64u * 1024)
/* Requests waiting for their responses, per connection. */
#define EXCHANGE_QUEUE_MAX 16
/* Protocol state of all connections together: past it, new connections are
 * not decoded (their data events still print). */
#define EXCHANGE_MEMORY_MAX (128u << 20)
/* Captured bytes after which an unrecognised connection stops being tried. */
#define DETECT_BYTES_MAX 8192

struct exchange {
	const struct protocol *protocol;
	const struct message *request;  /* NULL: a response without a request seen */
	const struct message *response; /* NULL: no response (yet, at close, or none due) */
	bool unsolicited;         /* a server message that answers no request (a push) */
	uint64_t request_ts_ns;   /* first byte of the request */
	uint64_t response_ts_ns;  /* last byte of the response (or request's, if none) */
	uint64_t request_bytes;
	uint64_t response_bytes;
};

struct proto_conn;

/* Called with each finished exchange; ev is the event that finished it. */
typedef void (*exchange_fn)(void *ctx, const struct event *ev, const struct exchange *exchange);

struct exchange_tracker {
	exchange_fn on_exchange;
	void *ctx;
	uint64_t memory_used;
	uint64_t conns_not_decoded; /* refused for memory */
	uint64_t streams_resynced;  /* buffers dropped: a gap, an overflow, or invalid bytes */
	uint64_t requests_dropped;  /* queue full */
	uint64_t conns_desynced;    /* stopped pairing after a gap */
};

void exchange_tracker_init(struct exchange_tracker *tracker, exchange_fn on_exchange, void *ctx);

/*
 * Detects the protocol of a data event's connection, whose state is *state
 * (created on first use; the caller starts it NULL), and sets ev's protocol
 * and encrypted fields. Call before printing the event.
 */
void exchange_classify(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev);

/* Feeds the classified data event to its decoder; finished exchanges go to
 * the tracker's callback. Call after printing the event. */
void exchange_on_data(struct exchange_tracker *tracker, struct proto_conn *state,
		      const struct event *ev);

/* The connection closed: finishes messages that end at close, reports
 * requests left without a response, frees *state. ev is the close event. */
void exchange_on_close(struct exchange_tracker *tracker, struct proto_conn **state,
		       struct event *ev);

/* Frees *state without reporting anything. */
void exchange_forget(struct exchange_tracker *tracker, struct proto_conn **state);

#endif
