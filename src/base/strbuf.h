/* A fixed-capacity text buffer: appends past the end are cut, never
 * overflow, and mark the buffer as truncated. */
#ifndef ST_STRBUF_H
#define ST_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct strbuf {
	char *text;
	size_t len;
	size_t cap; /* includes room for the NUL */
	bool truncated;
};

void strbuf_init(struct strbuf *buf, char *storage, size_t cap);

/* Inline, as every event appends a few dozen short pieces, most of a
 * length known where they are appended (JSON keys): the copy becomes a
 * few moves instead of a call. */
static inline void strbuf_append(struct strbuf *buf, const char *text, size_t len)
{
	size_t room = buf->cap - buf->len - 1;

	if (len > room) {
		len = room;
		buf->truncated = true;
	}
	memcpy(buf->text + buf->len, text, len);
	buf->len += len;
	buf->text[buf->len] = '\0';
}

static inline void strbuf_puts(struct strbuf *buf, const char *text)
{
	strbuf_append(buf, text, strlen(text));
}

/* Decimal, without printf: these run several times per event. */
void strbuf_put_u64(struct strbuf *buf, uint64_t value);
void strbuf_put_i64(struct strbuf *buf, int64_t value);

static inline void strbuf_putc(struct strbuf *buf, char c)
{
	if (buf->len + 1 < buf->cap) {
		buf->text[buf->len++] = c;
		buf->text[buf->len] = '\0';
	} else {
		buf->truncated = true;
	}
}
void strbuf_printf(struct strbuf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
