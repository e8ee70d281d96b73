#include "transport/perf_poller.h"

#include "base/clock.h"

#include <bcc/libbpf.h>
#include <bcc/perf_reader.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

/* The kernel wakes the reader once per this many samples instead of once
 * per sample: waking is most of a traced syscall's cost. A quiet buffer is
 * read when the poll times out. */
#define PERF_WAKEUP_EVENTS 64
#define LOST_REPORT_INTERVAL_MS 1000

static void sample_received(void *cookie, void *raw, int size)
{
	struct perf_poller_cookie *c = cookie;

	c->poller->on_sample(c->poller->ctx, raw, size);
}

static uint64_t monotonic_ms(void)
{
	return clock_monotonic_ns() / 1000000;
}

/* Counted here, reported by losses_report after the poll that read them. */
static void samples_lost(void *cookie, uint64_t lost)
{
	struct perf_poller_cookie *c = cookie;
	struct perf_poller *poller = c->poller;

	poller->lost_by_cpu[c->cpu] += lost;
	poller->lost_total += lost;
	poller->lost_unreported[c->cpu] += lost;
}

/* At most one line per CPU a second: under overload the kernel sends a lost
 * record every few samples. What that second held back goes out at the first
 * poll after it, lost records or not, so the lines add up to every loss the
 * kernel has reported, at most a second late. */
static void losses_report(struct perf_poller *poller)
{
	uint64_t now = monotonic_ms();

	for (int i = 0; i < poller->count; i++) {
		int cpu = poller->cookies[i].cpu;

		if (!poller->lost_unreported[cpu] ||
		    now - poller->lost_reported_ms[cpu] < LOST_REPORT_INTERVAL_MS)
			continue;
		log_error("lost %" PRIu64 " samples on CPU %d (perf buffer full; %" PRIu64
			  " so far)",
			  poller->lost_unreported[cpu], cpu, poller->lost_by_cpu[cpu]);
		poller->lost_unreported[cpu] = 0;
		poller->lost_reported_ms[cpu] = now;
	}
}

int perf_poller_open(struct perf_poller *poller, int events_fd, int page_count,
		     perf_sample_fn on_sample, void *ctx)
{
	bool online[CPUS_MAX];
	int limit = cpus_read("online", online);

	memset(poller, 0, sizeof(*poller));
	poller->on_sample = on_sample;
	poller->ctx = ctx;
	if (limit < 0) {
		log_error("cannot read the online CPUs: %s", strerror(-limit));
		return limit;
	}
	for (int cpu = 0; cpu < limit; cpu++) {
		struct bcc_perf_buffer_opts opts = {
			.pid = -1,
			.cpu = cpu,
			.wakeup_events = PERF_WAKEUP_EVENTS,
		};
		struct perf_poller_cookie *cookie = &poller->cookies[poller->count];
		struct perf_reader *reader;
		int fd;

		if (!online[cpu])
			continue;
		cookie->poller = poller;
		cookie->cpu = cpu;
		reader = bpf_open_perf_buffer_opts(sample_received, samples_lost, cookie, page_count,
						   &opts);
		if (!reader) {
			int err = errno ? -errno : -EINVAL;
			log_error("failed to open the perf buffer of CPU %d: %s", cpu, strerror(-err));
			perf_poller_close(poller);
			return err;
		}
		poller->readers[poller->count++] = reader;
		fd = perf_reader_fd(reader);
		if (bpf_update_elem(events_fd, &cpu, &fd, 0)) {
			int err = -errno;
			log_error("failed to register the perf buffer of CPU %d: %s", cpu,
				  strerror(-err));
			perf_poller_close(poller);
			return err;
		}
	}
	return 0;
}

int perf_poller_poll(struct perf_poller *poller, int timeout_ms)
{
	if (perf_reader_poll(poller->count, poller->readers, timeout_ms) < 0 && errno != EINTR) {
		int err = -errno;
		log_error("polling the perf buffers failed: %s", strerror(-err));
		return err;
	}
	/* Fewer than PERF_WAKEUP_EVENTS samples wake nobody: read them anyway. */
	perf_reader_consume(poller->count, poller->readers);
	losses_report(poller);
	return 0;
}

void perf_poller_close(struct perf_poller *poller)
{
	for (int i = 0; i < poller->count; i++)
		perf_reader_free(poller->readers[i]);
	poller->count = 0;
}
