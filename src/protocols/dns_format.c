/*
 * DNS in exchange lines and JSON, and its descriptor.
 *
 * Human: a query is "<type> <name>" ("A example.com"), a response
 * "<rcode>[ <answer>[, <answer>]...]" ("NOERROR 10 mx.example., 20 mx2.example.").
 * JSON: id, name, type; a response adds rcode, answers (at most
 * DECODER_MAX_ANSWERS strings) and n_answers (all of them).
 *
 * Endpoint: "<name> <type>" ("example.com A"), labels that are ids folded
 * ("{id}.cdn.example.com A", reverse lookups
 * "{id}.{id}.{id}.{id}.in-addr.arpa PTR"). Outcome: NOERROR is ok; SERVFAIL
 * and NOTIMP are the server's failures; any other rcode (NXDOMAIN, REFUSED,
 * FORMERR) is an answer that refuses the question as asked, a client error
 * as HTTP's 404 is. The status is the rcode's name.
 */
#include "protocols/dns.h"

#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"

static void dns_human_put(struct strbuf *out, const struct message *msg, bool request,
			  const struct output_style *style)
{
	const struct dns_message *dns = PROTOCOL_BODY_CONST(msg, struct dns_message);

	(void)style;
	if (request) {
		escape_cstr(out, dns->type);
		strbuf_putc(out, ' ');
		escape_cstr(out, dns->name);
		return;
	}
	escape_cstr(out, dns->rcode);
	for (uint32_t i = 0; i < dns->n_answers && i < DECODER_MAX_ANSWERS && dns->answers[i][0];
	     i++) {
		strbuf_puts(out, i ? ", " : " ");
		escape_cstr(out, dns->answers[i]);
	}
}

static void dns_json_put(struct strbuf *out, const struct message *msg,
			 const struct output_style *style)
{
	const struct dns_message *dns = PROTOCOL_BODY_CONST(msg, struct dns_message);

	(void)style;
	json_u64(out, KEY("id"), dns->id);
	json_raw(out, KEY("name"), dns->name);
	json_raw(out, KEY("type"), dns->type);
	if (!dns->is_response)
		return;
	json_raw(out, KEY("rcode"), dns->rcode);
	json_key(out, KEY("answers"));
	strbuf_putc(out, '[');
	for (uint32_t i = 0; i < dns->n_answers && i < DECODER_MAX_ANSWERS && dns->answers[i][0];
	     i++)
		json_array_string(out, i, dns->answers[i]);
	strbuf_putc(out, ']');
	json_u64(out, KEY("n_answers"), dns->n_answers);
}

static uint32_t dns_pair_id(const struct message *msg)
{
	return PROTOCOL_BODY_CONST(msg, struct dns_message)->id;
}

static bool dns_is_response(const struct message *msg)
{
	return PROTOCOL_BODY_CONST(msg, struct dns_message)->is_response;
}

static void dns_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct dns_message *dns = PROTOCOL_BODY_CONST(request, struct dns_message);

	endpoint_fold_segments(out, dns->name, strlen(dns->name), '.');
	strbuf_putc(out, ' ');
	strbuf_puts(out, dns->type);
	endpoint_mark_cut(out);
}

static enum outcome dns_outcome_of(const struct message *request, const struct message *response,
				   char *status)
{
	const char *rcode = PROTOCOL_BODY_CONST(response, struct dns_message)->rcode;

	(void)request;
	if (!rcode[0]) {
		/* A response whose start was lost (TCP): no header seen. Ok, as
		 * HTTP counts a status line not captured. */
		snprintf(status, STATUS_CLASS_MAX, "unknown");
		return OUTCOME_OK;
	}
	snprintf(status, STATUS_CLASS_MAX, "%s", rcode);
	if (!strcmp(rcode, "NOERROR"))
		return OUTCOME_OK;
	if (!strcmp(rcode, "SERVFAIL") || !strcmp(rcode, "NOTIMP"))
		return OUTCOME_SERVER_ERROR;
	return OUTCOME_CLIENT_ERROR;
}

const struct protocol dns_protocol = {
	.name = "dns",
	.port_hint = 53,
	.datagram = true,
	.stream_framed = true, /* DNS over TCP: a 2-byte length before each message */
	.pairing = PAIR_BY_ID,
	.body_size = sizeof(struct dns_message),
	.detect = dns_detect,
	.parse = dns_parse,
	.pair_id = dns_pair_id,
	.is_response = dns_is_response,
	.human_put = dns_human_put,
	.json_put = dns_json_put,
	.endpoint_put = dns_endpoint_put,
	.outcome_of = dns_outcome_of,
};
