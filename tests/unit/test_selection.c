/* selection_match: the socket kinds, ports local or remote, address
 * blocks, and what a connection with unknown facts can match. */
#include <errno.h>
#include <sys/socket.h>

#include "check.h"
#include "state/selection.h"

static struct selection sel;

static bool match(uint16_t family, uint16_t type, const char *remote, int32_t local_port)
{
	struct selection_facts facts = { family, type, remote, local_port };

	return selection_match(&sel, &facts);
}

static void reset(void)
{
	memset(&sel, 0, sizeof(sel));
}

static void test_kinds(void)
{
	reset();
	CHECK(match(AF_INET, SOCK_STREAM, "", -1)); /* nothing asked: all */
	sel.kinds = ST_SELECT_TCP;
	CHECK(match(AF_INET, SOCK_STREAM, "", -1));
	CHECK(match(AF_INET6, SOCK_STREAM, "", -1));
	CHECK(!match(AF_INET, SOCK_DGRAM, "", -1));
	CHECK(!match(AF_UNIX, SOCK_STREAM, "", -1));
	CHECK(!match(AF_INET, 0, "", -1)); /* type never learnt */
	sel.kinds = ST_SELECT_UDP | ST_SELECT_UNIX;
	CHECK(match(AF_INET6, SOCK_DGRAM, "", -1));
	CHECK(match(AF_UNIX, SOCK_DGRAM, "", -1));
	CHECK(match(AF_UNIX, SOCK_SEQPACKET, "", -1));
	CHECK(!match(AF_INET, SOCK_STREAM, "", -1));
}

static void test_ports(void)
{
	struct selection_facts facts = { AF_INET, SOCK_STREAM, "127.0.0.1:6379", -1 };

	reset();
	CHECK_INT(selection_port_add(&sel, "6379"), 0);
	CHECK_INT(selection_port_add(&sel, "80"), 0);
	CHECK(match(AF_INET, SOCK_STREAM, "127.0.0.1:6379", -1));
	CHECK(match(AF_INET6, SOCK_STREAM, "[::1]:80", -1));
	CHECK(!selection_needs_local_port(&sel, &facts));
	facts.remote = "127.0.0.1:40000";
	CHECK(selection_needs_local_port(&sel, &facts));
	CHECK(!match(AF_INET, SOCK_STREAM, "127.0.0.1:40000", -1));
	CHECK(match(AF_INET, SOCK_STREAM, "127.0.0.1:40000", 6379)); /* the server side */
	CHECK(!match(AF_INET, SOCK_STREAM, "127.0.0.1:40000", 6380));
	CHECK(match(AF_INET, SOCK_STREAM, "", 80)); /* peer unknown, local port known */
	CHECK(!match(AF_UNIX, SOCK_STREAM, "/run/x.sock", -1));
	CHECK(!match(AF_UNIX, SOCK_STREAM, "@abstract:80", -1));
	facts.family = AF_UNIX;
	CHECK(!selection_needs_local_port(&sel, &facts));
	while (sel.n_ports < SELECTION_PORTS_MAX)
		CHECK_INT(selection_port_add(&sel, "1"), 0);
	CHECK_INT(selection_port_add(&sel, "2"), -E2BIG);
}

static void test_remotes(void)
{
	reset();
	CHECK_INT(selection_remote_add(&sel, "10.1.0.0/16"), 0);
	CHECK_INT(selection_remote_add(&sel, "fd00::/8"), 0);
	CHECK(match(AF_INET, SOCK_STREAM, "10.1.200.3:443", -1));
	CHECK(!match(AF_INET, SOCK_STREAM, "10.2.0.1:443", -1));
	CHECK(match(AF_INET6, SOCK_STREAM, "[fdab::1]:443", -1));
	CHECK(!match(AF_INET6, SOCK_STREAM, "[fe80::1]:443", -1));
	/* a dual-stack socket's IPv4 peer */
	CHECK(match(AF_INET6, SOCK_STREAM, "[::ffff:10.1.2.3]:443", -1));
	CHECK(!match(AF_INET6, SOCK_STREAM, "[::ffff:10.9.2.3]:443", -1));
	CHECK(!match(AF_INET, SOCK_STREAM, "", 443)); /* peer unknown */
	CHECK(!match(AF_UNIX, SOCK_STREAM, "/run/x.sock", -1));

	reset();
	CHECK_INT(selection_remote_add(&sel, "127.0.0.1/31"), 0); /* bits inside a byte */
	CHECK(match(AF_INET, SOCK_DGRAM, "127.0.0.0:53", -1));
	CHECK(match(AF_INET, SOCK_DGRAM, "127.0.0.1:53", -1));
	CHECK(!match(AF_INET, SOCK_DGRAM, "127.0.0.2:53", -1));
	CHECK_INT(selection_remote_add(&sel, "::/0"), 0);
	CHECK(match(AF_INET6, SOCK_DGRAM, "[2001:db8::1]:53", -1));
	CHECK(!match(AF_INET, SOCK_DGRAM, "192.0.2.1:53", -1)); /* ::/0 holds no IPv4 */
}

static void test_combined(void)
{
	reset();
	CHECK_INT(selection_port_add(&sel, "53"), 0);
	CHECK_INT(selection_remote_add(&sel, "127.0.0.53"), 0);
	sel.kinds = ST_SELECT_UDP;
	CHECK(match(AF_INET, SOCK_DGRAM, "127.0.0.53:53", -1));
	CHECK(!match(AF_INET, SOCK_STREAM, "127.0.0.53:53", -1));
	CHECK(!match(AF_INET, SOCK_DGRAM, "127.0.0.1:53", -1));
	CHECK(!match(AF_INET, SOCK_DGRAM, "127.0.0.53:54", -1));
	CHECK(selection_active(&sel));
	reset();
	CHECK(!selection_active(&sel));
}

int main(void)
{
	test_kinds();
	test_ports();
	test_remotes();
	test_combined();
	return check_report("test_selection");
}
