#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void strbuf_init(struct strbuf *buf, char *storage, size_t cap)
{
	buf->text = storage;
	buf->len = 0;
	buf->cap = cap;
	buf->truncated = false;
	if (cap)
		storage[0] = '\0';
}

void strbuf_append(struct strbuf *buf, const char *text, size_t len)
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

void strbuf_puts(struct strbuf *buf, const char *text)
{
	strbuf_append(buf, text, strlen(text));
}

void strbuf_putc(struct strbuf *buf, char c)
{
	strbuf_append(buf, &c, 1);
}

void strbuf_printf(struct strbuf *buf, const char *fmt, ...)
{
	size_t room = buf->cap - buf->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf->text + buf->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		buf->len = buf->cap - 1;
		buf->truncated = true;
	} else {
		buf->len += n;
	}
}
