#define _GNU_SOURCE
#include "events/format.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "output/escape.h"
#include "events/socket_tracer_abi.h"

int format_sockaddr(const uint8_t *addr, uint32_t len, char *out, size_t size)
{
	sa_family_t family;
	char ip[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (len < sizeof(family))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;
		memcpy(&sin, addr, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(sin.sin_port));
		return 0;
	}
	if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		memcpy(&sin6, addr, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, ntohs(sin6.sin6_port));
		return 0;
	}
	if (family == AF_UNIX) {
		const uint8_t *path = addr + offsetof(struct sockaddr_un, sun_path);
		size_t path_len = len - offsetof(struct sockaddr_un, sun_path);
		struct strbuf buf;

		strbuf_init(&buf, out, size);
		if (path_len == 0)
			return 0; /* unnamed */
		if (path[0] == '\0') {
			strbuf_putc(&buf, '@');
			escape_text(&buf, path + 1, path_len - 1, path_len);
			return 0;
		}
		path_len = strnlen((const char *)path, path_len);
		escape_text(&buf, path, path_len, path_len);
		return 0;
	}
	return -EINVAL;
}

const char *format_family(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	default:
		return "-";
	}
}

const char *format_transport(uint16_t family, uint16_t sock_type)
{
	if (family == AF_UNIX) {
		switch (sock_type) {
		case SOCK_STREAM:
			return "unix-stream";
		case SOCK_DGRAM:
			return "unix-dgram";
		case SOCK_SEQPACKET:
			return "unix-seqpacket";
		default:
			return "unix";
		}
	}
	if (family == AF_INET || family == AF_INET6) {
		switch (sock_type) {
		case SOCK_STREAM:
			return "tcp";
		case SOCK_DGRAM:
			return "udp";
		default:
			break;
		}
	}
	return "-";
}

const char *format_errno_name(int64_t result, char *scratch, size_t size)
{
	const char *name = NULL;

	if (result < 0 && result > -4096)
		name = strerrorname_np((int)-result);
	if (name)
		return name;
	/* unsigned: the negation of INT64_MIN does not fit in an int64_t */
	snprintf(scratch, size, "E%llu", 0ull - (unsigned long long)result);
	return scratch;
}

static void time_split(uint64_t wall_ns, struct tm *tm, unsigned *usec, int utc)
{
	time_t seconds = wall_ns / 1000000000ULL;

	*usec = (wall_ns % 1000000000ULL) / 1000;
	if (utc)
		gmtime_r(&seconds, tm);
	else
		localtime_r(&seconds, tm);
}

/* Copies len bytes of text to out, cut to fit, NUL-terminated. */
static void bounded_copy(char *out, size_t size, const char *text, size_t len)
{
	if (!size)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(out, text, len);
	out[len] = '\0';
}

/* The text of one second, kept until the next: events come many to a
 * second, and gmtime/localtime plus a printf per event cost more than the
 * rest of the line. */
struct second_text {
	uint64_t second; /* UINT64_MAX before the first */
	char text[40];
	size_t len;
};

/* "<second>.uuuuuu", then "Z" for RFC 3339 (UTC, with the date). */
static void time_usec_format(struct second_text *cache, bool rfc3339, uint64_t wall_ns,
			     char *out, size_t size)
{
	uint64_t second = wall_ns / 1000000000ULL;
	unsigned usec = (wall_ns % 1000000000ULL) / 1000;
	char text[sizeof(cache->text) + 8];
	size_t len;

	if (second != cache->second) {
		struct tm tm;
		unsigned ignored;

		time_split(wall_ns, &tm, &ignored, rfc3339);
		if (rfc3339)
			snprintf(cache->text, sizeof(cache->text), "%04d-%02d-%02dT%02d:%02d:%02d",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
				 tm.tm_sec);
		else
			snprintf(cache->text, sizeof(cache->text), "%02d:%02d:%02d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
		cache->len = strlen(cache->text);
		cache->second = second;
	}
	memcpy(text, cache->text, cache->len);
	len = cache->len;
	text[len] = '.';
	for (int i = 6; i >= 1; i--) {
		text[len + i] = '0' + usec % 10;
		usec /= 10;
	}
	len += 7;
	if (rfc3339)
		text[len++] = 'Z';
	bounded_copy(out, size, text, len);
}

void format_time_rfc3339(uint64_t wall_ns, char *out, size_t size)
{
	static struct second_text utc = { .second = UINT64_MAX };

	time_usec_format(&utc, true, wall_ns, out, size);
}

void format_time_local(uint64_t wall_ns, char *out, size_t size)
{
	static struct second_text local = { .second = UINT64_MAX };

	time_usec_format(&local, false, wall_ns, out, size);
}

void format_duration(uint64_t ns, char *out, size_t size)
{
	/* Thresholds sit where rounding would print 1000 of the smaller unit. */
	if (ns < 1000)
		snprintf(out, size, "%lluns", (unsigned long long)ns);
	else if (ns < 999950)
		snprintf(out, size, "%.1fus", ns / 1e3);
	else if (ns < 999995000)
		snprintf(out, size, "%.2fms", ns / 1e6);
	else
		snprintf(out, size, "%.2fs", ns / 1e9);
}

const char *format_role(uint32_t sock_flags)
{
	if (sock_flags & ST_SOCK_SERVER)
		return "server";
	if (sock_flags & ST_SOCK_CLIENT)
		return "client";
	return "unknown";
}

size_t format_remote_host_len(const char *remote, uint16_t family)
{
	const char *colon = strrchr(remote, ':');

	if (colon && (family == AF_INET || family == AF_INET6))
		return colon - remote;
	return strlen(remote);
}

void format_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB", "EB" };
	double value = (double)bytes;
	unsigned unit = 0;

	if (bytes < 1000) {
		snprintf(out, size, "%llu B", (unsigned long long)bytes);
		return;
	}
	value /= 1000;
	while (value >= 999.5 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1000;
		unit++;
	}
	snprintf(out, size, value < 99.95 ? "%.1f %s" : "%.0f %s", value, units[unit]);
}
