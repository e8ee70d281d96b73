#define _GNU_SOURCE /* qsort_r */
#include "stats/stats_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "events/format.h"
#include "output/escape.h"
#include "output/json_writer.h"

const char *const stats_sort_names[SORT_NR] = {
	[SORT_COUNT] = "count", [SORT_ERRORS] = "errors", [SORT_4XX] = "4xx",
	[SORT_5XX] = "5xx",     [SORT_NORESP] = "noresp", [SORT_P50] = "p50",
	[SORT_P90] = "p90",     [SORT_P99] = "p99",       [SORT_MAX] = "max",
	[SORT_REQ] = "req",     [SORT_RESP] = "resp",     [SORT_PROTO] = "proto",
	[SORT_REMOTE] = "remote", [SORT_ENDPOINT] = "endpoint",
};

int stats_sort_parse(const char *name, enum stats_sort *sort)
{
	for (int i = 0; i < SORT_NR; i++)
		if (!strcasecmp(name, stats_sort_names[i])) {
			*sort = i;
			return 0;
		}
	return -EINVAL;
}

/* A row's value for the sort; the text keys compare otherwise. */
static uint64_t sort_value(const struct stats_row *row, enum stats_sort sort)
{
	switch (sort) {
	case SORT_COUNT: return row->count;
	case SORT_ERRORS: return row->errors;
	case SORT_4XX: return row->client_errors;
	case SORT_5XX: return row->server_errors;
	case SORT_NORESP: return row->no_response;
	case SORT_P50: return latency_histogram_quantile(&row->latency, 0.5);
	case SORT_P90: return latency_histogram_quantile(&row->latency, 0.9);
	case SORT_P99: return latency_histogram_quantile(&row->latency, 0.99);
	case SORT_MAX: return row->latency.max_ns;
	case SORT_REQ: return row->request_bytes;
	case SORT_RESP: return row->response_bytes;
	default: return 0;
	}
}

struct sort_entry {
	const struct stats_row *row;
	uint64_t value;
};

static int text_order(const struct stats_row *a, const struct stats_row *b,
		      enum stats_sort sort)
{
	int order = 0;

	if (sort == SORT_PROTO)
		order = strcmp(a->name, b->name);
	else if (sort == SORT_REMOTE)
		order = strcmp(a->remote, b->remote);
	if (!order)
		order = strcmp(a->endpoint, b->endpoint);
	if (!order)
		order = strcmp(a->remote, b->remote);
	return order ? order : strcmp(a->role, b->role);
}

/* Numbers largest first, text in byte order; ties by endpoint. */
static int entry_order(const void *x, const void *y, void *sort)
{
	const struct sort_entry *a = x, *b = y;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return text_order(a->row, b->row, *(const enum stats_sort *)sort);
}

/* Column widths of the human table; ENDPOINT takes the rest of the line. */
#define W_PROTO 8
#define W_ROLE 6
#define W_REMOTE 21
#define W_COUNT 7
#define W_SMALL 6
#define W_TIME 8
#define W_BYTES 8

static void size_put(struct strbuf *out, uint64_t bytes)
{
	char text[16];

	format_size(bytes, text, sizeof(text));
	strbuf_printf(out, " %*s", W_BYTES, text);
}

static void latency_put(struct strbuf *out, const struct stats_row *row, uint64_t ns)
{
	char text[16];

	if (row->latency.count)
		format_duration(ns, text, sizeof(text));
	else
		strcpy(text, "-");
	strbuf_printf(out, " %*s", W_TIME, text);
}

static void human_title(struct strbuf *out, const struct endpoint_stats *stats,
			const struct stats_view *view)
{
	time_t seconds = view->wall_ns / 1000000000;
	struct tm tm;
	char clock[16];

	localtime_r(&seconds, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	strbuf_printf(out, "%s %s: %" PRIu64 " request%s in %.1f s, %u row%s%s\n", clock,
		      view->final ? "final" : "so far", stats->requests,
		      stats->requests == 1 ? "" : "s", view->elapsed_ns / 1e9, stats->count,
		      stats->count == 1 ? "" : "s",
		      stats->overflow.count ? " and the overflow row" : "");
	strbuf_printf(out, "%-*s %-*s %-*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s ENDPOINT\n",
		      W_PROTO, "PROTO", W_ROLE, "ROLE", W_REMOTE, "REMOTE", W_COUNT, "COUNT",
		      W_SMALL, "ERRORS", W_SMALL, "4XX", W_SMALL, "5XX", W_SMALL, "NORESP",
		      W_TIME, "P50", W_TIME, "P90", W_TIME, "P99", W_TIME, "MAX", W_BYTES, "REQ",
		      W_BYTES, "RESP");
}

static void human_row(struct strbuf *out, const struct stats_row *row,
		      const struct stats_view *view)
{
	size_t start = out->len;

	strbuf_printf(out, "%-*s %-*s ", W_PROTO, row->name ? row->name : "*",
		      W_ROLE, row->name ? row->role : "*");
	/* the remote is ours (an address or an escaped path): cut, not escaped */
	strbuf_printf(out, "%-*.*s", W_REMOTE, W_REMOTE,
		      row->name ? (row->remote[0] ? row->remote : "-") : "*");
	strbuf_printf(out, " %*" PRIu64 " %*" PRIu64 " %*" PRIu64 " %*" PRIu64 " %*" PRIu64,
		      W_COUNT, row->count, W_SMALL, row->errors, W_SMALL, row->client_errors,
		      W_SMALL, row->server_errors, W_SMALL, row->no_response);
	latency_put(out, row, latency_histogram_quantile(&row->latency, 0.5));
	latency_put(out, row, latency_histogram_quantile(&row->latency, 0.9));
	latency_put(out, row, latency_histogram_quantile(&row->latency, 0.99));
	latency_put(out, row, row->latency.max_ns);
	size_put(out, row->request_bytes);
	size_put(out, row->response_bytes);
	strbuf_putc(out, ' ');
	size_t used = out->len - start;
	size_t room = !view->width		 ? SIZE_MAX
		      : view->width > used + 16 ? view->width - used
						 : 16;

	if (!row->name) {
		strbuf_puts(out, "(other rows: the table is full)");
	} else {
		size_t len = strlen(row->endpoint);
		size_t taken = escape_text_fit(out, (const uint8_t *)row->endpoint, len, len,
					       room);
		if (taken < len)
			strbuf_puts(out, "...");
	}
	strbuf_putc(out, '\n');
	if (view->histogram && row->latency.count)
		latency_histogram_draw(out, &row->latency, "    ");
}

static void json_row(struct strbuf *out, const struct stats_row *row, bool first)
{
	strbuf_puts(out, first ? "{" : ",{");
	strbuf_puts(out, "\"protocol\":");
	if (row->name) {
		strbuf_printf(out, "\"%s\"", row->name);
		json_name(out, KEY("role"), row->role);
		json_raw(out, KEY("remote"), row->remote);
		json_raw(out, KEY("endpoint"), row->endpoint);
	} else {
		strbuf_puts(out, "null");
		json_bool(out, KEY("overflow"), true);
	}
	json_u64(out, KEY("count"), row->count);
	json_u64(out, KEY("errors"), row->errors);
	json_u64(out, KEY("client_errors"), row->client_errors);
	json_u64(out, KEY("server_errors"), row->server_errors);
	json_u64(out, KEY("no_response"), row->no_response);
	json_u64(out, KEY("timed"), row->latency.count);
	if (row->latency.count) {
		json_u64(out, KEY("min_ns"), row->latency.min_ns);
		json_u64(out, KEY("p50_ns"), latency_histogram_quantile(&row->latency, 0.5));
		json_u64(out, KEY("p90_ns"), latency_histogram_quantile(&row->latency, 0.9));
		json_u64(out, KEY("p99_ns"), latency_histogram_quantile(&row->latency, 0.99));
		json_u64(out, KEY("max_ns"), row->latency.max_ns);
		json_u64(out, KEY("mean_ns"), row->latency.sum_ns / row->latency.count);
	}
	json_u64(out, KEY("request_bytes"), row->request_bytes);
	json_u64(out, KEY("response_bytes"), row->response_bytes);
	strbuf_putc(out, '}');
}

void stats_report_write(struct writer *writer, struct endpoint_stats *stats,
			const struct stats_view *view)
{
	uint32_t n = stats->count + (stats->overflow.count ? 1 : 0);
	struct sort_entry *entries = calloc(n ? n : 1, sizeof(*entries));
	struct strbuf line;

	if (!entries)
		return; /* the next interval tries again; the final one is small enough */
	for (uint32_t i = 0; i < stats->count; i++)
		entries[i] = (struct sort_entry){ &stats->rows[i],
						  sort_value(&stats->rows[i], view->sort) };
	enum stats_sort sort = view->sort;

	qsort_r(entries, stats->count, sizeof(*entries), entry_order, &sort);
	if (stats->overflow.count)
		entries[n - 1] = (struct sort_entry){ &stats->overflow, 0 };

	line = writer_line_begin(writer);
	if (view->json) {
		strbuf_printf(&line, "{\"type\":\"stats\",\"final\":%s", view->final ? "true" : "false");
		json_u64(&line, KEY("wall_ns"), (uint64_t)view->wall_ns);
		json_u64(&line, KEY("elapsed_ns"), view->elapsed_ns);
		json_u64(&line, KEY("requests"), stats->requests);
		strbuf_puts(&line, ",\"rows\":[");
		writer_line_end(writer, &line);
		for (uint32_t i = 0; i < n; i++) {
			line = writer_line_begin(writer);
			json_row(&line, entries[i].row, i == 0);
			writer_line_end(writer, &line);
		}
		line = writer_line_begin(writer);
		strbuf_puts(&line, "]}\n");
	} else {
		human_title(&line, stats, view);
		writer_line_end(writer, &line);
		for (uint32_t i = 0; i < n; i++) {
			line = writer_line_begin(writer);
			human_row(&line, entries[i].row, view);
			writer_line_end(writer, &line);
		}
		line = writer_line_begin(writer);
		strbuf_putc(&line, '\n');
	}
	writer_line_end(writer, &line);
	free(entries);
}
