/* A fixed-capacity text buffer: appends past the end are cut, never
 * overflow, and mark the buffer as truncated. */
#ifndef ST_STRBUF_H
#define ST_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *text;
	size_t len;
	size_t cap; /* includes room for the NUL */
	bool truncated;
};

void strbuf_init(struct strbuf *buf, char *storage, size_t cap);
void strbuf_append(struct strbuf *buf, const char *text, size_t len);
void strbuf_puts(struct strbuf *buf, const char *text);
void strbuf_putc(struct strbuf *buf, char c);
void strbuf_printf(struct strbuf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
