/* What the BPF compile may read: the include directories socket-tracer
 * names (the kernel headers, bcc's in-memory headers) and nothing from the
 * directory it was started in. bcc 0.26 puts its caller's working
 * directory first in the include path ("-I" cwd, before the kernel tree),
 * so a header planted in /tmp or a shared checkout would otherwise become
 * code that root loads into the kernel. The compile child confines itself,
 * and then checks the search list clang itself reports (-v). */
#ifndef ST_COMPILE_INCLUDES_H
#define ST_COMPILE_INCLUDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "loader/kernel_headers.h"

/* The flag that makes clang print its include search list. */
#define COMPILE_INCLUDES_CFLAG "-v"

/* In the compile child, before bcc runs: moves to "/" (which must be owned
 * by root and writable by nobody else) and drops the environment variables
 * clang's driver would add include directories from. Returns 0 or a
 * negative errno after printing why. */
int compile_includes_confine(void);

/* stderr of the compile, held so the search list can be checked before
 * anything is loaded. */
struct includes_capture {
	int saved_stderr;
	int memfd;
};

/* Sends stderr to a memory file until compile_includes_release (also run
 * at exit(), which LLVM calls on a backend error). Returns 0 or a negative
 * errno after printing why. */
int compile_includes_capture(struct includes_capture *capture,
			     const struct kernel_headers *headers);

/* Restores stderr, prints the compiler's diagnostics to it (without the
 * -v report) and, with verbose, each include directory searched. Returns 0
 * when every searched directory is one socket-tracer trusts, else -EPERM
 * after printing the first that is not. */
int compile_includes_release(struct includes_capture *capture,
			     const struct kernel_headers *headers, bool verbose);

/* The check behind compile_includes_release, on clang's stderr text: the
 * -v report's lines are dropped and every other line goes to diagnostics;
 * each searched directory is checked and, when dirs is not NULL, printed
 * to it once (relative ones resolved against the kernel source dir, where
 * bcc runs clang). Returns 0, or -EPERM with the first untrusted directory
 * in untrusted. */
int include_search_check(const char *text, size_t len, const struct kernel_headers *headers,
			 FILE *diagnostics, FILE *dirs, char *untrusted, size_t untrusted_size);

#endif
