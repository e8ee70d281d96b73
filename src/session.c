#include "session.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Malformed samples reported one by one before only being counted. */
#define MALFORMED_REPORTS_MAX 5

static int64_t mono_to_wall_offset(void)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	return ((int64_t)wall.tv_sec - mono.tv_sec) * 1000000000LL + (wall.tv_nsec - mono.tv_nsec);
}

int session_init(struct session *session, const struct options *opts, FILE *out)
{
	memset(session, 0, sizeof(*session));
	session->style.json = opts->json;
	session->style.json_b64 = opts->json_b64;
	session->style.hex = opts->hex;
	session->style.data_chars = opts->data_chars;
	session->max_events = opts->max_events;
	session->out = out;
	session->mono_to_wall_ns = mono_to_wall_offset();
	session->line = malloc(SESSION_LINE_MAX);
	if (!session->line)
		return -ENOMEM;
	if (conn_table_init(&session->conns)) {
		free(session->line);
		return -ENOMEM;
	}
	return 0;
}

void session_free(struct session *session)
{
	conn_table_free(&session->conns);
	free(session->line);
	session->line = NULL;
}

static void line_write(struct session *session, const struct strbuf *line)
{
	if (fwrite(line->text, 1, line->len, session->out) != line->len) {
		if (errno == EPIPE) {
			session->out_closed = true;
			session->done = true;
		}
	}
}

void session_sample(void *ctx, const void *data, int size)
{
	struct session *session = ctx;
	struct event ev;
	struct strbuf line;

	if (session->done)
		return;
	if (event_decode(data, size, session->mono_to_wall_ns, &ev)) {
		if (session->malformed++ < MALFORMED_REPORTS_MAX)
			log_error("malformed sample of %d bytes ignored", size);
		return;
	}
	session->events_by_kind[ev.kind]++;
	conn_table_apply(&session->conns, &ev);

	strbuf_init(&line, session->line, SESSION_LINE_MAX);
	output_event_format(&line, &ev, &session->style);
	line_write(session, &line);
	session->printed++;
	if (session->max_events && session->printed >= session->max_events)
		session->done = true;
}

void session_flush(struct session *session)
{
	if (fflush(session->out) && errno == EPIPE) {
		session->out_closed = true;
		session->done = true;
	}
}

void session_summary(const struct session *session, uint64_t lost_samples)
{
	const uint64_t *by_kind = session->events_by_kind;

	fprintf(stderr,
		"socket-tracer: %" PRIu64 " events (connect %" PRIu64 ", accept %" PRIu64
		", close %" PRIu64 ", data %" PRIu64 "), lost samples %" PRIu64
		", malformed samples %" PRIu64 "\n",
		by_kind[ST_EV_CONNECT] + by_kind[ST_EV_ACCEPT] + by_kind[ST_EV_CLOSE] +
			by_kind[ST_EV_DATA],
		by_kind[ST_EV_CONNECT], by_kind[ST_EV_ACCEPT], by_kind[ST_EV_CLOSE],
		by_kind[ST_EV_DATA], lost_samples, session->malformed);
}
