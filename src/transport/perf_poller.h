/* One perf buffer per online CPU, polled together. */
#ifndef ST_PERF_POLLER_H
#define ST_PERF_POLLER_H

#include <stdint.h>

#include "base/cpus.h"

struct perf_reader;

/* Called for each sample with its raw bytes (not aligned: copy before use). */
typedef void (*perf_sample_fn)(void *ctx, const void *data, int size);

struct perf_poller_cookie {
	struct perf_poller *poller;
	int cpu;
};

struct perf_poller {
	struct perf_reader *readers[CPUS_MAX];
	struct perf_poller_cookie cookies[CPUS_MAX];
	uint64_t lost_by_cpu[CPUS_MAX];
	uint64_t lost_unreported[CPUS_MAX];  /* since the last stderr line */
	uint64_t lost_reported_ms[CPUS_MAX]; /* CLOCK_MONOTONIC of that line */
	uint64_t lost_total;
	int count;
	perf_sample_fn on_sample;
	void *ctx;
};

/* Opens a buffer of page_count pages (a power of two) on every online CPU
 * and enters it in the perf event array events_fd. Returns 0 or a negative
 * errno after printing why. */
int perf_poller_open(struct perf_poller *poller, int events_fd, int page_count,
		     perf_sample_fn on_sample, void *ctx);

/* Waits up to timeout_ms and delivers what arrived, then prints the losses
 * the kernel reported that no line has yet (at most one line per CPU a
 * second). Returns 0 (also when a signal interrupted the wait) or a negative
 * errno. */
int perf_poller_poll(struct perf_poller *poller, int timeout_ms);

void perf_poller_close(struct perf_poller *poller);

#endif
