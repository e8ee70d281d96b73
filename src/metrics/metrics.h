/* --metrics: the session's requests and connections counted into the
 * registry, which the HTTP server exports; with -q they replace the lines. */
#ifndef ST_METRICS_H
#define ST_METRICS_H

#include "metrics/metrics_registry.h"
#include "options.h"
#include "session.h"

struct metrics;

/* Listens on opts->metrics and observes session. Returns 0, or a negative
 * errno after printing why. */
int metrics_open(const struct options *opts, struct session *session, struct metrics **metrics);

void metrics_health(struct metrics *metrics, const struct metrics_health *health);

/* Stops serving and frees. */
void metrics_close(struct metrics *metrics);

#endif
