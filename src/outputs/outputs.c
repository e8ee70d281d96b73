#include "outputs/outputs.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "metrics/metrics.h"
#include "stats/endpoint_stats.h"
#include "stats/request_summary.h"
#include "stats/stats_report.h"

struct outputs {
	struct session *session;
	bool stats;
	struct endpoint_stats table;
	struct stats_view view;
	uint64_t interval_ns;
	uint64_t next_table_ns; /* 0: the first tick sets it */
	uint64_t first_ts_ns;   /* of the first event seen, 0 none yet */
	uint64_t last_ts_ns;
	int64_t last_wall_ns;
	struct metrics *metrics; /* NULL without --metrics */
};

static void stats_event(void *ctx, const struct event *ev, const struct conn *conn)
{
	struct outputs *outputs = ctx;

	(void)conn;
	if (!outputs->first_ts_ns)
		outputs->first_ts_ns = ev->ts_ns;
	if (ev->ts_ns > outputs->last_ts_ns) {
		outputs->last_ts_ns = ev->ts_ns;
		outputs->last_wall_ns = (int64_t)ev->wall_ns;
	}
}

static void stats_exchange(void *ctx, const struct event *ev, const struct exchange *exchange)
{
	struct outputs *outputs = ctx;
	struct request_summary request;

	stats_event(ctx, ev, NULL);
	if (request_summary_of(ev, exchange, &request))
		endpoint_stats_add(&outputs->table, &request);
}

static int stats_open(const struct options *opts, struct outputs *outputs)
{
	struct session *session = outputs->session;
	struct session_observer observer = {
		.event = stats_event,
		.exchange = stats_exchange,
		.ctx = outputs,
	};

	if (endpoint_stats_init(&outputs->table)) {
		log_error("out of memory");
		return -ENOMEM;
	}
	outputs->stats = true;
	outputs->interval_ns = (uint64_t)(opts->stats_interval_s * 1e9);
	outputs->view = (struct stats_view){
		.sort = opts->stats_sort,
		.histogram = opts->stats_histogram,
		.json = opts->json,
		/* a terminal's width; a file's lines take whole endpoints */
		.width = session->out.terminal ? session->style.width : 0,
	};
	session->lines = false;
	return session_observe(session, &observer);
}

static void stats_table_write(struct outputs *outputs, bool final, int64_t wall_ns)
{
	struct writer *out = &outputs->session->out;

	outputs->view.final = final;
	outputs->view.wall_ns = wall_ns;
	outputs->view.elapsed_ns =
		outputs->first_ts_ns ? outputs->last_ts_ns - outputs->first_ts_ns : 0;
	/* A live table on a terminal replaces the last one. */
	if (out->terminal && !outputs->view.json && !final) {
		struct strbuf line = writer_line_begin(out);

		strbuf_puts(&line, "\033[H\033[2J");
		writer_line_end(out, &line);
	}
	stats_report_write(out, &outputs->table, &outputs->view);
	writer_flush(out, final);
}

int outputs_open(const struct options *opts, struct session *session, struct outputs **outputs)
{
	struct outputs *made;
	int err = 0;

	*outputs = NULL;
	if (!opts->stats && !opts->metrics.len)
		return 0;
	made = calloc(1, sizeof(*made));
	if (!made) {
		log_error("out of memory");
		return -ENOMEM;
	}
	made->session = session;
	if (opts->stats)
		err = stats_open(opts, made);
	if (!err && opts->metrics.len)
		err = metrics_open(opts, session, &made->metrics);
	if (err) {
		outputs_free(made);
		return err;
	}
	*outputs = made;
	return 0;
}

void outputs_tick(struct outputs *outputs, uint64_t now_ns)
{
	struct timespec wall;

	if (!outputs || !outputs->stats)
		return;
	/* live: the time since the start is the clock's, not the events' */
	if (!outputs->first_ts_ns)
		outputs->first_ts_ns = now_ns;
	outputs->last_ts_ns = now_ns;
	clock_gettime(CLOCK_REALTIME, &wall);
	outputs->last_wall_ns = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
	if (!outputs->next_table_ns)
		outputs->next_table_ns = now_ns + outputs->interval_ns;
	if (now_ns < outputs->next_table_ns)
		return;
	outputs->next_table_ns = now_ns + outputs->interval_ns;
	stats_table_write(outputs, false, outputs->last_wall_ns);
}

void outputs_health(struct outputs *outputs, const struct metrics_health *health)
{
	if (outputs && outputs->metrics)
		metrics_health(outputs->metrics, health);
}

int outputs_close(struct outputs *outputs)
{
	if (outputs && outputs->stats)
		stats_table_write(outputs, true, outputs->last_wall_ns);
	outputs_free(outputs);
	return 0;
}

void outputs_free(struct outputs *outputs)
{
	if (!outputs)
		return;
	metrics_close(outputs->metrics);
	if (outputs->stats)
		endpoint_stats_free(&outputs->table);
	free(outputs);
}
