/* One line of a tracefs trace_pipe, as the kernel prints a
 * bpf_trace_printk event: which thread, when, and the text after our tag. */
#ifndef ST_PRINTK_LINE_H
#define ST_PRINTK_LINE_H

#include <stddef.h>
#include <stdint.h>

enum printk_line_kind {
	PRINTK_LINE_OURS,     /* a bpf_trace_printk line that starts with the tag */
	PRINTK_LINE_FOREIGN,  /* a trace line of some other writer (no tag, other event) */
	PRINTK_LINE_LOST,     /* "CPU:N [LOST M EVENTS]": the ring buffer overran */
	PRINTK_LINE_UNPARSED, /* no trace header: the rest of a text holding "\n" */
};

struct printk_line {
	enum printk_line_kind kind;
	uint32_t tid;      /* OURS, FOREIGN: the writing thread ("comm-TID") */
	uint64_t ts_ns;    /* OURS, FOREIGN: the trace clock's time, in ns */
	const char *text;  /* OURS: the text after the tag, in the line given */
	size_t text_len;   /* OURS: its length, without the line's end */
	uint64_t lost;     /* LOST: events the kernel dropped */
	int cpu;           /* LOST: the CPU whose buffer dropped them */
};

/*
 * Parses one line (without its '\n') of trace_pipe in the kernel's default
 * format: "%16s-%-7d [%03d] FLAGS SECONDS.USEC: bpf_trace_printk: TEXT", the
 * optional "(TGID)" and the FLAGS column (the irq-info option) allowed. tag
 * is the text our program's lines start with; the parse never reads past
 * len, nor trusts anything after the header (the text is whatever a BPF
 * program wrote).
 */
void printk_line_parse(const char *line, size_t len, const char *tag, struct printk_line *out);

#endif
