#include "transport/ring_poller.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/log.h"

/* 1 GiB, the perf buffers of 256 CPUs. The size in bytes is the map's
 * max_entries, 32 bits: a power of two cannot pass 2 GiB anyway. */
#define RING_PAGES_MAX (1 << 18)

/* ring_buffer_sample_fn: 0 lets libbpf go on with the next record. */
static int sample_received(void *ctx, void *data, size_t size)
{
	struct ring_poller *poller = ctx;

	poller->on_sample(poller->ctx, data, (int)size);
	return 0;
}

int ring_poller_pages(int per_cpu_pages)
{
	bool online[CPUS_MAX];
	int limit = cpus_read("online", online);
	long wanted = 0;
	int pages = 1;

	if (limit < 0) {
		log_error("cannot read the online CPUs: %s", strerror(-limit));
		return limit;
	}
	for (int cpu = 0; cpu < limit; cpu++)
		if (online[cpu])
			wanted += per_cpu_pages;
	while (pages < wanted && pages < RING_PAGES_MAX)
		pages <<= 1;
	return pages;
}

int ring_poller_open(struct ring_poller *poller, int events_fd, perf_sample_fn on_sample,
		     void *ctx)
{
	struct epoll_event wake = { .events = EPOLLIN | EPOLLET };
	int err;

	poller->on_sample = on_sample;
	poller->ctx = ctx;
	poller->epoll_fd = -1;
	poller->ring = bpf_new_ringbuf(events_fd, sample_received, poller);
	if (!poller->ring) {
		err = errno ? -errno : -EINVAL;
		log_error("failed to open the ring buffer: %s (is events a BPF_RINGBUF_OUTPUT "
			  "when ST_RING_BUFFER is defined?)",
			  strerror(-err));
		return err;
	}
	/* Not bpf_poll_ringbuf: its wait is level-triggered and ends whenever
	 * an event is waiting, so under load the reader would run every few
	 * events whatever wakeups the program asks for. Edge-triggered, the
	 * wait ends on those wakeups or the timeout only, as the perf
	 * buffers' wait does on wakeup_events. */
	poller->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (poller->epoll_fd < 0 || epoll_ctl(poller->epoll_fd, EPOLL_CTL_ADD, events_fd, &wake)) {
		err = -errno;
		log_error("cannot wait for the ring buffer: %s", strerror(-err));
		ring_poller_close(poller);
		return err;
	}
	return 0;
}

int ring_poller_poll(struct ring_poller *poller, int timeout_ms)
{
	struct epoll_event wake;
	int err;

	if (epoll_wait(poller->epoll_fd, &wake, 1, timeout_ms) < 0 && errno != EINTR) {
		err = -errno;
		log_error("polling the ring buffer failed: %s", strerror(-err));
		return err;
	}
	/* Fewer than ST_RING_WAKEUP_EVENTS events per CPU wake nobody: read
	 * them anyway. */
	err = bpf_consume_ringbuf(poller->ring);
	if (err < 0) {
		log_error("reading the ring buffer failed: %s", strerror(-err));
		return err;
	}
	return 0;
}

void ring_poller_close(struct ring_poller *poller)
{
	if (poller->epoll_fd >= 0)
		close(poller->epoll_fd);
	bpf_free_ringbuf(poller->ring);
	poller->epoll_fd = -1;
	poller->ring = NULL;
}
