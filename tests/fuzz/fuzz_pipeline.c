/*
 * libFuzzer harness for the whole userspace pipeline. The input is a
 * sequence of raw perf samples (pipeline_input.h), handed to session_sample
 * and session_flush as the perf poller hands them over, so event_decode,
 * the connection table, stream reassembly and pairing with every decoder,
 * and the human and JSON formats all run on hostile samples. Each input runs
 * twice, human then JSON. The output goes to a memfd and is checked after
 * each run: every traced byte is escaped, so it holds no control character
 * but LF.
 *
 * A malformed sample is reported on stderr (the first few of each session):
 * ctest runs this with -close_fd_mask=2 to keep them out of the log.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pipeline_input.h"
#include "session.h"

static int out_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	out_fd = memfd_create("fuzz_pipeline", 0);
	if (out_fd < 0)
		abort();
	return 0;
}

/* A C0 control, DEL, or a C1 control encoded in UTF-8: any of them could
 * drive a terminal, or break a JSON parser. */
static void output_check(void)
{
	static uint8_t chunk[1 << 16];
	off_t size = lseek(out_fd, 0, SEEK_CUR);
	uint8_t prev = 0;

	for (off_t off = 0; off < size;) {
		ssize_t n = pread(out_fd, chunk, sizeof(chunk), off);
		if (n <= 0)
			abort();
		for (ssize_t i = 0; i < n; i++) {
			uint8_t byte = chunk[i];
			if ((byte < 0x20 && byte != '\n') || byte == 0x7f ||
			    (prev == 0xc2 && byte >= 0x80 && byte <= 0x9f)) {
				fprintf(stderr, "fuzz_pipeline: byte 0x%02x at output offset %lld\n",
					byte, (long long)(off + i));
				abort();
			}
			prev = byte;
		}
		off += n;
	}
}

static void pipeline_run(const uint8_t *data, size_t size, bool json)
{
	struct options opts = {
		.json = json,
		.json_b64 = data[0] & PIPELINE_JSON_B64,
		.hex = data[0] & PIPELINE_HEX,
		.exchanges_only = data[0] & PIPELINE_EXCHANGES_ONLY,
		.max_events = data[0] & PIPELINE_MAX_EVENTS ? PIPELINE_MAX_EVENTS_N : 0,
		.data_chars = data[1],
		/* What --protocol can set: known protocols only. */
		.protocols = data[2] & ((1u << (protocol_count + 1)) - 2),
	};
	struct session session;
	size_t off = PIPELINE_HEADER_SIZE;

	if (lseek(out_fd, 0, SEEK_SET) || ftruncate(out_fd, 0) || session_init(&session, &opts, out_fd))
		abort();
	/* Wall time is then the sample's own timestamp: the fuzzer picks it,
	 * and a crash does not depend on when it ran. */
	session.mono_to_wall_ns = 0;
	if (!json)
		session_print_header(&session);
	while (size - off >= PIPELINE_LENGTH_SIZE) {
		size_t n = data[off] | (size_t)data[off + 1] << 8;

		off += PIPELINE_LENGTH_SIZE;
		if (!n) {
			session_flush(&session, false);
			continue;
		}
		if (n > size - off)
			n = size - off;
		/* An exact-size copy, so ASan sees a read past the sample. */
		uint8_t *sample = malloc(n);
		memcpy(sample, data + off, n);
		session_sample(&session, sample, (int)n);
		free(sample);
		off += n;
	}
	session_flush(&session, true);
	session_free(&session);
	output_check();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < PIPELINE_HEADER_SIZE)
		return 0;
	pipeline_run(data, size, false);
	pipeline_run(data, size, true);
	return 0;
}
