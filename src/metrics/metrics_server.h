/* The --metrics HTTP endpoint: GET /metrics answers the registry's text,
 * from libmicrohttpd's own thread. Binds the one address given. */
#ifndef ST_METRICS_SERVER_H
#define ST_METRICS_SERVER_H

#include <sys/socket.h>

#include "metrics/metrics_registry.h"

/* ADDR:PORT as given, parsed. */
struct metrics_address {
	struct sockaddr_storage addr;
	socklen_t len;
	const char *text;
};

/* Parses "IPV4:PORT" or "[IPV6]:PORT" (numeric, port 1 to 65535): 0, or
 * -EINVAL with nothing printed. No address (":9100") is refused: the
 * labels carry traced payload text, so listening everywhere is asked for
 * by name (0.0.0.0, [::]). */
int metrics_address_parse(const char *text, struct metrics_address *out);

struct metrics_server;

/* Listens on address and serves registry. Returns 0, or a negative errno
 * after printing why (the port is taken). */
int metrics_server_open(const struct metrics_address *address, struct metrics_registry *registry,
			struct metrics_server **server);

/* Stops serving; a scrape under way finishes first. */
void metrics_server_close(struct metrics_server *server);

#endif
