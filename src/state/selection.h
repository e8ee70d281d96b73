/* --port, --remote, --tcp, --udp, --unix: which connections are shown.
 * The socket kinds are also selected in the kernel where a socket's entry
 * knows its type (ST_SELECT_TYPES); ports and addresses are selected here,
 * in userspace, from what the events and the kernel tell of a connection:
 * the BPF program reads no kernel struct, and a socket's local port is in
 * none of its syscalls' arguments. */
#ifndef ST_SELECTION_H
#define ST_SELECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "events/socket_tracer_abi.h"

#define SELECTION_PORTS_MAX 64
#define SELECTION_REMOTES_MAX 64

/* An address block of --remote ADDR[/PREFIX]. */
struct selection_net {
	uint16_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix;  /* leading bits that must match */
	uint8_t addr[16];
};

struct selection {
	uint16_t ports[SELECTION_PORTS_MAX]; /* --port: local or remote */
	int n_ports;
	struct selection_net remotes[SELECTION_REMOTES_MAX];
	int n_remotes;
	uint32_t kinds; /* ST_SELECT_* bits of --tcp, --udp, --unix; 0 every kind */
};

/* What is known of a connection when it is selected. */
struct selection_facts {
	uint16_t family;    /* AF_*; 0 unknown */
	uint16_t sock_type; /* SOCK_*; 0 unknown */
	const char *remote; /* formatted peer (events/format.h), "" unknown */
	int32_t local_port; /* -1 unknown */
};

/* Adds --port TEXT (1 to 65535) or --remote TEXT (an IPv4 or IPv6 address,
 * optionally /PREFIX). Return 0, -EINVAL (not one) or -E2BIG (table full),
 * printing nothing. */
int selection_port_add(struct selection *sel, const char *text);
int selection_remote_add(struct selection *sel, const char *text);

/* Whether any of --port, --remote, --tcp, --udp, --unix was given. */
bool selection_active(const struct selection *sel);

/* Whether sel needs the connection's local port to decide: --port given,
 * and the remote's port not one of them. */
bool selection_needs_local_port(const struct selection *sel, const struct selection_facts *facts);

/* Whether a connection with these facts is selected: its kind one of
 * --tcp/--udp/--unix, its local or remote port one of --port, its remote
 * address in one of --remote (each given kind of option must hold; one
 * value of a kind suffices). A socket with no port (unix) is never one of
 * --port or --remote. */
bool selection_match(const struct selection *sel, const struct selection_facts *facts);

#endif
