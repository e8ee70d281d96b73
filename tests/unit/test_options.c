/* options_parse: defaults, every option, and usage errors. Errors are
 * printed to stderr by options_parse itself. */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "options.h"
#include "protocols/protocol.h"

/* argv for options_parse: a program name, the arguments, NULL. */
#define ARGS(...) ((char *[]){ "socket-tracer", __VA_ARGS__, NULL })

static struct options opts;

static int parse(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return options_parse(argc, argv, &opts);
}

static void test_defaults(void)
{
	CHECK_INT(parse((char *[]){ "socket-tracer", NULL }), 0);
	CHECK_INT(opts.action, ACTION_TRACE);
	CHECK_INT(opts.data_size, 4096);
	CHECK_INT(opts.data_chars, OPTIONS_DATA_CHARS_FIT);
	CHECK_INT(opts.colour, COLOUR_AUTO);
	CHECK(!opts.quiet);
	CHECK_INT(opts.n_pids, 0);
	CHECK_INT(opts.n_comms, 0);
	CHECK_INT(opts.n_defines, 0);
	CHECK(opts.duration_s == 0);
	CHECK_INT(opts.max_events, 0);
	CHECK(!opts.json && !opts.json_b64 && !opts.verbose && !opts.no_data && !opts.hex);
	CHECK(!opts.ring_buffer); /* perf buffers by default */
	CHECK(opts.bpf_file == NULL && opts.kernel_headers == NULL);
	CHECK(!opts.show_secrets);
	CHECK(opts.record_file == NULL && opts.replay_file == NULL);
	CHECK(opts.write_file == NULL);
}

static void test_each_option(void)
{
	CHECK_INT(parse(ARGS("-h")), 0);
	CHECK_INT(opts.action, ACTION_HELP);
	CHECK_INT(parse(ARGS("--help")), 0);
	CHECK_INT(opts.action, ACTION_HELP);
	CHECK_INT(parse(ARGS("--version")), 0);
	CHECK_INT(opts.action, ACTION_VERSION);
	CHECK_INT(parse(ARGS("--dump-bpf")), 0);
	CHECK_INT(opts.action, ACTION_DUMP_BPF);

	CHECK_INT(parse(ARGS("-p", "12", "--pid", "34", "--pid=56", "-p78")), 0);
	CHECK_INT(opts.n_pids, 4);
	CHECK_INT(opts.pids[0], 12);
	CHECK_INT(opts.pids[1], 34);
	CHECK_INT(opts.pids[2], 56);
	CHECK_INT(opts.pids[3], 78);

	CHECK_INT(parse(ARGS("-c", "curl", "--comm", "python3", "-c", "abcdefghijklmno")), 0);
	CHECK_INT(opts.n_comms, 3);
	CHECK_STR(opts.comms[0], "curl");
	CHECK_STR(opts.comms[1], "python3");
	CHECK_STR(opts.comms[2], "abcdefghijklmno");

	CHECK_INT(parse(ARGS("-d", "2.5")), 0);
	CHECK(opts.duration_s == 2.5);
	CHECK_INT(parse(ARGS("--duration", "10")), 0);
	CHECK(opts.duration_s == 10);
	CHECK_INT(parse(ARGS("-n", "7")), 0);
	CHECK_INT(opts.max_events, 7);
	CHECK_INT(parse(ARGS("--max-events", "18446744073709551615")), 0);
	CHECK(opts.max_events == UINT64_MAX);

	CHECK_INT(parse(ARGS("--json")), 0);
	CHECK(opts.json && !opts.json_b64);
	CHECK_INT(parse(ARGS("--json-b64", "--json")), 0);
	CHECK(opts.json && opts.json_b64);
	CHECK_INT(parse(ARGS("-v", "-x")), 0);
	CHECK(opts.verbose && opts.hex);
	CHECK_INT(parse(ARGS("-vx")), 0);
	CHECK(opts.verbose && opts.hex);
	CHECK_INT(parse(ARGS("--verbose", "--hex")), 0);
	CHECK(opts.verbose && opts.hex && !opts.no_data);
	CHECK_INT(parse(ARGS("--verbose", "--no-data")), 0);
	CHECK(opts.verbose && !opts.hex && opts.no_data);
	CHECK_INT(parse(ARGS("-q", "--color=never")), 0);
	CHECK(opts.quiet && opts.colour == COLOUR_NEVER);
	CHECK_INT(parse(ARGS("--quiet", "--color", "always")), 0);
	CHECK(opts.quiet && opts.colour == COLOUR_ALWAYS);

	CHECK_INT(parse(ARGS("--data-size", "0", "--data-chars", "0")), 0);
	CHECK_INT(opts.data_size, 0);
	CHECK_INT(opts.data_chars, 0);
	CHECK_INT(parse(ARGS("--data-size", "32768", "--data-chars=200")), 0);
	CHECK_INT(opts.data_size, 32768);
	CHECK_INT(opts.data_chars, 200);

	CHECK_INT(parse(ARGS("--bpf", "/tmp/x.bpf.c", "--kernel-headers", "/usr/src/h")), 0);
	CHECK_STR(opts.bpf_file, "/tmp/x.bpf.c");
	CHECK_STR(opts.kernel_headers, "/usr/src/h");

	CHECK_INT(parse(ARGS("--ring-buffer", "--no-data")), 0);
	CHECK(opts.ring_buffer && opts.no_data);

	CHECK_INT(parse(ARGS("-D", "DEBUG", "--define", "LEVEL=2", "-DX=1")), 0);
	CHECK_INT(opts.n_defines, 3);
	CHECK_STR(opts.defines[0], "DEBUG");
	CHECK_STR(opts.defines[1], "LEVEL=2");
	CHECK_STR(opts.defines[2], "X=1");
}

static void test_errors(void)
{
	CHECK_INT(parse(ARGS("-p", "abc")), -EINVAL);
	CHECK_INT(parse(ARGS("-p", "0")), -EINVAL);
	CHECK_INT(parse(ARGS("-p", "-5")), -EINVAL);
	CHECK_INT(parse(ARGS("-p", "12x")), -EINVAL);
	CHECK_INT(parse(ARGS("-p", "2147483648")), -EINVAL);
	CHECK_INT(parse(ARGS("-c", "")), -EINVAL);
	CHECK_INT(parse(ARGS("-d", "0")), -EINVAL);
	CHECK_INT(parse(ARGS("-d", "-1")), -EINVAL);
	CHECK_INT(parse(ARGS("-d", "abc")), -EINVAL);
	CHECK_INT(parse(ARGS("-d", "inf")), -EINVAL);
	CHECK_INT(parse(ARGS("-d", "nan")), -EINVAL);
	CHECK_INT(parse(ARGS("-n", "0")), -EINVAL);
	CHECK_INT(parse(ARGS("-n", "18446744073709551616")), -EINVAL);
	CHECK_INT(parse(ARGS("--data-size", "40000")), -EINVAL);
	CHECK_INT(parse(ARGS("--data-size", "32769")), -EINVAL);
	CHECK_INT(parse(ARGS("--data-chars", "-1")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "=1")), -EINVAL);
	CHECK_INT(parse(ARGS("-j")), -EINVAL);
	CHECK_INT(parse(ARGS("-q", "-v")), -EINVAL);
	CHECK_INT(parse(ARGS("--color", "sometimes")), -EINVAL);
	CHECK_INT(parse(ARGS("--color")), -EINVAL);
	CHECK_INT(parse(ARGS("--bogus")), -EINVAL);
	CHECK_INT(parse(ARGS("-p")), -EINVAL);
	CHECK_INT(parse(ARGS("--pid")), -EINVAL);
	CHECK_INT(parse(ARGS("--data-size")), -EINVAL);
	CHECK_INT(parse(ARGS("--json=yes")), -EINVAL);
	CHECK_INT(parse(ARGS("stray")), -EINVAL);
	CHECK_INT(parse(ARGS("--json", "stray")), -EINVAL);
	CHECK_INT(parse(ARGS("--json-b64")), -EINVAL);
	CHECK_INT(parse(ARGS("--ring-buffer=1")), -EINVAL);
}

static void test_limits(void)
{
	char *argv[2 * OPTIONS_MAX_PIDS + 4] = { "socket-tracer" };
	int argc = 1;

	for (int i = 0; i < OPTIONS_MAX_PIDS; i++) {
		argv[argc++] = "-p";
		argv[argc++] = "1";
	}
	CHECK_INT(options_parse(argc, argv, &opts), 0);
	CHECK_INT(opts.n_pids, OPTIONS_MAX_PIDS);
	argv[argc++] = "-p";
	argv[argc++] = "1";
	CHECK_INT(options_parse(argc, argv, &opts), -EINVAL);
}

/* What options_parse printed to stderr for argv. */
static const char *parse_stderr(char **argv)
{
	static char text[512];
	FILE *capture = tmpfile();
	int saved = dup(2);
	size_t n;

	fflush(stderr);
	dup2(fileno(capture), 2);
	parse(argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(capture);
	n = fread(text, 1, sizeof(text) - 1, capture);
	text[n] = '\0';
	fclose(capture);
	return text;
}

static void test_messages(void)
{
	CHECK_STR(parse_stderr(ARGS("-p", "abc")),
		  "socket-tracer: invalid pid 'abc' (try --help)\n");
	CHECK_STR(parse_stderr(ARGS("--bogus")),
		  "socket-tracer: unknown option '--bogus' (try --help)\n");
	CHECK_STR(parse_stderr(ARGS("-j")), "socket-tracer: unknown option '-j' (try --help)\n");
	CHECK_STR(parse_stderr(ARGS("--color=rainbow")),
		  "socket-tracer: invalid --color 'rainbow': auto, always or never (try --help)\n");
}

/* -D: NAME a C identifier, no name socket-tracer sets or relies on (ST_*
 * but the two tunables), and never longer than the compile flag holds. */
static void test_defines(void)
{
	static char longest[OPTIONS_DEFINE_LEN_MAX + 2];

	CHECK_INT(parse(ARGS("-D", "_x9", "-D", "F(a,b)=a", "-D", "EMPTY=", "-D", "ST")), 0);
	CHECK_INT(opts.n_defines, 4);
	CHECK_INT(parse(ARGS("-D", "st_data_size=1", "-D", "MY_ST_DATA_SIZE")), 0);
	CHECK_INT(parse(ARGS("-D", "ST_RING_WAKEUP_EVENTS=8", "-D", "ST_RING_PAGES=2")), 0);
	CHECK_STR(opts.defines[1], "ST_RING_PAGES=2");
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES=1", "-D", "ST_RING_PAGES=524288")), 0);

	/* not NAME[=VALUE] */
	CHECK_INT(parse(ARGS("-D", "1X=2")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "A B")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "A-B=1")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "-DX")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "\xc3\xa9=1")), -EINVAL);

	/* set by socket-tracer, from an option or the system */
	CHECK_INT(parse(ARGS("-D", "ST_DATA_SIZE=999999")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_DATA_SIZE")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_NR_CPUS=0")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_FILTER_PID")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_PID_SELECTED(t)=1")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_FILTER_COMM")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_RING_BUFFER")), -EINVAL);
	/* the limits and enum values of socket_tracer.h */
	CHECK_INT(parse(ARGS("-D", "ST_DATA_MAX=65536")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_IOV_MAX=64")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_COMM_LEN=8")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_ADDR_MAX=16")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_SOCKS_MAX=1")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_EV_DATA=5")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_")), -EINVAL);
	/* a tunable, but only a size the kernel accepts */
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES=0")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES=3")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES=1048576")), -EINVAL);
	CHECK_INT(parse(ARGS("-D", "ST_RING_PAGES=2*2")), -EINVAL);
	/* a refused -D fails the parse wherever it is */
	CHECK_INT(parse(ARGS("-D", "DEBUG", "--define=ST_NR_CPUS=4", "--json")), -EINVAL);

	/* as long as the compile flag holds, and no longer */
	memset(longest, 'a', OPTIONS_DEFINE_LEN_MAX);
	longest[0] = 'X';
	longest[1] = '=';
	CHECK_INT(parse(ARGS("-D", longest)), 0);
	CHECK_INT(strlen(opts.defines[0]), OPTIONS_DEFINE_LEN_MAX);
	longest[OPTIONS_DEFINE_LEN_MAX] = 'a';
	CHECK_INT(parse(ARGS("-D", longest)), -EINVAL);
}

static void test_define_messages(void)
{
	static char too_long[OPTIONS_DEFINE_LEN_MAX + 2];

	CHECK_STR(parse_stderr(ARGS("-D", "ST_DATA_SIZE=999999")),
		  "socket-tracer: -D ST_DATA_SIZE: set by socket-tracer; use --data-size\n");
	CHECK_STR(parse_stderr(ARGS("--define", "ST_PID_SELECTED(t)=1")),
		  "socket-tracer: -D ST_PID_SELECTED: set by socket-tracer; use --pid\n");
	CHECK_STR(parse_stderr(ARGS("-D", "ST_NR_CPUS=0")),
		  "socket-tracer: -D ST_NR_CPUS: set by socket-tracer; it is the number of "
		  "possible CPUs\n");
	CHECK_STR(parse_stderr(ARGS("-D", "ST_IOV_MAX=64")),
		  "socket-tracer: -D ST_IOV_MAX: reserved (names starting ST_ are "
		  "socket-tracer's; the tunables are ST_RING_PAGES and ST_RING_WAKEUP_EVENTS)\n");
	CHECK_STR(parse_stderr(ARGS("-D", "ST_RING_PAGES=3")),
		  "socket-tracer: -D ST_RING_PAGES needs =PAGES, a power of two from 1 to "
		  "524288\n");
	CHECK_STR(parse_stderr(ARGS("-D", "1X=2")),
		  "socket-tracer: invalid --define '1X=2': NAME[=VALUE], NAME a C identifier "
		  "(try --help)\n");
	memset(too_long, 'b', OPTIONS_DEFINE_LEN_MAX + 1);
	memcpy(too_long, "LONGDEF=\"", 9);
	CHECK_STR(parse_stderr(ARGS("-D", too_long)),
		  "socket-tracer: -D LONGDEF=\"bbbbbbb...: 4097 characters, the BPF compile "
		  "takes at most 4096\n");
}

/* --record and --replay, and what a replay cannot take: the options that
 * shaped the capture. */
static void test_record_replay(void)
{
	CHECK_INT(parse(ARGS("--show-secrets")), 0);
	CHECK(opts.show_secrets);
	CHECK_INT(parse(ARGS("--record", "out.rec", "-p", "12", "--data-size", "100")), 0);
	CHECK_STR(opts.record_file, "out.rec");
	CHECK_INT(opts.pids[0], 12);
	CHECK_INT(parse(ARGS("--record=x.rec", "--ring-buffer", "-d", "3")), 0);
	CHECK_STR(opts.record_file, "x.rec");
	CHECK_INT(parse(ARGS("--replay", "in.rec")), 0);
	CHECK_STR(opts.replay_file, "in.rec");
	CHECK(opts.record_file == NULL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--json", "--json-b64", "-v",
			     "--data-chars", "10", "-n", "5", "--exchanges-only", "--protocol",
			     "http", "--show-secrets")),
		  0);
	CHECK(opts.json && opts.json_b64 && opts.verbose && opts.exchanges_only &&
	      opts.show_secrets && opts.protocols);
	CHECK_INT(opts.max_events, 5);
	CHECK_INT(opts.data_chars, 10);
	/* an action still wins */
	CHECK_INT(parse(ARGS("--replay", "in.rec", "-p", "1", "--help")), 0);
	CHECK_INT(opts.action, ACTION_HELP);

	CHECK_INT(parse(ARGS("--record")), -EINVAL);
	CHECK_INT(parse(ARGS("--record", "")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "")), -EINVAL);
	CHECK_INT(parse(ARGS("--show-secrets=1")), -EINVAL);
	CHECK_INT(parse(ARGS("-p", "5", "--replay", "in.rec")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "-c", "curl")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--no-data")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--data-size", "10")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--bpf", "x.c")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "-D", "X")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--kernel-headers", "/")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--ring-buffer")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "-d", "1")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "in.rec", "--record", "out.rec")), -EINVAL);

	CHECK_STR(parse_stderr(ARGS("--replay", "in.rec", "-p", "7")),
		  "socket-tracer: --replay does not take --pid: a filter in the kernel, give it "
		  "when recording (try --help)\n");
	CHECK_STR(parse_stderr(ARGS("--replay", "in.rec", "-d", "2")),
		  "socket-tracer: --replay does not take --duration: use -n (try --help)\n");
	CHECK_INT(parse(ARGS("--bpf", "x.c", "--debug")), 0);
	CHECK(opts.debug);
	CHECK_STR(parse_stderr(ARGS("--replay", "in.rec", "--debug")),
		  "socket-tracer: --replay does not take --debug: a replay runs no BPF program "
		  "(try --help)\n");
	CHECK_STR(parse_stderr(ARGS("--record", "")),
		  "socket-tracer: --record needs a file name (try --help)\n");
}

/* Parses with stdout on a terminal (a pty of our own) or on /dev/null. */
static int parse_stdout_on(bool terminal, char **argv)
{
	int saved = dup(STDOUT_FILENO);
	int controller = terminal ? posix_openpt(O_RDWR | O_NOCTTY) : -1;
	int target;
	int result;

	fflush(stdout);
	if (terminal) {
		CHECK(controller >= 0 && !grantpt(controller) && !unlockpt(controller));
		target = open(ptsname(controller), O_RDWR | O_NOCTTY);
	} else {
		target = open("/dev/null", O_WRONLY);
	}
	CHECK(target >= 0 && saved >= 0);
	dup2(target, STDOUT_FILENO);
	result = parse(argv);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(target);
	if (controller >= 0)
		close(controller);
	return result;
}

/* -w: a file, or stdout unless it is a terminal; with --replay too. */
static void test_write(void)
{
	CHECK_INT(parse(ARGS("-w", "out.pcapng", "-c", "curl")), 0);
	CHECK_STR(opts.write_file, "out.pcapng");
	CHECK_INT(parse(ARGS("--write=x.pcapng", "--replay", "in.rec")), 0);
	CHECK_STR(opts.write_file, "x.pcapng");
	CHECK_STR(opts.replay_file, "in.rec");
	CHECK_INT(parse_stdout_on(false, ARGS("-w", "-")), 0);
	CHECK_STR(opts.write_file, "-");
	CHECK_INT(parse_stdout_on(true, ARGS("-w", "-")), -EINVAL);
	CHECK_INT(parse_stdout_on(true, ARGS("-w", "out.pcapng")), 0);
	CHECK_INT(parse_stdout_on(false, ARGS("--stats", "-w", "out.pcapng")), 0);
	/* (stdout off any terminal, for the test run on one) */
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	const char *message = parse_stderr(ARGS("--stats", "-w", "-"));
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	CHECK_STR(message, "socket-tracer: --stats with -w -: the table and the capture would "
			   "both take stdout; give -w a file (try --help)\n");
	CHECK_INT(parse(ARGS("-w")), -EINVAL);
	CHECK_STR(parse_stderr(ARGS("--write", "")),
		  "socket-tracer: --write needs a file name, or - for stdout (try --help)\n");
}

/* A parse that fails in the middle of a short-option cluster must not leak
 * getopt state into the next parse. */
static void test_reparse(void)
{
	CHECK_INT(parse(ARGS("-jv")), -EINVAL);
	CHECK_INT(parse(ARGS("--json")), 0);
	CHECK(opts.json);
	CHECK(!opts.verbose);
}

/* --protocol NAME takes every registered name, sets that protocol's bit,
 * and the list the help and the errors give is every name, in order. */
static void test_protocol_names(void)
{
	char names[256];
	char *at = names, *comma;
	const char *previous = "";
	unsigned listed = 0;

	protocol_names_list(names, sizeof(names));
	for (;;) {
		comma = strstr(at, ", ");
		if (comma)
			*comma = '\0';
		CHECK(strcmp(previous, at) < 0);
		CHECK(protocol_by_name(at) != NULL);
		previous = at;
		listed++;
		if (!comma)
			break;
		at = comma + 2;
	}
	CHECK_INT(listed, protocol_count);
	/* A name for what a protocol carries, not listed apart. */
	CHECK(protocol_by_name("grpc") == protocol_by_name("http2"));
	CHECK(!strstr(names, "grpc"));
	for (unsigned i = 0; i < protocol_count; i++) {
		struct options opts;
		char *argv[] = { "socket-tracer", "--protocol", (char *)protocol_registry[i]->name,
				 NULL };

		optind = 0;
		CHECK_INT(options_parse(3, argv, &opts), 0);
		CHECK_INT(opts.protocols, 1u << protocol_number(protocol_registry[i]));
	}
}

/* -p with --no-follow, the socket selection, -c cut to the kernel's 15
 * characters, --protocol in any case, and the combinations that could
 * print nothing. */
static void test_selection(void)
{
	CHECK_INT(parse(ARGS("-p", "12")), 0);
	CHECK(!opts.no_follow);
	CHECK_INT(parse(ARGS("-p", "12", "--no-follow", "-c", "curl")), 0);
	CHECK(opts.no_follow && opts.n_pids == 1 && opts.n_comms == 1);
	CHECK_INT(parse(ARGS("--no-follow")), -EINVAL);
	CHECK_STR(parse_stderr(ARGS("--no-follow", "-c", "curl")),
		  "socket-tracer: --no-follow needs -p (try --help)\n");

	CHECK_INT(parse(ARGS("--port", "80", "--port=65535", "--port", "1")), 0);
	CHECK_INT(opts.select.n_ports, 3);
	CHECK_INT(opts.select.ports[0], 80);
	CHECK_INT(opts.select.ports[1], 65535);
	CHECK_INT(opts.select.ports[2], 1);
	CHECK(selection_active(&opts.select));
	CHECK_INT(parse(ARGS("--port", "0")), -EINVAL);
	CHECK_INT(parse(ARGS("--port", "65536")), -EINVAL);
	CHECK_INT(parse(ARGS("--port", "-1")), -EINVAL);
	CHECK_INT(parse(ARGS("--port", "8o")), -EINVAL);
	CHECK_INT(parse(ARGS("--port", "")), -EINVAL);
	CHECK_STR(parse_stderr(ARGS("--port", "http")),
		  "socket-tracer: invalid port 'http': 1 to 65535 (try --help)\n");

	CHECK_INT(parse(ARGS("--remote", "10.1.2.3", "--remote", "192.168.0.0/16", "--remote",
			     "::1", "--remote", "[fd00::]/8", "--remote", "0.0.0.0/0")),
		  0);
	CHECK_INT(opts.select.n_remotes, 5);
	CHECK_INT(opts.select.remotes[0].family, AF_INET);
	CHECK_INT(opts.select.remotes[0].prefix, 32);
	CHECK(!memcmp(opts.select.remotes[0].addr, "\x0a\x01\x02\x03", 4));
	CHECK_INT(opts.select.remotes[1].prefix, 16);
	CHECK_INT(opts.select.remotes[2].family, AF_INET6);
	CHECK_INT(opts.select.remotes[2].prefix, 128);
	CHECK_INT(opts.select.remotes[2].addr[15], 1);
	CHECK_INT(opts.select.remotes[3].family, AF_INET6);
	CHECK_INT(opts.select.remotes[3].prefix, 8);
	CHECK_INT(opts.select.remotes[3].addr[0], 0xfd);
	CHECK_INT(opts.select.remotes[4].prefix, 0);
	CHECK_INT(parse(ARGS("--remote", "10.1.2.3/33")), -EINVAL);
	CHECK_INT(parse(ARGS("--remote", "::1/129")), -EINVAL);
	CHECK_INT(parse(ARGS("--remote", "10.1.2.3/")), -EINVAL);
	CHECK_INT(parse(ARGS("--remote", "10.1.2/8")), -EINVAL);
	CHECK_INT(parse(ARGS("--remote", "localhost")), -EINVAL);
	CHECK_INT(parse(ARGS("--remote", "10.0.0.1:80")), -EINVAL);
	CHECK_STR(parse_stderr(ARGS("--remote", "example.com")),
		  "socket-tracer: invalid --remote 'example.com': an IPv4 or IPv6 address, "
		  "optionally /PREFIX (try --help)\n");

	CHECK_INT(parse(ARGS("--tcp")), 0);
	CHECK_INT(opts.select.kinds, ST_SELECT_TCP);
	CHECK_INT(parse(ARGS("--udp", "--unix")), 0);
	CHECK_INT(opts.select.kinds, ST_SELECT_UDP | ST_SELECT_UNIX);
	CHECK_INT(parse(ARGS("-p", "1")), 0);
	CHECK(!selection_active(&opts.select));

	CHECK_STR(parse_stderr(ARGS("-c", "abcdefghijklmnopq")),
		  "socket-tracer: note: --comm 'abcdefghijklmnopq' cut to the kernel's 15 "
		  "characters: 'abcdefghijklmno'\n");
	CHECK_INT(parse(ARGS("-c", "abcdefghijklmnopq")), 0);
	CHECK_STR(opts.comms[0], "abcdefghijklmno");

	CHECK_INT(parse(ARGS("--protocol", "HTTP", "--protocol", "Redis")), 0);
	CHECK_INT(opts.protocols, (1u << protocol_number(protocol_by_name("http"))) |
					  (1u << protocol_number(protocol_by_name("redis"))));

	CHECK_INT(parse(ARGS("--exchanges-only", "--no-data")), -EINVAL);
	CHECK_INT(parse(ARGS("--protocol", "http", "--no-data")), -EINVAL);
	CHECK_INT(parse(ARGS("-x", "--json")), -EINVAL);
	CHECK_INT(parse(ARGS("-x", "--no-data")), -EINVAL);
	CHECK_INT(parse(ARGS("--json", "--json-b64", "--no-data")), -EINVAL);
	CHECK_STR(parse_stderr(ARGS("--no-data", "--exchanges-only")),
		  "socket-tracer: --exchanges-only with --no-data: exchanges are decoded from "
		  "data, which --no-data leaves out; nothing would print (try --help)\n");
	CHECK_STR(parse_stderr(ARGS("--json", "-x")),
		  "socket-tracer: --hex with --json: the dump goes under human lines; JSON "
		  "carries the bytes with --json-b64 (try --help)\n");

	CHECK_INT(parse(ARGS("--replay", "x.rec", "--port", "80")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "x.rec", "--tcp")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "x.rec", "--no-follow", "-p", "1")), -EINVAL);
}

/* A pid no process has (above any pid_max) is a usage error; our own is not. */
static void test_pids_check(void)
{
	char own[16];

	snprintf(own, sizeof(own), "%d", (int)getpid());
	CHECK_INT(parse(ARGS("-p", own)), 0);
	CHECK_INT(options_pids_check(&opts), 0);
	CHECK_INT(parse(ARGS("-p", own, "-p", "2147483647")), 0);
	CHECK_INT(options_pids_check(&opts), -EINVAL);
}

/* --metrics ADDR:PORT and --metrics-series. */
static void test_metrics(void)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)&opts.metrics.addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&opts.metrics.addr;
	char text[INET6_ADDRSTRLEN];

	CHECK_INT(parse(ARGS("-q")), 0);
	CHECK_INT(opts.metrics.len, 0);
	CHECK_INT(opts.metrics_series, 1000);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:9464", "--metrics-series", "5")), 0);
	CHECK_INT(opts.metrics.len, sizeof(struct sockaddr_in));
	CHECK_INT(in->sin_family, AF_INET);
	CHECK_INT(ntohs(in->sin_port), 9464);
	CHECK_INT(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK_STR(opts.metrics.text, "127.0.0.1:9464");
	CHECK_INT(opts.metrics_series, 5);
	CHECK_INT(parse(ARGS("--metrics=[::1]:1")), 0);
	CHECK_INT(opts.metrics.len, sizeof(struct sockaddr_in6));
	CHECK_INT(in6->sin6_family, AF_INET6);
	CHECK_INT(ntohs(in6->sin6_port), 1);
	CHECK_STR(inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)), "::1");
	CHECK_INT(parse(ARGS("--metrics", "[::]:65535")), 0);
	CHECK_INT(parse(ARGS("--metrics", "0.0.0.0:80")), 0);
	/* no address, a name, no port or one out of range, junk */
	CHECK_INT(parse(ARGS("--metrics", ":9100")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "[]:9100")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "localhost:9100")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:0")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:65536")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:+80")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "::1:9100")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "[::1]")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "[127.0.0.1]:80")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:80", "--metrics-series", "0")), -EINVAL);
	CHECK_INT(parse(ARGS("--metrics", "127.0.0.1:80", "--metrics-series", "20001")),
		  -EINVAL);
	CHECK_INT(parse(ARGS("--metrics-series", "10")), -EINVAL);
	CHECK_INT(parse(ARGS("--replay", "x.rec", "--metrics", "127.0.0.1:80")), -EINVAL);
}

int main(void)
{
	test_defaults();
	test_each_option();
	test_errors();
	test_limits();
	test_messages();
	test_defines();
	test_define_messages();
	test_record_replay();
	test_write();
	test_reparse();
	test_protocol_names();
	test_selection();
	test_pids_check();
	test_metrics();
	test_defaults(); /* after all the errors, a clean parse again */
	return check_report("test_options");
}
