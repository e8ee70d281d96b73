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

void strbuf_put_u64(struct strbuf *buf, uint64_t value)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = '0' + value % 10;
		value /= 10;
	} while (value);
	strbuf_append(buf, digits + n, sizeof(digits) - n);
}

void strbuf_put_i64(struct strbuf *buf, int64_t value)
{
	if (value < 0) {
		strbuf_putc(buf, '-');
		strbuf_put_u64(buf, -(uint64_t)value);
	} else {
		strbuf_put_u64(buf, value);
	}
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
