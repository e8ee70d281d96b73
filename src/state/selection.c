#include "state/selection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A whole decimal port, 1 to 65535. */
static int port_parse(const char *text, uint16_t *port)
{
	char *end;
	unsigned long value;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value < 1 || value > 65535)
		return -EINVAL;
	*port = value;
	return 0;
}

int selection_port_add(struct selection *sel, const char *text)
{
	uint16_t port;

	if (port_parse(text, &port))
		return -EINVAL;
	if (sel->n_ports == SELECTION_PORTS_MAX)
		return -E2BIG;
	sel->ports[sel->n_ports++] = port;
	return 0;
}

/* Parses an IPv4 or IPv6 address, IPv6 optionally in brackets. */
static int address_parse(const char *text, size_t len, uint16_t *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int selection_remote_add(struct selection *sel, const char *text)
{
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	struct selection_net net = { 0 };
	unsigned max;

	if (address_parse(text, len, &net.family, net.addr))
		return -EINVAL;
	max = net.family == AF_INET ? 32 : 128;
	net.prefix = max;
	if (slash) {
		char *end;
		unsigned long prefix;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (errno || *end || prefix > max)
			return -EINVAL;
		net.prefix = prefix;
	}
	if (sel->n_remotes == SELECTION_REMOTES_MAX)
		return -E2BIG;
	sel->remotes[sel->n_remotes++] = net;
	return 0;
}

bool selection_active(const struct selection *sel)
{
	return sel->n_ports || sel->n_remotes || sel->kinds;
}

/* Splits a formatted IP peer ("1.2.3.4:80", "[::1]:80") into address and
 * port. Returns 0, or -EINVAL for any other text (a unix path, ""). */
static int remote_parse(const char *remote, uint16_t *family, uint8_t addr[16], uint16_t *port)
{
	const char *colon = strrchr(remote, ':');

	if (!colon || port_parse(colon + 1, port) ||
	    address_parse(remote, colon - remote, family, addr))
		return -EINVAL;
	return 0;
}

static bool port_listed(const struct selection *sel, int32_t port)
{
	for (int i = 0; i < sel->n_ports; i++)
		if (sel->ports[i] == port)
			return true;
	return false;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & (0xff00 >> rest));
}

/* An IPv4 block also holds the IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * of a dual-stack socket's peers. */
static bool net_holds(const struct selection_net *net, uint16_t family, const uint8_t addr[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (net->family == family)
		return prefix_equal(net->addr, addr, net->prefix);
	if (net->family == AF_INET && family == AF_INET6 && !memcmp(addr, mapped, sizeof(mapped)))
		return prefix_equal(net->addr, addr + 12, net->prefix);
	return false;
}

static uint32_t kind_of(uint16_t family, uint16_t sock_type)
{
	if (family == AF_UNIX)
		return ST_SELECT_UNIX;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (sock_type == SOCK_STREAM)
		return ST_SELECT_TCP;
	if (sock_type == SOCK_DGRAM)
		return ST_SELECT_UDP;
	return 0;
}

bool selection_needs_local_port(const struct selection *sel, const struct selection_facts *facts)
{
	uint16_t family, port;
	uint8_t addr[16];

	if (!sel->n_ports || facts->local_port >= 0 || facts->family == AF_UNIX)
		return false;
	return remote_parse(facts->remote, &family, addr, &port) || !port_listed(sel, port);
}

bool selection_match(const struct selection *sel, const struct selection_facts *facts)
{
	uint16_t family = 0, port = 0;
	uint8_t addr[16];
	bool known = !remote_parse(facts->remote, &family, addr, &port);

	if (sel->kinds && !(sel->kinds & kind_of(facts->family, facts->sock_type)))
		return false;
	if (sel->n_ports && !(known && port_listed(sel, port)) &&
	    !(facts->local_port > 0 && port_listed(sel, facts->local_port)))
		return false;
	if (sel->n_remotes) {
		bool held = false;

		for (int i = 0; known && !held && i < sel->n_remotes; i++)
			held = net_holds(&sel->remotes[i], family, addr);
		if (!held)
			return false;
	}
	return true;
}
