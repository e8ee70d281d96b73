#include "protocols/endpoint_fold.h"

#include <stdio.h>
#include <string.h>

/* The shortest run of hex digits taken for an id (a 32-bit hash in hex). */
#define HEX_ID_MIN 8

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_uuid(const char *text, size_t len)
{
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash_here ? text[i] != '-' : !is_hex(text[i]))
			return false;
	}
	return true;
}

bool endpoint_segment_is_id(const char *text, size_t len)
{
	bool all_digits = true, all_hex = true, any_digit = false;

	if (!len)
		return false;
	if (is_uuid(text, len))
		return true;
	for (size_t i = 0; i < len && all_hex; i++) {
		all_digits = all_digits && is_digit(text[i]);
		any_digit = any_digit || is_digit(text[i]);
		all_hex = is_hex(text[i]);
	}
	return all_digits || (all_hex && any_digit && len >= HEX_ID_MIN);
}

void endpoint_fold_segments(struct strbuf *out, const char *text, size_t len, char separator)
{
	size_t start = 0;

	if (!len)
		return;
	while (start <= len && !out->truncated) {
		const char *sep = memchr(text + start, separator, len - start);
		size_t end = sep ? (size_t)(sep - text) : len;

		if (endpoint_segment_is_id(text + start, end - start))
			strbuf_puts(out, ENDPOINT_ID);
		else
			strbuf_append(out, text + start, end - start);
		if (!sep)
			break;
		strbuf_putc(out, separator);
		start = end + 1;
	}
}

void endpoint_mark_cut(struct strbuf *out)
{
	static const char mark[] = "...";
	size_t at;

	if (!out->truncated || out->cap < sizeof(mark))
		return;
	at = out->len > sizeof(mark) - 1 ? out->len - (sizeof(mark) - 1) : 0;
	/* Back to the first byte of a UTF-8 sequence, not into the middle of one. */
	while (at > 0 && ((unsigned char)out->text[at] & 0xc0) == 0x80)
		at--;
	memcpy(out->text + at, mark, sizeof(mark));
	out->len = at + sizeof(mark) - 1;
}

enum outcome endpoint_http_outcome(unsigned code, char *status)
{
	if (code < 100 || code > 999) {
		snprintf(status, STATUS_CLASS_MAX, "unknown");
		return OUTCOME_OK;
	}
	snprintf(status, STATUS_CLASS_MAX, "%uxx", code / 100);
	if (code >= 500)
		return OUTCOME_SERVER_ERROR;
	return code >= 400 ? OUTCOME_CLIENT_ERROR : OUTCOME_OK;
}
