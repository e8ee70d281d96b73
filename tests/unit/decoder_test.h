/* Runs a decoder on an exact-size heap copy of its input, so that
 * AddressSanitizer reports any read past len. Shared by the decoder tests. */
#ifndef ST_DECODER_TEST_H
#define ST_DECODER_TEST_H

#include <stdlib.h>
#include <string.h>

#include "decode/decoder.h"

typedef struct parse_result (*decoder_parse_fn)(const uint8_t *buf, size_t len, bool from_client,
						const struct message *request,
						struct message *msg);
typedef bool (*decoder_detect_fn)(const uint8_t *buf, size_t len, bool from_client);

static inline uint8_t *exact_copy(const void *buf, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	return copy;
}

static inline struct parse_result parse_exact(decoder_parse_fn parse, const void *buf, size_t len,
					      bool from_client, const struct message *request,
					      struct message *msg)
{
	uint8_t *copy = exact_copy(buf, len);
	struct parse_result result = parse(copy, len, from_client, request, msg);

	free(copy);
	return result;
}

static inline bool detect_exact(decoder_detect_fn detect, const void *buf, size_t len,
				bool from_client)
{
	uint8_t *copy = exact_copy(buf, len);
	bool found = detect(copy, len, from_client);

	free(copy);
	return found;
}

#endif
