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

/* Raw bytes into a NUL-terminated field, cut with "..." when too long
 * (size is at least 4). */
static inline void text_cut(char *dst, size_t size, const uint8_t *src, size_t n)
{
	if (n > size - 1) {
		memcpy(dst, src, size - 4);
		memcpy(dst + size - 4, "...", 4);
		return;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The length of the NUL-terminated string at src, at most avail. */
static inline size_t cstring_len(const uint8_t *src, size_t avail)
{
	const uint8_t *nul = memchr(src, 0, avail);

	return nul ? (size_t)(nul - src) : avail;
}

/* The NUL-terminated string at base[*at, end), *at moved past its NUL: false
 * when no NUL ends it before end (its bytes up to there are still given and
 * *at is left at end). For the parsers' byte cursors. */
static inline bool cstring_next(const uint8_t *base, size_t *at, size_t end, const uint8_t **s,
				size_t *n)
{
	size_t avail = end - *at;

	*s = base + *at;
	*n = cstring_len(*s, avail);
	if (*n == avail) {
		*at = end;
		return false;
	}
	*at += *n + 1;
	return true;
}

/* cstring_next's string copied into dst (what there is of it when cut). */
static inline bool cstring_text(const uint8_t *base, size_t *at, size_t end, char *dst,
				size_t size)
{
	const uint8_t *s;
	size_t n;
	bool ok = cstring_next(base, at, end, &s, &n);

	text_cut(dst, size, s, n);
	return ok;
}

#endif
