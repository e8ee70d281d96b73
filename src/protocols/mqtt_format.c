/*
 * MQTT in exchange lines and JSON, and its descriptor.
 *
 * Human: the packet type and its fields, "CONNECT v5 client=c1 user=bob
 * password=*** keepalive=60 clean", "CONNACK success", "PUBLISH a/b qos=1
 * id=3 5B \"hello\"", "SUBSCRIBE id=2 a/+ qos=1", "SUBACK id=2 granted_qos_1",
 * "PUBACK id=3"; a request or a lone message the server sent ends in
 * "(from server)". Reason codes by name (MQTT 5.0 section 2.4, 3.1.1's
 * CONNACK return codes), snake_case.
 *
 * Endpoint: the packet type, with a PUBLISH's topic and a SUBSCRIBE's or
 * UNSUBSCRIBE's filters, their segments that are ids folded
 * ("PUBLISH devices/{id}/state", "SUBSCRIBE sensors/+/temp alerts/#").
 * Outcome from the answer's reason code (a SUBACK's or UNSUBACK's first
 * failing one, else its first), the status its name ("accepted",
 * "granted_qos_1", "not_authorized"; its hex value, "0x9e", when the name is
 * longer than a status or not known): below 0x80 (3.1.1 CONNACK 0) ok; the
 * server's state (server_unavailable, server_busy, server_shutting_down)
 * a server error; unspecified_error, implementation_specific_error and
 * 3.1.1 SUBACK's failure an error without a side; any other failure a
 * client error (refused as asked). An answer without a code (PINGRESP, a
 * 3.1.1 PUBACK) is "success".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mqtt.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"

static const char *const type_names[] = {
	[MQTT_CONNECT] = "CONNECT",   [MQTT_CONNACK] = "CONNACK",
	[MQTT_PUBLISH] = "PUBLISH",   [MQTT_PUBACK] = "PUBACK",
	[MQTT_PUBREC] = "PUBREC",     [MQTT_PUBREL] = "PUBREL",
	[MQTT_PUBCOMP] = "PUBCOMP",   [MQTT_SUBSCRIBE] = "SUBSCRIBE",
	[MQTT_SUBACK] = "SUBACK",     [MQTT_UNSUBSCRIBE] = "UNSUBSCRIBE",
	[MQTT_UNSUBACK] = "UNSUBACK", [MQTT_PINGREQ] = "PINGREQ",
	[MQTT_PINGRESP] = "PINGRESP", [MQTT_DISCONNECT] = "DISCONNECT",
	[MQTT_AUTH] = "AUTH",
};

const char *mqtt_type_name(uint8_t type)
{
	return type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type]
		       ? type_names[type]
		       : NULL;
}

/* MQTT 3.1.1 section 3.2.2.3. */
static const char *const v3_connack_names[] = {
	"accepted",	      "unacceptable_protocol_version", "identifier_rejected",
	"server_unavailable", "bad_username_or_password",      "not_authorized",
};

/* MQTT 5.0 section 2.4, codes 0x80 and up (0x00-0x19 below). */
static const char *const v5_error_names[] = {
	[0x00] = "unspecified_error",
	[0x01] = "malformed_packet",
	[0x02] = "protocol_error",
	[0x03] = "implementation_specific_error",
	[0x04] = "unsupported_protocol_version",
	[0x05] = "client_identifier_not_valid",
	[0x06] = "bad_user_name_or_password",
	[0x07] = "not_authorized",
	[0x08] = "server_unavailable",
	[0x09] = "server_busy",
	[0x0a] = "banned",
	[0x0b] = "server_shutting_down",
	[0x0c] = "bad_authentication_method",
	[0x0d] = "keep_alive_timeout",
	[0x0e] = "session_taken_over",
	[0x0f] = "topic_filter_invalid",
	[0x10] = "topic_name_invalid",
	[0x11] = "packet_identifier_in_use",
	[0x12] = "packet_identifier_not_found",
	[0x13] = "receive_maximum_exceeded",
	[0x14] = "topic_alias_invalid",
	[0x15] = "packet_too_large",
	[0x16] = "message_rate_too_high",
	[0x17] = "quota_exceeded",
	[0x18] = "administrative_action",
	[0x19] = "payload_format_invalid",
	[0x1a] = "retain_not_supported",
	[0x1b] = "qos_not_supported",
	[0x1c] = "use_another_server",
	[0x1d] = "server_moved",
	[0x1e] = "shared_subscriptions_not_supported",
	[0x1f] = "connection_rate_exceeded",
	[0x20] = "maximum_connect_time",
	[0x21] = "subscription_identifiers_not_supported",
	[0x22] = "wildcard_subscriptions_not_supported",
};

const char *mqtt_code_name(uint8_t type, uint8_t level, uint8_t code)
{
	if (type == MQTT_CONNACK && level != 5)
		return code < 6 ? v3_connack_names[code] : NULL;
	if (type == MQTT_SUBACK && code <= 2)
		return code == 0 ? "granted_qos_0" : code == 1 ? "granted_qos_1" : "granted_qos_2";
	if (type == MQTT_SUBACK && code == 0x80 && level != 5)
		return "failure";
	if (code >= 0x80)
		return code - 0x80u < sizeof(v5_error_names) / sizeof(v5_error_names[0])
			       ? v5_error_names[code - 0x80]
			       : NULL;
	switch (code) {
	case 0x00:
		return type == MQTT_DISCONNECT ? "normal_disconnection" : "success";
	case 0x04:
		return type == MQTT_DISCONNECT ? "disconnect_with_will_message" : NULL;
	case 0x10:
		return type == MQTT_PUBACK || type == MQTT_PUBREC ? "no_matching_subscribers"
								  : NULL;
	case 0x11:
		return type == MQTT_UNSUBACK ? "no_subscription_existed" : NULL;
	case 0x18:
		return type == MQTT_AUTH ? "continue_authentication" : NULL;
	case 0x19:
		return type == MQTT_AUTH ? "re_authenticate" : NULL;
	default:
		return NULL;
	}
}

static void code_put(struct strbuf *out, const struct mqtt_message *m, uint8_t code)
{
	const char *name = mqtt_code_name(m->type, m->level, code);

	if (name)
		strbuf_puts(out, name);
	else
		strbuf_printf(out, "0x%02x", code);
}

static const char *level_name(uint8_t level)
{
	switch (level) {
	case 3:
		return "v3.1";
	case 4:
		return "v3.1.1";
	case 5:
		return "v5";
	default:
		return "v?";
	}
}

static void excerpt_human_put(struct strbuf *out, const struct mqtt_message *m)
{
	strbuf_printf(out, " %" PRIu32 "B", m->payload_len);
	if (!m->payload_len)
		return;
	strbuf_puts(out, " \"");
	escape_text(out, m->excerpt, m->excerpt_len, m->excerpt_len);
	strbuf_putc(out, '"');
	if (m->excerpt_len < m->payload_len)
		strbuf_puts(out, "...");
}

static void mqtt_human_put(struct strbuf *out, const struct message *msg, bool request,
			   const struct output_style *style)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(msg, struct mqtt_message);
	const char *name = mqtt_type_name(m->type);

	(void)style;
	if (!name) { /* a partial message of which nothing was read */
		strbuf_puts(out, "packet");
		return;
	}
	strbuf_puts(out, name);
	switch (m->type) {
	case MQTT_CONNECT:
		strbuf_printf(out, " %s client=", level_name(m->level));
		escape_cstr(out, m->client_id);
		if (m->has_username) {
			strbuf_puts(out, " user=");
			escape_cstr(out, m->username);
		}
		if (m->has_password)
			strbuf_puts(out, " password=" OUTPUT_MASK);
		strbuf_printf(out, " keepalive=%u", m->keep_alive);
		if (m->clean)
			strbuf_puts(out, " clean");
		if (m->will)
			strbuf_printf(out, " will=qos%u%s", m->will_qos,
				      m->will_retain ? ",retain" : "");
		break;
	case MQTT_CONNACK:
		strbuf_putc(out, ' ');
		code_put(out, m, m->code);
		if (m->session_present)
			strbuf_puts(out, " session_present");
		break;
	case MQTT_PUBLISH:
		strbuf_putc(out, ' ');
		escape_cstr(out, m->topic);
		strbuf_printf(out, " qos=%u", m->qos);
		if (m->has_id)
			strbuf_printf(out, " id=%u", m->packet_id);
		if (m->retain)
			strbuf_puts(out, " retain");
		if (m->dup)
			strbuf_puts(out, " dup");
		excerpt_human_put(out, m);
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		strbuf_printf(out, " id=%u", m->packet_id);
		for (uint32_t i = 0; i < m->n_topics && i < MQTT_TOPICS; i++) {
			strbuf_puts(out, i ? ", " : " ");
			escape_cstr(out, m->topics[i]);
			if (m->type == MQTT_SUBSCRIBE)
				strbuf_printf(out, " qos=%u", m->topic_options[i] & 3);
		}
		if (m->n_topics > MQTT_TOPICS)
			strbuf_printf(out, " (+%" PRIu32 " topics)", m->n_topics - MQTT_TOPICS);
		break;
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		strbuf_printf(out, " id=%u", m->packet_id);
		for (uint32_t i = 0; i < m->n_codes && i < MQTT_CODES; i++) {
			strbuf_puts(out, i ? ", " : " ");
			code_put(out, m, m->codes[i]);
		}
		if (m->n_codes > MQTT_CODES)
			strbuf_printf(out, " (+%" PRIu32 " codes)", m->n_codes - MQTT_CODES);
		break;
	default:
		if (m->has_id)
			strbuf_printf(out, " id=%u", m->packet_id);
		if (m->has_code) {
			strbuf_putc(out, ' ');
			code_put(out, m, m->code);
		}
		break;
	}
	if (request && !m->from_client)
		strbuf_puts(out, " (from server)");
}

static void code_json_put(struct strbuf *out, const struct mqtt_message *m)
{
	const char *name = mqtt_code_name(m->type, m->level, m->code);

	json_u64(out, KEY("code"), m->code);
	if (name) {
		json_name(out, KEY("code_name"), name);
	} else {
		json_key(out, KEY("code_name"));
		strbuf_puts(out, "null");
	}
}

static void text_or_null(struct strbuf *out, const char *key, size_t key_len, bool has,
			 const char *value)
{
	if (has) {
		json_raw(out, key, key_len, value);
		return;
	}
	json_key(out, key, key_len);
	strbuf_puts(out, "null");
}

static void mqtt_json_put(struct strbuf *out, const struct message *msg,
			  const struct output_style *style)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(msg, struct mqtt_message);
	const char *name = mqtt_type_name(m->type);

	(void)style;
	text_or_null(out, KEY("type"), name != NULL, name ? name : "");
	json_name(out, KEY("from"), m->from_client ? "client" : "server");
	json_u64(out, KEY("level"), m->level);
	if (m->has_id)
		json_u64(out, KEY("packet_id"), m->packet_id);
	switch (m->type) {
	case MQTT_CONNECT:
		json_raw(out, KEY("client_id"), m->client_id);
		text_or_null(out, KEY("username"), m->has_username, m->username);
		text_or_null(out, KEY("password"), m->has_password, OUTPUT_MASK);
		json_u64(out, KEY("keep_alive"), m->keep_alive);
		json_bool(out, KEY("clean_session"), m->clean);
		json_key(out, KEY("will"));
		if (m->will)
			strbuf_printf(out, "{\"qos\":%u,\"retain\":%s}", m->will_qos,
				      m->will_retain ? "true" : "false");
		else
			strbuf_puts(out, "null");
		break;
	case MQTT_CONNACK:
		json_bool(out, KEY("session_present"), m->session_present);
		code_json_put(out, m);
		break;
	case MQTT_PUBLISH:
		json_raw(out, KEY("topic"), m->topic);
		json_u64(out, KEY("qos"), m->qos);
		json_bool(out, KEY("retain"), m->retain);
		json_bool(out, KEY("dup"), m->dup);
		json_u64(out, KEY("payload_bytes"), m->payload_len);
		json_string(out, KEY("payload"), m->excerpt, m->excerpt_len);
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		json_key(out, KEY("topics"));
		strbuf_putc(out, '[');
		for (uint32_t i = 0; i < m->n_topics && i < MQTT_TOPICS; i++) {
			if (m->type == MQTT_UNSUBSCRIBE) {
				json_array_string(out, i, m->topics[i]);
				continue;
			}
			/* {"qos":1,"filter":"a/b","options":1}: the first key has no comma. */
			strbuf_printf(out, "%s{\"qos\":%u", i ? "," : "", m->topic_options[i] & 3);
			json_raw(out, KEY("filter"), m->topics[i]);
			json_u64(out, KEY("options"), m->topic_options[i]);
			strbuf_putc(out, '}');
		}
		strbuf_putc(out, ']');
		json_u64(out, KEY("n_topics"), m->n_topics);
		break;
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		json_key(out, KEY("codes"));
		strbuf_putc(out, '[');
		for (uint32_t i = 0; i < m->n_codes && i < MQTT_CODES; i++)
			strbuf_printf(out, "%s%u", i ? "," : "", m->codes[i]);
		strbuf_putc(out, ']');
		json_key(out, KEY("code_names"));
		strbuf_putc(out, '[');
		for (uint32_t i = 0; i < m->n_codes && i < MQTT_CODES; i++) {
			const char *code = mqtt_code_name(m->type, m->level, m->codes[i]);

			if (i)
				strbuf_putc(out, ',');
			if (code)
				strbuf_printf(out, "\"%s\"", code);
			else
				strbuf_puts(out, "null");
		}
		strbuf_putc(out, ']');
		json_u64(out, KEY("n_codes"), m->n_codes);
		break;
	default:
		if (m->has_code)
			code_json_put(out, m);
		break;
	}
}

static void topic_endpoint(struct strbuf *out, const char *topic)
{
	strbuf_putc(out, ' ');
	endpoint_fold_segments(out, topic, strlen(topic), '/');
}

static void mqtt_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(request, struct mqtt_message);
	const char *type = mqtt_type_name(m->type);

	/* A type of no name (0 is reserved): no packet the parser completes. */
	strbuf_puts(out, type ? type : "mqtt");
	if (m->type == MQTT_PUBLISH)
		topic_endpoint(out, m->topic);
	if (m->type == MQTT_SUBSCRIBE || m->type == MQTT_UNSUBSCRIBE) {
		for (uint32_t i = 0; i < m->n_topics && i < MQTT_TOPICS; i++)
			topic_endpoint(out, m->topics[i]);
		if (m->n_topics > MQTT_TOPICS)
			strbuf_puts(out, " ...");
	}
	endpoint_mark_cut(out);
}

/* The code that says how a request went: a SUBACK's or UNSUBACK's first
 * failing one, else its first; false when the answer has none. */
static bool answer_code(const struct mqtt_message *m, uint8_t *code)
{
	uint32_t kept = m->n_codes < MQTT_CODES ? m->n_codes : MQTT_CODES;

	if (m->type == MQTT_SUBACK || m->type == MQTT_UNSUBACK) {
		for (uint32_t i = 0; i < kept; i++) {
			if (m->codes[i] >= 0x80) {
				*code = m->codes[i];
				return true;
			}
		}
		*code = kept ? m->codes[0] : 0;
		return kept > 0;
	}
	*code = m->code;
	return m->has_code;
}

static enum outcome code_outcome(const struct mqtt_message *m, uint8_t code)
{
	/* 3.1.1's return codes: 3 is server_unavailable, the others refuse. */
	if (m->type == MQTT_CONNACK && m->level != 5 && code)
		return code == 3 ? OUTCOME_SERVER_ERROR : OUTCOME_CLIENT_ERROR;
	if (code < 0x80)
		return OUTCOME_OK;
	switch (code) {
	case 0x80: /* unspecified_error; 3.1.1 SUBACK's failure */
	case 0x83: /* implementation_specific_error */
		return OUTCOME_ERROR;
	case 0x88: /* server_unavailable */
	case 0x89: /* server_busy */
	case 0x8b: /* server_shutting_down */
		return OUTCOME_SERVER_ERROR;
	default:
		return OUTCOME_CLIENT_ERROR;
	}
}

static enum outcome mqtt_outcome_of(const struct message *request, const struct message *response,
				    char *status)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(response, struct mqtt_message);
	const char *name;
	uint8_t code;

	(void)request;
	if (!answer_code(m, &code)) {
		strcpy(status, "success");
		return OUTCOME_OK;
	}
	name = mqtt_code_name(m->type, m->level, code);
	/* A name is a label's value whole or not at all: a cut one would read
	 * as another name. */
	if (name && strlen(name) < STATUS_CLASS_MAX)
		snprintf(status, STATUS_CLASS_MAX, "%s", name);
	else
		snprintf(status, STATUS_CLASS_MAX, "0x%02x", code);
	return code_outcome(m, code);
}

const struct protocol mqtt_protocol = {
	.name = "mqtt",
	.port_hint = 1883,
	.pairing = PAIR_BY_ID,
	.body_size = sizeof(struct mqtt_message),
	.detect = mqtt_detect,
	.parse = mqtt_parse,
	.skipped = mqtt_skipped,
	.pair_id = mqtt_pair_id,
	.human_put = mqtt_human_put,
	.json_put = mqtt_json_put,
	.endpoint_put = mqtt_endpoint_put,
	.outcome_of = mqtt_outcome_of,
};
