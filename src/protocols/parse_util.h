/* Small helpers the protocol parsers share. */
#ifndef ST_PARSE_UTIL_H
#define ST_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocols/protocol.h"

/* A parser's answer with nothing else said (the role is the sender's, the
 * stream goes on). */
static inline struct parse_result parse_result_make(enum parse_state state, size_t consumed,
						    uint64_t skip)
{
	struct parse_result result = { .state = state, .consumed = consumed, .skip = skip };
	return result;
}

/* Big-endian (network order) integers at p. */
static inline uint16_t be16_load(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t be64_load(const uint8_t *p)
{
	return (uint64_t)be32_load(p) << 32 | be32_load(p + 4);
}

/* p[0..n) equals lit[0..lit_len) but for ASCII letter case (header names,
 * command words, SQL keywords). */
static inline bool ascii_equal_nocase(const uint8_t *p, size_t n, const char *lit,
				      size_t lit_len)
{
	if (n != lit_len)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = p[i], b = (uint8_t)lit[i];

		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return false;
	}
	return true;
}

/* A hex digit's value, or -1. */
static inline int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copies p[0..n) into a text field of cap bytes, cut and NUL-terminated. */
static inline void text_copy(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

#endif
