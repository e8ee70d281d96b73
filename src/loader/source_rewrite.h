/* Text rewrites of a user's BPF program before bcc sees it: #line markers
 * that keep every source line's number, and the --debug tag in front of
 * each bpf_trace_printk format. */
#ifndef ST_SOURCE_REWRITE_H
#define ST_SOURCE_REWRITE_H

#include <stddef.h>

/*
 * Puts "#line N \"name\"" before every line N of text (but after a line
 * that a backslash continues), so that each line keeps its number through
 * bcc, whose rewriter adds lines to the text it compiles (map accesses
 * become several lines): compile errors and the verifier's BTF line info
 * then name the line of the user's file. name is already escaped for a
 * string literal. Returns a malloc'd NUL-terminated text and its length in
 * *out_len, or NULL when out of memory.
 */
char *source_line_markers(const char *text, size_t len, const char *name, size_t *out_len);

/*
 * Makes every call bpf_trace_printk(FORMAT, ...) write
 * bpf_trace_printk("TAG" FORMAT, ...): tag (letters and digits, then a
 * space) ahead of the format by string-literal concatenation, which bcc's
 * printk rewrite takes as one literal. Only the identifier followed by
 * "(" is touched (a word of its own; spaces allowed before the "("); no
 * line is added, so line numbers hold. Returns a malloc'd text and its
 * length in *out_len, or NULL when out of memory.
 */
char *source_printk_tag(const char *text, size_t len, const char *tag, size_t *out_len);

#endif
