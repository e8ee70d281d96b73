/* Sixteen bytes tested at once, for the loops that see every byte of a
 * payload (GCC/clang vector extensions: SSE2 on x86_64). A caller builds
 * its test from lane-wise comparisons; each lane is all ones or zero. */
#ifndef ST_BYTE_SCAN_H
#define ST_BYTE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BYTE_SCAN_WIDTH 16

typedef uint8_t byte_lanes __attribute__((vector_size(BYTE_SCAN_WIDTH)));
typedef int8_t lane_mask __attribute__((vector_size(BYTE_SCAN_WIDTH)));

static inline byte_lanes byte_lanes_load(const uint8_t *p)
{
	byte_lanes lanes;

	memcpy(&lanes, p, sizeof(lanes));
	return lanes;
}

static inline bool lane_mask_any(lane_mask mask)
{
	uint64_t halves[2];

	memcpy(halves, &mask, sizeof(halves));
	return halves[0] | halves[1];
}

/* The index of the first lane set, BYTE_SCAN_WIDTH if none (x86_64 is
 * little-endian: lane 0 is the low byte of the first half). */
static inline size_t lane_mask_first(lane_mask mask)
{
	uint64_t halves[2];

	memcpy(halves, &mask, sizeof(halves));
	if (halves[0])
		return __builtin_ctzll(halves[0]) / 8;
	if (halves[1])
		return 8 + __builtin_ctzll(halves[1]) / 8;
	return BYTE_SCAN_WIDTH;
}

#endif
