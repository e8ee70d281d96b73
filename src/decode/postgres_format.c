/* PostgreSQL in exchange lines and JSON, and its descriptor. */
#include "decode/postgres.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static void postgres_human_put(struct strbuf *out, const struct message *msg, bool request,
			       const struct output_style *style)
{
	const struct pg_message *pg = PROTOCOL_BODY_CONST(msg, struct pg_message);

	(void)request;
	(void)style;
	switch (pg->kind) {
	case PG_STARTUP:
		strbuf_puts(out, "startup user=");
		escape_cstr(out, pg->user);
		strbuf_puts(out, " database=");
		escape_cstr(out, pg->database);
		break;
	case PG_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		break;
	case PG_QUERY:
		strbuf_puts(out, "query \"");
		escape_cstr(out, pg->query);
		strbuf_putc(out, '"');
		break;
	case PG_COMMAND_COMPLETE:
		escape_cstr(out, pg->tag);
		break;
	case PG_ERROR:
		escape_cstr(out, pg->severity);
		strbuf_putc(out, ' ');
		escape_cstr(out, pg->code);
		strbuf_putc(out, ' ');
		escape_cstr(out, pg->error);
		break;
	case PG_READY:
		strbuf_puts(out, "ready");
		break;
	default:
		escape_cstr(out, pg->tag);
		break;
	}
}

static void postgres_json_put(struct strbuf *out, const struct message *msg,
			      const struct output_style *style)
{
	static const char *const kinds[] = {
		[PG_STARTUP] = "startup", [PG_SSL_REQUEST] = "ssl_request", [PG_QUERY] = "query",
		[PG_COMMAND_COMPLETE] = "command_complete", [PG_ERROR] = "error",
		[PG_READY] = "ready", [PG_AUTH] = "auth", [PG_OTHER] = "other",
	};
	const struct pg_message *pg = PROTOCOL_BODY_CONST(msg, struct pg_message);

	(void)style;
	json_name(out, KEY("type"), kinds[pg->kind <= PG_OTHER ? pg->kind : PG_OTHER]);
	switch (pg->kind) {
	case PG_STARTUP:
		json_raw(out, KEY("user"), pg->user);
		json_raw(out, KEY("database"), pg->database);
		break;
	case PG_QUERY:
		json_raw(out, KEY("query"), pg->query);
		break;
	case PG_COMMAND_COMPLETE:
		json_raw(out, KEY("tag"), pg->tag);
		break;
	case PG_ERROR:
		json_raw(out, KEY("severity"), pg->severity);
		json_raw(out, KEY("code"), pg->code);
		json_raw(out, KEY("error"), pg->error);
		break;
	default:
		if (pg->tag[0])
			json_raw(out, KEY("tag"), pg->tag);
		break;
	}
}

const struct protocol postgres_protocol = {
	.name = "postgres",
	.port_hint = 5432,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct pg_message),
	.detect = postgres_detect,
	.parse = postgres_parse,
	.human_put = postgres_human_put,
	.json_put = postgres_json_put,
};
