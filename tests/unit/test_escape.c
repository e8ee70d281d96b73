/* escape_text, escape_json, escape_base64 and strbuf truncation. */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "output/escape.h"

static char text[512];

static const char *esc_text(const void *in, size_t len, size_t max_chars, size_t *consumed)
{
	struct strbuf buf;
	size_t n;

	strbuf_init(&buf, text, sizeof(text));
	n = escape_text(&buf, in, len, max_chars);
	if (consumed)
		*consumed = n;
	return text;
}

static const char *esc_json(const void *in, size_t len)
{
	struct strbuf buf;

	strbuf_init(&buf, text, sizeof(text));
	escape_json(&buf, in, len);
	return text;
}

static const char *esc_b64(const char *in)
{
	struct strbuf buf;

	strbuf_init(&buf, text, sizeof(text));
	escape_base64(&buf, (const uint8_t *)in, strlen(in));
	return text;
}

static bool has_control_byte(const char *s)
{
	for (; *s; s++)
		if ((uint8_t)*s < 0x20 || (uint8_t)*s == 0x7f)
			return true;
	return false;
}

static void test_escape_text(void)
{
	/* Every byte value once: 0x00..0xff. */
	uint8_t all[256];
	size_t consumed;

	CHECK_STR(esc_text("Hello, world! ~{}", 17, 100, NULL), "Hello, world! ~{}");
	CHECK_STR(esc_text("a\\b", 3, 100, NULL), "a\\\\b");
	CHECK_STR(esc_text("\r\n\t", 3, 100, NULL), "\\r\\n\\t");
	CHECK_STR(esc_text("\x00\x01\x1f\x7f\x80\xff", 6, 100, NULL),
		  "\\x00\\x01\\x1f\\x7f\\x80\\xff");
	/* UTF-8 is not printable ASCII: escaped byte by byte. */
	CHECK_STR(esc_text("\xc3\xa9", 2, 100, NULL), "\\xc3\\xa9");

	/* max_chars counts input bytes; the return value is what was consumed. */
	CHECK_STR(esc_text("abcdef", 6, 3, &consumed), "abc");
	CHECK_INT(consumed, 3);
	CHECK_STR(esc_text("\x01\x02\x03", 3, 2, &consumed), "\\x01\\x02");
	CHECK_INT(consumed, 2);
	CHECK_STR(esc_text("abc", 3, 100, &consumed), "abc");
	CHECK_INT(consumed, 3);
	CHECK_STR(esc_text("abc", 3, 0, &consumed), "");
	CHECK_INT(consumed, 0);

	/* An ANSI colour sequence comes out inert. */
	CHECK_STR(esc_text("\x1b[31mred\x1b[0m", 12, 100, NULL), "\\x1b[31mred\\x1b[0m");
	CHECK(!has_control_byte(text));

	for (int i = 0; i < 256; i++)
		all[i] = i;
	esc_text(all, sizeof(all), sizeof(all), &consumed);
	CHECK_INT(consumed, 256);
	CHECK(!has_control_byte(text));
	for (const char *p = text; *p; p++)
		CHECK((uint8_t)*p < 0x80);
}

static void test_escape_json(void)
{
	/* Printable ASCII, quote and backslash. The decoded value of a
	 * backslash is "\\", so the JSON text holds four. */
	CHECK_STR(esc_json("plain text", 10), "plain text");
	CHECK_STR(esc_json("say \"hi\"", 8), "say \\\"hi\\\"");
	CHECK_STR(esc_json("a\\b", 3), "a\\\\\\\\b");
	CHECK_STR(esc_json("\t\r\n", 3), "\\t\\r\\n");

	/* Valid printable UTF-8 kept: é (U+00E9), no-break space (U+00A0),
	 * € (U+20AC), 😀 (U+1F600), U+10FFFF. */
	CHECK_STR(esc_json("\xc3\xa9", 2), "\xc3\xa9");
	CHECK_STR(esc_json("\xc2\xa0", 2), "\xc2\xa0");
	CHECK_STR(esc_json("\xe2\x82\xac", 3), "\xe2\x82\xac");
	CHECK_STR(esc_json("\xf0\x9f\x98\x80", 4), "\xf0\x9f\x98\x80");
	CHECK_STR(esc_json("\xf4\x8f\xbf\xbf", 4), "\xf4\x8f\xbf\xbf");

	/* Every other byte: decoded \xNN, JSON text \\xNN. */
	CHECK_STR(esc_json("\x00\x1b\x7f", 3), "\\\\x00\\\\x1b\\\\x7f");
	CHECK_STR(esc_json("\x80", 1), "\\\\x80");                 /* lone continuation */
	CHECK_STR(esc_json("\xff\xfe", 2), "\\\\xff\\\\xfe");       /* never in UTF-8 */
	CHECK_STR(esc_json("\xc0\x80", 2), "\\\\xc0\\\\x80");       /* overlong NUL */
	CHECK_STR(esc_json("\xc1\xbf", 2), "\\\\xc1\\\\xbf");       /* overlong 0x7f */
	CHECK_STR(esc_json("\xe0\x80\xaf", 3), "\\\\xe0\\\\x80\\\\xaf"); /* overlong '/' */
	CHECK_STR(esc_json("\xf0\x80\x80\xaf", 4),
		  "\\\\xf0\\\\x80\\\\x80\\\\xaf");                      /* overlong '/' */
	CHECK_STR(esc_json("\xed\xa0\x80", 3), "\\\\xed\\\\xa0\\\\x80"); /* surrogate D800 */
	CHECK_STR(esc_json("\xed\xbf\xbf", 3), "\\\\xed\\\\xbf\\\\xbf"); /* surrogate DFFF */
	CHECK_STR(esc_json("\xf4\x90\x80\x80", 4),
		  "\\\\xf4\\\\x90\\\\x80\\\\x80");                      /* above U+10FFFF */
	CHECK_STR(esc_json("\xc2\x80", 2), "\\\\xc2\\\\x80");       /* C1 U+0080 */
	CHECK_STR(esc_json("\xc2\x9b", 2), "\\\\xc2\\\\x9b");       /* C1 CSI U+009B */
	CHECK_STR(esc_json("\xe2\x80\xa8", 3), "\\\\xe2\\\\x80\\\\xa8"); /* U+2028 */
	CHECK_STR(esc_json("\xe2\x80\xae", 3), "\\\\xe2\\\\x80\\\\xae"); /* bidi RLO */
	/* A sequence cut short, then ASCII. */
	CHECK_STR(esc_json("\xe2\x82", 2), "\\\\xe2\\\\x82");
	CHECK_STR(esc_json("\xe2\x82x", 3), "\\\\xe2\\\\x82x");

	CHECK_STR(esc_json("\x1b[31mred\x1b[0m", 12), "\\\\x1b[31mred\\\\x1b[0m");
	CHECK(!has_control_byte(text));
}

static void test_escape_base64(void)
{
	/* RFC 4648 section 10. */
	CHECK_STR(esc_b64(""), "");
	CHECK_STR(esc_b64("f"), "Zg==");
	CHECK_STR(esc_b64("fo"), "Zm8=");
	CHECK_STR(esc_b64("foo"), "Zm9v");
	CHECK_STR(esc_b64("foob"), "Zm9vYg==");
	CHECK_STR(esc_b64("fooba"), "Zm9vYmE=");
	CHECK_STR(esc_b64("foobar"), "Zm9vYmFy");
	{
		/* High bytes use the last two alphabet characters. */
		static const uint8_t high[] = { 0xfb, 0xff, 0xbf };
		struct strbuf buf;

		strbuf_init(&buf, text, sizeof(text));
		escape_base64(&buf, high, sizeof(high));
		CHECK_STR(text, "+/+/");
	}
}

static void test_strbuf_truncation(void)
{
	char storage[16];
	struct strbuf buf;

	/* cap 8: room for 7 characters; storage[8..15] must stay untouched. */
	memset(storage, 'Z', sizeof(storage));
	strbuf_init(&buf, storage, 8);
	escape_text(&buf, (const uint8_t *)"\x01\x02\x03", 3, 3);
	CHECK(buf.truncated);
	CHECK_INT(buf.len, 7);
	CHECK_STR(storage, "\\x01\\x0");
	for (int i = 8; i < 16; i++)
		CHECK(storage[i] == 'Z');

	memset(storage, 'Z', sizeof(storage));
	strbuf_init(&buf, storage, 8);
	escape_json(&buf, (const uint8_t *)"\"\"\"\"\"", 5);
	CHECK(buf.truncated);
	CHECK_STR(storage, "\\\"\\\"\\\"\\");
	for (int i = 8; i < 16; i++)
		CHECK(storage[i] == 'Z');

	memset(storage, 'Z', sizeof(storage));
	strbuf_init(&buf, storage, 8);
	escape_base64(&buf, (const uint8_t *)"foobar", 6);
	CHECK(buf.truncated);
	CHECK_STR(storage, "Zm9vYmF");
	for (int i = 8; i < 16; i++)
		CHECK(storage[i] == 'Z');

	memset(storage, 'Z', sizeof(storage));
	strbuf_init(&buf, storage, 8);
	strbuf_printf(&buf, "%d-%s", 12345, "abcdef");
	CHECK(buf.truncated);
	CHECK_INT(buf.len, 7);
	CHECK_STR(storage, "12345-a");
	strbuf_puts(&buf, "more");
	CHECK_STR(storage, "12345-a");
	for (int i = 8; i < 16; i++)
		CHECK(storage[i] == 'Z');

	/* Exactly full is not truncated. */
	strbuf_init(&buf, storage, 8);
	strbuf_puts(&buf, "1234567");
	CHECK(!buf.truncated);
	CHECK_STR(storage, "1234567");
}

/* Decimal against printf over every digit count and its edges. */
static void test_strbuf_numbers(void)
{
	char storage[32], expected[32];
	struct strbuf buf;
	uint64_t value = 1;

	for (int digits = 1; digits <= 20; digits++) {
		uint64_t samples[] = { value - 1, value, value + 1, value * 7 + 3, UINT64_MAX };
		for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			strbuf_init(&buf, storage, sizeof(storage));
			strbuf_put_u64(&buf, samples[i]);
			snprintf(expected, sizeof(expected), "%" PRIu64, samples[i]);
			CHECK_STR(storage, expected);
			strbuf_init(&buf, storage, sizeof(storage));
			strbuf_put_i64(&buf, -(int64_t)(samples[i] >> 1));
			snprintf(expected, sizeof(expected), "%" PRId64, -(int64_t)(samples[i] >> 1));
			CHECK_STR(storage, expected);
		}
		if (digits < 20)
			value *= 10;
	}
	strbuf_init(&buf, storage, sizeof(storage));
	strbuf_put_i64(&buf, INT64_MIN);
	CHECK_STR(storage, "-9223372036854775808");
}

/* Every byte value at every offset of a longer plain run escapes exactly as
 * it does alone: the eight-bytes-at-a-time scan must stop at each one. */
static void test_escape_every_byte_everywhere(void)
{
	char alone_text[64], got[256], expected[256];
	uint8_t in[24];

	for (int json = 0; json <= 1; json++) {
		for (int byte = 0; byte < 256; byte++) {
			struct strbuf buf;
			uint8_t one = byte;

			strbuf_init(&buf, alone_text, sizeof(alone_text));
			if (json)
				escape_json(&buf, &one, 1);
			else
				escape_text(&buf, &one, 1, 1);
			for (size_t at = 0; at < sizeof(in); at++) {
				memset(in, 'a', sizeof(in));
				in[at] = byte;
				strbuf_init(&buf, got, sizeof(got));
				if (json)
					escape_json(&buf, in, sizeof(in));
				else
					escape_text(&buf, in, sizeof(in), sizeof(in));
				snprintf(expected, sizeof(expected), "%.*s%s%.*s", (int)at,
					 "aaaaaaaaaaaaaaaaaaaaaaaa", alone_text,
					 (int)(sizeof(in) - at - 1), "aaaaaaaaaaaaaaaaaaaaaaaa");
				/* bytes >= 0x80 alone are never valid UTF-8: escaped both ways */
				if (strcmp(got, expected)) {
					CHECK_STR(got, expected);
					return;
				}
			}
		}
	}
}

/* In a buffer of any size, escape_json's output is the full escape cut
 * exactly where the buffer fills, whether the input fits the fast path or
 * goes piece by piece; UTF-8 sequences and escapes straddle the pieces. */
static void test_escape_json_cut_at_every_capacity(void)
{
	static char full[4096], cut[4096];
	uint8_t in[300];
	struct strbuf buf;

	for (size_t i = 0; i < sizeof(in); i++) {
		static const uint8_t pattern[] = "ab\"\\\r\n\x01\xe2\x82\xac cd\xf0\x9f\x98\x80\xff";
		in[i] = pattern[i % (sizeof(pattern) - 1)];
	}
	strbuf_init(&buf, full, sizeof(full));
	escape_json(&buf, in, sizeof(in));
	CHECK(!buf.truncated);
	for (size_t cap = 1; cap <= buf.len + 1; cap++) {
		struct strbuf small;

		strbuf_init(&small, cut, cap);
		escape_json(&small, in, sizeof(in));
		if (small.len != cap - 1 || memcmp(cut, full, cap - 1) ||
		    small.truncated != (cap <= buf.len)) {
			CHECK_INT(small.len, cap - 1);
			CHECK(!memcmp(cut, full, cap - 1));
			CHECK(small.truncated == (cap <= buf.len));
			return;
		}
	}
}

int main(void)
{
	test_escape_json_cut_at_every_capacity();
	test_escape_every_byte_everywhere();
	test_strbuf_numbers();
	test_escape_text();
	test_escape_json();
	test_escape_base64();
	test_strbuf_truncation();
	return check_report("test_escape");
}
