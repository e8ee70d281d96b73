/* format_sockaddr, format_family/transport, errno names, times, durations. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "check.h"
#include "events/format.h"

/* struct sockaddr_in for 127.0.0.1:8080 as connect() is given it:
 * family AF_INET (2, host order), port 0x1f90 (network order), address,
 * 8 bytes of zero padding. */
static const uint8_t sin_localhost_8080[] = {
	0x02, 0x00, 0x1f, 0x90, 0x7f, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* struct sockaddr_in6 for [::1]:8080: family AF_INET6 (10), port 0x1f90,
 * flowinfo 0, address ::1, scope_id 0. */
static const uint8_t sin6_localhost_8080[] = {
	0x0a, 0x00, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00,
};

/* struct sockaddr_in6 for [2001:db8::1]:443. */
static const uint8_t sin6_doc_443[] = {
	0x0a, 0x00, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00,
};

/* struct sockaddr_un "/run/x.sock" with its NUL, as bind() is usually
 * given it: family AF_UNIX (1), then sun_path. */
static const uint8_t sun_path_sock[] = {
	0x01, 0x00, '/', 'r', 'u', 'n', '/', 'x',
	'.', 's', 'o', 'c', 'k', 0x00,
};

/* Abstract unix address "\0name": family, NUL, name (no terminator). */
static const uint8_t sun_abstract[] = {
	0x01, 0x00, 0x00, 'n', 'a', 'm', 'e',
};

/* Unix path holding ESC and BEL: "/tmp/\x1b[2J\a". */
static const uint8_t sun_hostile[] = {
	0x01, 0x00, '/', 't', 'm', 'p', '/', 0x1b,
	'[', '2', 'J', 0x07, 0x00,
};

/* Family AF_NETLINK (16) with enough bytes for anything. */
static const uint8_t snl[] = {
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static char out[ADDR_TEXT_MAX];

static int fmt(const uint8_t *addr, uint32_t len)
{
	memset(out, 'Z', sizeof(out));
	return format_sockaddr(addr, len, out, sizeof(out));
}

static void test_sockaddr(void)
{
	CHECK_INT(fmt(sin_localhost_8080, sizeof(sin_localhost_8080)), 0);
	CHECK_STR(out, "127.0.0.1:8080");
	CHECK_INT(fmt(sin6_localhost_8080, sizeof(sin6_localhost_8080)), 0);
	CHECK_STR(out, "[::1]:8080");
	CHECK_INT(fmt(sin6_doc_443, sizeof(sin6_doc_443)), 0);
	CHECK_STR(out, "[2001:db8::1]:443");

	CHECK_INT(fmt(sun_path_sock, sizeof(sun_path_sock)), 0);
	CHECK_STR(out, "/run/x.sock");
	/* Without the terminating NUL. */
	CHECK_INT(fmt(sun_path_sock, sizeof(sun_path_sock) - 1), 0);
	CHECK_STR(out, "/run/x.sock");
	CHECK_INT(fmt(sun_abstract, sizeof(sun_abstract)), 0);
	CHECK_STR(out, "@name");
	CHECK_INT(fmt(sun_abstract, 2), 0); /* unnamed: family only */
	CHECK_STR(out, "");
	CHECK_INT(fmt(sun_hostile, sizeof(sun_hostile)), 0);
	CHECK_STR(out, "/tmp/\\x1b[2J\\x07");

	/* Too short for the family, or for its sockaddr. */
	CHECK_INT(fmt(sin_localhost_8080, 0), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(fmt(sin_localhost_8080, 1), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(fmt(sin_localhost_8080, sizeof(sin_localhost_8080) - 1), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(fmt(sin6_localhost_8080, sizeof(sin6_localhost_8080) - 1), -EINVAL);
	CHECK_STR(out, "");
	CHECK_INT(fmt(snl, sizeof(snl)), -EINVAL);
	CHECK_STR(out, "");
}

static void test_family_transport(void)
{
	CHECK_STR(format_family(AF_INET), "inet");
	CHECK_STR(format_family(AF_INET6), "inet6");
	CHECK_STR(format_family(AF_UNIX), "unix");
	CHECK_STR(format_family(0), "-");
	CHECK_STR(format_family(AF_NETLINK), "-");

	CHECK_STR(format_transport(AF_INET, SOCK_STREAM), "tcp");
	CHECK_STR(format_transport(AF_INET, SOCK_DGRAM), "udp");
	CHECK_STR(format_transport(AF_INET, SOCK_RAW), "-");
	CHECK_STR(format_transport(AF_INET, 0), "-");
	CHECK_STR(format_transport(AF_INET6, SOCK_STREAM), "tcp");
	CHECK_STR(format_transport(AF_INET6, SOCK_DGRAM), "udp");
	CHECK_STR(format_transport(AF_INET6, SOCK_SEQPACKET), "-");
	CHECK_STR(format_transport(AF_INET6, 0), "-");
	CHECK_STR(format_transport(AF_UNIX, SOCK_STREAM), "unix-stream");
	CHECK_STR(format_transport(AF_UNIX, SOCK_DGRAM), "unix-dgram");
	CHECK_STR(format_transport(AF_UNIX, SOCK_SEQPACKET), "unix-seqpacket");
	/* A unix socket of unknown type: the family is still worth showing
	 * (format.h does not list this value). */
	CHECK_STR(format_transport(AF_UNIX, 0), "unix");
	CHECK_STR(format_transport(0, SOCK_STREAM), "-");
	CHECK_STR(format_transport(0, 0), "-");
	CHECK_STR(format_transport(AF_NETLINK, SOCK_DGRAM), "-");
}

static void test_errno_name(void)
{
	char scratch[24];

	CHECK_STR(format_errno_name(-111, scratch, sizeof(scratch)), "ECONNREFUSED");
	CHECK_STR(format_errno_name(-115, scratch, sizeof(scratch)), "EINPROGRESS");
	CHECK_STR(format_errno_name(-EAGAIN, scratch, sizeof(scratch)), "EAGAIN");
	/* a hostile sample's result: no overflow negating it */
	CHECK_STR(format_errno_name(INT64_MIN, scratch, sizeof(scratch)), "E9223372036854775808");
	CHECK_STR(format_errno_name(-5000, scratch, sizeof(scratch)), "E5000");
	CHECK_STR(format_errno_name(-4000, scratch, sizeof(scratch)), "E4000");
	CHECK_STR(format_errno_name(-100000, scratch, sizeof(scratch)), "E100000");
}

static void test_time(void)
{
	char text[40];

	/* 1700000000 s is 2023-11-14 22:13:20 UTC; the ns below 1 us are cut. */
	format_time_rfc3339(1700000000123456789ULL, text, sizeof(text));
	CHECK_STR(text, "2023-11-14T22:13:20.123456Z");
	format_time_rfc3339(0, text, sizeof(text));
	CHECK_STR(text, "1970-01-01T00:00:00.000000Z");
	format_time_rfc3339(951782400000000999ULL, text, sizeof(text)); /* leap day */
	CHECK_STR(text, "2000-02-29T00:00:00.000000Z");
	/* Cut to the room given, like snprintf. */
	format_time_rfc3339(1700000000123456789ULL, text, 11);
	CHECK_STR(text, "2023-11-14");

	/* Local time, in a fixed zone: the cached second changes on time. */
	setenv("TZ", "UTC-2", 1);
	tzset();
	format_time_local(1700000000123456789ULL, text, sizeof(text));
	CHECK_STR(text, "00:13:20.123456");
	format_time_local(1700000000999999999ULL, text, sizeof(text));
	CHECK_STR(text, "00:13:20.999999");
	format_time_local(1700000001000000000ULL, text, sizeof(text));
	CHECK_STR(text, "00:13:21.000000");
	format_time_local(1700000000000001000ULL, text, sizeof(text)); /* back again */
	CHECK_STR(text, "00:13:20.000001");
	format_time_local(1700000000123456789ULL, text, 9);
	CHECK_STR(text, "00:13:20");
}

static void test_duration(void)
{
	char text[32];

	format_duration(0, text, sizeof(text));
	CHECK_STR(text, "0ns");
	format_duration(840, text, sizeof(text));
	CHECK_STR(text, "840ns");
	format_duration(999, text, sizeof(text));
	CHECK_STR(text, "999ns");
	format_duration(1000, text, sizeof(text));
	CHECK_STR(text, "1.0us");
	format_duration(12300, text, sizeof(text));
	CHECK_STR(text, "12.3us");
	format_duration(1840000, text, sizeof(text));
	CHECK_STR(text, "1.84ms");
	format_duration(2500000000ULL, text, sizeof(text));
	CHECK_STR(text, "2.50s");
	format_duration(3600000000000ULL, text, sizeof(text));
	CHECK_STR(text, "3600.00s");
	/* Just under a unit boundary the value rounds up to it: it should
	 * read in the larger unit, not as "1000.0us". */
	format_duration(999999, text, sizeof(text));
	CHECK_STR(text, "1.00ms");
}

int main(void)
{
	test_sockaddr();
	test_family_transport();
	test_errno_name();
	test_time();
	test_duration();
	return check_report("test_format");
}
