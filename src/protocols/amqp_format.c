/*
 * AMQP 0-9-1 in exchange lines and JSON, and its descriptor.
 *
 * Human: the protocol header "AMQP 0-9-1"; a method is its channel (when
 * not 0), its name and its fields as the method table says
 * ("ch1 queue.declare st-queue durable", "ch1 queue.declare-ok st-queue
 * message_count=3 consumer_count=0", "ch2 channel.close 404 NOT_FOUND
 * \"NOT_FOUND - no queue ...\" (queue.declare)"), then for a method with
 * content its body size ("body 5B"). A message reported alone starts with
 * its sender ("server ch1 basic.deliver ..."). Credentials show as
 * OUTPUT_MASK unless --show-secrets.
 *
 * Endpoint: the method's name ("queue.declare"); a basic.publish's also
 * its exchange ("(default)" for the unnamed one) and routing key with its
 * '.'-separated ids folded ("basic.publish orders order.{id}.created").
 * Outcome: an answer that is a channel.close or connection.close failed,
 * its status the reply code's name ("NOT_FOUND"): CONNECTION_FORCED,
 * RESOURCE_ERROR, NOT_IMPLEMENTED and INTERNAL_ERROR are the server's
 * failures, the other codes refuse what the client asked (ACCESS_REFUSED,
 * PRECONDITION_FAILED, COMMAND_INVALID); REPLY_SUCCESS and any other
 * answer (the -ok methods) are "ok".
 */
#include "protocols/amqp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"

/* How many of the message's strings and numbers a field fills (as
 * amqp.c's field_read keeps them). */
static unsigned field_strings(const struct amqp_field *f)
{
	if (f->type == AMQP_F_PEER_TABLE)
		return 2;
	return (f->type == AMQP_F_SHORTSTR || f->type == AMQP_F_LONGSTR) && f->key ? 1 : 0;
}

static unsigned field_numbers(const struct amqp_field *f)
{
	switch (f->type) {
	case AMQP_F_OCTET:
	case AMQP_F_BITS:
	case AMQP_F_SHORT:
		return f->key ? 1 : 0;
	case AMQP_F_VERSION:
	case AMQP_F_LONG:
	case AMQP_F_LONGLONG:
		return 1;
	default:
		return 0;
	}
}

/* A walk over a method's fields and the values the message holds for
 * them: the human and JSON writers read them the same way. */
struct field_walk {
	const struct amqp_message *m;
	const struct amqp_method *method;
	int next;      /* the next field's index */
	unsigned s, n; /* the message's strings and numbers taken, this field's too */
	const struct amqp_field *f;
	bool have;	  /* the message holds this field's values */
	const char *text; /* its first string, or NULL */
	uint64_t number;  /* its number, or 0 */
};

static bool field_walk_next(struct field_walk *w)
{
	const struct amqp_field *f;
	unsigned ns, nn;

	if (w->next >= AMQP_FIELDS_MAX || w->method->fields[w->next].type == AMQP_F_END)
		return false;
	f = &w->method->fields[w->next++];
	ns = field_strings(f);
	nn = field_numbers(f);
	w->f = f;
	w->have = w->s + ns <= w->m->n_strings && w->n + nn <= w->m->n_numbers;
	w->text = ns ? w->m->strings[w->s] : NULL;
	w->number = nn ? w->m->numbers[w->n] : 0;
	w->s += ns;
	w->n += nn;
	return true;
}

/* A close's failing method: this field's class id and the method id
 * after it; NULL when not known. */
static const struct amqp_method *failing_method(const struct field_walk *w)
{
	return w->n < w->m->n_numbers
		       ? amqp_method_find((uint16_t)w->number, (uint16_t)w->m->numbers[w->n])
		       : NULL;
}

static bool secret_masked(const struct output_style *style)
{
	return !(style && style->show_secrets);
}

static void version_put(struct strbuf *out, const struct amqp_message *m)
{
	strbuf_printf(out, "%u-%u-%u", m->version[1], m->version[2], m->version[3]);
}

/* The next name of a comma-separated list (bit 0 names the first) whose
 * bit is set: *names and *bits move on past it. False after the last. */
static bool set_bit_next(const char **names, uint64_t *bits, const char **name, int *len)
{
	while (*names && **names) {
		const char *end = strchr(*names, ',');
		bool set = *bits & 1;

		*name = *names;
		*len = end ? (int)(end - *names) : (int)strlen(*names);
		*names = end ? end + 1 : NULL;
		*bits >>= 1;
		if (set)
			return true;
	}
	return false;
}

/* The names of the set bits, space separated. */
static void bits_put(struct strbuf *out, const char *names, uint64_t bits, bool leading_space)
{
	const char *name;
	int len;

	while (set_bit_next(&names, &bits, &name, &len)) {
		if (leading_space)
			strbuf_putc(out, ' ');
		strbuf_printf(out, "%.*s", len, name);
		leading_space = true;
	}
}

/* Quoted when asked, or when empty or holding a blank ("AMQPLAIN PLAIN"). */
static void text_put(struct strbuf *out, const char *text, bool quoted)
{
	quoted = quoted || !text[0] || strchr(text, ' ');
	if (quoted)
		strbuf_putc(out, '"');
	escape_cstr(out, text);
	if (quoted)
		strbuf_putc(out, '"');
}

static void method_human_put(struct strbuf *out, const struct amqp_message *m,
			     const struct amqp_method *method, const struct output_style *style)
{
	struct field_walk w = { .m = m, .method = method };

	while (field_walk_next(&w)) {
		const struct amqp_field *f = w.f;

		if (f->type == AMQP_F_SECRET) {
			if (!m->has_secret)
				continue;
			strbuf_putc(out, ' ');
			if (secret_masked(style))
				strbuf_puts(out, OUTPUT_MASK);
			else
				escape_text(out, m->secret, m->secret_kept, m->secret_kept);
			continue;
		}
		if (!w.have || f->show == AMQP_SHOW_NONE)
			continue;
		if (f->type == AMQP_F_BITS) {
			bits_put(out, f->bits, w.number, true);
			continue;
		}
		if (f->show == AMQP_SHOW_METHOD && !w.number)
			continue; /* a close that names no method */
		strbuf_putc(out, ' ');
		switch (f->show) {
		case AMQP_SHOW_KV:
			strbuf_printf(out, "%s=", f->key);
			/* fall through */
		case AMQP_SHOW_BARE:
			if (f->type == AMQP_F_VERSION)
				strbuf_printf(out, "%u-%u", (unsigned)(w.number >> 8),
					      (unsigned)(w.number & 0xff));
			else if (w.text)
				text_put(out, w.text, false);
			else
				strbuf_printf(out, "%" PRIu64, w.number);
			break;
		case AMQP_SHOW_QUOTED:
			text_put(out, w.text ? w.text : "", true);
			break;
		case AMQP_SHOW_CODE: {
			const char *name = amqp_reply_code_name(w.number);

			strbuf_printf(out, "%" PRIu64 "%s%s", w.number, name ? " " : "",
				      name ? name : "");
			break;
		}
		case AMQP_SHOW_METHOD: {
			const struct amqp_method *failing = failing_method(&w);

			if (failing)
				strbuf_printf(out, "(%s)", failing->name);
			else
				strbuf_printf(out, "(%" PRIu64 ".%" PRIu64 ")", w.number,
					      w.n < m->n_numbers ? m->numbers[w.n] : 0);
			break;
		}
		default:
			break;
		}
	}
}

static void amqp_human_put(struct strbuf *out, const struct message *msg, bool request,
			   const struct output_style *style)
{
	const struct amqp_message *m = PROTOCOL_BODY_CONST(msg, struct amqp_message);
	const struct amqp_method *method;

	(void)request;
	if (m->kind == AMQP_KIND_PROTOCOL_HEADER) {
		strbuf_puts(out, "AMQP ");
		version_put(out, m);
		return;
	}
	method = m->kind == AMQP_KIND_METHOD ? amqp_method_find(m->class_id, m->method_id) : NULL;
	if (!method) {
		strbuf_puts(out, "frames");
		return;
	}
	if (m->alone)
		strbuf_puts(out, m->from_client ? "client " : "server ");
	if (m->channel)
		strbuf_printf(out, "ch%u ", m->channel);
	strbuf_puts(out, method->name);
	method_human_put(out, m, method, style);
	if (m->fields_cut)
		strbuf_puts(out, " ...");
	if (!m->has_content)
		return;
	if (m->content_header_seen)
		strbuf_printf(out, " body %" PRIu64 "B", m->body_size);
	if (m->content_missing)
		strbuf_puts(out, " (content not seen)");
}

/* ",\"<prefix>_<name>\":" for a key made at run time (names from the
 * method table). */
static void json_key_joined(struct strbuf *out, const char *prefix, const char *name)
{
	strbuf_printf(out, ",\"%s_%s\":", prefix, name);
}

static void method_json_put(struct strbuf *out, const struct amqp_message *m,
			    const struct amqp_method *method, const struct output_style *style)
{
	struct field_walk w = { .m = m, .method = method };

	while (field_walk_next(&w)) {
		const struct amqp_field *f = w.f;
		char prefix[16];

		if (f->type == AMQP_F_SECRET) {
			if (!m->has_secret)
				continue;
			strbuf_printf(out, ",\"%s_len\":%" PRIu32 ",\"%s\":", f->key, m->secret_len,
				      f->key);
			if (secret_masked(style))
				strbuf_puts(out, "\"" OUTPUT_MASK "\"");
			else {
				strbuf_putc(out, '"');
				escape_json(out, m->secret, m->secret_kept);
				strbuf_putc(out, '"');
			}
			continue;
		}
		if (!w.have || !f->key)
			continue;
		switch (f->type) {
		case AMQP_F_PEER_TABLE:
			/* "server_product" names the pair: server_product, server_version. */
			snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(f->key, "_"), f->key);
			json_key_joined(out, prefix, "product");
			strbuf_putc(out, '"');
			escape_json(out, (const uint8_t *)w.text, strlen(w.text));
			strbuf_putc(out, '"');
			json_key_joined(out, prefix, "version");
			strbuf_putc(out, '"');
			escape_json(out, (const uint8_t *)m->strings[w.s - 1],
				    strlen(m->strings[w.s - 1]));
			strbuf_putc(out, '"');
			break;
		case AMQP_F_VERSION: {
			char version[16];

			snprintf(version, sizeof(version), "%u-%u", (unsigned)(w.number >> 8),
				 (unsigned)(w.number & 0xff));
			strbuf_printf(out, ",\"%s\":\"%s\"", f->key, version);
			break;
		}
		case AMQP_F_BITS: {
			const char *names = f->bits, *name;
			uint64_t bits = w.number;
			bool first = true;
			int len;

			strbuf_printf(out, ",\"%s\":[", f->key);
			while (set_bit_next(&names, &bits, &name, &len)) {
				strbuf_printf(out, "%s\"%.*s\"", first ? "" : ",", len, name);
				first = false;
			}
			strbuf_putc(out, ']');
			break;
		}
		default:
			if (w.text) {
				strbuf_printf(out, ",\"%s\":\"", f->key);
				escape_json(out, (const uint8_t *)w.text, strlen(w.text));
				strbuf_putc(out, '"');
				break;
			}
			strbuf_printf(out, ",\"%s\":%" PRIu64, f->key, w.number);
			if (f->show == AMQP_SHOW_CODE) {
				const char *name = amqp_reply_code_name(w.number);

				strbuf_puts(out, ",\"reply_code_name\":");
				if (name)
					strbuf_printf(out, "\"%s\"", name);
				else
					strbuf_puts(out, "null");
			}
			if (f->show == AMQP_SHOW_METHOD) {
				const struct amqp_method *failing = failing_method(&w);

				strbuf_puts(out, ",\"failing_method\":");
				if (failing)
					strbuf_printf(out, "\"%s\"", failing->name);
				else
					strbuf_puts(out, "null");
			}
			break;
		}
	}
}

static void amqp_json_put(struct strbuf *out, const struct message *msg,
			  const struct output_style *style)
{
	const struct amqp_message *m = PROTOCOL_BODY_CONST(msg, struct amqp_message);
	const struct amqp_method *method;

	json_name(out, KEY("sender"), m->from_client ? "client" : "server");
	if (m->kind == AMQP_KIND_PROTOCOL_HEADER) {
		json_name(out, KEY("method"), "protocol_header");
		strbuf_printf(out, ",\"version\":\"%u-%u-%u\"", m->version[1], m->version[2],
			      m->version[3]);
		return;
	}
	method = m->kind == AMQP_KIND_METHOD ? amqp_method_find(m->class_id, m->method_id) : NULL;
	if (!method) {
		json_key(out, KEY("method"));
		strbuf_puts(out, "null");
		return;
	}
	json_name(out, KEY("method"), method->name);
	json_u64(out, KEY("channel"), m->channel);
	json_u64(out, KEY("class_id"), m->class_id);
	json_u64(out, KEY("method_id"), m->method_id);
	method_json_put(out, m, method, style);
	if (m->fields_cut)
		json_bool(out, KEY("fields_cut"), true);
	if (!m->has_content)
		return;
	json_key(out, KEY("body_size"));
	if (m->content_header_seen)
		strbuf_printf(out, "%" PRIu64, m->body_size);
	else
		strbuf_puts(out, "null");
	json_u64(out, KEY("body_frames"), m->body_frames);
	if (m->content_predicted)
		json_bool(out, KEY("body_frames_predicted"), true);
	json_raw(out, KEY("content_type"), m->content_type);
	if (m->content_missing)
		json_bool(out, KEY("content_missing"), true);
}

/* The channel: each channel's requests are answered in order. A message
 * whose method was not read gets an id no channel has; a partial one-way
 * message one that no response has. */
static uint32_t amqp_pair_id(const struct message *msg)
{
	const struct amqp_message *m = PROTOCOL_BODY_CONST(msg, struct amqp_message);

	if (m->kind == AMQP_KIND_NONE)
		return 0xffffffffu;
	if (m->kind == AMQP_KIND_METHOD && m->alone)
		return 0x10000u | m->channel;
	return m->channel;
}

/* The string of the field keyed key, or NULL when the message holds none. */
static const char *field_text(const struct amqp_message *m, const struct amqp_method *method,
			      const char *key)
{
	struct field_walk w = { .m = m, .method = method };

	while (field_walk_next(&w))
		if (w.f->key && !strcmp(w.f->key, key))
			return w.have ? w.text : NULL;
	return NULL;
}

static void amqp_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct amqp_message *m = PROTOCOL_BODY_CONST(request, struct amqp_message);
	const struct amqp_method *method =
		m->kind == AMQP_KIND_METHOD ? amqp_method_find(m->class_id, m->method_id) : NULL;
	const char *exchange, *routing_key;

	if (m->kind == AMQP_KIND_PROTOCOL_HEADER) {
		strbuf_puts(out, "protocol-header");
		return;
	}
	if (!method) {
		/* Frames of no known method, as the human line says. */
		strbuf_puts(out, "frames");
		return;
	}
	strbuf_puts(out, method->name);
	exchange = field_text(m, method, "exchange");
	routing_key = field_text(m, method, "routing_key");
	if (m->class_id == 60 && m->method_id == 40 && exchange && routing_key) {
		strbuf_putc(out, ' ');
		strbuf_puts(out, exchange[0] ? exchange : "(default)");
		strbuf_putc(out, ' ');
		endpoint_fold_segments(out, routing_key, strlen(routing_key), '.');
	}
	endpoint_mark_cut(out);
}

static enum outcome reply_code_outcome(uint64_t code)
{
	switch (code) {
	case 200: /* REPLY_SUCCESS */
		return OUTCOME_OK;
	case 320: /* CONNECTION_FORCED: an operator closed it */
	case 506: /* RESOURCE_ERROR */
	case 540: /* NOT_IMPLEMENTED */
	case 541: /* INTERNAL_ERROR */
		return OUTCOME_SERVER_ERROR;
	default:
		return OUTCOME_CLIENT_ERROR;
	}
}

static enum outcome amqp_outcome_of(const struct message *request, const struct message *response,
				    char *status)
{
	const struct amqp_message *m = PROTOCOL_BODY_CONST(response, struct amqp_message);
	const struct amqp_method *method =
		m->kind == AMQP_KIND_METHOD ? amqp_method_find(m->class_id, m->method_id) : NULL;
	struct field_walk w = { .m = m, .method = method };

	(void)request;
	if (method && method->dir == AMQP_DIR_CLOSE) {
		while (field_walk_next(&w)) {
			const char *name;

			if (w.f->show != AMQP_SHOW_CODE || !w.have)
				continue;
			name = amqp_reply_code_name(w.number);
			if (name)
				snprintf(status, STATUS_CLASS_MAX, "%s", name);
			else
				snprintf(status, STATUS_CLASS_MAX, "%" PRIu64, w.number);
			return reply_code_outcome(w.number);
		}
		/* A close whose code was not captured. */
		strcpy(status, "error");
		return OUTCOME_ERROR;
	}
	strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol amqp_protocol = {
	.name = "amqp",
	.port_hint = 5672,
	.pairing = PAIR_BY_ID,
	.body_size = sizeof(struct amqp_message),
	.conn_state_size = sizeof(struct amqp_conn_state),
	.detect = amqp_detect,
	.parse = amqp_parse,
	.secrets_scan = amqp_secrets_scan,
	.pair_id = amqp_pair_id,
	.human_put = amqp_human_put,
	.json_put = amqp_json_put,
	.endpoint_put = amqp_endpoint_put,
	.outcome_of = amqp_outcome_of,
};
