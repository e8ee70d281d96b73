/* Runs a decoder on an exact-size heap copy of its input, so that
 * AddressSanitizer reports any read past len. Shared by the decoder tests. */
#ifndef ST_DECODER_TEST_H
#define ST_DECODER_TEST_H

#include <stdlib.h>
#include <string.h>

#include "protocols/protocol.h"

typedef struct parse_result (*decoder_parse_fn)(const uint8_t *buf, size_t len,
						const struct parse_ctx *ctx, struct message *msg);

/* The per-connection flags of the decoder tests' one connection. */
static uint32_t decoder_test_flags;

static inline struct parse_ctx decoder_ctx(bool from_client, const struct message *request)
{
	return (struct parse_ctx){ .from_client = from_client, .request = request,
				   .conn_flags = &decoder_test_flags };
}
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
	struct parse_ctx ctx = decoder_ctx(from_client, request);
	struct parse_result result = parse(copy, len, &ctx, msg);

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

static inline bool text_terminated(const char *text, size_t size)
{
	return memchr(text, '\0', size) != NULL;
}

/*
 * Flips every byte of buf with a few masks and parses each result (from an
 * exact-size copy). Whatever the decoder says, it keeps the contract:
 * consumed within len, skip only past a fully consumed buf, INVALID and
 * NEED_MORE consume nothing, anything else (CONTINUE too) makes progress,
 * and texts_check (the decoder's text fields NUL-terminated) holds for
 * every message. Returns how many were INVALID.
 * Needs check.h included first.
 */
static inline int flips_check_decoder(decoder_parse_fn parse, const uint8_t *buf, size_t len,
				      bool from_client, const struct message *request,
				      struct message *msg,
				      void (*texts_check)(const struct message *msg))
{
	static const uint8_t masks[] = { 0x01, 0x20, 0x80, 0xff };
	int invalid = 0;

	for (size_t at = 0; at < len; at++) {
		for (size_t m = 0; m < sizeof(masks); m++) {
			uint8_t *copy = exact_copy(buf, len);
			struct parse_ctx ctx = decoder_ctx(from_client, request);
			struct parse_result result;

			copy[at] ^= masks[m];
			memset(msg->body, 0, sizeof(msg->body));
			result = parse(copy, len, &ctx, msg);
			free(copy);
			CHECK(result.consumed <= len);
			CHECK(!result.skip || result.consumed == len);
			if (result.state == PARSE_INVALID || result.state == PARSE_NEED_MORE) {
				CHECK(!result.consumed && !result.skip);
				invalid += result.state == PARSE_INVALID;
				continue;
			}
			CHECK(result.state == PARSE_COMPLETE || result.state == PARSE_IGNORED ||
			      result.state == PARSE_CONTINUE);
			CHECK(result.consumed || result.skip);
			texts_check(msg);
		}
	}
	return invalid;
}

#endif
