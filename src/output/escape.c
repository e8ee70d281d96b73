#include "escape.h"

#include <stdbool.h>
#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

static void hex_byte_put(struct strbuf *out, const char *prefix, uint8_t byte)
{
	strbuf_puts(out, prefix);
	strbuf_putc(out, hex_digits[byte >> 4]);
	strbuf_putc(out, hex_digits[byte & 0xf]);
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

/* Eight bytes at a time while none of them needs escaping: payloads are
 * mostly plain text, and this loop sees every byte of every capture. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static bool word_has_byte(uint64_t word, uint8_t byte)
{
	uint64_t x = word ^ (ONES * byte);

	return (x - ONES) & ~x & HIGHS;
}

static bool word_plain(uint64_t word, bool json)
{
	/* a byte >= 0x80, or below 0x20 */
	if ((word & HIGHS) || ((word - ONES * 0x20) & ~word & HIGHS))
		return false;
	return !word_has_byte(word, 0x7f) && !word_has_byte(word, '\\') &&
	       !(json && word_has_byte(word, '"'));
}

static size_t plain_run(const uint8_t *in, size_t len, bool json)
{
	uint8_t want = json ? PLAIN_JSON : PLAIN_TEXT;
	size_t n = 0;
	uint64_t word;

	while (n + sizeof(word) <= len) {
		memcpy(&word, in + n, sizeof(word));
		if (!word_plain(word, json))
			break;
		n += sizeof(word);
	}
	while (n < len && (plain_bytes[in[n]] & want))
		n++;
	return n;
}

size_t escape_text(struct strbuf *out, const uint8_t *in, size_t len, size_t max_chars)
{
	size_t i = 0;

	if (len > max_chars)
		len = max_chars;
	while (i < len) {
		size_t run = plain_run(in + i, len - i, false);
		uint8_t byte;

		strbuf_append(out, (const char *)in + i, run);
		i += run;
		if (i == len)
			break;
		byte = in[i++];
		switch (byte) {
		case '\\':
			strbuf_puts(out, "\\\\");
			break;
		case '\r':
			strbuf_puts(out, "\\r");
			break;
		case '\n':
			strbuf_puts(out, "\\n");
			break;
		case '\t':
			strbuf_puts(out, "\\t");
			break;
		default:
			hex_byte_put(out, "\\x", byte);
		}
	}
	return i;
}

/* Length of the valid UTF-8 sequence of a printable code point at in[0]
 * (2 to 4 bytes), or 0. Refuses overlong forms, surrogates, C1 controls,
 * line/paragraph separators and bidi controls. */
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
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 0;
	return need;
}

void escape_json(struct strbuf *out, const uint8_t *in, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t run = plain_run(in + i, len - i, true);
		uint8_t byte;
		size_t seq;

		strbuf_append(out, (const char *)in + i, run);
		i += run;
		if (i == len)
			break;
		byte = in[i];
		if (byte >= 0x20 && byte < 0x7f) {
			if (byte == '"')
				strbuf_puts(out, "\\\"");
			else if (byte == '\\')
				strbuf_puts(out, "\\\\\\\\");
			else
				strbuf_putc(out, byte);
			i++;
			continue;
		}
		if (byte == '\n' || byte == '\r' || byte == '\t') {
			strbuf_puts(out, byte == '\n' ? "\\n" : byte == '\r' ? "\\r" : "\\t");
			i++;
			continue;
		}
		seq = utf8_printable_len(in + i, len - i);
		if (seq) {
			strbuf_append(out, (const char *)in + i, seq);
			i += seq;
			continue;
		}
		hex_byte_put(out, "\\\\x", byte);
		i++;
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
