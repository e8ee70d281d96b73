#include "metrics/metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "metrics/prometheus_text.h"

/* Scrapers are few; a client that holds connections open gets no more. */
#define CONNECTIONS_MAX 16
#define IDLE_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *daemon;
	struct metrics_registry *registry;
};

static int port_parse(const char *text, uint16_t *port)
{
	char *end;
	long value;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || value < 1 || value > 65535)
		return -EINVAL;
	*port = (uint16_t)value;
	return 0;
}

int metrics_address_parse(const char *text, struct metrics_address *out)
{
	const char *colon = strrchr(text, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t host_len;
	uint16_t port;

	memset(out, 0, sizeof(*out));
	out->text = text;
	if (!colon || colon == text || port_parse(colon + 1, &port))
		return -EINVAL;
	host_len = colon - text;
	if (host_len >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, host_len);
	host[host_len] = '\0';
	if (host[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;

		if (host_len < 3 || host[host_len - 1] != ']')
			return -EINVAL;
		host[host_len - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->addr;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		out->len = sizeof(*in);
	}
	return 0;
}

/* Our own socket, so that a taken port is told by its errno. */
static int listen_socket_open(const struct metrics_address *address)
{
	int family = address->addr.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	int off = 0;
	int err;

	if (fd < 0)
		return -errno;
	/* a restart binds again while the last run's connections wait */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	/* [::] takes IPv4 too, whatever the sysctl says */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(fd, (const struct sockaddr *)&address->addr, address->len) ||
	    listen(fd, CONNECTIONS_MAX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static enum MHD_Result text_answer(struct MHD_Connection *connection, unsigned status,
				   const char *text)
{
	struct MHD_Response *response =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result result;

	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return result;
}

/* Rendered into memory from a copy of the registry, then sent: a slow
 * scraper holds nothing the session needs. */
static enum MHD_Result metrics_answer(struct MHD_Connection *connection,
				      struct metrics_registry *registry)
{
	struct MHD_Response *response;
	enum MHD_Result result;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int err;

	if (!out)
		return text_answer(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	err = metrics_registry_render(registry, out);
	if (fclose(out) || err) {
		free(text);
		return text_answer(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	response = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE);
	result = MHD_queue_response(connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	return result;
}

static enum MHD_Result request_answer(void *ctx, struct MHD_Connection *connection, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **request_ctx)
{
	struct metrics_server *server = ctx;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)request_ctx;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "method not allowed: GET /metrics\n");
	if (strcmp(url, "/metrics"))
		return text_answer(connection, MHD_HTTP_NOT_FOUND,
				   "not found: the metrics are at /metrics\n");
	return metrics_answer(connection, server->registry);
}

int metrics_server_open(const struct metrics_address *address, struct metrics_registry *registry,
			struct metrics_server **out)
{
	struct metrics_server *server = calloc(1, sizeof(*server));
	int fd;

	*out = NULL;
	if (!server) {
		log_error("out of memory");
		return -ENOMEM;
	}
	fd = listen_socket_open(address);
	if (fd < 0) {
		log_error("--metrics %s: cannot listen: %s", address->text, strerror(-fd));
		free(server);
		return fd;
	}
	server->registry = registry;
	server->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			(address->addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, request_answer, server, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_END);
	if (!server->daemon) {
		log_error("--metrics %s: cannot start the HTTP server", address->text);
		/* not closed: whether the failed start closed it is not said, and
		 * the tracer exits now; a second close could take another fd */
		free(server);
		return -EIO;
	}
	*out = server;
	return 0;
}

void metrics_server_close(struct metrics_server *server)
{
	if (!server)
		return;
	/* closes the listening socket too */
	MHD_stop_daemon(server->daemon);
	free(server);
}
