#include "transport/printk_line.h"

#include <stdbool.h>
#include <string.h>

#define EVENT_NAME "bpf_trace_printk: "
/* The comm column: "%16s", so the '-' before the tid is at this offset. */
#define COMM_WIDTH 16

struct cursor {
	const char *at;
	const char *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void spaces_skip(struct cursor *c)
{
	while (c->at < c->end && *c->at == ' ')
		c->at++;
}

/* A decimal number of at most 19 digits (no overflow); digits counts them. */
static bool number_take(struct cursor *c, uint64_t *value, int *digits)
{
	uint64_t v = 0;
	int n = 0;

	while (c->at < c->end && is_digit(*c->at) && n < 19) {
		v = v * 10 + (uint64_t)(*c->at++ - '0');
		n++;
	}
	if (!n || (c->at < c->end && is_digit(*c->at)))
		return false;
	*value = v;
	if (digits)
		*digits = n;
	return true;
}

static bool literal_take(struct cursor *c, const char *text)
{
	size_t len = strlen(text);

	if ((size_t)(c->end - c->at) < len || memcmp(c->at, text, len))
		return false;
	c->at += len;
	return true;
}

/* "CPU:N [LOST M EVENTS]" */
static bool lost_parse(struct cursor c, struct printk_line *out)
{
	uint64_t cpu, lost;

	if (!literal_take(&c, "CPU:") || !number_take(&c, &cpu, NULL) || cpu > 1u << 20 ||
	    !literal_take(&c, " [LOST ") || !number_take(&c, &lost, NULL) ||
	    !literal_take(&c, " EVENTS]") || c.at != c.end)
		return false;
	out->kind = PRINTK_LINE_LOST;
	out->cpu = (int)cpu;
	out->lost = lost;
	return true;
}

/* "SECONDS.FRACTION:" with 1 to 9 fraction digits (6 for usec, 9 for ns). */
static bool timestamp_take(struct cursor *c, uint64_t *ns)
{
	uint64_t seconds, fraction;
	int digits;

	if (!number_take(c, &seconds, NULL) || seconds > UINT64_MAX / 1000000000ull ||
	    !literal_take(c, ".") || !number_take(c, &fraction, &digits) || digits > 9 ||
	    !literal_take(c, ":"))
		return false;
	for (; digits < 9; digits++)
		fraction *= 10;
	*ns = seconds * 1000000000ull + fraction;
	return true;
}

static bool header_parse(struct cursor *c, struct printk_line *out)
{
	uint64_t tid, number;

	if (c->end - c->at <= COMM_WIDTH || c->at[COMM_WIDTH] != '-')
		return false;
	c->at += COMM_WIDTH + 1;
	if (!number_take(c, &tid, NULL) || tid > UINT32_MAX)
		return false;
	spaces_skip(c);
	if (literal_take(c, "(")) { /* the record-tgid option's "(%7d)" */
		spaces_skip(c);
		if (!number_take(c, &number, NULL) || !literal_take(c, ")"))
			return false;
		spaces_skip(c);
	}
	if (!literal_take(c, "[") || !number_take(c, &number, NULL) || !literal_take(c, "] "))
		return false;
	/* The irq-info flags ("d..31"): never starting with a digit. */
	if (c->at < c->end && !is_digit(*c->at)) {
		while (c->at < c->end && *c->at != ' ')
			c->at++;
		spaces_skip(c);
	}
	if (!timestamp_take(c, &out->ts_ns) || !literal_take(c, " "))
		return false;
	out->tid = (uint32_t)tid;
	return true;
}

void printk_line_parse(const char *line, size_t len, const char *tag, struct printk_line *out)
{
	struct cursor c = { line, line + len };

	memset(out, 0, sizeof(*out));
	out->kind = PRINTK_LINE_UNPARSED;
	if (lost_parse(c, out) || !header_parse(&c, out))
		return;
	out->kind = PRINTK_LINE_FOREIGN;
	if (!literal_take(&c, EVENT_NAME) || !literal_take(&c, tag))
		return;
	out->kind = PRINTK_LINE_OURS;
	out->text = c.at;
	out->text_len = (size_t)(c.end - c.at);
}
