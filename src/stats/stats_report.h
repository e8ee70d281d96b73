/* --stats' output: the table of endpoint_stats, sorted as asked, as
 * aligned text (with --histogram, each row's latency distribution under
 * it) or as one JSON object. */
#ifndef ST_STATS_REPORT_H
#define ST_STATS_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "output/writer.h"
#include "stats/endpoint_stats.h"

/* --sort's keys: a column of the table. */
enum stats_sort {
	SORT_COUNT, /* the default */
	SORT_ERRORS,
	SORT_4XX,
	SORT_5XX,
	SORT_NORESP,
	SORT_P50,
	SORT_P90,
	SORT_P99,
	SORT_MAX,
	SORT_REQ,
	SORT_RESP,
	SORT_PROTO,
	SORT_REMOTE,
	SORT_ENDPOINT,
	SORT_NR,
};

/* --sort's value: 0, or -EINVAL for no such column. */
int stats_sort_parse(const char *name, enum stats_sort *sort);
/* "count, errors, ..." for --help. */
extern const char *const stats_sort_names[SORT_NR];

struct stats_view {
	enum stats_sort sort;
	bool histogram;
	bool json;
	bool final;          /* the table at exit */
	uint64_t elapsed_ns; /* since the trace began */
	int64_t wall_ns;     /* now, for the title */
	uint32_t width;      /* of a human line, the endpoint cut to fit; 0 no limit */
};

/* Writes the table, line by line, to writer. */
void stats_report_write(struct writer *writer, struct endpoint_stats *stats,
			const struct stats_view *view);

#endif
