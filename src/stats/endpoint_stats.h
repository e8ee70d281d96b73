/* --stats' table: exchanges counted by protocol, side, remote and
 * endpoint, in bounded memory. */
#ifndef ST_ENDPOINT_STATS_H
#define ST_ENDPOINT_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "events/format.h"
#include "stats/latency_histogram.h"
#include "stats/request_summary.h"

/* Rows kept (about 4 KiB each, touched only when used); past it every
 * new key goes to the one overflow row. */
#define STATS_ROWS_MAX 2048

struct stats_row {
	const char *name; /* the protocol's (request_summary.name); NULL: the overflow row */
	const char *role;
	/* The peer, for a server its host only: a client's port changes with
	 * each connection and would make a row of each. */
	char remote[ADDR_TEXT_MAX];
	char endpoint[ENDPOINT_MAX]; /* payload bytes: escape to print */
	uint64_t count;
	uint64_t errors;        /* every failed outcome, these two included: */
	uint64_t client_errors; /* OUTCOME_CLIENT_ERROR (HTTP 4xx) */
	uint64_t server_errors; /* OUTCOME_SERVER_ERROR (HTTP 5xx) */
	uint64_t no_response;
	uint64_t request_bytes;
	uint64_t response_bytes;
	struct latency_histogram latency; /* of those with a response */
};

struct endpoint_stats {
	struct stats_row *rows; /* STATS_ROWS_MAX */
	uint32_t count;
	uint32_t *slots;        /* hash of the key -> row index + 1 */
	struct stats_row overflow;
	uint64_t requests;      /* all counted, the overflow row's included */
};

int endpoint_stats_init(struct endpoint_stats *stats);
void endpoint_stats_free(struct endpoint_stats *stats);
void endpoint_stats_add(struct endpoint_stats *stats, const struct request_summary *request);

#endif
