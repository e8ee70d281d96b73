#include "output/json_writer.h"

#include <string.h>

#include "output/escape.h"

void json_key(struct strbuf *out, const char *key, size_t key_len)
{
	strbuf_append(out, key, key_len);
}

void json_string(struct strbuf *out, const char *key, size_t key_len, const uint8_t *value, size_t len)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	escape_json(out, value, len);
	strbuf_putc(out, '"');
}

/* Text we made (names, numbers, addresses already escaped for display):
 * only the quote and the backslash need JSON escaping. */
void json_text(struct strbuf *out, const char *key, size_t key_len, const char *value)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	while (*value) {
		size_t run = strcspn(value, "\"\\");
		strbuf_append(out, value, run);
		value += run;
		if (!*value)
			break;
		strbuf_putc(out, '\\');
		strbuf_putc(out, *value++);
	}
	strbuf_putc(out, '"');
}

/* A name from one of our own tables or formatters (never a quote or a
 * backslash in it): appended without the scan json_text makes. */
void json_name(struct strbuf *out, const char *key, size_t key_len, const char *name)
{
	json_key(out, key, key_len);
	strbuf_putc(out, '"');
	strbuf_puts(out, name);
	strbuf_putc(out, '"');
}

void json_u64(struct strbuf *out, const char *key, size_t key_len, uint64_t value)
{
	json_key(out, key, key_len);
	strbuf_put_u64(out, value);
}

void json_bool(struct strbuf *out, const char *key, size_t key_len, bool value)
{
	json_key(out, key, key_len);
	strbuf_puts(out, value ? "true" : "false");
}

/* Raw decoder text as a JSON string value. */
void json_raw(struct strbuf *out, const char *key, size_t key_len, const char *value)
{
	json_string(out, key, key_len, (const uint8_t *)value, strlen(value));
}

void json_int(struct strbuf *out, const char *key, size_t key_len, int64_t value)
{
	json_key(out, key, key_len);
	strbuf_put_i64(out, value);
}

/* Element index of a JSON array of strings, with the comma before all but
 * the first. */
void json_array_string(struct strbuf *out, uint32_t index, const char *value)
{
	if (index)
		strbuf_putc(out, ',');
	strbuf_putc(out, '"');
	escape_json(out, (const uint8_t *)value, strlen(value));
	strbuf_putc(out, '"');
}

