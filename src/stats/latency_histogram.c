#include "stats/latency_histogram.h"

#include <inttypes.h>
#include <math.h>

static unsigned bucket_of(uint64_t ns)
{
	if (ns < LATENCY_SUBS)
		return (unsigned)ns;
	unsigned msb = 63 - (unsigned)__builtin_clzll(ns);
	unsigned sub = (unsigned)(ns >> (msb - LATENCY_SUB_BITS)) & (LATENCY_SUBS - 1);

	return (msb - LATENCY_SUB_BITS + 1) * LATENCY_SUBS + sub;
}

/* The bucket's first value and its width. */
static void bucket_range(unsigned bucket, uint64_t *low, uint64_t *width)
{
	if (bucket < LATENCY_SUBS) {
		*low = bucket;
		*width = 1;
		return;
	}
	unsigned msb = bucket / LATENCY_SUBS + LATENCY_SUB_BITS - 1;
	unsigned sub = bucket % LATENCY_SUBS;

	*width = 1ull << (msb - LATENCY_SUB_BITS);
	*low = (1ull << msb) + sub * *width;
}

void latency_histogram_add(struct latency_histogram *histogram, uint64_t ns)
{
	if (!histogram->count || ns < histogram->min_ns)
		histogram->min_ns = ns;
	if (ns > histogram->max_ns)
		histogram->max_ns = ns;
	histogram->count++;
	histogram->sum_ns += ns;
	histogram->buckets[bucket_of(ns)]++;
}

uint64_t latency_histogram_quantile(const struct latency_histogram *histogram, double q)
{
	if (!histogram->count)
		return 0;
	uint64_t rank = (uint64_t)ceil(q * (double)histogram->count);
	uint64_t seen = 0, low, width, middle;

	if (rank < 1)
		rank = 1;
	if (rank >= histogram->count)
		return histogram->max_ns;
	for (unsigned bucket = 0; bucket < LATENCY_BUCKETS; bucket++) {
		seen += histogram->buckets[bucket];
		if (seen < rank)
			continue;
		bucket_range(bucket, &low, &width);
		middle = low + width / 2;
		if (middle < histogram->min_ns)
			return histogram->min_ns;
		return middle > histogram->max_ns ? histogram->max_ns : middle;
	}
	return histogram->max_ns;
}

#define BAR_WIDTH 40

void latency_histogram_draw(struct strbuf *out, const struct latency_histogram *histogram,
			    const char *indent)
{
	/* by powers of two of microseconds: [0,1), [1,2), [2,4) ... */
	uint64_t ranges[65] = { 0 }, peak = 0;
	int first = -1, last = -1;

	for (unsigned bucket = 0; bucket < LATENCY_BUCKETS; bucket++) {
		uint64_t low, width;

		if (!histogram->buckets[bucket])
			continue;
		bucket_range(bucket, &low, &width);
		uint64_t us = low / 1000;
		int range = us ? 64 - __builtin_clzll(us) : 0;

		ranges[range] += histogram->buckets[bucket];
	}
	for (int range = 0; range < 65; range++) {
		if (!ranges[range])
			continue;
		if (first < 0)
			first = range;
		last = range;
		if (ranges[range] > peak)
			peak = ranges[range];
	}
	strbuf_printf(out, "%s%-22s : %-8s %s\n", indent, "       usecs", "count", "distribution");
	for (int range = first; range >= 0 && range <= last; range++) {
		uint64_t from = range ? 1ull << (range - 1) : 0;
		uint64_t to = range ? (1ull << range) - 1 : 0;
		unsigned stars = (unsigned)((ranges[range] * BAR_WIDTH + peak - 1) / peak);

		strbuf_printf(out, "%s%10" PRIu64 " -> %-8" PRIu64 " : %-8" PRIu64 " |", indent,
			      from, to, ranges[range]);
		for (unsigned i = 0; i < BAR_WIDTH; i++)
			strbuf_putc(out, i < stars ? '*' : ' ');
		strbuf_puts(out, "|\n");
	}
}
