#include "loader/source_rewrite.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRINTK_NAME "bpf_trace_printk"

/* Room for a text of len bytes with count insertions of at most each
 * bytes, and a NUL; NULL when that overflows or malloc fails. */
static char *text_grown_alloc(size_t len, size_t count, size_t each)
{
	if (count > (SIZE_MAX - len - 1) / each)
		return NULL;
	return malloc(len + count * each + 1);
}

char *source_line_markers(const char *text, size_t len, const char *name, size_t *out_len)
{
	size_t lines = 1;
	size_t marker_max = strlen(name) + sizeof("#line 18446744073709551615 \"\"\n");
	size_t used = 0;
	size_t number = 1;
	bool continued = false;
	char *out;

	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	out = text_grown_alloc(len, lines, marker_max);
	if (!out)
		return NULL;
	for (size_t at = 0; at < len; number++) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;

		if (!continued)
			used += (size_t)sprintf(out + used, "#line %zu \"%s\"\n", number, name);
		memcpy(out + used, text + at, end - at);
		used += end - at;
		/* "\\\n" or "\\\r\n" splices the next line into this one */
		continued = nl && ((end - at >= 2 && text[end - 2] == '\\') ||
				   (end - at >= 3 && text[end - 2] == '\r' && text[end - 3] == '\\'));
		at = end;
	}
	out[used] = '\0';
	*out_len = used;
	return out;
}

static bool identifier_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Where the "(" of a call at text[at] (the identifier's start) is, or 0. */
static size_t printk_call_paren(const char *text, size_t len, size_t at)
{
	size_t n = strlen(PRINTK_NAME);
	size_t p = at + n;

	if (len - at < n || memcmp(text + at, PRINTK_NAME, n) ||
	    (at && identifier_char(text[at - 1])) || (p < len && identifier_char(text[p])))
		return 0;
	while (p < len && (text[p] == ' ' || text[p] == '\t'))
		p++;
	return p < len && text[p] == '(' ? p : 0;
}

char *source_printk_tag(const char *text, size_t len, const char *tag, size_t *out_len)
{
	size_t insert_len = strlen(tag) + 3; /* "TAG" and a space */
	size_t calls = 0;
	size_t used = 0;
	size_t from = 0;
	char *out;

	for (size_t i = 0; i < len; i++)
		calls += printk_call_paren(text, len, i) != 0;
	out = text_grown_alloc(len, calls, insert_len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		size_t paren = printk_call_paren(text, len, i);

		if (!paren)
			continue;
		memcpy(out + used, text + from, paren + 1 - from);
		used += paren + 1 - from;
		used += (size_t)sprintf(out + used, "\"%s\" ", tag);
		from = paren + 1;
		i = paren;
	}
	memcpy(out + used, text + from, len - from);
	used += len - from;
	out[used] = '\0';
	*out_len = used;
	return out;
}
