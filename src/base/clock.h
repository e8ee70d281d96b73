/* The one clock the tracer measures with: CLOCK_MONOTONIC, the clock of
 * the BPF program's bpf_ktime_get_ns() timestamps. */
#ifndef ST_CLOCK_H
#define ST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec;
}

#endif
