/*
 * libFuzzer harness for one decoder, chosen at build time with
 * -DDECODER=<name> (one of ST_PROTOCOLS). Hostile bytes go through detect and
 * through parse the way src/protocols/exchange.c drives it: messages in a row, pieces
 * of one resumed with PARSE_CONTINUE, several messages handed over for one
 * piece (a multiplexed parser's COMPLETE that consumes nothing), skipped
 * bytes shown to the skipped hook with the rest counted as not captured, and
 * for a multiplexed protocol the drain at close. Every prefix of the input
 * is offered first (as if it arrived split), from both sides of the
 * connection, with per-connection flags and state kept across messages
 * (and, for a protocol an upgrade switches to, once more as after one);
 * the state is released after each run, so a leak shows. Each message
 * whole goes through the endpoint and outcome hooks, as --stats and
 * --metrics call them on every exchange.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY2(a) #a
#define STRINGIFY(a) STRINGIFY2(a)
#define HEADER(name) STRINGIFY(protocols/name.h)
#include HEADER(DECODER)

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define DETECT CONCAT(DECODER, _detect)
#define PARSE CONCAT(DECODER, _parse)
#define DESCRIPTOR CONCAT(DECODER, _protocol)

static void secret_check(const struct parse_ctx *ctx, size_t offset, size_t len)
{
	const size_t *buf_len = ctx->engine;

	if (offset > *buf_len || len > (1ull << 40))
		abort(); /* the contract: a secret starts inside what was given */
}

/* A client's message as a request's endpoint, a server's as the answer to
 * the last request (or to none), in buffers of request_summary's sizes:
 * within bounds (ASan), the status a NUL-terminated label, the outcome one
 * of enum outcome's. */
static void hooks_run(const struct message *request, const struct message *msg, bool from_client)
{
	char endpoint[ENDPOINT_MAX], status[STATUS_CLASS_MAX];
	struct strbuf out;

	if (from_client && DESCRIPTOR.endpoint_put) {
		strbuf_init(&out, endpoint, sizeof(endpoint));
		DESCRIPTOR.endpoint_put(&out, msg);
		if (out.len >= sizeof(endpoint) || endpoint[out.len] != '\0')
			abort();
	}
	if (!from_client && DESCRIPTOR.outcome_of) {
		for (int known = 0; known < 2; known++) {
			enum outcome outcome;

			memset(status, 0x7f, sizeof(status));
			outcome = DESCRIPTOR.outcome_of(known ? request : NULL, msg, status);
			if (!memchr(status, '\0', sizeof(status)) || outcome < OUTCOME_NONE ||
			    outcome > OUTCOME_ERROR)
				abort();
		}
	}
}

/* Calls that make no progress in a row before the engine would spin: one
 * piece hands over a few messages at most. */
#define STALLS_MAX 8
/* Messages a drain at close may hand over before it is taken to be stuck. */
#define DRAINED_MAX (1u << 16)

/* The drain at close: the messages the parser still holds, one a call,
 * as the engine asks for them. */
static void messages_drain(bool from_client, uint32_t *flags, void *conn_state, uint64_t pos,
			   struct message *msg)
{
	struct parse_ctx ctx = {
		.from_client = from_client,
		.stream = true,
		.conn_flags = flags,
		.conn_state = conn_state,
		.pos = pos,
		.ts_ns = pos + 1,
		.closing = true,
	};
	unsigned drained = 0;

	for (;;) {
		memset(msg->body, 0, sizeof(msg->body));
		if (PARSE(NULL, 0, &ctx, msg).state != PARSE_COMPLETE)
			break;
		if (++drained > DRAINED_MAX)
			abort(); /* the close would never end */
	}
}

static void messages_parse(const uint8_t *data, size_t size, bool from_client, uint32_t flags)
{
	static struct message request, msg;
	static alignas(max_align_t) uint8_t conn_state[PROTOCOL_CONN_STATE_MAX];
	void *state = DESCRIPTOR.conn_state_size ? conn_state : NULL;
	size_t off = 0;
	int rounds = 0, stalls = 0;

	memset(&request, 0, sizeof(request));
	memset(&msg, 0, sizeof(msg));
	memset(conn_state, 0, sizeof(conn_state));
	request.protocol = msg.protocol = &DESCRIPTOR;
	while (off < size && rounds++ < 4096) {
		size_t left = size - off;
		struct parse_ctx ctx = {
			.from_client = from_client,
			.stream = true,
			.request = from_client ? NULL : &request,
			.conn_flags = &flags,
			.conn_state = state,
			.secret = secret_check,
			.engine = &left,
			.pos = off,
			.ts_ns = off + 1,
		};
		struct parse_result result = PARSE(data + off, left, &ctx, &msg);
		if (result.consumed > size - off)
			abort(); /* the contract: never more than it was given */
		if (result.state == PARSE_NEED_MORE || result.state == PARSE_INVALID)
			break;
		if (result.consumed == 0 && result.skip == 0) {
			if (result.state == PARSE_CONTINUE)
				break; /* waits for more bytes */
			if (++stalls > STALLS_MAX)
				abort(); /* the engine would call it forever */
		} else {
			stalls = 0;
		}
		off += result.consumed;
		if (result.skip && DESCRIPTOR.skipped) {
			/* The skipped bytes this input holds, shown as the engine
			 * shows them, the rest as not captured. */
			size_t seen = result.skip < size - off ? (size_t)result.skip : size - off;
			DESCRIPTOR.skipped(&msg, state, data + off, seen, result.skip - seen);
		}
		if (result.state == PARSE_COMPLETE)
			hooks_run(&request, &msg, from_client);
		if (result.skip >= size - off)
			break;
		off += result.skip;
		if (result.state == PARSE_COMPLETE && from_client)
			request = msg;
		if (result.state != PARSE_CONTINUE)
			memset(msg.body, 0, sizeof(msg.body));
	}
	if (DESCRIPTOR.multiplexed)
		messages_drain(from_client, &flags, state, off, &msg);
	if (DESCRIPTOR.conn_state_free && state)
		DESCRIPTOR.conn_state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (DESCRIPTOR.secrets_scan) {
		size_t whole = size;
		struct parse_ctx ctx = { .secret = secret_check, .engine = &whole };

		DESCRIPTOR.secrets_scan(copy, size, &ctx);
	}
	for (int side = 0; side < 2; side++) {
		DETECT(copy, size, side);
		messages_parse(copy, size, side, 0);
		for (size_t cut = 0; cut < size && cut < 64; cut++)
			messages_parse(copy, cut, side, 0);
		if (DESCRIPTOR.upgrade_token)
			messages_parse(copy, size, side, PROTOCOL_SWITCHED_TO);
	}
	free(copy);
	return 0;
}
