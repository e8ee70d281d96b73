/* A tracing session: what happens to each sample, and the counts that the
 * exit summary reports. */
#ifndef ST_SESSION_H
#define ST_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conn_table.h"
#include "options.h"
#include "output/output.h"

/* One formatted line's room: a full capture escaped, plus a hex dump. */
#define SESSION_LINE_MAX (1u << 20)

struct session {
	struct output_style style;
	struct conn_table conns;
	FILE *out;
	int64_t mono_to_wall_ns;
	uint64_t max_events;    /* 0: unlimited */
	uint64_t events_by_kind[ST_EV_NR];
	uint64_t printed;
	uint64_t malformed;
	bool done;          /* -n reached or stdout closed */
	bool out_closed;    /* the reader of stdout went away (EPIPE) */
	char *line;         /* SESSION_LINE_MAX bytes */
};

int session_init(struct session *session, const struct options *opts, FILE *out);
void session_free(struct session *session);

/* perf_sample_fn: decode, track, print one sample. */
void session_sample(void *session, const void *data, int size);

/* Flushes printed lines; notes a closed stdout. */
void session_flush(struct session *session);

/* The exit summary, on stderr. */
void session_summary(const struct session *session, uint64_t lost_samples);

#endif
