/* Formatting events as human lines or JSON lines. Each formatter writes one
 * whole line (with its newline) into a strbuf, so tests compare lines. */
#ifndef ST_OUTPUT_H
#define ST_OUTPUT_H

#include <stdbool.h>

#include "event.h"
#include "exchange.h"
#include "output/strbuf.h"

struct output_style {
	bool json;
	bool json_b64;  /* add data_b64 */
	bool hex;       /* hex dump under human data lines */
	uint32_t data_chars; /* payload characters in a human line */
};

/* An exchange: identity columns, then "http GET / -> 200 OK  1.84ms ...". */
void human_exchange_format(struct strbuf *out, const struct event *ev,
			   const struct exchange *exchange);
/* An exchange as a JSON object with request and response objects. */
void json_exchange_format(struct strbuf *out, const struct event *ev,
			  const struct exchange *exchange);

/* "client", "server" or "unknown", from the sock_flags. */
const char *output_role(uint32_t sock_flags);

/* The human column header line. */
void human_header_format(struct strbuf *out);
void human_event_format(struct strbuf *out, const struct event *ev,
			const struct output_style *style);
void json_event_format(struct strbuf *out, const struct event *ev,
		       const struct output_style *style);

/* Whichever of the two the style asks for. */
void output_event_format(struct strbuf *out, const struct event *ev,
			 const struct output_style *style);

#endif
