#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

void log_error(const char *fmt, ...)
{
	va_list ap;

	fputs("socket-tracer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
