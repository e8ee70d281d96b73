/* What a verifier log says in a line or two: why the kernel refused a
 * program, and where in the source, when the program carries line info. */
#ifndef ST_VERIFIER_LOG_H
#define ST_VERIFIER_LOG_H

#include <stddef.h>

#define VERIFIER_REASON_LINES 3

struct verifier_reason {
	char reason[512]; /* its last lines before the statistics, joined by "; " */
	char file[256];   /* the source file of the last "; ... @ FILE:LINE" before them, or "" */
	unsigned line;    /* its line, 0 when there is none */
};

/*
 * Reads a log as the kernel writes it: instruction and state lines, source
 * lines "; TEXT @ FILE:LINE" (the kernel keeps only FILE's base name) when
 * the program has BTF line info, then the reason (up to
 * VERIFIER_REASON_LINES lines) and the "processed N insns" statistics.
 * out->reason is "" when the log holds none.
 */
void verifier_log_explain(const char *log, struct verifier_reason *out);

#endif
