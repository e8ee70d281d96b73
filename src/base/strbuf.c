#include "base/strbuf.h"

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

void strbuf_put_u64(struct strbuf *buf, uint64_t value)
{
	/* Two digits per division: timestamps have 13 to 19 digits. */
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char digits[20];
	size_t n = sizeof(digits);

	while (value >= 100) {
		unsigned pair = value % 100;
		value /= 100;
		n -= 2;
		memcpy(digits + n, pairs + 2 * pair, 2);
	}
	if (value >= 10) {
		n -= 2;
		memcpy(digits + n, pairs + 2 * value, 2);
	} else {
		digits[--n] = '0' + value;
	}
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
