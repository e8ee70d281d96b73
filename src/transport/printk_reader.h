/* --debug: the bpf_trace_printk lines of our BPF program, read from a
 * tracefs instance of our own and printed on stderr. */
#ifndef ST_PRINTK_READER_H
#define ST_PRINTK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "st" and 8 hex digits, a space, the NUL. */
#define PRINTK_TAG_SIZE 12
/* Longest line kept whole: bpf_trace_printk writes at most 1024 bytes
 * (the kernel's BPF_TRACE_PRINTK_SIZE), the header adds under 100. */
#define PRINTK_READER_LINE_MAX 4096
/* Bytes read at once: a flood of lines is read in few calls. */
#define PRINTK_READER_BUFFER (64 * 1024)

struct printk_reader {
	int fd;                  /* the instance's trace_pipe; -1 when closed */
	char instance[64];       /* its directory under TRACEFS_DIR/instances; "" once removed */
	char tag[PRINTK_TAG_SIZE];
	int64_t mono_to_wall_ns; /* added to the trace's CLOCK_MONOTONIC times */
	char pending[PRINTK_READER_BUFFER]; /* what was read; its end may be a line's start */
	size_t pending_len;
	bool last_ours;          /* the last line was ours: a line without a header continues it */
	uint32_t last_tid;
	uint64_t last_ts_ns;
	uint64_t shown;          /* our lines printed */
	uint64_t lost;           /* lines the kernel said it dropped ([LOST N EVENTS]) */
	uint64_t lost_reported;  /* of those, already said */
	uint64_t reported_at_ns; /* CLOCK_MONOTONIC of that report */
	uint64_t foreign;        /* other writers' lines, left out */
};

/* A tag for this run, from getrandom(): every bpf_trace_printk format of
 * the program starts with it (src/loader/source_rewrite.h). */
void printk_tag_make(char tag[PRINTK_TAG_SIZE]);

/*
 * Creates TRACEFS_DIR/instances/socket-tracer-PID (first removing those of
 * socket-tracers no longer running), with the CLOCK_MONOTONIC trace clock
 * and the bpf_trace_printk event enabled and filtered in the kernel to
 * lines starting with tag, and opens its trace_pipe. Returns 0 or a
 * negative errno after printing why (and removing the instance).
 */
int printk_reader_open(struct printk_reader *reader, const char *tag, int64_t mono_to_wall_ns,
		       bool verbose);

/* Prints every line of ours that is there, without waiting:
 * "debug: HH:MM:SS.uuuuuu TID: TEXT" on stderr, TEXT escaped; reports
 * lines the kernel dropped, at most once a second. */
void printk_reader_drain(struct printk_reader *reader);

/* Drains, closes and removes the instance; says how many lines were lost,
 * if any. Safe on a reader whose open failed, and twice. */
void printk_reader_close(struct printk_reader *reader);

#endif
