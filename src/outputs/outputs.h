/* The outputs besides the lines, opened as the options ask: --stats
 * (src/stats/), --metrics (src/metrics/) and -w (src/outputs/pcapng_*.c).
 * Each one is a session observer; one that takes stdout's place turns the
 * lines off. A trace and a replay drive them alike. */
#ifndef ST_OUTPUTS_H
#define ST_OUTPUTS_H

#include <stdint.h>

#include "metrics/metrics_registry.h"
#include "options.h"
#include "session.h"

struct outputs;

/* Opens what opts asks for and adds their observers to session. Returns 0
 * (*outputs NULL when nothing is asked), or a negative errno after
 * printing why. */
int outputs_open(const struct options *opts, struct session *session, struct outputs **outputs);

/* Called after each poll round (each replayed batch), now_ns on the
 * session's clock: a --stats table that is due prints. */
void outputs_tick(struct outputs *outputs, uint64_t now_ns);

/* The trace's own counts, pushed by the tracing loop once a second (a
 * replay has none): --metrics exports them. */
void outputs_health(struct outputs *outputs, const struct metrics_health *health);

/* The end of the trace: the final --stats table, -w's file closed. Returns
 * 0, or a negative errno after printing why (the file's last write failed). */
int outputs_close(struct outputs *outputs);

/* Frees them without a word: the trace did not start. */
void outputs_free(struct outputs *outputs);

#endif
