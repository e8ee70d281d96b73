/* Where output lines go: formatted in place into one buffer and written to
 * a file descriptor with write(2), without stdio's extra copy. A terminal
 * gets each poll round at once; a file or pipe gets large writes, held at
 * most WRITER_HOLD_MS so `tail -f` still follows. Large writes also matter
 * to the file system: ext4 zeroes the rest of a new folio on every write
 * that ends inside it, so small appends pay that again and again. */
#ifndef ST_WRITER_H
#define ST_WRITER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#ifndef WRITER_CHUNK /* the pipeline fuzzer's is small */
#define WRITER_CHUNK (1u << 20)
#endif
#define WRITER_HOLD_MS 100
/* After a stop request, how long a stalled reader may keep the last
 * lines waiting before they are given up. */
#define WRITER_STOP_GRACE_MS 500
/* While a write is under way after writer_stop_on, SIGALRM interrupts it
 * this often, so a stop request is seen even when the reader never drains. */
#define WRITER_STOP_CHECK_MS 100

struct writer {
	int fd;
	char *buf;          /* WRITER_CHUNK + line_max + 1 bytes */
	size_t len;         /* bytes held */
	size_t line_max;    /* the room each line is given */
	bool terminal;      /* fd is a terminal: no holding */
	uint64_t held_since_ns; /* CLOCK_MONOTONIC of the oldest held byte */
	bool closed;        /* the reader went away (EPIPE) */
	int error;          /* the first write error but EPIPE, as -errno */
	const volatile sig_atomic_t *stop; /* set: a stop was requested */
	uint64_t stop_seen_ns; /* CLOCK_MONOTONIC when a write first saw it */
	uint64_t abandoned; /* bytes given up for a reader stalled past the grace */
};

int writer_open(struct writer *writer, int fd, size_t line_max);

/* Makes writes give up WRITER_STOP_GRACE_MS after *stop is set, even when
 * the reader takes nothing: installs a SIGALRM handler (without
 * SA_RESTART) that a timer fires during each write. */
void writer_stop_on(struct writer *writer, const volatile sig_atomic_t *stop);
void writer_close(struct writer *writer);

/* A strbuf over the free room, line_max bytes; writer_line_end keeps
 * what was formatted into it. */
struct strbuf writer_line_begin(struct writer *writer);
void writer_line_end(struct writer *writer, const struct strbuf *line);

/* Writes what is held: always (force), or when the fd is a terminal or
 * the oldest held byte is WRITER_HOLD_MS old. First notes a reader gone
 * (POLLERR or POLLHUP on the fd), even with nothing held: then it writes
 * nothing more. Returns 0 or -errno (-EPIPE: the reader is gone). */
int writer_flush(struct writer *writer, bool force);

#endif
