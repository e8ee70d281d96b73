/* include_search_check on clang's -v report as bcc 0.26 (clang 14) prints
 * it: the search list is checked against the kernel trees, the report is
 * kept out of the diagnostics, and an untrusted directory is named. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "loader/compile_includes.h"

#define SOURCE "/usr/src/linux-headers-6.1.0-57-common"
#define BUILD "/usr/src/linux-headers-6.1.0-57-amd64"

/* The driver's report, then cc1's for one frontend run, as printed on
 * stderr by a compile whose working directory was FIRST_DIR. */
#define REPORT(FIRST_DIR)                                                          \
	"Debian clang version 14.0.6\n"                                            \
	"Target: x86_64-unknown-linux-gnu\n"                                       \
	"Thread model: posix\n"                                                    \
	"InstalledDir: \n"                                                         \
	"Selected GCC installation: /../lib/gcc/x86_64-linux-gnu/12\n"             \
	"clang -cc1 version 14.0.6 based upon LLVM 14.0.6 default target x86_64-pc-linux-gnu\n" \
	"ignoring nonexistent directory \"include/generated/uapi\"\n"              \
	"#include \"...\" search starts here:\n"                                   \
	"#include <...> search starts here:\n"                                     \
	" " FIRST_DIR "\n"                                                         \
	" arch/x86/include\n"                                                      \
	" include\n"                                                               \
	" " BUILD "/arch/x86/include/generated\n"                                  \
	" " BUILD "/include\n"                                                     \
	" /virtual/lib/clang/include\n"                                            \
	" /virtual/include\n"                                                      \
	"End of search list.\n"

#define SECOND_RUN                                                                 \
	"clang -cc1 version 14.0.6 based upon LLVM 14.0.6 default target x86_64-pc-linux-gnu\n" \
	"#include <...> search starts here:\n"                                     \
	" /\n"                                                                     \
	" " BUILD "/include\n"                                                     \
	"End of search list.\n"

static const struct kernel_headers headers = {
	.source_dir = SOURCE,
	.build_dir = BUILD,
};

struct result {
	int err;
	char untrusted[256];
	char diagnostics[4096];
	char dirs[4096];
};

static void run(const char *text, struct result *r)
{
	FILE *diagnostics = fmemopen(r->diagnostics, sizeof(r->diagnostics), "w");
	FILE *dirs = fmemopen(r->dirs, sizeof(r->dirs), "w");

	memset(r, 0, sizeof(*r));
	r->err = include_search_check(text, strlen(text), &headers, diagnostics, dirs,
				      r->untrusted, sizeof(r->untrusted));
	fclose(diagnostics);
	fclose(dirs);
}

static void test_trusted_list_passes_and_is_named(void)
{
	struct result r;

	run(REPORT("/") "warning: a diagnostic of the program\n" SECOND_RUN, &r);
	CHECK_INT(r.err, 0);
	CHECK_STR(r.diagnostics, "warning: a diagnostic of the program\n");
	/* the first run's list only, relative entries resolved in the source dir */
	CHECK_STR(r.dirs, "BPF compile include directory: /\n"
			  "BPF compile include directory: " SOURCE "/arch/x86/include\n"
			  "BPF compile include directory: " SOURCE "/include\n"
			  "BPF compile include directory: " BUILD "/arch/x86/include/generated\n"
			  "BPF compile include directory: " BUILD "/include\n"
			  "BPF compile include directory: /virtual/lib/clang/include\n"
			  "BPF compile include directory: /virtual/include\n");
}

static void test_working_directory_is_refused(void)
{
	struct result r;

	run(REPORT("/tmp/shared-checkout"), &r);
	CHECK_INT(r.err, -EPERM);
	CHECK_STR(r.untrusted, "/tmp/shared-checkout");
	CHECK_STR(r.diagnostics, "");
}

static void test_untrusted_dir_in_a_later_run_is_refused(void)
{
	struct result r;

	run(REPORT("/") "clang -cc1 version 14.0.6\n#include <...> search starts here:\n"
			" /home/user/include\nEnd of search list.\n",
	    &r);
	CHECK_INT(r.err, -EPERM);
	CHECK_STR(r.untrusted, "/home/user/include");
}

static void test_lookalike_paths_are_refused(void)
{
	static const char *const untrusted[] = {
		BUILD "/../../../tmp",  /* climbs out of a kernel tree */
		BUILD "-evil/include",  /* shares the tree's name as a prefix */
		"../tmp",               /* climbs out of the source dir */
		"/usr/src",             /* holds the trees, is not one */
		"/virtualx/include",
	};

	for (size_t i = 0; i < sizeof(untrusted) / sizeof(untrusted[0]); i++) {
		char text[1024];
		struct result r;

		snprintf(text, sizeof(text),
			 "clang -cc1 version 14.0.6\n#include <...> search starts here:\n"
			 " /\n %s\nEnd of search list.\n",
			 untrusted[i]);
		run(text, &r);
		CHECK_INT(r.err, -EPERM);
		CHECK_STR(r.untrusted, untrusted[i]);
	}
}

static void test_missing_report_is_refused(void)
{
	struct result r;

	/* without the report nothing says what was searched */
	run("error: something else entirely\n", &r);
	CHECK_INT(r.err, -EPERM);
	CHECK_STR(r.diagnostics, "error: something else entirely\n");
}

static void test_long_diagnostic_lines_pass_whole(void)
{
	size_t len = 3 * PATH_MAX;
	char *text = malloc(len + sizeof(REPORT("/")) + 2);
	struct result r;

	memcpy(text, REPORT("/"), sizeof(REPORT("/")) - 1);
	memset(text + sizeof(REPORT("/")) - 1, 'x', len);
	strcpy(text + sizeof(REPORT("/")) - 1 + len, "\n");
	FILE *diagnostics = fmemopen(NULL, len + 16, "w+");
	r.err = include_search_check(text, strlen(text), &headers, diagnostics, NULL,
				     r.untrusted, sizeof(r.untrusted));
	CHECK_INT(r.err, 0);
	CHECK_INT(ftell(diagnostics), len + 1);
	fclose(diagnostics);
	free(text);
}

int main(void)
{
	test_trusted_list_passes_and_is_named();
	test_working_directory_is_refused();
	test_untrusted_dir_in_a_later_run_is_refused();
	test_lookalike_paths_are_refused();
	test_missing_report_is_refused();
	test_long_diagnostic_lines_pass_whole();
	return check_report("test_compile_includes");
}
