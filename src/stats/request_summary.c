#include "stats/request_summary.h"

#include <string.h>

#include "base/strbuf.h"
#include "events/format.h"

bool request_summary_of(const struct event *ev, const struct exchange *exchange,
			struct request_summary *out)
{
	const struct protocol *protocol = exchange->protocol;
	struct strbuf endpoint;

	if (exchange->unsolicited || exchange->alone)
		return false;
	memset(out, 0, sizeof(*out));
	out->protocol = protocol;
	out->name = protocol->exchange_label
			    ? protocol->exchange_label(exchange->request, exchange->response)
			    : NULL;
	if (!out->name)
		out->name = protocol->name;
	out->role = format_role(ev->sock_flags);
	out->remote = ev->remote;
	out->family = ev->family;
	strbuf_init(&endpoint, out->endpoint, sizeof(out->endpoint));
	if (!exchange->request)
		strbuf_puts(&endpoint, ENDPOINT_REQUEST_NOT_SEEN);
	else if (!exchange->request->started)
		strbuf_puts(&endpoint, ENDPOINT_NOT_CAPTURED);
	else if (protocol->endpoint_put)
		protocol->endpoint_put(&endpoint, exchange->request);
	else
		strbuf_puts(&endpoint, protocol->name);
	if (!exchange->response) {
		out->outcome = OUTCOME_NONE;
	} else if (!exchange->response->started) {
		/* its start was not captured: answered, how is not known */
		out->outcome = OUTCOME_OK;
		strcpy(out->status, "unknown");
	} else if (protocol->outcome_of) {
		out->outcome = protocol->outcome_of(exchange->request, exchange->response,
						    out->status);
		out->status[STATUS_CLASS_MAX - 1] = '\0';
	} else {
		out->outcome = OUTCOME_OK;
		strcpy(out->status, "ok");
	}
	out->timed = exchange->request && exchange->response;
	if (out->timed)
		out->latency_ns = exchange->response_ts_ns - exchange->request_ts_ns;
	out->request_bytes = exchange->request_bytes;
	out->response_bytes = exchange->response_bytes;
	return true;
}
