/* --replay FILE: a recording (record.h) fed through the session as the
 * live trace fed it, without root, tracefs, BPF or bcc. */
#ifndef ST_REPLAY_H
#define ST_REPLAY_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "options.h"

/* Replays opts->replay_file: the same lines on stdout as the trace that
 * recorded it printed, with opts' output options (--json, --protocol,
 * --exchanges-only, -n, ...); then the exit summary on stderr. A file that
 * is not a recording, one of another layout, or one truncated or corrupt,
 * is one line on stderr naming the offset (what came before it is
 * printed). Returns the exit status: 0, or 1. */
int replay_run(const struct options *opts, const volatile sig_atomic_t *stop);

/* The same from an open stream named name, writing the events to out_fd;
 * the summary on stderr when summary is set. For replay_run and the
 * fuzzer. stop may be NULL. */
int replay_stream(FILE *in, const char *name, const struct options *opts, int out_fd,
		  const volatile sig_atomic_t *stop, bool summary);

#endif
