/* One BPF ring buffer shared by every CPU (--ring-buffer): the alternative
 * to the per-CPU perf buffers of perf_poller.h. */
#ifndef ST_RING_POLLER_H
#define ST_RING_POLLER_H

#include "transport/perf_poller.h"

struct ring_buffer;

struct ring_poller {
	struct ring_buffer *ring;
	int epoll_fd; /* edge-triggered on the ring: the program's wakeups only */
	perf_sample_fn on_sample;
	void *ctx;
};

/* The ring buffer's size in pages for the memory of per_cpu_pages on every
 * online CPU: the next power of two (the kernel's rule), at most 1 GiB.
 * Returns it, or a negative errno after printing why. */
int ring_poller_pages(int per_cpu_pages);

/* Maps the ring buffer map events_fd for reading. Returns 0 or a negative
 * errno after printing why. */
int ring_poller_open(struct ring_poller *poller, int events_fd, perf_sample_fn on_sample,
		     void *ctx);

/* Waits up to timeout_ms and delivers what arrived. Returns 0 (also when a
 * signal interrupted the wait) or a negative errno. */
int ring_poller_poll(struct ring_poller *poller, int timeout_ms);

void ring_poller_close(struct ring_poller *poller);

#endif
