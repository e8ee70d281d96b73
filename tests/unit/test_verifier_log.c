/* Verifier logs down to a line: the fixtures are the ends of logs Linux
 * 6.18 wrote refusing edited copies of the program (a --bpf file compiled
 * with -g, so with line info). */
#include "check.h"
#include "loader/verifier_log.h"

static void test_null_dereference(void)
{
	struct verifier_reason why;

	verifier_log_explain(
		"0: R1=ctx() R10=fp0\n"
		";  @ reject.bpf.c:1046\n"
		"0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()\n"
		"; sock->open_ts_ns = ev.hdr.ts_ns; @ reject.bpf.c:1068\n"
		";  @ reject.bpf.c:0\n"
		"136: (79) r1 = *(u64 *)(r10 -288)     ; R1=scalar(id=3) R10=fp0\n"
		"137: (7b) *(u64 *)(r7 +0) = r1\n"
		"R7 invalid mem access 'map_value_or_null'\n"
		"processed 135 insns (limit 1000000) max_states_per_insn 0 total_states 10 "
		"peak_states 10 mark_read 0\n"
		"\n",
		&why);
	CHECK_STR(why.reason, "R7 invalid mem access 'map_value_or_null'");
	CHECK_STR(why.file, "reject.bpf.c");
	CHECK_INT(why.line, 1068);
}

static void test_two_reason_lines_no_line_info(void)
{
	struct verifier_reason why;

	verifier_log_explain("12: (61) r1 = *(u32 *)(r0 +100)\n"
			     "invalid access to map value, value_size=40 off=100 size=4\n"
			     "R0 min value is outside of the allowed memory range\n"
			     "processed 13 insns (limit 1000000)\n",
			     &why);
	CHECK_STR(why.reason, "invalid access to map value, value_size=40 off=100 size=4; "
			      "R0 min value is outside of the allowed memory range");
	CHECK_STR(why.file, "");
	CHECK_INT(why.line, 0);
}

static void test_odd_logs(void)
{
	struct verifier_reason why;

	verifier_log_explain("", &why);
	CHECK_STR(why.reason, "");
	CHECK_INT(why.line, 0);
	/* only statistics */
	verifier_log_explain("processed 1 insns\n", &why);
	CHECK_STR(why.reason, "");
	/* no final newline; " @ " inside the source text; a header's line */
	verifier_log_explain("; x = a @ b; @ socket_tracer.h:42\n5: (85) call\n"
			     "BPF program is too large. Processed 1000001 insn",
			     &why);
	CHECK_STR(why.reason, "BPF program is too large. Processed 1000001 insn");
	CHECK_STR(why.file, "socket_tracer.h");
	CHECK_INT(why.line, 42);
	/* malformed source lines are passed over */
	verifier_log_explain("; good @ f.c:7\n; a @ f.c:\n; b @ :9\n; c @ f.c:12345678901\n"
			     "1: (05) goto\nback-edge from insn 1 to 1\n",
			     &why);
	CHECK_STR(why.file, "f.c");
	CHECK_INT(why.line, 7);
	CHECK_STR(why.reason, "back-edge from insn 1 to 1");
}

/* An unbounded loop: the verdict, then the two states it compared. */
static void test_infinite_loop(void)
{
	struct verifier_reason why;

	verifier_log_explain("8: (15) if r8 == 0x0 goto pc+1        ; R8=scalar(umin=1)\n"
			     "9: (05) goto pc-4\n"
			     "6: (85) call bpf_get_prandom_u32#7    ; R0=scalar()\n"
			     "7: (07) r8 += -2\n"
			     "infinite loop detected at insn 8\n"
			     "cur state: R0=scalar() R6=ctx() R7=scalar(id=1) R8=scalar() R10=fp0\n"
			     "old state: R0=scalar() R6=ctx() R7=scalar(id=1) R8=scalar() R10=fp0\n"
			     "processed 21 insns (limit 1000000) max_states_per_insn 1 total_states 2\n",
			     &why);
	CHECK_STR(why.reason, "infinite loop detected at insn 8");
	CHECK_INT(why.line, 0);
}

int main(void)
{
	test_infinite_loop();
	test_null_dereference();
	test_two_reason_lines_no_line_info();
	test_odd_logs();
	return check_report("test_verifier_log");
}
