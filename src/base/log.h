/* One place that prints diagnostics, prefixed with the program name. */
#ifndef ST_LOG_H
#define ST_LOG_H

/* "socket-tracer: <message>\n" on stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
