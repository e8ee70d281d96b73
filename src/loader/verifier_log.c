#include "loader/verifier_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct text_line {
	const char *start;
	size_t len;
};

static bool line_starts(struct text_line l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l.len >= n && !memcmp(l.start, prefix, n);
}

/* The line that ends just before end (which is a line's start), skipping
 * the '\n' between them; false at the log's start. */
static bool line_before(const char *log, const char *end, struct text_line *out)
{
	const char *start;

	if (end <= log)
		return false;
	if (end[-1] == '\n')
		end--;
	start = end;
	while (start > log && start[-1] != '\n')
		start--;
	out->start = start;
	out->len = (size_t)(end - start);
	return true;
}

/* What the verifier prints after its verdict: statistics, the two states
 * an "infinite loop detected" compared, blank lines. */
static bool line_is_trailer(struct text_line l)
{
	return !l.len || line_starts(l, "processed ") || line_starts(l, "verification time") ||
	       line_starts(l, "stack depth") || line_starts(l, "cur state:") ||
	       line_starts(l, "old state:");
}

/* An instruction ("12: (85) call ..."), a state ("12: R1=..."), a branch
 * ("from 3 to 7: ...") or a source line ("; ..."): the walk, not the verdict. */
static bool line_is_walk(struct text_line l)
{
	size_t i = 0;

	if (line_starts(l, ";") || line_starts(l, "from ") || line_starts(l, "last_idx ") ||
	    line_starts(l, "regs=") || line_starts(l, "parent "))
		return true;
	while (i < l.len && l.start[i] >= '0' && l.start[i] <= '9')
		i++;
	return i > 0 && i < l.len && l.start[i] == ':';
}

/* "; TEXT @ FILE:LINE" with LINE > 0: the kernel's source line. */
static bool source_line_parse(struct text_line l, struct verifier_reason *out)
{
	const char *at = NULL;
	const char *colon;
	unsigned line = 0;
	size_t name_len;

	if (!line_starts(l, "; "))
		return false;
	for (size_t i = 0; i + 3 <= l.len; i++)
		if (!memcmp(l.start + i, " @ ", 3))
			at = l.start + i + 3;
	if (!at)
		return false;
	colon = l.start + l.len;
	while (colon > at && colon[-1] >= '0' && colon[-1] <= '9')
		colon--;
	if (colon == l.start + l.len || colon <= at || colon[-1] != ':' ||
	    l.start + l.len - colon > 9)
		return false;
	for (const char *d = colon; d < l.start + l.len; d++)
		line = line * 10 + (unsigned)(*d - '0');
	name_len = (size_t)(colon - 1 - at);
	if (!line || !name_len || name_len >= sizeof(out->file))
		return false;
	memcpy(out->file, at, name_len);
	out->file[name_len] = '\0';
	out->line = line;
	return true;
}

void verifier_log_explain(const char *log, struct verifier_reason *out)
{
	struct text_line reason[VERIFIER_REASON_LINES];
	const char *at = log + strlen(log);
	struct text_line l;
	size_t used = 0;
	int n = 0;

	out->reason[0] = out->file[0] = '\0';
	out->line = 0;
	while (line_before(log, at, &l) && line_is_trailer(l))
		at = l.start;
	while (n < VERIFIER_REASON_LINES && line_before(log, at, &l) && !line_is_walk(l) &&
	       !line_is_trailer(l)) {
		reason[n++] = l;
		at = l.start;
	}
	for (int i = n - 1; i >= 0; i--) {
		int wrote = snprintf(out->reason + used, sizeof(out->reason) - used, "%s%.*s",
				     i == n - 1 ? "" : "; ", (int)reason[i].len, reason[i].start);
		if (wrote < 0 || (size_t)wrote >= sizeof(out->reason) - used)
			break;
		used += (size_t)wrote;
	}
	while (line_before(log, at, &l) && !source_line_parse(l, out))
		at = l.start;
}
