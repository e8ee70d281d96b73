/* trace_pipe lines as the kernel prints bpf_trace_printk events. The
 * fixtures are lines read from /sys/kernel/tracing/instances/X/trace_pipe
 * on Linux 6.18 (default options, "mono" clock), the tag changed. */
#include "check.h"
#include "transport/printk_line.h"

#define TAG "st0123abcd "

static struct printk_line parse(const char *line)
{
	struct printk_line out;

	printk_line_parse(line, strlen(line), TAG, &out);
	return out;
}

static void test_ours(void)
{
	struct printk_line l =
		parse("         python3-21846   [000] ...21  1350.796561: bpf_trace_printk: "
		      TAG "connect fd 4");

	CHECK_INT(l.kind, PRINTK_LINE_OURS);
	CHECK_INT(l.tid, 21846);
	CHECK_INT(l.ts_ns, 1350796561000ull);
	CHECK_INT(l.text_len, strlen("connect fd 4"));
	CHECK(!memcmp(l.text, "connect fd 4", l.text_len));

	/* a comm holding '-', ' ' and ':' (the comm column is 16 wide) */
	l = parse("  st-worker: a-1-21585   [001] .N.21  1335.197058: bpf_trace_printk: " TAG
		  "x");
	CHECK_INT(l.kind, PRINTK_LINE_OURS);
	CHECK_INT(l.tid, 21585);
	CHECK_INT(l.text_len, 1);

	/* a pid too wide for "%-7d", the record-tgid column, no irq-info
	 * flags, nanoseconds, an empty text */
	l = parse("           <...>-4194304 (   1234) [007] 99.123456789: bpf_trace_printk: " TAG);
	CHECK_INT(l.kind, PRINTK_LINE_OURS);
	CHECK_INT(l.tid, 4194304);
	CHECK_INT(l.ts_ns, 99123456789ull);
	CHECK_INT(l.text_len, 0);
}

static void test_not_ours(void)
{
	/* another writer's line, or another run's tag */
	CHECK_INT(parse("         python3-21846   [000] ...21  1350.796561: bpf_trace_printk: "
			"connect fd 4").kind,
		  PRINTK_LINE_FOREIGN);
	CHECK_INT(parse("         python3-21846   [000] ...21  1350.796561: bpf_trace_printk: "
			"st0123abce connect").kind,
		  PRINTK_LINE_FOREIGN);
	/* another event */
	CHECK_INT(parse("            bash-1       [000] .....    12.000001: sys_enter_close: "
			TAG "x").kind,
		  PRINTK_LINE_FOREIGN);
	CHECK_INT(parse("CPU:3 [LOST 17 EVENTS]").kind, PRINTK_LINE_LOST);
	CHECK_INT(parse("CPU:3 [LOST 17 EVENTS]").lost, 17);
	CHECK_INT(parse("CPU:3 [LOST 17 EVENTS]").cpu, 3);
	/* the rest of a format holding "\n", and broken headers */
	CHECK_INT(parse("second half").kind, PRINTK_LINE_UNPARSED);
	CHECK_INT(parse("").kind, PRINTK_LINE_UNPARSED);
	CHECK_INT(parse("CPU:3 [LOST 17 EVENTS] ").kind, PRINTK_LINE_UNPARSED);
	CHECK_INT(parse("         python3-21846   [000] ...21  1350.796561 bpf_trace_printk: "
			TAG).kind,
		  PRINTK_LINE_UNPARSED);
	CHECK_INT(parse("         python3-99999999999 [000] ...21  1.000001: bpf_trace_printk: "
			TAG).kind,
		  PRINTK_LINE_UNPARSED);
	CHECK_INT(parse("         python3-12   [000] ...21  1.0000000001: bpf_trace_printk: "
			TAG).kind,
		  PRINTK_LINE_UNPARSED);
}

/* Every prefix of a line is parsed within its length: none reads past it
 * (the sanitizers would say), and none is taken for ours but the whole. */
static void test_prefixes(void)
{
	const char *line = "         python3-21846   [000] ...21  1350.796561: bpf_trace_printk: "
			   TAG "connect fd 4";
	size_t len = strlen(line);
	size_t ours_from = len - strlen("connect fd 4");

	for (size_t n = 0; n <= len; n++) {
		char copy[256];
		struct printk_line l;

		memcpy(copy, line, n);
		printk_line_parse(copy, n, TAG, &l);
		CHECK(n >= ours_from ? l.kind == PRINTK_LINE_OURS : l.kind != PRINTK_LINE_OURS);
	}
}

int main(void)
{
	test_ours();
	test_not_ours();
	test_prefixes();
	return check_report("test_printk_line");
}
