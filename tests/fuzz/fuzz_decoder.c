/*
 * libFuzzer harness for one decoder, chosen at build time with
 * -DDECODER=<name> (http, http2, redis, dns, tls, postgres). Hostile bytes go
 * through detect and through parse the way src/stream.c drives it: messages
 * in a row, PARSE_CONTINUE resumed, every prefix of the input offered first
 * (as if it arrived split), from both sides of the connection.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoder.h"

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define DETECT CONCAT(DECODER, _detect)
#define PARSE CONCAT(DECODER, _parse)

static void messages_parse(const uint8_t *data, size_t size, bool from_client)
{
	struct message request, msg;
	size_t off = 0;
	int rounds = 0;

	memset(&request, 0, sizeof(request));
	memset(&msg, 0, sizeof(msg));
	while (off < size && rounds++ < 4096) {
		struct parse_result result = PARSE(data + off, size - off, from_client,
						   from_client ? NULL : &request, &msg);
		if (result.consumed > size - off)
			abort(); /* the contract: never more than it was given */
		if (result.state == PARSE_NEED_MORE || result.state == PARSE_INVALID)
			break;
		if (result.consumed == 0 && result.skip == 0 && result.state != PARSE_CONTINUE)
			break;
		off += result.consumed;
		if (result.skip >= size - off)
			break;
		off += result.skip;
		if (result.state == PARSE_COMPLETE && from_client)
			request = msg;
		if (result.state != PARSE_CONTINUE)
			memset(&msg, 0, sizeof(msg));
		else if (result.consumed == 0 && result.skip == 0)
			break; /* a CONTINUE that makes no progress would spin */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy, so ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	for (int side = 0; side < 2; side++) {
		DETECT(copy, size, side);
		messages_parse(copy, size, side);
		for (size_t cut = 0; cut < size && cut < 64; cut++)
			messages_parse(copy, cut, side);
	}
	free(copy);
	return 0;
}
