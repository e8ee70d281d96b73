/* The rewrites of a --bpf file: line markers and the --debug tag. */
#include <stdlib.h>

#include "check.h"
#include "loader/source_rewrite.h"

static void test_line_markers(void)
{
	const char *text = "int a;\n#define M(x) \\\n\t(x)\nint b;\n\nint c;";
	size_t len;
	char *out = source_line_markers(text, strlen(text), "my.bpf.c", &len);

	CHECK_STR(out, "#line 1 \"my.bpf.c\"\nint a;\n"
		       "#line 2 \"my.bpf.c\"\n#define M(x) \\\n\t(x)\n" /* continued: no marker */
		       "#line 4 \"my.bpf.c\"\nint b;\n"
		       "#line 5 \"my.bpf.c\"\n\n"
		       "#line 6 \"my.bpf.c\"\nint c;");
	CHECK_INT(len, strlen(out));
	free(out);

	out = source_line_markers("", 0, "e.c", &len);
	CHECK_STR(out, "");
	free(out);
	/* CRLF line ends, a continued CRLF line */
	out = source_line_markers("a \\\r\nb\r\nc\n", 10, "w.c", &len);
	CHECK_STR(out, "#line 1 \"w.c\"\na \\\r\nb\r\n#line 3 \"w.c\"\nc\n");
	free(out);
}

static void test_printk_tag(void)
{
	const char *text = "bpf_trace_printk(\"a %d\\n\", x);\n"
			   "\tbpf_trace_printk (FMT);\n"
			   "my_bpf_trace_printk(\"no\");\n"
			   "bpf_trace_printk_(\"no\");\n"
			   "int bpf_trace_printk;\n"
			   "bpf_trace_printk";
	size_t len;
	char *out = source_printk_tag(text, strlen(text), "st00000001 ", &len);

	CHECK_STR(out, "bpf_trace_printk(\"st00000001 \" \"a %d\\n\", x);\n"
		       "\tbpf_trace_printk (\"st00000001 \" FMT);\n"
		       "my_bpf_trace_printk(\"no\");\n"
		       "bpf_trace_printk_(\"no\");\n"
		       "int bpf_trace_printk;\n"
		       "bpf_trace_printk");
	CHECK_INT(len, strlen(out));
	free(out);
}

int main(void)
{
	test_line_markers();
	test_printk_tag();
	return check_report("test_source_rewrite");
}
