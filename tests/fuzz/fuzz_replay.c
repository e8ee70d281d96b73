/*
 * libFuzzer harness for --replay: the input is a recording file (record.h)
 * as hostile as it comes, read through replay_stream as --replay reads one:
 * the header checks, every record's length and payload checks, and the
 * session behind them with the recording's answers to its questions. Each
 * input runs twice, human then JSON; the output goes to a memfd. The seeds
 * are the golden recordings (tests/golden/recordings).
 *
 * A rejected file is one line on stderr: ctest runs this with
 * -close_fd_mask=2 to keep them out of the log.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "recording/replay.h"

static int out_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	out_fd = memfd_create("fuzz_replay", 0);
	if (out_fd < 0)
		abort();
	return 0;
}

static void replay_once(const uint8_t *data, size_t size, bool json)
{
	struct options opts = { .json = json, .data_chars = 64 };
	FILE *in = fmemopen((void *)data, size, "r");

	if (!in || lseek(out_fd, 0, SEEK_SET) || ftruncate(out_fd, 0))
		abort();
	replay_stream(in, "fuzz", &opts, out_fd, NULL, json);
	fclose(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0; /* fmemopen refuses a size of 0 */
	replay_once(data, size, false);
	replay_once(data, size, true);
	return 0;
}
