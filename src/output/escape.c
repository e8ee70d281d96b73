#include "output/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/byte_scan.h"

static const char hex_digits[] = "0123456789abcdef";

/* The two hex digits of byte at o. */
static void hex_pair_write(char *o, uint8_t byte)
{
	o[0] = hex_digits[byte >> 4];
	o[1] = hex_digits[byte & 0xf];
}

/* Bytes that print as themselves: printable ASCII but the backslash, and
 * the double quote when in JSON. A table: this runs over every payload byte. */
enum { PLAIN_TEXT = 1, PLAIN_JSON = 2 };
static const uint8_t plain_bytes[256] = {
	[' ' ... '!'] = PLAIN_TEXT | PLAIN_JSON,
	['"'] = PLAIN_TEXT,
	['#' ... '['] = PLAIN_TEXT | PLAIN_JSON,
	[']' ... '~'] = PLAIN_TEXT | PLAIN_JSON,
};

/* How many of the BYTE_SCAN_WIDTH bytes at in lead without one that needs
 * escaping: payloads are mostly plain text, and this sees every byte of
 * every capture. */
static size_t lanes_plain_prefix(const uint8_t *in, bool json)
{
	byte_lanes lanes = byte_lanes_load(in);
	lane_mask special = (lanes < 0x20) | (lanes >= 0x7f) | (lanes == '\\');

	if (json)
		special |= lanes == '"';
	return lane_mask_first(special);
}

/* Leading bytes of in that print as themselves in terminal text. */
static size_t plain_run(const uint8_t *in, size_t len)
{
	size_t n = 0;

	while (n + BYTE_SCAN_WIDTH <= len) {
		size_t run = lanes_plain_prefix(in + n, false);

		n += run;
		if (run < BYTE_SCAN_WIDTH)
			return n;
	}
	while (n < len && (plain_bytes[in[n]] & PLAIN_TEXT))
		n++;
	return n;
}

/* Length of the valid UTF-8 sequence of a printable code point at in[0]
 * (2 to 4 bytes), or 0. Refuses overlong forms, surrogates, C1 controls,
 * line/paragraph separators, zero-width and bidi controls and marks. */
static size_t utf8_printable_len(const uint8_t *in, size_t len)
{
	uint32_t cp;
	size_t need;

	if (in[0] >= 0xc2 && in[0] <= 0xdf) {
		need = 2;
		cp = in[0] & 0x1f;
	} else if (in[0] >= 0xe0 && in[0] <= 0xef) {
		need = 3;
		cp = in[0] & 0x0f;
	} else if (in[0] >= 0xf0 && in[0] <= 0xf4) {
		need = 4;
		cp = in[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((in[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (in[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
	    cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return need;
}

/* On a UTF-8 terminal, printable UTF-8 is shown as itself. */
static bool terminal_utf8;

void escape_terminal_utf8(bool utf8)
{
	terminal_utf8 = utf8;
}

/* escape_text_fit, printable UTF-8 kept as itself when utf8. */
static size_t text_escape(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars,
			  size_t max_width, bool utf8)
{
	size_t width = 0;
	size_t i = 0;

	if (len > max_chars)
		len = max_chars;
	while (i < len && width < max_width) {
		size_t run = plain_run(in + i, len - i);
		char escaped[4] = "\\x";
		size_t seq;
		uint8_t byte;

		if (run > max_width - width)
			run = max_width - width;
		strbuf_append(out, (const char *)in + i, run);
		i += run;
		width += run;
		if (i == len || width == max_width)
			break;
		byte = in[i];
		seq = utf8 && byte >= 0x80 ? utf8_printable_len(in + i, len - i) : 0;
		if (seq) {
			strbuf_append(out, (const char *)in + i, seq);
			i += seq;
			width++;
			continue;
		}
		switch (byte) {
		case '\\':
		case '\r':
		case '\n':
		case '\t':
			escaped[1] = byte == '\\' ? '\\' : byte == '\r' ? 'r' : byte == '\n' ? 'n' : 't';
			seq = 2;
			break;
		default:
			hex_pair_write(escaped + 2, byte);
			seq = 4;
		}
		if (width + seq > max_width)
			break; /* an escape is never cut */
		strbuf_append(out, escaped, seq);
		width += seq;
		i++;
	}
	return i;
}

size_t escape_text_fit(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars,
		       size_t max_width)
{
	return text_escape(out, in, len, max_chars, max_width, terminal_utf8);
}

void escape_text_utf8(struct strbuf *out, const uint8_t *in, size_t len)
{
	text_escape(out, in, len, len, SIZE_MAX, true);
}

size_t escape_text(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars)
{
	return escape_text_fit(out, in, len, max_chars, SIZE_MAX);
}

/* The most one input byte becomes: "\\xNN" (five characters). */
#define JSON_ESCAPED_MAX 5
/* Input bytes escaped per piece near the end of the output buffer. */
#define JSON_PIECE 64

/* Escapes the bytes that start before in[stop] (a UTF-8 sequence begun there
 * may read on, up to len) into o, which has room for JSON_ESCAPED_MAX
 * characters per byte. Writes straight to o: payloads break into short
 * plain runs at every CR and LF, and a copy call per run cost more than
 * the escaping. Returns the end of what it wrote; *consumed gets the input
 * bytes used. */
static char *json_escape_write(char *o, const uint8_t *in, size_t len, size_t stop,
			       size_t *consumed)
{
	size_t i = 0;

	while (i < stop) {
		uint8_t byte;
		size_t seq;

		if (i + BYTE_SCAN_WIDTH <= stop) {
			size_t run = lanes_plain_prefix(in + i, true);

			/* o has room for the whole width; only the run counts */
			memcpy(o, in + i, BYTE_SCAN_WIDTH);
			o += run;
			i += run;
			if (run == BYTE_SCAN_WIDTH)
				continue;
		} else if (plain_bytes[in[i]] & PLAIN_JSON) {
			*o++ = in[i++];
			continue;
		}
		byte = in[i];
		switch (byte) {
		case '"':
			memcpy(o, "\\\"", 2);
			o += 2;
			i++;
			continue;
		case '\\':
			memcpy(o, "\\\\\\\\", 4);
			o += 4;
			i++;
			continue;
		case '\n':
		case '\r':
		case '\t':
			*o++ = '\\';
			*o++ = byte == '\n' ? 'n' : byte == '\r' ? 'r' : 't';
			i++;
			continue;
		}
		seq = utf8_printable_len(in + i, len - i);
		if (seq) {
			memcpy(o, in + i, seq);
			o += seq;
			i += seq;
			continue;
		}
		memcpy(o, "\\\\x", 3);
		hex_pair_write(o + 3, byte);
		o += 5;
		i++;
	}
	*consumed = i;
	return o;
}

void escape_json(struct strbuf *out, const uint8_t *in, size_t len)
{
	size_t room = out->cap - out->len - 1;
	size_t i = 0;

	if (len <= room / JSON_ESCAPED_MAX) {
		char *end = json_escape_write(out->text + out->len, in, len, len, &i);

		out->len = end - out->text;
		out->text[out->len] = '\0';
		return;
	}
	/* Near the end of the buffer: piece by piece through a scratch buffer,
	 * so that the cut falls exactly where the buffer fills. */
	while (i < len && !out->truncated) {
		char piece[(JSON_PIECE + 3) * JSON_ESCAPED_MAX];
		size_t stop = len - i < JSON_PIECE ? len - i : JSON_PIECE;
		size_t used;
		char *end = json_escape_write(piece, in + i, len - i, stop, &used);

		strbuf_append(out, piece, end - piece);
		i += used;
	}
}

void escape_base64(struct strbuf *out, const uint8_t *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t group = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		strbuf_putc(out, alphabet[group >> 18]);
		strbuf_putc(out, alphabet[(group >> 12) & 63]);
		strbuf_putc(out, alphabet[(group >> 6) & 63]);
		strbuf_putc(out, alphabet[group & 63]);
	}
	if (i < len) {
		uint32_t group = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		strbuf_putc(out, alphabet[group >> 18]);
		strbuf_putc(out, alphabet[(group >> 12) & 63]);
		strbuf_putc(out, i + 1 < len ? alphabet[(group >> 6) & 63] : '=');
		strbuf_putc(out, '=');
	}
}

void escape_cstr(struct strbuf *out, const char *text)
{
	size_t len = strlen(text);

	escape_text(out, (const uint8_t *)text, len, len);
}
