#include "metrics/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "metrics/metrics_server.h"
#include "stats/request_summary.h"

struct metrics {
	struct metrics_registry *registry;
	struct metrics_server *server;
	/* Our pid: the scrapes are our own sockets' requests, which the
	 * metrics leave out (lines still show them). */
	uint32_t self;
};

static void event_seen(void *ctx, const struct event *ev, const struct conn *conn)
{
	struct metrics *metrics = ctx;

	(void)conn;
	if (ev->kind == ST_EV_CLOSE && ev->pid != metrics->self)
		metrics_registry_connection(metrics->registry, ev);
}

static void exchange_seen(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	struct metrics *metrics = ctx;
	struct request_summary summary;

	if (ev->pid != metrics->self && request_summary_of(ev, exchange, &summary))
		metrics_registry_request(metrics->registry, &summary);
}

int metrics_open(const struct options *opts, struct session *session, struct metrics **out)
{
	struct metrics *metrics = calloc(1, sizeof(*metrics));
	int err;

	*out = NULL;
	if (!metrics || metrics_registry_open(opts->metrics_series, &metrics->registry)) {
		log_error("out of memory");
		free(metrics);
		return -ENOMEM;
	}
	metrics->self = getpid();
	err = metrics_server_open(&opts->metrics, metrics->registry, &metrics->server);
	if (!err)
		err = session_observe(session, &(struct session_observer){
						       .event = event_seen,
						       .exchange = exchange_seen,
						       .ctx = metrics,
					       });
	if (err) {
		if (err == -ENOSPC)
			log_error("too many outputs at once");
		metrics_close(metrics);
		return err;
	}
	/* -q: the metrics are the output */
	if (opts->quiet)
		session->lines = false;
	*out = metrics;
	return 0;
}

void metrics_health(struct metrics *metrics, const struct metrics_health *health)
{
	metrics_registry_health(metrics->registry, health);
}

void metrics_close(struct metrics *metrics)
{
	if (!metrics)
		return;
	metrics_server_close(metrics->server);
	metrics_registry_close(metrics->registry);
	free(metrics);
}
