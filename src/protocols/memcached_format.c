/*
 * memcached in exchange lines and JSON, and its descriptor.
 *
 * Human: a text or meta request is its command line ("get k1 k2 k3",
 * "set k1 5 0 5", "mg k v f t"), a binary one "binary GETK key 13B"; a
 * reply is its line ("STORED", "CLIENT_ERROR bad command line format",
 * "VA 5 f3 t-1"), a get's "2 hits, 1 miss, 8B", stats' "68 stats", an
 * incr's new value, a binary one "binary GETK NO_ERROR 13B", and a quiet
 * request's missing reply "(no reply)". A credential is never printed.
 */
#include "protocols/memcached.h"

#include <inttypes.h>
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

const struct protocol memcached_protocol = {
	.name = "memcached",
	.port_hint = 11211,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct memcached_message),
	.detect = memcached_detect,
	.parse = memcached_parse,
	.human_put = memcached_human_put,
	.json_put = memcached_json_put,
};
