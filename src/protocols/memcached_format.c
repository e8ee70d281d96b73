/*
 * memcached in exchange lines and JSON, and its descriptor.
 *
 * Human: a text or meta request is its command line ("get k1 k2 k3",
 * "set k1 5 0 5", "mg k v f t"), a binary one "binary GETK key 13B"; a
 * reply is its line ("STORED", "CLIENT_ERROR bad command line format",
 * "VA 5 f3 t-1"), a get's "2 hits, 1 miss, 8B", stats' "68 stats", an
 * incr's new value, a binary one "binary GETK NO_ERROR 13B", and a quiet
 * request's missing reply "(no reply)". A credential is never printed.
 *
 * Endpoint: the command ("get", "set", "mg", a binary opcode's name
 * "GETKQ"), never its keys (one endpoint per key would be thousands).
 * Outcome: ERROR (an unknown command) and CLIENT_ERROR are client errors,
 * SERVER_ERROR a server error; binary statuses likewise (EINVAL, E2BIG,
 * DELTA_BADVAL, AUTH_ERROR, UNKNOWN_COMMAND the client's; ENOMEM,
 * EINTERNAL, EBUSY, ETMPFAIL, NOT_SUPPORTED the server's), status the name.
 * A miss is ok, not an error: the cache answered, status "miss" (a get
 * without a hit, meta EN, a quiet get's missing reply) or "hit"; a store
 * that did not apply is ok too, its status the code (NOT_STORED, EXISTS,
 * NOT_FOUND, meta NS, EX, NF, binary KEY_ENOENT, KEY_EEXISTS); any other
 * reply "ok".
 */
#include "protocols/memcached.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static const char *format_name(uint8_t format)
{
	switch (format) {
	case MEMCACHED_META:
		return "meta";
	case MEMCACHED_BINARY:
		return "binary";
	default:
		return "text";
	}
}

/* A get's reply: its hits, and misses when the request's keys are known. */
static bool is_get_reply(const struct memcached_message *mc)
{
	return mc->format == MEMCACHED_TEXT &&
	       (!strcmp(mc->code, "VALUE") || !strcmp(mc->code, "END"));
}

static void request_human_put(struct strbuf *out, const struct memcached_message *mc)
{
	if (mc->format == MEMCACHED_BINARY) {
		strbuf_puts(out, "binary ");
		escape_cstr(out, mc->command);
		if (mc->key[0]) {
			strbuf_putc(out, ' ');
			escape_cstr(out, mc->key);
		}
		if (mc->credentials)
			strbuf_puts(out, " " OUTPUT_MASK);
		else if (mc->value_bytes)
			strbuf_printf(out, " %" PRIu64 "B", mc->value_bytes);
		return;
	}
	if (!mc->line[0] && !mc->command[0]) {
		strbuf_puts(out, "request");
		return;
	}
	escape_cstr(out, mc->line);
	if (mc->line_cut)
		strbuf_puts(out, "...");
	if (mc->n_keys > 1 && mc->line_cut)
		strbuf_printf(out, " (%" PRIu32 " keys)", mc->n_keys);
	if (mc->credentials)
		strbuf_puts(out, " (credentials " OUTPUT_MASK ")");
}

static void reply_human_put(struct strbuf *out, const struct memcached_message *mc)
{
	if (mc->no_reply) {
		strbuf_puts(out, "(no reply)");
		return;
	}
	if (mc->format == MEMCACHED_BINARY) {
		/* The opcode is the request's: the status is enough. */
		escape_cstr(out, mc->code);
		if (mc->has_number)
			strbuf_printf(out, " %" PRIu64, mc->number);
		else if (mc->message[0]) {
			strbuf_puts(out, " \"");
			escape_cstr(out, mc->message);
			strbuf_putc(out, '"');
		} else if (mc->stats) {
			strbuf_printf(out, " %" PRIu32 " stats", mc->stats);
		} else if (mc->value_bytes) {
			strbuf_printf(out, " %" PRIu64 "B", mc->value_bytes);
		}
		return;
	}
	if (!mc->code[0]) {
		strbuf_puts(out, "reply");
		return;
	}
	if (is_get_reply(mc)) {
		strbuf_printf(out, "%" PRIu32 " hit%s", mc->hits, mc->hits == 1 ? "" : "s");
		if (mc->misses_known)
			strbuf_printf(out, ", %" PRIu32 " miss%s", mc->misses,
				      mc->misses == 1 ? "" : "es");
		if (mc->value_bytes)
			strbuf_printf(out, ", %" PRIu64 "B", mc->value_bytes);
		if (mc->message[0]) {
			strbuf_puts(out, ", ");
			escape_cstr(out, mc->message);
		}
		return;
	}
	if (!strcmp(mc->code, "STAT") || !strcmp(mc->code, "ITEM")) {
		strbuf_printf(out, "%" PRIu32 " %s", mc->code[0] == 'S' ? mc->stats : 0,
			      mc->code[0] == 'S' ? "stats" : "items");
		return;
	}
	if (mc->has_number) {
		strbuf_printf(out, "%" PRIu64, mc->number);
		return;
	}
	escape_cstr(out, mc->line);
	if (mc->line_cut)
		strbuf_puts(out, "...");
}

static void memcached_human_put(struct strbuf *out, const struct message *msg, bool request,
				const struct output_style *style)
{
	const struct memcached_message *mc = PROTOCOL_BODY_CONST(msg, struct memcached_message);

	(void)style;
	if (request)
		request_human_put(out, mc);
	else
		reply_human_put(out, mc);
}

static void memcached_json_put(struct strbuf *out, const struct message *msg,
			       const struct output_style *style)
{
	const struct memcached_message *mc = PROTOCOL_BODY_CONST(msg, struct memcached_message);
	bool binary = mc->format == MEMCACHED_BINARY;

	(void)style;
	json_raw(out, KEY("format"), format_name(mc->format));
	if (mc->is_request) {
		json_raw(out, KEY("command"), mc->command);
		if (!binary)
			json_raw(out, KEY("line"), mc->line);
		json_raw(out, KEY("key"), mc->key);
		json_u64(out, KEY("n_keys"), mc->n_keys);
		json_u64(out, KEY("value_bytes"), mc->value_bytes);
		json_bool(out, KEY("noreply"), mc->noreply);
		if (mc->credentials)
			json_raw(out, KEY("credentials"), OUTPUT_MASK);
		if (binary) {
			json_u64(out, KEY("opcode"), mc->opcode);
			json_u64(out, KEY("opaque"), mc->opaque);
		}
		return;
	}
	if (mc->no_reply) {
		json_bool(out, KEY("no_reply"), true);
		return;
	}
	if (binary)
		json_raw(out, KEY("command"), mc->command);
	json_raw(out, KEY("code"), mc->code);
	if (!binary)
		json_raw(out, KEY("line"), mc->line);
	json_raw(out, KEY("message"), mc->message);
	json_u64(out, KEY("hits"), mc->hits);
	if (mc->misses_known)
		json_u64(out, KEY("misses"), mc->misses);
	json_u64(out, KEY("value_bytes"), mc->value_bytes);
	json_u64(out, KEY("stats"), mc->stats);
	if (mc->has_number)
		json_u64(out, KEY("number"), mc->number);
	if (binary) {
		json_u64(out, KEY("opcode"), mc->opcode);
		json_u64(out, KEY("status"), mc->status);
		json_u64(out, KEY("opaque"), mc->opaque);
	}
}

static void memcached_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct memcached_message *mc = PROTOCOL_BODY_CONST(request, struct memcached_message);

	/* No command word kept (as the human line's "request"). */
	strbuf_puts(out, mc->command[0] ? mc->command : "memcached");
}

static bool is_get_command(const char *command)
{
	return !strcmp(command, "get") || !strcmp(command, "gets") || !strcmp(command, "gat") ||
	       !strcmp(command, "gats") || !strcmp(command, "mg") || !strncmp(command, "GET", 3) ||
	       !strncmp(command, "GAT", 3);
}

static bool code_is(const char *code, const char *const *codes)
{
	for (; *codes; codes++)
		if (!strcmp(code, *codes))
			return true;
	return false;
}

static enum outcome binary_outcome(uint16_t status)
{
	switch (status) {
	case 0x00: /* NO_ERROR */
	case 0x01: /* KEY_ENOENT: a miss */
	case 0x02: /* KEY_EEXISTS */
	case 0x05: /* NOT_STORED */
	case 0x09: /* AUTH_CONTINUE (and its newer code) */
	case 0x21:
		return OUTCOME_OK;
	case 0x82: /* ENOMEM */
	case 0x83: /* NOT_SUPPORTED */
	case 0x84: /* EINTERNAL */
	case 0x85: /* EBUSY */
	case 0x86: /* ETMPFAIL */
		return OUTCOME_SERVER_ERROR;
	default:
		return OUTCOME_CLIENT_ERROR;
	}
}

static enum outcome memcached_outcome_of(const struct message *request,
					 const struct message *response, char *status)
{
	static const char *const not_applied[] = { "NOT_STORED", "EXISTS", "NOT_FOUND", "NS",
						   "EX", "NF", NULL };
	const struct memcached_message *mc =
		PROTOCOL_BODY_CONST(response, struct memcached_message);
	const struct memcached_message *rq =
		request ? PROTOCOL_BODY_CONST(request, struct memcached_message) : NULL;

	if (mc->no_reply) {
		/* A quiet request answered by silence: a get missed, anything else
		 * succeeded. */
		strcpy(status, rq && is_get_command(rq->command) ? "miss" : "ok");
		return OUTCOME_OK;
	}
	if (mc->format == MEMCACHED_BINARY) {
		snprintf(status, STATUS_CLASS_MAX, "%s", mc->code);
		return binary_outcome(mc->status);
	}
	if (!strcmp(mc->code, "ERROR") || !strcmp(mc->code, "CLIENT_ERROR") ||
	    !strcmp(mc->code, "SERVER_ERROR")) {
		strcpy(status, mc->code);
		return mc->code[0] == 'S' ? OUTCOME_SERVER_ERROR : OUTCOME_CLIENT_ERROR;
	}
	if (is_get_reply(mc))
		strcpy(status, mc->hits ? "hit" : "miss");
	else if (!strcmp(mc->code, "VA") || !strcmp(mc->code, "EN"))
		strcpy(status, mc->code[0] == 'V' ? "hit" : "miss");
	else if (code_is(mc->code, not_applied))
		strcpy(status, mc->code);
	else
		strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol memcached_protocol = {
	.name = "memcached",
	.port_hint = 11211,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct memcached_message),
	.detect = memcached_detect,
	.parse = memcached_parse,
	.human_put = memcached_human_put,
	.json_put = memcached_json_put,
	.endpoint_put = memcached_endpoint_put,
	.outcome_of = memcached_outcome_of,
};
