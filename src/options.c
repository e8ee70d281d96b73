#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocols/protocol.h"
#include "base/log.h"
#include "events/socket_tracer_abi.h"
#include "state/selection.h"

/* --help fits an 80-column terminal; options' texts start at this column. */
#define HELP_WIDTH 79
#define HELP_OPTION_INDENT 27

enum long_only_option {
	OPT_JSON = 256,
	OPT_JSON_B64,
	OPT_BPF,
	OPT_DUMP_BPF,
	OPT_KERNEL_HEADERS,
	OPT_NO_DATA,
	OPT_DATA_SIZE,
	OPT_DATA_CHARS,
	OPT_VERSION,
	OPT_EXCHANGES_ONLY,
	OPT_PROTOCOL,
	OPT_RING_BUFFER,
	OPT_SHOW_SECRETS,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_NO_TLS,
	OPT_SHOW_CIPHERTEXT,
	OPT_COLOR,
	OPT_STATS,
	OPT_SORT,
	OPT_HISTOGRAM,
	OPT_DEBUG,
	OPT_PORT,
	OPT_REMOTE,
	OPT_TCP,
	OPT_UDP,
	OPT_UNIX,
	OPT_NO_FOLLOW,
	OPT_METRICS,
	OPT_METRICS_SERIES,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "unix", no_argument, NULL, OPT_UNIX },
	{ "duration", required_argument, NULL, 'd' },
	{ "max-events", required_argument, NULL, 'n' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "json-b64", no_argument, NULL, OPT_JSON_B64 },
	{ "verbose", no_argument, NULL, 'v' },
	{ "hex", no_argument, NULL, 'x' },
	{ "no-data", no_argument, NULL, OPT_NO_DATA },
	{ "data-size", required_argument, NULL, OPT_DATA_SIZE },
	{ "data-chars", required_argument, NULL, OPT_DATA_CHARS },
	{ "bpf", required_argument, NULL, OPT_BPF },
	{ "dump-bpf", no_argument, NULL, OPT_DUMP_BPF },
	{ "define", required_argument, NULL, 'D' },
	{ "kernel-headers", required_argument, NULL, OPT_KERNEL_HEADERS },
	{ "ring-buffer", no_argument, NULL, OPT_RING_BUFFER },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "exchanges-only", no_argument, NULL, OPT_EXCHANGES_ONLY },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "show-secrets", no_argument, NULL, OPT_SHOW_SECRETS },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "no-tls", no_argument, NULL, OPT_NO_TLS },
	{ "show-ciphertext", no_argument, NULL, OPT_SHOW_CIPHERTEXT },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "histogram", no_argument, NULL, OPT_HISTOGRAM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "write", required_argument, NULL, 'w' },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "metrics-series", required_argument, NULL, OPT_METRICS_SERIES },
	{ NULL, 0, NULL, 0 },
};

/* Prints a ", "-separated list after the text ending at column, broken
 * after its commas so that no line is wider than HELP_WIDTH, continued at
 * indent. */
static void help_list_print(const char *list, int column, int indent)
{
	const char *item = list;

	while (*item) {
		const char *comma = strchr(item, ',');
		int len = comma ? (int)(comma - item) + 1 : (int)strlen(item);

		if (column + 1 + len > HELP_WIDTH) {
			printf("\n%*s", indent, "");
			column = indent;
		} else {
			putchar(' ');
			column++;
		}
		printf("%.*s", len, item);
		column += len;
		item += len;
		while (*item == ' ')
			item++;
	}
	putchar('\n');
}

void options_print_help(void)
{
	char names[256], columns[128];

	protocol_names_list(names, sizeof(names));
	columns[0] = '\0';
	for (int i = 0; i < SORT_NR; i++)
		snprintf(columns + strlen(columns), sizeof(columns) - strlen(columns), "%s%s",
			 i ? ", " : "", stats_sort_names[i]);
	columns[0] = '\0';
	for (int i = 0; i < SORT_NR; i++)
		snprintf(columns + strlen(columns), sizeof(columns) - strlen(columns), "%s%s",
			 i ? ", " : "", stats_sort_names[i]);
	printf("Usage: socket-tracer [OPTION]...\n"
	       "Trace what every process says over its sockets.\n"
	       "\n"
	       "Selection (each option repeatable; -p and -c select the processes either\n"
	       "names, the others what all of them name; [k] in the kernel, [u] in\n"
	       "userspace):\n"
	       "  -p, --pid PID            [k] this process and the processes it forks\n"
	       "      --no-follow          [k] with -p: not the processes it forks\n"
	       "  -c, --comm NAME          [k] processes with this comm (15 characters)\n"
	       "      --port PORT          [u] connections with this local or remote port\n"
	       "      --remote ADDR[/LEN]  [u] connections to or from this IPv4 or IPv6\n"
	       "                           address, or block of LEN leading bits\n"
	       "      --tcp, --udp, --unix [k, u] sockets of this kind (TCP: IP stream; UDP:\n"
	       "                           IP datagram; unix: AF_UNIX of any type)\n"
	       "      --no-data            connections only: no data probes (nor TLS ones)\n"
	       "      --no-tls             no TLS plaintext capture (no uprobes on TLS code)\n"
	       "\n"
	       "Output:\n"
	       "      --json               one JSON object per line\n"
	       "      --json-b64           with --json: add data_b64, the exact captured bytes\n"
	       "  -x, --hex                hex + ASCII dump of captured bytes under each line\n"
	       "      --data-size BYTES    bytes captured per event (default 4096, max %d)\n"
	       "      --data-chars N       payload characters shown per line (default: as\n"
	       "                           many as fit the terminal's width, else 120)\n"
	       "      --color WHEN         colour human lines: auto (stdout a terminal and\n"
	       "                           NO_COLOR unset; the default), always, never\n"
	       "      --show-secrets       show credentials (Authorization, Cookie, Redis AUTH,\n"
	       "                           PostgreSQL passwords) instead of masking them\n"
	       "      --show-ciphertext    also print the TLS records of connections whose\n"
	       "                           plaintext is captured (counted either way)\n"
	       "  -q, --quiet              print only events and errors on stderr, no status\n"
	       "                           lines nor summary; with --metrics, not the events\n"
	       "  -v, --verbose            print the compile flags, the include directories\n"
	       "                           searched, each attached probe and the TLS libraries\n"
	       "                           and programs probed\n"
	       "\n"
	       "Protocols (decoded into request/response exchanges):\n"
	       "      --exchanges-only     print request/response exchanges only\n"
	       "      --protocol NAME      only this protocol's exchanges and events\n"
	       "                           (repeatable, any case):",
	       ST_DATA_MAX);
	help_list_print(names, HELP_OPTION_INDENT + (int)strlen("(repeatable, any case):"),
			HELP_OPTION_INDENT);
	printf("\n"
	       "Statistics:\n"
	       "      --stats[=SECONDS]    instead of lines, a table of the exchanges by\n"
	       "                           protocol, side, remote and endpoint: counts,\n"
	       "                           errors, latency percentiles, bytes; refreshed every\n"
	       "                           SECONDS (default 2), and once more at the end;\n"
	       "                           with --json, one object per table\n"
	       "      --sort COLUMN        with --stats: rows by this column, largest first:\n"
	       "                          ");
	help_list_print(columns, HELP_OPTION_INDENT - 1, HELP_OPTION_INDENT);
	printf("      --histogram          with --stats: each row's latency distribution\n"
	       "                           drawn under it, by powers of two\n"
	       "\n"
	       "Metrics:\n"
	       "      --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	       "                           (ADDR numeric: 127.0.0.1, [::1]; 0.0.0.0 or [::]\n"
	       "                           for all); with -q they replace the event lines\n"
	       "      --metrics-series N   label sets per family (default %d, max %d);\n"
	       "                           the rest count as endpoint or remote \"(other)\"\n"
	       "\n"
	       "Wireshark:\n"
	       "  -w, --write FILE         also write the payloads as a pcapng capture to FILE\n"
	       "                           (mode 0600): synthesized TCP/UDP packets, TLS as\n"
	       "                           plaintext, a comment on each (pid, tid, comm, fd);\n"
	       "                           - for stdout; with - or -q, no lines\n"
	       "\n"
	       "Recording:\n"
	       "      --record FILE        also write the raw event stream to FILE (mode 0600;\n"
	       "                           it holds the captured payloads)\n"
	       "      --replay FILE        print a recording's events as the trace did, without\n"
	       "                           root or BPF; output, protocol and -n options apply,\n"
	       "                           the selection and BPF program's options do not\n"
	       "\n"
	       "Stopping:\n"
	       "  -d, --duration SECONDS   stop after this long\n"
	       "  -n, --max-events N       stop after N events\n"
	       "\n"
	       "BPF program:\n"
	       "      --bpf FILE           compile FILE instead of the embedded program\n"
	       "      --dump-bpf           print the embedded program and exit\n"
	       "  -D, --define NAME[=VAL]  a macro for the BPF compile (repeatable); names\n"
	       "                           starting ST_ are socket-tracer's, but for the\n"
	       "                           tunables ST_RING_PAGES and ST_RING_WAKEUP_EVENTS\n"
	       "      --kernel-headers DIR kernel headers for the BPF compile\n"
	       "      --ring-buffer        one BPF ring buffer instead of per-CPU perf buffers\n"
	       "      --debug              show the program's bpf_trace_printk lines on stderr\n"
	       "                           (\"debug: TIME TID: TEXT\"), no other program's\n"
	       "\n"
	       "  -h, --help               this help\n"
	       "      --version            version\n"
	       "\n"
	       "Exit status: 0 success, also when stdout's reader goes (| head); 1 runtime\n"
	       "error; 2 usage error.\n"
	       "\n"
	       "Examples:\n"
	       "  # one process, and the children it forks\n"
	       "  socket-tracer -p 1234\n"
	       "  # connections whose local or remote port is 6379\n"
	       "  socket-tracer --port 6379\n"
	       "  # requests paired with their responses, nothing else\n"
	       "  socket-tracer --exchanges-only\n"
	       "  # JSON to jq: each connection's totals, at its close\n"
	       "  socket-tracer --json | jq -c 'select(.event == \"close\")'\n"
	       "  # record what curl says, then print it again, without root\n"
	       "  socket-tracer --record curl.rec -c curl\n"
	       "  socket-tracer --replay curl.rec --exchanges-only\n"
	       "  # what curl says, in Wireshark\n"
	       "  socket-tracer -c curl -w - | wireshark -k -i -\n"
	       "  # edit the BPF program, run it, read its bpf_trace_printk lines\n"
	       "  socket-tracer --dump-bpf > my.bpf.c\n"
	       "  socket-tracer --bpf my.bpf.c --debug\n"
	       "  # no lines: Prometheus metrics on the loopback, port 9464\n"
	       "  socket-tracer --metrics 127.0.0.1:9464 -q\n"
	       "\n"
	       "More in socket-tracer(8).\n",
	       METRICS_SERIES_DEFAULT, METRICS_SERIES_MAX);
}

/* Parses a whole decimal number in [min, max]. */
static int number_parse(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long value;

	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end || value < min || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	char message[256];

	snprintf(message, sizeof(message), fmt, arg);
	log_error("%s (try --help)", message);
	return -EINVAL;
}

/* Macros that socket-tracer defines itself, and what sets them instead.
 * Userspace relies on their values (the decoder on ST_DATA_SIZE <= ST_DATA_MAX,
 * the filters on ST_PID_SELECTED matching the -p list), so no -D may
 * replace them. */
static const struct {
	const char *name;
	const char *instead;
} defines_set[] = {
	{ "ST_DATA_SIZE", "use --data-size" },
	{ "ST_NR_CPUS", "it is the number of possible CPUs" },
	{ "ST_FILTER_PID", "use --pid" },
	{ "ST_PID_SELECTED", "use --pid" },
	{ "ST_FILTER_COMM", "use --comm" },
	{ "ST_FOLLOW_FORKS", "it is -p without --no-follow" },
	{ "ST_SELECT_TYPES", "use --tcp, --udp, --unix" },
	{ "ST_RING_BUFFER", "use --ring-buffer" },
};

/* Largest ST_RING_PAGES: the ring map's size in bytes is 32 bits, so 2 GiB of
 * 4 KiB pages. */
#define RING_PAGES_TUNED_MAX (1u << 19)

static bool name_is(const char *name, size_t len, const char *macro)
{
	return strlen(macro) == len && !memcmp(name, macro, len);
}

/* Refuses a -D that is not NAME[=VALUE] (NAME a C identifier, or NAME(args)
 * for a function-like macro), that the compile flag cannot hold whole, or
 * whose NAME is socket-tracer's: every name starting ST_ (the limits and
 * enum values of socket_tracer.h, the switches userspace sets) except the
 * two tunables, which only size the ring buffer and its wakeups. */
static int define_check(const char *arg)
{
	size_t len = strlen(arg);
	size_t n = 0;
	uint64_t pages;

	if (len > OPTIONS_DEFINE_LEN_MAX) {
		log_error("-D %.16s...: %zu characters, the BPF compile takes at most %d", arg, len,
			  OPTIONS_DEFINE_LEN_MAX);
		return -EINVAL;
	}
	if (isalpha((unsigned char)*arg) || *arg == '_')
		while (isalnum((unsigned char)arg[n]) || arg[n] == '_')
			n++;
	if (!n || (arg[n] && arg[n] != '=' && arg[n] != '('))
		return usage_error("invalid --define '%s': NAME[=VALUE], NAME a C identifier",
				   arg);
	if (strncmp(arg, "ST_", 3) || name_is(arg, n, "ST_RING_WAKEUP_EVENTS"))
		return 0;
	if (name_is(arg, n, "ST_RING_PAGES")) {
		/* The kernel refuses a ring of any other size with only EINVAL. */
		if (arg[n] != '=' || number_parse(arg + n + 1, 1, RING_PAGES_TUNED_MAX, &pages) ||
		    (pages & (pages - 1))) {
			log_error("-D ST_RING_PAGES needs =PAGES, a power of two from 1 to %u",
				  RING_PAGES_TUNED_MAX);
			return -EINVAL;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(defines_set) / sizeof(defines_set[0]); i++) {
		if (name_is(arg, n, defines_set[i].name)) {
			log_error("-D %s: set by socket-tracer; %s", defines_set[i].name,
				  defines_set[i].instead);
			return -EINVAL;
		}
	}
	log_error("-D %.*s: reserved (names starting ST_ are socket-tracer's; the tunables are "
		  "ST_RING_PAGES and ST_RING_WAKEUP_EVENTS)",
		  (int)n, arg);
	return -EINVAL;
}

static int option_apply(int opt, const char *arg, struct options *opts)
{
	uint64_t value;
	char *end;
	int err;

	switch (opt) {
	case 'h':
		opts->action = ACTION_HELP;
		return 0;
	case OPT_VERSION:
		opts->action = ACTION_VERSION;
		return 0;
	case OPT_DUMP_BPF:
		opts->action = ACTION_DUMP_BPF;
		return 0;
	case 'p':
		if (number_parse(arg, 1, 0x7fffffff, &value))
			return usage_error("invalid pid '%s'", arg);
		if (opts->n_pids == OPTIONS_MAX_PIDS)
			return usage_error("too many --pid options (max %s)", "64");
		opts->pids[opts->n_pids++] = value;
		return 0;
	case 'c':
		if (!*arg)
			return usage_error("invalid comm '%s': 1 to 15 characters", arg);
		if (strlen(arg) > ST_COMM_LEN - 1)
			fprintf(stderr, "socket-tracer: note: --comm '%s' cut to the kernel's %d "
				"characters: '%.*s'\n", arg, ST_COMM_LEN - 1, ST_COMM_LEN - 1, arg);
		if (opts->n_comms == OPTIONS_MAX_COMMS)
			return usage_error("too many --comm options (max %s)", "64");
		strncpy(opts->comms[opts->n_comms++], arg, 15);
		return 0;
	case 'd':
		errno = 0;
		opts->duration_s = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(opts->duration_s) ||
		    opts->duration_s <= 0 || opts->duration_s > 1e9)
			return usage_error("invalid duration '%s': seconds > 0", arg);
		return 0;
	case OPT_STATS:
		opts->stats = true;
		if (!arg)
			return 0;
		errno = 0;
		opts->stats_interval_s = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(opts->stats_interval_s) ||
		    opts->stats_interval_s < 0.1 || opts->stats_interval_s > 86400)
			return usage_error("invalid --stats interval '%s': seconds from 0.1 to 86400",
					   arg);
		return 0;
	case OPT_SORT:
		if (stats_sort_parse(arg, &opts->stats_sort))
			return usage_error("--sort %s: no such column (see --help)", arg);
		opts->stats_sorted = true;
		return 0;
	case OPT_HISTOGRAM:
		opts->stats_histogram = true;
		return 0;
	case 'n':
		if (number_parse(arg, 1, UINT64_MAX, &opts->max_events))
			return usage_error("invalid event count '%s'", arg);
		return 0;
	case OPT_JSON:
		opts->json = true;
		return 0;
	case OPT_JSON_B64:
		opts->json_b64 = true;
		return 0;
	case 'v':
		opts->verbose = true;
		return 0;
	case 'x':
		opts->hex = true;
		return 0;
	case 'q':
		opts->quiet = true;
		return 0;
	case OPT_COLOR:
		if (!strcmp(arg, "auto"))
			opts->colour = COLOUR_AUTO;
		else if (!strcmp(arg, "always"))
			opts->colour = COLOUR_ALWAYS;
		else if (!strcmp(arg, "never"))
			opts->colour = COLOUR_NEVER;
		else
			return usage_error("invalid --color '%s': auto, always or never", arg);
		return 0;
	case OPT_NO_DATA:
		opts->no_data = true;
		return 0;
	case OPT_NO_FOLLOW:
		opts->no_follow = true;
		return 0;
	case OPT_PORT:
		err = selection_port_add(&opts->select, arg);
		if (err == -E2BIG)
			return usage_error("too many --port options (max %s)", "64");
		if (err)
			return usage_error("invalid port '%s': 1 to 65535", arg);
		return 0;
	case OPT_REMOTE:
		err = selection_remote_add(&opts->select, arg);
		if (err == -E2BIG)
			return usage_error("too many --remote options (max %s)", "64");
		if (err)
			return usage_error("invalid --remote '%s': an IPv4 or IPv6 address, "
					   "optionally /PREFIX",
					   arg);
		return 0;
	case OPT_TCP:
	case OPT_UDP:
	case OPT_UNIX:
		opts->select.kinds |= opt == OPT_TCP   ? ST_SELECT_TCP
				       : opt == OPT_UDP ? ST_SELECT_UDP
							: ST_SELECT_UNIX;
		return 0;
	case OPT_DATA_SIZE:
		if (number_parse(arg, 0, ST_DATA_MAX, &value))
			return usage_error("invalid --data-size '%s': 0 to 32768", arg);
		opts->data_size = value;
		return 0;
	case OPT_DATA_CHARS:
		if (number_parse(arg, 0, ST_DATA_MAX, &value))
			return usage_error("invalid --data-chars '%s': 0 to 32768", arg);
		opts->data_chars = value;
		return 0;
	case OPT_BPF:
		opts->bpf_file = arg;
		return 0;
	case 'D':
		if (opts->n_defines == OPTIONS_MAX_DEFINES)
			return usage_error("too many --define options (max %s)", "64");
		err = define_check(arg);
		if (err)
			return err;
		opts->defines[opts->n_defines++] = arg;
		return 0;
	case OPT_KERNEL_HEADERS:
		opts->kernel_headers = arg;
		return 0;
	case OPT_RING_BUFFER:
		opts->ring_buffer = true;
		return 0;
	case OPT_DEBUG:
		opts->debug = true;
		return 0;
	case OPT_EXCHANGES_ONLY:
		opts->exchanges_only = true;
		return 0;
	case OPT_SHOW_SECRETS:
		opts->show_secrets = true;
		return 0;
	case OPT_NO_TLS:
		opts->no_tls = true;
		return 0;
	case OPT_SHOW_CIPHERTEXT:
		opts->show_ciphertext = true;
		return 0;
	case OPT_RECORD:
		if (!*arg)
			return usage_error("%s needs a file name", "--record");
		opts->record_file = arg;
		return 0;
	case 'w':
		if (!*arg)
			return usage_error("%s needs a file name, or - for stdout", "--write");
		opts->write_file = arg;
		return 0;
	case OPT_REPLAY:
		if (!*arg)
			return usage_error("%s needs a file name", "--replay");
		opts->replay_file = arg;
		return 0;
	case OPT_METRICS:
		if (metrics_address_parse(arg, &opts->metrics))
			return usage_error("invalid --metrics '%s': ADDR:PORT, ADDR a numeric IPv4 "
					   "address or [IPv6] (0.0.0.0 or [::] for all), PORT 1 to "
					   "65535",
					   arg);
		return 0;
	case OPT_METRICS_SERIES:
		if (number_parse(arg, 1, METRICS_SERIES_MAX, &value))
			return usage_error("invalid --metrics-series '%s': 1 to 20000", arg);
		opts->metrics_series = value;
		return 0;
	case OPT_PROTOCOL:
	{
		const struct protocol *proto = protocol_by_name(arg);
		char names[256];

		if (proto) {
			opts->protocols |= 1u << protocol_number(proto);
			return 0;
		}
		protocol_names_list(names, sizeof(names));
		log_error("unknown protocol '%s': %s (try --help)", arg, names);
		return -EINVAL;
	}
	default:
		return -EINVAL;
	}
}

/* The options that shape a capture, which a replay cannot apply: the
 * recording holds what the trace captured, as it captured it. */
static const char *capture_option(int opt)
{
	switch (opt) {
	case 'p':
		return "--pid: a filter in the kernel, give it when recording";
	case 'c':
		return "--comm: a filter in the kernel, give it when recording";
	case OPT_NO_FOLLOW:
		return "--no-follow: give it with -p when recording";
	case OPT_PORT:
	case OPT_REMOTE:
	case OPT_TCP:
	case OPT_UDP:
	case OPT_UNIX:
		return "--port, --remote, --tcp, --udp, --unix: a live trace's selection";
	case OPT_NO_DATA:
		return "--no-data: give it when recording";
	case OPT_NO_TLS:
		return "--no-tls: give it when recording";
	case OPT_DATA_SIZE:
		return "--data-size: give it when recording";
	case OPT_BPF:
		return "--bpf";
	case 'D':
		return "--define";
	case OPT_KERNEL_HEADERS:
		return "--kernel-headers";
	case OPT_RING_BUFFER:
		return "--ring-buffer";
	case OPT_DEBUG:
		return "--debug: a replay runs no BPF program";
	case 'd':
		return "--duration: use -n";
	case OPT_RECORD:
		return "--record";
	case OPT_METRICS:
	case OPT_METRICS_SERIES:
		return "--metrics: a replay ends before a scrape could come";
	default:
		return NULL;
	}
}

/* --stats prints a table in place of the lines: what shapes lines has no
 * say in it, and what shapes the table needs it. */
static int stats_conflict_check(const struct options *opts)
{
	if (!opts->stats) {
		if (opts->stats_sorted)
			return usage_error("%s needs --stats", "--sort");
		if (opts->stats_histogram)
			return usage_error("%s needs --stats", "--histogram");
		return 0;
	}
	if (opts->no_data)
		return usage_error("%s: exchanges are decoded from data, which --no-data "
				   "leaves out; the table would stay empty",
				   "--stats with --no-data");
	if (opts->exchanges_only || opts->hex || opts->json_b64 || opts->max_events)
		return usage_error("--stats with %s: the table replaces the lines that shapes",
				   opts->exchanges_only ? "--exchanges-only"
				   : opts->hex		? "--hex"
				   : opts->json_b64	? "--json-b64"
							: "-n");
	if (opts->write_file && !strcmp(opts->write_file, "-"))
		return usage_error("%s: the table and the capture would both take stdout; "
				   "give -w a file",
				   "--stats with -w -");
	if (opts->stats_histogram && opts->json)
		return usage_error("%s: JSON rows carry the percentiles; the drawing is for "
				   "terminals",
				   "--histogram with --json");
	return 0;
}

/* Options that together can never print anything, or ask for output the
 * other one's format has not: refused, saying why, rather than run quiet. */
static int options_conflict_check(const struct options *opts)
{
	if (opts->no_data && opts->exchanges_only)
		return usage_error("%s: exchanges are decoded from data, which --no-data "
				   "leaves out; nothing would print",
				   "--exchanges-only with --no-data");
	if (opts->no_data && opts->protocols)
		return usage_error("%s: a connection's protocol is known from its data, which "
				   "--no-data leaves out; nothing would print",
				   "--protocol with --no-data");
	if (opts->hex && opts->no_data)
		return usage_error("%s: there are no captured bytes to dump",
				   "--hex with --no-data");
	if (opts->hex && opts->json)
		return usage_error("%s: the dump goes under human lines; JSON carries the "
				   "bytes with --json-b64",
				   "--hex with --json");
	if (opts->json_b64 && opts->no_data)
		return usage_error("%s: there are no captured bytes to encode",
				   "--json-b64 with --no-data");
	return stats_conflict_check(opts);
}

int options_parse(int argc, char **argv, struct options *opts)
{
	const char *capture = NULL;
	bool series_given = false;
	int opt;
	int err;

	memset(opts, 0, sizeof(*opts));
	opts->action = ACTION_TRACE;
	opts->data_size = 4096;
	opts->data_chars = OPTIONS_DATA_CHARS_FIT;
	opts->stats_interval_s = 2;
	opts->metrics_series = METRICS_SERIES_DEFAULT;

	optind = 0; /* 0, not 1: glibc then also forgets a half-parsed "-abc" */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hp:c:d:n:vqxD:w:", long_options, NULL)) != -1) {
		if (opt == '?') {
			const char *word = argv[optind - 1];
			char name[2] = { (char)optopt, '\0' };

			if (strncmp(word, "--", 2))
				return usage_error("unknown option '-%s'", name);
			if (strchr(word, '=') && optopt)
				return usage_error("option '%s' takes no value", word);
			return usage_error("unknown option '%s'", word);
		}
		if (opt == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		err = option_apply(opt, optarg, opts);
		if (err)
			return err;
		if (!capture)
			capture = capture_option(opt);
		series_given |= opt == OPT_METRICS_SERIES;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (opts->quiet && opts->verbose)
		return usage_error("%s: -q and -v ask opposite things", "--quiet");
	if (opts->json_b64 && !opts->json)
		return usage_error("%s needs --json", "--json-b64");
	if (opts->replay_file && capture && opts->action == ACTION_TRACE)
		return usage_error("--replay does not take %s", capture);
	/* a terminal shown pcapng's binary is garbled, not a capture */
	if (opts->write_file && !strcmp(opts->write_file, "-") && isatty(STDOUT_FILENO) &&
	    opts->action == ACTION_TRACE)
		return usage_error("%s: stdout is a terminal; redirect it to a file or a pipe",
				   "-w -");
	if (opts->no_follow && !opts->n_pids)
		return usage_error("%s needs -p", "--no-follow");
	if (series_given && !opts->metrics.len)
		return usage_error("%s needs --metrics", "--metrics-series");
	return options_conflict_check(opts);
}

int options_pids_check(const struct options *opts)
{
	for (int i = 0; i < opts->n_pids; i++) {
		char pid[16];

		if (!kill((pid_t)opts->pids[i], 0) || errno != ESRCH)
			continue;
		snprintf(pid, sizeof(pid), "%u", (unsigned)opts->pids[i]);
		return usage_error("--pid %s: no such process", pid);
	}
	return 0;
}
