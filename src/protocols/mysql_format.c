/*
 * MySQL / MariaDB in exchange lines and JSON, and its descriptor.
 *
 * Human: a request is its command and what it names ("query \"SELECT 1\"",
 * "execute 1 \"SELECT ?\" [42, 'hi']", "login user=app database=shop
 * auth=***"); a response is its outcome ("OK, 3 rows affected, last insert
 * id 7", "ERR 1064 (42000) You have an error ...", "2 columns, 3 rows").
 * The auth response is never kept: always "***".
 *
 * Endpoint: COM_QUERY's statement and a COM_STMT_EXECUTE's remembered one,
 * fingerprinted (sql_fingerprint.h); COM_STMT_PREPARE's "PREPARE " and its
 * fingerprint (preparing is not running); any other command its name
 * ("COM_PING", "COM_STMT_EXECUTE" when the statement is not known), the
 * login's packets theirs ("HandshakeResponse", "SSLRequest",
 * "AuthSwitchResponse", "LocalInfileData"). Outcome: an ERR packet is an
 * error, status "error" (not its code: few values are wanted); any other
 * answer "ok".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mysql.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"
#include "protocols/sql_fingerprint.h"

/* A parameter type whose value is text (quoted in human lines). */
static bool type_is_text(uint8_t type)
{
	switch (type) {
	case 7: case 10: case 11: case 12: /* dates and times */
	case 0: case 15: case 16: case 245: case 246: case 247: case 248: case 249: case 250:
	case 251: case 252: case 253: case 254: case 255:
		return true;
	default:
		return false;
	}
}

static unsigned params_shown(const struct mysql_message *my)
{
	return my->n_params < MYSQL_PARAMS_MAX ? my->n_params : MYSQL_PARAMS_MAX;
}

/* A value that was not read ("?") or whose type is not known ("(geometry)"). */
static bool param_unread(const char *text)
{
	return !strcmp(text, "?") || text[0] == '(';
}

static void params_human_put(struct strbuf *out, const struct mysql_message *my)
{
	unsigned shown = params_shown(my);

	if (!my->params_known || !my->n_params)
		return;
	strbuf_puts(out, " [");
	for (unsigned i = 0; i < shown; i++) {
		const char *text = my->params[i];

		if (i)
			strbuf_puts(out, ", ");
		if (my->param_null[i] || my->param_type[i] == 6) {
			strbuf_puts(out, "NULL");
		} else if (!text[0] && my->params_cut && !my->param_type[i]) {
			strbuf_puts(out, "?");
		} else if (type_is_text(my->param_type[i]) && !param_unread(text)) {
			strbuf_putc(out, '\'');
			escape_cstr(out, text);
			strbuf_putc(out, '\'');
		} else {
			escape_cstr(out, text);
		}
	}
	if (my->n_params > shown)
		strbuf_printf(out, ", +%u more", (unsigned)(my->n_params - shown));
	strbuf_putc(out, ']');
}

static void quoted_put(struct strbuf *out, const char *text)
{
	strbuf_putc(out, '"');
	escape_cstr(out, text);
	strbuf_putc(out, '"');
}

static void request_human_put(struct strbuf *out, const struct mysql_message *my)
{
	const char *name = mysql_command_name(my->command);

	switch (my->kind) {
	case MYSQL_LOGIN:
		strbuf_puts(out, "login user=");
		escape_cstr(out, my->user);
		if (my->database[0]) {
			strbuf_puts(out, " database=");
			escape_cstr(out, my->database);
		}
		if (my->plugin[0]) {
			strbuf_puts(out, " plugin=");
			escape_cstr(out, my->plugin);
		}
		if (my->have_auth)
			strbuf_puts(out, " auth=" OUTPUT_MASK);
		return;
	case MYSQL_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		return;
	case MYSQL_AUTH_DATA:
		strbuf_puts(out, "auth-data " OUTPUT_MASK);
		return;
	case MYSQL_INFILE_DATA:
		strbuf_printf(out, "infile data %" PRIu64 "B", my->query_len);
		return;
	case MYSQL_COMMAND:
		break;
	default:
		strbuf_puts(out, "request");
		return;
	}
	switch (my->command) {
	case MYSQL_COM_QUERY:
		strbuf_puts(out, "query ");
		quoted_put(out, my->query);
		return;
	case MYSQL_COM_STMT_PREPARE:
		strbuf_puts(out, "prepare ");
		quoted_put(out, my->query);
		return;
	case MYSQL_COM_STMT_EXECUTE:
		strbuf_printf(out, "execute %" PRIu32, my->statement_id);
		if (my->query_known) {
			strbuf_putc(out, ' ');
			quoted_put(out, my->query);
		}
		params_human_put(out, my);
		return;
	case MYSQL_COM_STMT_CLOSE:
	case MYSQL_COM_STMT_RESET:
		strbuf_printf(out, "%s %" PRIu32, my->command == MYSQL_COM_STMT_CLOSE ? "close" : "reset",
			      my->statement_id);
		if (my->query_known) {
			strbuf_putc(out, ' ');
			quoted_put(out, my->query);
		}
		return;
	case MYSQL_COM_STMT_FETCH:
		strbuf_printf(out, "fetch %" PRIu32 " rows=%" PRIu32, my->statement_id, my->fetch_rows);
		return;
	case MYSQL_COM_STMT_SEND_LONG_DATA:
		strbuf_printf(out, "send_long_data %" PRIu32 " param %" PRIu32, my->statement_id,
			      my->fetch_rows);
		return;
	case MYSQL_COM_INIT_DB:
		strbuf_puts(out, "init_db ");
		escape_cstr(out, my->database);
		return;
	case MYSQL_COM_FIELD_LIST:
		strbuf_puts(out, "field_list ");
		escape_cstr(out, my->query);
		return;
	case MYSQL_COM_PROCESS_KILL:
		strbuf_printf(out, "process_kill %" PRIu32, my->statement_id);
		return;
	case MYSQL_COM_CHANGE_USER:
		strbuf_puts(out, "change_user user=");
		escape_cstr(out, my->user);
		if (my->database[0]) {
			strbuf_puts(out, " database=");
			escape_cstr(out, my->database);
		}
		if (my->have_auth)
			strbuf_puts(out, " auth=" OUTPUT_MASK);
		return;
	default:
		strbuf_puts(out, name ? name : "command");
		return;
	}
}

static void response_human_put(struct strbuf *out, const struct mysql_message *my)
{
	switch (my->kind) {
	case MYSQL_GREETING:
		strbuf_puts(out, "greeting ");
		escape_cstr(out, my->server_version);
		strbuf_printf(out, " connection %" PRIu32, my->connection_id);
		if (my->plugin[0]) {
			strbuf_puts(out, " plugin=");
			escape_cstr(out, my->plugin);
		}
		return;
	case MYSQL_OK:
		strbuf_puts(out, "OK");
		if (my->affected_rows)
			strbuf_printf(out, ", %" PRIu64 " row%s affected", my->affected_rows,
				      my->affected_rows == 1 ? "" : "s");
		if (my->last_insert_id)
			strbuf_printf(out, ", last insert id %" PRIu64, my->last_insert_id);
		if (my->warnings)
			strbuf_printf(out, ", %u warning%s", my->warnings, my->warnings == 1 ? "" : "s");
		if (my->results > 1)
			strbuf_printf(out, " (%" PRIu32 " results)", my->results);
		return;
	case MYSQL_ERR:
		strbuf_printf(out, "ERR %u", my->error_code);
		if (my->sql_state[0]) {
			strbuf_puts(out, " (");
			escape_cstr(out, my->sql_state);
			strbuf_putc(out, ')');
		}
		strbuf_putc(out, ' ');
		escape_cstr(out, my->error);
		if (my->rows)
			strbuf_printf(out, " after %" PRIu64 " row%s", my->rows, my->rows == 1 ? "" : "s");
		return;
	case MYSQL_EOF:
		strbuf_puts(out, "EOF");
		return;
	case MYSQL_RESULT_SET:
		strbuf_printf(out, "%" PRIu64 " column%s, %" PRIu64 " row%s", my->columns,
			      my->columns == 1 ? "" : "s", my->rows, my->rows == 1 ? "" : "s");
		if (my->results > 1)
			strbuf_printf(out, " (%" PRIu32 " results)", my->results);
		if (my->warnings)
			strbuf_printf(out, ", %u warning%s", my->warnings, my->warnings == 1 ? "" : "s");
		return;
	case MYSQL_PREPARE_OK:
		strbuf_printf(out, "statement %" PRIu32 ", %u param%s, %" PRIu64 " column%s",
			      my->statement_id, my->prepare_params, my->prepare_params == 1 ? "" : "s",
			      my->columns, my->columns == 1 ? "" : "s");
		return;
	case MYSQL_AUTH_SWITCH:
		strbuf_puts(out, "auth switch ");
		escape_cstr(out, my->plugin);
		return;
	case MYSQL_AUTH_MORE:
		strbuf_puts(out, my->auth_more == 3   ? "auth more data (fast auth ok)"
				 : my->auth_more == 4 ? "auth more data (full auth)"
						      : "auth more data");
		return;
	case MYSQL_INFILE_REQUEST:
		strbuf_puts(out, "local infile ");
		quoted_put(out, my->info);
		return;
	case MYSQL_REPLY:
		strbuf_puts(out, "reply ");
		quoted_put(out, my->info);
		return;
	default:
		strbuf_puts(out, "reply");
		return;
	}
}

static bool is_server_kind(uint8_t kind)
{
	return kind >= MYSQL_GREETING;
}

static void mysql_human_put(struct strbuf *out, const struct message *msg, bool request,
			    const struct output_style *style)
{
	const struct mysql_message *my = PROTOCOL_BODY_CONST(msg, struct mysql_message);

	(void)style;
	/* A message reported alone (the greeting) is in the request's place. */
	if (is_server_kind(my->kind) || (!request && my->kind == MYSQL_NONE))
		response_human_put(out, my);
	else
		request_human_put(out, my);
}

static const char *request_type(const struct mysql_message *my)
{
	switch (my->kind) {
	case MYSQL_LOGIN: return "login";
	case MYSQL_SSL_REQUEST: return "ssl_request";
	case MYSQL_AUTH_DATA: return "auth_data";
	case MYSQL_INFILE_DATA: return "infile_data";
	case MYSQL_COMMAND: {
		const char *name = mysql_command_name(my->command);
		return name ? name : "command";
	}
	default: return "request";
	}
}

static const char *response_type(const struct mysql_message *my)
{
	switch (my->kind) {
	case MYSQL_GREETING: return "greeting";
	case MYSQL_OK: return "ok";
	case MYSQL_ERR: return "error";
	case MYSQL_EOF: return "eof";
	case MYSQL_RESULT_SET: return "result_set";
	case MYSQL_PREPARE_OK: return "prepare_ok";
	case MYSQL_AUTH_SWITCH: return "auth_switch";
	case MYSQL_AUTH_MORE: return "auth_more_data";
	case MYSQL_INFILE_REQUEST: return "local_infile";
	default: return "reply";
	}
}

static void params_json_put(struct strbuf *out, const struct mysql_message *my)
{
	unsigned shown = params_shown(my);

	json_key(out, KEY("params"));
	strbuf_putc(out, '[');
	for (unsigned i = 0; i < shown; i++) {
		if (my->param_null[i] || my->param_type[i] == 6) {
			strbuf_puts(out, i ? ",null" : "null");
			continue;
		}
		json_array_string(out, i, my->params[i]);
	}
	strbuf_putc(out, ']');
	json_key(out, KEY("param_types"));
	strbuf_putc(out, '[');
	for (unsigned i = 0; i < shown; i++) {
		const char *name = mysql_type_name(my->param_type[i]);

		json_array_string(out, i, name ? name : "unknown");
	}
	strbuf_putc(out, ']');
	json_u64(out, KEY("n_params"), my->n_params);
	if (my->params_cut)
		json_bool(out, KEY("params_cut"), true);
}

static void request_json_put(struct strbuf *out, const struct mysql_message *my)
{
	json_raw(out, KEY("type"), request_type(my));
	json_u64(out, KEY("seq"), my->seq);
	switch (my->kind) {
	case MYSQL_LOGIN:
		json_raw(out, KEY("user"), my->user);
		json_raw(out, KEY("database"), my->database);
		json_raw(out, KEY("plugin"), my->plugin);
		if (my->have_auth)
			json_raw(out, KEY("auth_response"), OUTPUT_MASK);
		json_u64(out, KEY("capabilities"), my->capabilities);
		return;
	case MYSQL_SSL_REQUEST:
		json_u64(out, KEY("capabilities"), my->capabilities);
		return;
	case MYSQL_AUTH_DATA:
		json_raw(out, KEY("auth_response"), OUTPUT_MASK);
		return;
	case MYSQL_INFILE_DATA:
		json_u64(out, KEY("data_bytes"), my->query_len);
		json_u64(out, KEY("packets"), my->packets);
		return;
	case MYSQL_COMMAND:
		break;
	default:
		return;
	}
	switch (my->command) {
	case MYSQL_COM_QUERY:
	case MYSQL_COM_STMT_PREPARE:
		json_raw(out, KEY("query"), my->query);
		json_u64(out, KEY("query_len"), my->query_len);
		return;
	case MYSQL_COM_STMT_EXECUTE:
		json_u64(out, KEY("statement_id"), my->statement_id);
		if (my->query_known)
			json_raw(out, KEY("query"), my->query);
		else {
			json_key(out, KEY("query"));
			strbuf_puts(out, "null");
		}
		if (my->params_known)
			params_json_put(out, my);
		return;
	case MYSQL_COM_STMT_CLOSE:
	case MYSQL_COM_STMT_RESET:
	case MYSQL_COM_STMT_FETCH:
	case MYSQL_COM_STMT_SEND_LONG_DATA:
		json_u64(out, KEY("statement_id"), my->statement_id);
		if (my->query_known)
			json_raw(out, KEY("query"), my->query);
		if (my->command == MYSQL_COM_STMT_FETCH)
			json_u64(out, KEY("rows"), my->fetch_rows);
		if (my->command == MYSQL_COM_STMT_SEND_LONG_DATA)
			json_u64(out, KEY("param"), my->fetch_rows);
		return;
	case MYSQL_COM_PROCESS_KILL:
		json_u64(out, KEY("connection_id"), my->statement_id);
		return;
	case MYSQL_COM_INIT_DB:
		json_raw(out, KEY("database"), my->database);
		return;
	case MYSQL_COM_FIELD_LIST:
		json_raw(out, KEY("table"), my->query);
		return;
	case MYSQL_COM_CHANGE_USER:
		json_raw(out, KEY("user"), my->user);
		json_raw(out, KEY("database"), my->database);
		if (my->have_auth)
			json_raw(out, KEY("auth_response"), OUTPUT_MASK);
		return;
	default:
		return;
	}
}

static void response_json_put(struct strbuf *out, const struct mysql_message *my)
{
	json_raw(out, KEY("type"), response_type(my));
	switch (my->kind) {
	case MYSQL_GREETING:
		json_u64(out, KEY("protocol_version"), my->protocol_version);
		json_raw(out, KEY("server_version"), my->server_version);
		json_u64(out, KEY("connection_id"), my->connection_id);
		json_raw(out, KEY("plugin"), my->plugin);
		json_u64(out, KEY("capabilities"), my->capabilities);
		return;
	case MYSQL_OK:
		json_u64(out, KEY("affected_rows"), my->affected_rows);
		json_u64(out, KEY("last_insert_id"), my->last_insert_id);
		json_u64(out, KEY("status"), my->status);
		json_u64(out, KEY("warnings"), my->warnings);
		json_raw(out, KEY("info"), my->info);
		json_u64(out, KEY("results"), my->results);
		return;
	case MYSQL_ERR:
		json_u64(out, KEY("error_code"), my->error_code);
		json_raw(out, KEY("sql_state"), my->sql_state);
		json_raw(out, KEY("error"), my->error);
		if (my->columns) {
			json_u64(out, KEY("columns"), my->columns);
			json_u64(out, KEY("rows"), my->rows);
		}
		return;
	case MYSQL_EOF:
		json_u64(out, KEY("status"), my->status);
		json_u64(out, KEY("warnings"), my->warnings);
		return;
	case MYSQL_RESULT_SET:
		json_u64(out, KEY("columns"), my->columns);
		json_u64(out, KEY("rows"), my->rows);
		json_u64(out, KEY("row_bytes"), my->row_bytes);
		json_u64(out, KEY("results"), my->results);
		json_u64(out, KEY("packets"), my->packets);
		json_u64(out, KEY("status"), my->status);
		json_u64(out, KEY("warnings"), my->warnings);
		return;
	case MYSQL_PREPARE_OK:
		json_u64(out, KEY("statement_id"), my->statement_id);
		json_u64(out, KEY("params"), my->prepare_params);
		json_u64(out, KEY("columns"), my->columns);
		json_u64(out, KEY("warnings"), my->warnings);
		return;
	case MYSQL_AUTH_SWITCH:
		json_raw(out, KEY("plugin"), my->plugin);
		return;
	case MYSQL_AUTH_MORE:
		json_u64(out, KEY("auth_more"), my->auth_more);
		return;
	case MYSQL_INFILE_REQUEST:
		json_raw(out, KEY("file"), my->info);
		return;
	case MYSQL_REPLY:
		json_raw(out, KEY("text"), my->info);
		return;
	default:
		return;
	}
}

static void mysql_json_put(struct strbuf *out, const struct message *msg,
			   const struct output_style *style)
{
	const struct mysql_message *my = PROTOCOL_BODY_CONST(msg, struct mysql_message);

	(void)style;
	if (is_server_kind(my->kind))
		response_json_put(out, my);
	else if (my->kind == MYSQL_NONE)
		json_raw(out, KEY("type"), "unknown");
	else
		request_json_put(out, my);
}

/* "COM_PING" from "ping". */
static void command_endpoint(struct strbuf *out, uint8_t command)
{
	const char *name = mysql_command_name(command);

	strbuf_puts(out, "COM_");
	for (; name && *name; name++)
		strbuf_putc(out, *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') : *name);
}

static void mysql_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct mysql_message *my = PROTOCOL_BODY_CONST(request, struct mysql_message);

	switch (my->kind) {
	case MYSQL_LOGIN:
		strbuf_puts(out, "HandshakeResponse");
		break;
	case MYSQL_SSL_REQUEST:
		strbuf_puts(out, "SSLRequest");
		break;
	case MYSQL_AUTH_DATA:
		strbuf_puts(out, "AuthSwitchResponse");
		break;
	case MYSQL_INFILE_DATA:
		strbuf_puts(out, "LocalInfileData");
		break;
	case MYSQL_COMMAND:
		if (my->command == MYSQL_COM_STMT_PREPARE)
			strbuf_puts(out, "PREPARE ");
		if (my->command == MYSQL_COM_QUERY || my->command == MYSQL_COM_STMT_PREPARE ||
		    (my->command == MYSQL_COM_STMT_EXECUTE && my->query_known))
			sql_fingerprint(out, my->query, strlen(my->query), SQL_MYSQL);
		else
			command_endpoint(out, my->command);
		break;
	default:
		/* A server's kind, or none: not a request. */
		strbuf_puts(out, "mysql");
		break;
	}
	endpoint_mark_cut(out);
}

static enum outcome mysql_outcome_of(const struct message *request, const struct message *response,
				     char *status)
{
	(void)request;
	if (PROTOCOL_BODY_CONST(response, struct mysql_message)->kind == MYSQL_ERR) {
		strcpy(status, "error");
		return OUTCOME_ERROR;
	}
	strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol mysql_protocol = {
	.name = "mysql",
	.port_hint = 3306,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct mysql_message),
	.conn_state_size = sizeof(struct mysql_conn_state),
	.detect = mysql_detect,
	.parse = mysql_parse,
	.human_put = mysql_human_put,
	.json_put = mysql_json_put,
	.endpoint_put = mysql_endpoint_put,
	.outcome_of = mysql_outcome_of,
};
