/* The BPF program's text: the embedded one or a user's --bpf file, always
 * behind the shared header so both sides agree on every struct. */
#ifndef ST_BPF_SOURCE_H
#define ST_BPF_SOURCE_H

#include <stdio.h>

/* Builds the text to compile: the shared header, then the program (the
 * embedded one, or bpf_file), with #line markers so compiler diagnostics
 * and the verifier's line info name the right file and line. printk_tag,
 * unless NULL, goes in front of a bpf_file's bpf_trace_printk formats
 * (--debug keeps only the lines that carry it). Returns 0 and a malloc'd
 * string in *text, or a negative errno after printing why. */
int bpf_source_compose(const char *bpf_file, const char *printk_tag, char **text);

/* Writes the embedded header and program, as one file a user can edit and
 * pass back with --bpf. Returns 0 or a negative errno. */
int bpf_source_dump(FILE *out);

#endif
