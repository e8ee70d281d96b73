/*
 * A latency distribution in bounded memory: log-linear buckets, 16 to
 * each power of two of nanoseconds. A percentile is its bucket's middle,
 * so it is within 1/32 (3.2 %) of a value the distribution holds, at any
 * scale from a microsecond to minutes; min and max are exact. No library
 * in Debian does this for C (HdrHistogram's C port is not packaged).
 */
#ifndef ST_LATENCY_HISTOGRAM_H
#define ST_LATENCY_HISTOGRAM_H

#include <stdint.h>

#include "base/strbuf.h"

#define LATENCY_SUB_BITS 4
#define LATENCY_SUBS (1u << LATENCY_SUB_BITS)
/* Below 2^LATENCY_SUB_BITS ns each value has its own bucket; above, each
 * power of two from 2^4 to 2^63 has LATENCY_SUBS. */
#define LATENCY_BUCKETS ((64 - LATENCY_SUB_BITS + 1) * LATENCY_SUBS)

struct latency_histogram {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint32_t buckets[LATENCY_BUCKETS];
};

void latency_histogram_add(struct latency_histogram *histogram, uint64_t ns);

/* The q-quantile (0 < q <= 1) in ns: the middle of the bucket that holds
 * the value of rank ceil(q * count), kept within [min, max]; 0 if empty. */
uint64_t latency_histogram_quantile(const struct latency_histogram *histogram, double q);

/* The distribution by powers of two of microseconds, bcc's way:
 *      usecs          : count    distribution
 *        64 -> 127    : 12       |*****              |
 * each line led by indent; empty ranges at either end left out. */
void latency_histogram_draw(struct strbuf *out, const struct latency_histogram *histogram,
			    const char *indent);

#endif
