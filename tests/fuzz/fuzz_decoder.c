/*
 * libFuzzer harness for one decoder, chosen at build time with
 * -DDECODER=<name> (one of ST_PROTOCOLS). Hostile bytes go through detect and
 * through parse the way src/protocols/exchange.c drives it: messages in a row, pieces
 * of one resumed with PARSE_CONTINUE, every prefix of the input offered
 * first (as if it arrived split), from both sides of the connection, with
 * per-connection flags kept across messages.
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

static void messages_parse(const uint8_t *data, size_t size, bool from_client)
{
	static struct message request, msg;
	static uint8_t conn_state[PROTOCOL_CONN_STATE_MAX];
	uint32_t flags = 0;
	size_t off = 0;
	int rounds = 0;

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
			.conn_state = DESCRIPTOR.conn_state_size ? conn_state : NULL,
			.secret = secret_check,
			.engine = &left,
		};
		struct parse_result result = PARSE(data + off, left, &ctx, &msg);
		if (result.consumed > size - off)
			abort(); /* the contract: never more than it was given */
		if (result.state == PARSE_NEED_MORE || result.state == PARSE_INVALID)
			break;
		if (result.consumed == 0 && result.skip == 0 && result.state != PARSE_CONTINUE)
			break;
		off += result.consumed;
		if (result.skip && DESCRIPTOR.skipped) {
			/* The skipped bytes this input holds, shown as the engine shows them. */
			size_t seen = result.skip < size - off ? (size_t)result.skip : size - off;
			DESCRIPTOR.skipped(&msg, data + off, seen);
		}
		if (result.skip >= size - off)
			break;
		off += result.skip;
		if (result.state == PARSE_COMPLETE && from_client)
			request = msg;
		if (result.state != PARSE_CONTINUE)
			memset(msg.body, 0, sizeof(msg.body));
		else if (result.consumed == 0 && result.skip == 0)
			break; /* a CONTINUE that makes no progress would spin */
	}
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
		messages_parse(copy, size, side);
		for (size_t cut = 0; cut < size && cut < 64; cut++)
			messages_parse(copy, cut, side);
	}
	free(copy);
	return 0;
}
