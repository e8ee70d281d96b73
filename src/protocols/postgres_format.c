/*
 * PostgreSQL in exchange lines and JSON, and its descriptor.
 *
 * Endpoint: a Query's statement, or an extended batch's (its Parse's, or
 * the one remembered for its Bind), fingerprinted (sql_fingerprint.h); a
 * batch whose statement is not known "Execute <name>" with ids in the name
 * folded ("Execute S_{id}"), or what it does ("Describe", "Close", "Sync");
 * other messages by their protocol names ("StartupMessage", "SSLRequest",
 * "PasswordMessage"). Outcome: a reply with an ErrorResponse is an error,
 * status "error" (not its SQLSTATE: few values are wanted); any other
 * reply is "ok".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "protocols/postgres.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"
#include "protocols/sql_fingerprint.h"

/* Type oids whose binary values are shown as numbers. */
#define PG_OID_BOOL 16
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_OID 26
#define PG_OID_FLOAT4 700
#define PG_OID_FLOAT8 701

static const char *const credential_names[] = {
	[PG_CRED_UNKNOWN] = "password",
	[PG_CRED_PASSWORD] = "password",
	[PG_CRED_SASL_INITIAL] = "sasl_initial",
	[PG_CRED_SASL] = "sasl_response",
	[PG_CRED_GSS] = "gss_response",
};

static const char *credential_name(enum pg_credential kind)
{
	return kind <= PG_CRED_GSS ? credential_names[kind] : "password";
}

static const char *auth_name(uint32_t code)
{
	switch (code) {
	case 0: return "ok";
	case 2: return "kerberos";
	case 3: return "cleartext";
	case 5: return "md5";
	case 7: return "gss";
	case 8: return "gss_continue";
	case 9: return "sspi";
	case 10: return "sasl";
	case 11: return "sasl_continue";
	case 12: return "sasl_final";
	default: return "other";
	}
}

static uint64_t be_read(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * A parameter's value as plain text into dst (NULL aside): a text-format
 * value as sent, cut with "..."; a binary one as a number when its type
 * (from the Parse) is an integer, bool or float of the right size, else as
 * hex. Returns true when it is text-format.
 */
static bool param_render(const struct pg_param *p, char *dst, size_t size)
{
	bool cut = (uint32_t)p->length > p->kept;
	size_t n = p->kept;

	if (!p->binary) {
		if (n > size - 4)
			n = size - 4;
		memcpy(dst, p->value, n);
		dst[n] = '\0';
		/* A NUL inside ends it early: text values have none. */
		if (cut || strlen(dst) < p->kept)
			strcat(dst, "...");
		return true;
	}
	if (!cut) {
		switch (p->type_oid) {
		case PG_OID_INT2:
		case PG_OID_INT4:
		case PG_OID_INT8:
			if ((p->type_oid == PG_OID_INT2 && n == 2) ||
			    (p->type_oid == PG_OID_INT4 && n == 4) ||
			    (p->type_oid == PG_OID_INT8 && n == 8)) {
				uint64_t v = be_read(p->value, n);
				int64_t s = n == 2 ? (int16_t)v : n == 4 ? (int32_t)v : (int64_t)v;

				snprintf(dst, size, "%" PRId64, s);
				return false;
			}
			break;
		case PG_OID_OID:
			if (n == 4) {
				snprintf(dst, size, "%" PRIu64, be_read(p->value, 4));
				return false;
			}
			break;
		case PG_OID_BOOL:
			if (n == 1) {
				snprintf(dst, size, "%s", p->value[0] ? "true" : "false");
				return false;
			}
			break;
		case PG_OID_FLOAT4:
			if (n == 4) {
				uint32_t bits = (uint32_t)be_read(p->value, 4);
				float f;

				memcpy(&f, &bits, sizeof(f));
				snprintf(dst, size, "%g", (double)f);
				return false;
			}
			break;
		case PG_OID_FLOAT8:
			if (n == 8) {
				uint64_t bits = be_read(p->value, 8);
				double d;

				memcpy(&d, &bits, sizeof(d));
				snprintf(dst, size, "%g", d);
				return false;
			}
			break;
		default:
			break;
		}
	}
	/* Hex of the bytes kept: "0x" and two digits each, "..." if cut. */
	size_t at = (size_t)snprintf(dst, size, "0x");
	for (size_t i = 0; i < n && at + 2 + 4 <= size; i++)
		at += (size_t)snprintf(dst + at, size - at, "%02x", p->value[i]);
	if (cut || at + 2 + 4 > size)
		snprintf(dst + at, size - at, "...");
	return false;
}

#define PARAM_TEXT (2 * PG_PARAM_BYTES + 8)

static void params_human(struct strbuf *out, const struct pg_message *pg)
{
	strbuf_puts(out, " [");
	for (uint32_t i = 0; i < pg->n_params && i < PG_PARAMS_MAX; i++) {
		const struct pg_param *p = &pg->params[i];
		char text[PARAM_TEXT];

		if (i)
			strbuf_puts(out, ", ");
		if (p->length < 0) {
			strbuf_puts(out, "NULL");
		} else if (param_render(p, text, sizeof(text))) {
			strbuf_putc(out, '\'');
			escape_cstr(out, text);
			strbuf_putc(out, '\'');
		} else {
			escape_cstr(out, text);
		}
	}
	if (pg->n_params > PG_PARAMS_MAX)
		strbuf_printf(out, ", +%u more", (unsigned)(pg->n_params - PG_PARAMS_MAX));
	strbuf_putc(out, ']');
}

static void credential_human(struct strbuf *out, const struct pg_message *pg,
			     const struct output_style *style)
{
	switch (pg->credential_kind) {
	case PG_CRED_SASL_INITIAL:
		strbuf_puts(out, "sasl ");
		escape_cstr(out, pg->mechanism);
		break;
	case PG_CRED_SASL:
		strbuf_puts(out, "sasl-response");
		break;
	case PG_CRED_GSS:
		strbuf_puts(out, "gss-response");
		break;
	default:
		strbuf_puts(out, "password");
		break;
	}
	strbuf_putc(out, ' ');
	if (style && style->show_secrets) {
		strbuf_putc(out, '"');
		escape_cstr(out, pg->credential);
		strbuf_putc(out, '"');
	} else {
		strbuf_puts(out, OUTPUT_MASK);
	}
}

static const char *extended_verb(const struct pg_message *pg)
{
	if (pg->n_execute)
		return "execute";
	if (pg->n_parse)
		return "prepare";
	if (pg->describe)
		return "describe";
	if (pg->close)
		return "close";
	return "sync";
}

static void extended_human(struct strbuf *out, const struct pg_message *pg)
{
	strbuf_puts(out, extended_verb(pg));
	if (!pg->n_execute && !pg->n_parse && !pg->describe && pg->close) {
		strbuf_puts(out, pg->close == 'S' ? " statement " : " portal ");
		escape_cstr(out, pg->close_name);
		return;
	}
	if (pg->statement[0]) {
		strbuf_putc(out, ' ');
		escape_cstr(out, pg->statement);
	}
	if (pg->have_query) {
		strbuf_puts(out, " \"");
		escape_cstr(out, pg->query);
		strbuf_putc(out, '"');
	} else if (!pg->statement[0] && pg->have_bind) {
		strbuf_puts(out, " (unnamed)");
	}
	if (pg->have_bind && pg->n_params)
		params_human(out, pg);
	if (pg->n_execute > 1)
		strbuf_printf(out, " (%" PRIu32 " executes)", pg->n_execute);
	if (pg->max_rows)
		strbuf_printf(out, " max_rows=%" PRIu32, pg->max_rows);
}

/* Appends ", " before all but the first part. */
static void part_start(struct strbuf *out, bool *first)
{
	if (!*first)
		strbuf_puts(out, ", ");
	*first = false;
}

static void reply_human(struct strbuf *out, const struct pg_message *pg)
{
	bool first = true;

	if (pg->have_auth && (pg->auth_request || pg->auth == 0)) {
		part_start(out, &first);
		strbuf_puts(out, "auth ");
		strbuf_puts(out, auth_name(pg->auth));
		if (pg->mechanisms[0]) {
			strbuf_putc(out, ' ');
			escape_cstr(out, pg->mechanisms);
		}
	}
	for (uint32_t i = 0; i < pg->n_tags && i < PG_TAGS_MAX; i++) {
		part_start(out, &first);
		escape_cstr(out, pg->tags[i]);
	}
	if (pg->n_tags > PG_TAGS_MAX)
		strbuf_printf(out, " (+%" PRIu32 " more)", pg->n_tags - PG_TAGS_MAX);
	if (pg->rows) {
		if (first)
			part_start(out, &first);
		else
			strbuf_putc(out, ' ');
		strbuf_printf(out, "(%" PRIu64 " row%s)", pg->rows, pg->rows == 1 ? "" : "s");
	}
	if (pg->empty_query) {
		part_start(out, &first);
		strbuf_puts(out, "empty query");
	}
	if (pg->copy) {
		part_start(out, &first);
		strbuf_puts(out, pg->copy == 'i' ? "copy in" : pg->copy == 'o' ? "copy out" :
						 "copy both");
	}
	if (pg->suspended) {
		part_start(out, &first);
		strbuf_puts(out, "suspended");
	}
	if (pg->have_error) {
		part_start(out, &first);
		escape_cstr(out, pg->severity);
		strbuf_putc(out, ' ');
		escape_cstr(out, pg->code);
		strbuf_putc(out, ' ');
		escape_cstr(out, pg->error);
	}
	if (pg->n_notices) {
		part_start(out, &first);
		strbuf_puts(out, "notice \"");
		escape_cstr(out, pg->notice);
		strbuf_putc(out, '"');
		if (pg->n_notices > 1)
			strbuf_printf(out, " (+%" PRIu32 " more)", pg->n_notices - 1);
	}
	if (pg->n_notifications) {
		part_start(out, &first);
		strbuf_puts(out, "notification ");
		escape_cstr(out, pg->channel);
		strbuf_puts(out, " \"");
		escape_cstr(out, pg->payload);
		strbuf_putc(out, '"');
		if (pg->n_notifications > 1)
			strbuf_printf(out, " (+%" PRIu32 " more)", pg->n_notifications - 1);
	}
	if (pg->parameter[0]) {
		part_start(out, &first);
		strbuf_puts(out, "parameter ");
		escape_cstr(out, pg->parameter);
	}
	/* Nothing else to say: what the messages were. */
	bool only_auth = !first && pg->have_auth && !pg->auth_request && !pg->n_tags &&
			 !pg->rows && !pg->have_error && !pg->n_notices && !pg->parameter[0];
	if (first || only_auth) {
		const char *what = pg->parse_complete ? "parsed" :
				   pg->bind_complete  ? "bound" :
				   pg->close_complete ? "closed" :
				   pg->status         ? "ready" :
							"reply";
		if (only_auth && !pg->status)
			return;
		part_start(out, &first);
		strbuf_puts(out, only_auth ? "ready" : what);
	}
}

static void postgres_human_put(struct strbuf *out, const struct message *msg, bool request,
			       const struct output_style *style)
{
	const struct pg_message *pg = PROTOCOL_BODY_CONST(msg, struct pg_message);

	(void)request;
	switch (pg->kind) {
	case PG_STARTUP:
		strbuf_puts(out, "startup user=");
		escape_cstr(out, pg->user);
		strbuf_puts(out, " database=");
		escape_cstr(out, pg->database);
		if (pg->application[0]) {
			strbuf_puts(out, " application=");
			escape_cstr(out, pg->application);
		}
		break;
	case PG_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		break;
	case PG_GSSENC_REQUEST:
		strbuf_puts(out, "GSSENCRequest");
		break;
	case PG_CANCEL:
		strbuf_printf(out, "CancelRequest pid=%" PRIu32, pg->cancel_pid);
		break;
	case PG_QUERY:
		strbuf_puts(out, "query \"");
		escape_cstr(out, pg->query);
		strbuf_putc(out, '"');
		break;
	case PG_EXTENDED:
		extended_human(out, pg);
		break;
	case PG_PASSWORD:
		credential_human(out, pg, style);
		break;
	case PG_FUNCTION_CALL:
		strbuf_printf(out, "function-call oid=%" PRIu32, pg->function_oid);
		break;
	case PG_SSL_ANSWER:
		strbuf_puts(out, pg->tag[1] == 'G' ? "GSSENC " : "SSL ");
		strbuf_puts(out, pg->tag[0] == 'N' ? "refused" : "accepted");
		break;
	case PG_REPLY:
		reply_human(out, pg);
		break;
	default:
		strbuf_puts(out, "(nothing decoded)");
		break;
	}
}

static const char *reply_type(const struct pg_message *pg)
{
	if (pg->have_error)
		return "error";
	if (pg->auth_request)
		return "auth";
	if (pg->n_tags)
		return "command_complete";
	if (pg->n_notifications)
		return "notification";
	if (pg->n_notices)
		return "notice";
	if (pg->parameter[0])
		return "parameter_status";
	if (pg->status)
		return "ready";
	return "reply";
}

static void params_json(struct strbuf *out, const struct pg_message *pg)
{
	json_key(out, KEY("params"));
	strbuf_putc(out, '[');
	for (uint32_t i = 0; i < pg->n_params && i < PG_PARAMS_MAX; i++) {
		const struct pg_param *p = &pg->params[i];
		char text[PARAM_TEXT];

		if (p->length < 0) {
			strbuf_puts(out, i ? ",null" : "null");
			continue;
		}
		param_render(p, text, sizeof(text));
		json_array_string(out, i, text);
	}
	strbuf_putc(out, ']');
	json_u64(out, KEY("n_params"), pg->n_params);
}

static void extended_json(struct strbuf *out, const struct pg_message *pg)
{
	json_name(out, KEY("action"), extended_verb(pg));
	json_raw(out, KEY("messages"), pg->messages);
	json_u64(out, KEY("n_messages"), pg->n_messages);
	if (pg->have_statement)
		json_raw(out, KEY("statement"), pg->statement);
	if (pg->have_query)
		json_raw(out, KEY("query"), pg->query);
	if (pg->query_cached)
		json_bool(out, KEY("query_cached"), true);
	if (pg->have_bind) {
		json_raw(out, KEY("portal"), pg->portal);
		params_json(out, pg);
	}
	json_u64(out, KEY("executes"), pg->n_execute);
	if (pg->n_execute)
		json_u64(out, KEY("max_rows"), pg->max_rows);
	if (pg->describe)
		json_name(out, KEY("describe"), pg->describe == 'S' ? "statement" : "portal");
	if (pg->close) {
		json_name(out, KEY("close"), pg->close == 'S' ? "statement" : "portal");
		json_raw(out, KEY("close_name"), pg->close_name);
	}
}

static void reply_json(struct strbuf *out, const struct pg_message *pg)
{
	json_name(out, KEY("type"), reply_type(pg));
	if (pg->n_tags)
		json_raw(out, KEY("tag"), pg->tags[(pg->n_tags < PG_TAGS_MAX ? pg->n_tags : PG_TAGS_MAX) - 1]);
	json_key(out, KEY("tags"));
	strbuf_putc(out, '[');
	for (uint32_t i = 0; i < pg->n_tags && i < PG_TAGS_MAX; i++)
		json_array_string(out, i, pg->tags[i]);
	strbuf_putc(out, ']');
	json_u64(out, KEY("n_tags"), pg->n_tags);
	json_u64(out, KEY("rows"), pg->rows);
	json_u64(out, KEY("messages"), pg->n_backend);
	if (pg->status)
		json_name(out, KEY("status"), pg->status == 'I' ? "idle" :
					       pg->status == 'T' ? "in_transaction" :
								   "failed_transaction");
	if (pg->have_error) {
		json_raw(out, KEY("severity"), pg->severity);
		json_raw(out, KEY("code"), pg->code);
		json_raw(out, KEY("error"), pg->error);
	}
	if (pg->have_auth)
		json_name(out, KEY("auth"), auth_name(pg->auth));
	if (pg->mechanisms[0])
		json_raw(out, KEY("mechanisms"), pg->mechanisms);
	if (pg->n_notices) {
		json_u64(out, KEY("notices"), pg->n_notices);
		json_raw(out, KEY("notice"), pg->notice);
	}
	if (pg->n_notifications) {
		json_u64(out, KEY("notifications"), pg->n_notifications);
		json_raw(out, KEY("channel"), pg->channel);
		json_raw(out, KEY("payload"), pg->payload);
	}
	if (pg->parameter[0])
		json_raw(out, KEY("parameter"), pg->parameter);
	if (pg->empty_query)
		json_bool(out, KEY("empty_query"), true);
	if (pg->copy)
		json_name(out, KEY("copy"), pg->copy == 'i' ? "in" : pg->copy == 'o' ? "out" : "both");
	if (pg->suspended)
		json_bool(out, KEY("suspended"), true);
}

static void postgres_json_put(struct strbuf *out, const struct message *msg,
			      const struct output_style *style)
{
	static const char *const kinds[] = {
		[PG_NONE] = "none",
		[PG_STARTUP] = "startup",
		[PG_SSL_REQUEST] = "ssl_request",
		[PG_GSSENC_REQUEST] = "gssenc_request",
		[PG_CANCEL] = "cancel_request",
		[PG_QUERY] = "query",
		[PG_EXTENDED] = "extended",
		[PG_PASSWORD] = "password",
		[PG_FUNCTION_CALL] = "function_call",
		[PG_SSL_ANSWER] = "ssl_answer",
		[PG_REPLY] = "reply",
	};
	const struct pg_message *pg = PROTOCOL_BODY_CONST(msg, struct pg_message);

	if (pg->kind == PG_REPLY) {
		reply_json(out, pg);
		return;
	}
	json_name(out, KEY("type"), pg->kind <= PG_REPLY ? kinds[pg->kind] : "none");
	switch (pg->kind) {
	case PG_STARTUP:
		json_raw(out, KEY("user"), pg->user);
		json_raw(out, KEY("database"), pg->database);
		if (pg->application[0])
			json_raw(out, KEY("application"), pg->application);
		break;
	case PG_CANCEL:
		json_u64(out, KEY("pid"), pg->cancel_pid);
		break;
	case PG_QUERY:
		json_raw(out, KEY("query"), pg->query);
		break;
	case PG_EXTENDED:
		extended_json(out, pg);
		break;
	case PG_PASSWORD:
		json_name(out, KEY("credential_type"), credential_name(pg->credential_kind));
		if (pg->mechanism[0])
			json_raw(out, KEY("mechanism"), pg->mechanism);
		if (style && style->show_secrets)
			json_raw(out, KEY("credential"), pg->credential);
		else
			json_name(out, KEY("credential"), OUTPUT_MASK);
		break;
	case PG_FUNCTION_CALL:
		json_u64(out, KEY("oid"), pg->function_oid);
		break;
	case PG_SSL_ANSWER:
		json_name(out, KEY("answer"), pg->tag[0] == 'S' ? "S" : pg->tag[0] == 'G' ? "G" : "N");
		json_name(out, KEY("request"), pg->tag[1] == 'G' ? "gssenc" : "ssl");
		break;
	default:
		break;
	}
}

static const char *password_endpoint(enum pg_credential kind)
{
	switch (kind) {
	case PG_CRED_SASL_INITIAL: return "SASLInitialResponse";
	case PG_CRED_SASL: return "SASLResponse";
	case PG_CRED_GSS: return "GSSResponse";
	default: return "PasswordMessage";
	}
}

static void extended_endpoint(struct strbuf *out, const struct pg_message *pg)
{
	if (pg->have_query) {
		sql_fingerprint(out, pg->query, strlen(pg->query), SQL_POSTGRES);
	} else if (pg->n_execute || pg->have_bind) {
		strbuf_puts(out, "Execute ");
		if (pg->statement[0])
			endpoint_fold_segments(out, pg->statement, strlen(pg->statement), '_');
		else
			strbuf_puts(out, "(unnamed)");
	} else if (pg->describe) {
		strbuf_puts(out, "Describe");
	} else if (pg->close) {
		strbuf_puts(out, "Close");
	} else {
		strbuf_puts(out, "Sync");
	}
}

static void postgres_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct pg_message *pg = PROTOCOL_BODY_CONST(request, struct pg_message);

	switch (pg->kind) {
	case PG_QUERY:
		sql_fingerprint(out, pg->query, strlen(pg->query), SQL_POSTGRES);
		break;
	case PG_EXTENDED:
		extended_endpoint(out, pg);
		break;
	case PG_STARTUP:
		strbuf_puts(out, "StartupMessage");
		break;
	case PG_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		break;
	case PG_GSSENC_REQUEST:
		strbuf_puts(out, "GSSENCRequest");
		break;
	case PG_CANCEL:
		strbuf_puts(out, "CancelRequest");
		break;
	case PG_PASSWORD:
		strbuf_puts(out, password_endpoint(pg->credential_kind));
		break;
	case PG_FUNCTION_CALL:
		strbuf_puts(out, "FunctionCall");
		break;
	default:
		/* A server's kind, or none: not a request. */
		strbuf_puts(out, "postgres");
		break;
	}
	endpoint_mark_cut(out);
}

static enum outcome postgres_outcome_of(const struct message *request,
					const struct message *response, char *status)
{
	const struct pg_message *pg = PROTOCOL_BODY_CONST(response, struct pg_message);

	(void)request;
	if (pg->have_error) {
		strcpy(status, "error");
		return OUTCOME_ERROR;
	}
	strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol postgres_protocol = {
	.name = "postgres",
	.port_hint = 5432,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct pg_message),
	.conn_state_size = sizeof(struct pg_conn_state),
	.detect = postgres_detect,
	.parse = postgres_parse,
	.human_put = postgres_human_put,
	.json_put = postgres_json_put,
	.endpoint_put = postgres_endpoint_put,
	.outcome_of = postgres_outcome_of,
};
