/* Formatting events as human lines or JSON lines. Each formatter writes one
 * whole line (with its newline) into a strbuf, so tests compare lines. The
 * format is chosen once: the session holds one struct output_ops. */
#ifndef ST_OUTPUT_H
#define ST_OUTPUT_H

#include <stdbool.h>

#include "events/event.h"
#include "protocols/exchange.h"
#include "base/strbuf.h"

struct output_style {
	bool json;
	bool json_b64;     /* add data_b64 */
	bool hex;          /* hex dump under human data lines */
	bool show_secrets; /* credentials as they are, not masked */
	uint32_t data_chars; /* payload characters in a human line, or: */
#define OUTPUT_DATA_CHARS_FIT UINT32_MAX /* as many as fit the line's width */
	uint32_t width;      /* the human line's width: the terminal's, else 120 */
	bool colour;         /* SGR colours in human lines */
};

struct output_ops {
	/* The line before the events (the human column header); NULL none. */
	void (*header)(struct strbuf *out, const struct output_style *style);
	void (*event)(struct strbuf *out, const struct event *ev, const struct output_style *style);
	/* An exchange; ev is the event that finished it. */
	void (*exchange)(struct strbuf *out, const struct event *ev,
			 const struct exchange *exchange, const struct output_style *style);
};

/* Human: aligned columns, "http GET / -> 200 OK  1.84ms ..." exchanges. */
extern const struct output_ops human_output;
/* JSON: one object per line, exchanges with request and response objects. */
extern const struct output_ops json_output;

/* The one the style asks for. */
const struct output_ops *output_ops_of(const struct output_style *style);

/* What stands for a credential's value when secrets are masked. */
#define OUTPUT_MASK "***"

#endif
