/* Command-line options. */
#ifndef ST_OPTIONS_H
#define ST_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics/metrics_server.h"
#include "state/selection.h"
#include "stats/stats_report.h"

#define OPTIONS_MAX_PIDS 64
#define OPTIONS_MAX_COMMS 64
#define OPTIONS_MAX_DEFINES 64
/* Characters of one -D NAME[=VALUE]: longer ones are refused, not cut. The
 * compile flag "-D" NAME[=VALUE] must fit in bpf_program.c's flag buffer,
 * which asserts it. */
#define OPTIONS_DEFINE_LEN_MAX 4096

/* --data-chars default: as many as fit the line (output.h's
 * OUTPUT_DATA_CHARS_FIT). */
#define OPTIONS_DATA_CHARS_FIT UINT32_MAX

enum options_colour {
	COLOUR_AUTO, /* stdout a terminal and NO_COLOR unset */
	COLOUR_ALWAYS,
	COLOUR_NEVER,
};

enum options_action {
	ACTION_TRACE,
	ACTION_HELP,
	ACTION_VERSION,
	ACTION_DUMP_BPF,
};

struct options {
	enum options_action action;
	uint32_t pids[OPTIONS_MAX_PIDS];
	int n_pids;
	char comms[OPTIONS_MAX_COMMS][16];
	int n_comms;
	bool no_follow;          /* -p: not the processes it forks */
	struct selection select; /* --port, --remote, --tcp, --udp, --unix */
	double duration_s;       /* 0: until Ctrl-C */
	uint64_t max_events;     /* 0: unlimited */
	bool json;
	bool json_b64;
	bool verbose;
	bool quiet;              /* no status lines nor summary: events and errors */
	enum options_colour colour;
	bool no_data;
	bool ring_buffer;        /* one BPF ring buffer, not per-CPU perf buffers */
	bool debug;              /* print the program's bpf_trace_printk lines */
	bool hex;
	uint32_t data_size;      /* payload bytes captured per data event */
	uint32_t data_chars;     /* payload characters in a human line */
	const char *bpf_file;    /* NULL: the embedded program */
	const char *defines[OPTIONS_MAX_DEFINES];
	int n_defines;
	const char *kernel_headers;
	bool exchanges_only;     /* print exchanges, not the events behind them */
	uint32_t protocols;      /* --protocol: bit (1 << protocol_number); 0 all */
	bool show_secrets;       /* credentials shown, not masked */
	bool no_tls;             /* no TLS plaintext capture (no uprobes) */
	bool show_ciphertext;    /* print the records of plaintext-captured TLS connections */
	const char *record_file; /* --record: the raw event stream written there */
	const char *replay_file; /* --replay: a recording printed, no tracing */
	const char *write_file;  /* -w: pcapng written there ("-": stdout, no lines) */
	bool stats;              /* --stats: a table of exchanges instead of lines */
	double stats_interval_s; /* its refresh */
	enum stats_sort stats_sort;
	bool stats_sorted;       /* --sort given */
	bool stats_histogram;    /* each row's latency distribution drawn */
	struct metrics_address metrics; /* --metrics ADDR:PORT; len 0: none */
	uint32_t metrics_series;  /* --metrics-series: label sets a family keeps */
};

/* Parses argv into opts. Returns 0, or -EINVAL after printing a usage error.
 * A -D naming a macro socket-tracer sets or relies on (ST_*, except the
 * tunables ST_RING_PAGES and ST_RING_WAKEUP_EVENTS) is a usage error, and
 * so is --replay with an option that only shapes a capture (-p, -c,
 * --no-data, --data-size, the BPF program's options, -d, --record), and
 * so are options that together could print nothing (--exchanges-only or
 * --protocol with --no-data) or ask what the format has not (--hex with
 * --json or --no-data, --json-b64 with --no-data), and so is -w - with
 * stdout a terminal. */
int options_parse(int argc, char **argv, struct options *opts);

/* A usage error (-EINVAL, printed) for a -p pid no process has. */
int options_pids_check(const struct options *opts);

/* Prints --help text to stdout. */
void options_print_help(void);

#endif
