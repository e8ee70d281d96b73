/* What --metrics exports, aggregated: requests by endpoint and status
 * class with their latency histogram, connections and their bytes by
 * remote, and the tracer's health. The session's thread records, the HTTP
 * server's thread renders; one mutex keeps them apart. The label sets are
 * bounded: past series_max of a family, observations go to one series per
 * protocol and role whose endpoint or remote is "(other)", and are counted. */
#ifndef ST_METRICS_REGISTRY_H
#define ST_METRICS_REGISTRY_H

#include <stdint.h>
#include <stdio.h>

#include "events/event.h"
#include "stats/request_summary.h"
#include "events/socket_tracer_abi.h"

/* --metrics-series default and most */
#define METRICS_SERIES_DEFAULT 1000
#define METRICS_SERIES_MAX 20000
/* The label value of the series past the bound. */
#define METRICS_OTHER "(other)"

/* What the trace tells of itself, pushed once a second by the session's
 * thread: the HTTP thread reads no session state. */
struct metrics_health {
	uint64_t events_by_kind[ST_EV_NR];
	uint64_t lost_samples;	  /* a full buffer: the kernel's or the program's count */
	uint64_t refused_samples; /* the kernel refused them otherwise */
	uint64_t malformed_samples;
	uint64_t table_full[ST_FULL_NR]; /* [ST_FULL_SOCKS]: sockets not traced */
	uint64_t tracepoints_attached;
	uint64_t uprobes_attached;
	uint64_t tls_files_probed;
};

struct metrics_registry;

/* Returns 0 or -ENOMEM. */
int metrics_registry_open(uint32_t series_max, struct metrics_registry **registry);
void metrics_registry_close(struct metrics_registry *registry);

/* A finished request. */
void metrics_registry_request(struct metrics_registry *registry,
			      const struct request_summary *summary);

/* A closed connection (an ST_EV_CLOSE event): a server's remote is counted
 * by address alone, its clients' ports being one per connection. */
void metrics_registry_connection(struct metrics_registry *registry, const struct event *close);

void metrics_registry_health(struct metrics_registry *registry,
			     const struct metrics_health *health);

/* The whole exposition text, with the process's CPU time now. Returns 0,
 * or -errno when out fails. */
int metrics_registry_render(struct metrics_registry *registry, FILE *out);

#endif
