/*
 * TLS handshakes in exchange lines and JSON, and its descriptor.
 *
 * Human: "ClientHello sni=<name> <highest> versions=TLS1.3,TLS1.2
 * alpn=h2,http/1.1 resume=psk" and "ServerHello <version> cipher=<suite>
 * group=x25519 alpn=h2 resumed=session_id" (alpn=encrypted for TLS 1.3),
 * or "HelloRetryRequest <version> cipher=<suite> group=<group>"; a part
 * with nothing to say is left out. A server's fatal alert instead of its
 * hello is "Alert <description>" ("Alert protocol_version", "Alert 199").
 * JSON: handshake, sni, version, alpn (array), resumption on both sides;
 * the client adds versions (array), the server cipher, group,
 * alpn_encrypted, resumed; an alert is handshake "alert", alert (its
 * description's name or number).
 *
 * Endpoint: "ClientHello" and its server name, labels that are ids folded
 * ("ClientHello {id}.shard.example.com"). Outcome: a ServerHello is ok, a
 * HelloRetryRequest "hello_retry_request" (ok: a second hello follows);
 * an alert failed, status its name: internal_error the server's failure,
 * any other the client's offer refused (protocol_version,
 * handshake_failure, unrecognized_name, no_application_protocol).
 */
#include "protocols/tls.h"

#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"
#include "protocols/endpoint_fold.h"

static const char *tls_handshake_name(const struct tls_message *tls)
{
	if (tls->client_hello)
		return "client_hello";
	if (tls->alert)
		return "alert";
	return tls->hello_retry ? "hello_retry_request" : "server_hello";
}

static void tls_human_put(struct strbuf *out, const struct message *msg, bool request,
			  const struct output_style *style)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(msg, struct tls_message);
	const char *resumption = tls_resumption_name(tls->resumption);

	(void)request;
	(void)style;
	if (tls->alert) {
		const char *name = tls_alert_name(tls->alert_description);

		strbuf_puts(out, "Alert ");
		if (name)
			strbuf_puts(out, name);
		else
			strbuf_put_u64(out, tls->alert_description);
		return;
	}
	strbuf_puts(out, tls->client_hello ? "ClientHello"
			 : tls->hello_retry ? "HelloRetryRequest" : "ServerHello");
	if (tls->sni[0]) {
		strbuf_puts(out, " sni=");
		escape_cstr(out, tls->sni);
	}
	strbuf_putc(out, ' ');
	escape_cstr(out, tls->version);
	if (tls->client_hello && tls->n_versions) {
		char name[16];

		strbuf_puts(out, " versions=");
		for (unsigned int i = 0; i < tls->n_versions && i < TLS_MAX_VERSIONS; i++) {
			tls_version_name(tls->versions[i], name, sizeof(name));
			if (i)
				strbuf_putc(out, ',');
			strbuf_puts(out, name);
		}
	}
	if (tls->server_hello) {
		strbuf_puts(out, " cipher=");
		escape_cstr(out, tls->cipher);
		if (tls->group[0]) {
			strbuf_puts(out, " group=");
			escape_cstr(out, tls->group);
		}
	}
	if (tls->n_alpn) {
		strbuf_puts(out, " alpn=");
		for (unsigned int i = 0; i < tls->n_alpn && i < TLS_MAX_ALPN; i++) {
			if (i)
				strbuf_putc(out, ',');
			escape_cstr(out, tls->alpn[i]);
		}
	} else if (tls->alpn_encrypted) {
		strbuf_puts(out, " alpn=encrypted");
	}
	if (resumption[0]) {
		strbuf_puts(out, tls->client_hello ? " resume=" : " resumed=");
		strbuf_puts(out, resumption);
	}
}

static void tls_json_put(struct strbuf *out, const struct message *msg,
			 const struct output_style *style)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(msg, struct tls_message);

	(void)style;
	json_name(out, KEY("handshake"), tls_handshake_name(tls));
	if (tls->alert) {
		const char *name = tls_alert_name(tls->alert_description);
		char number[8];

		snprintf(number, sizeof(number), "%u", (unsigned)tls->alert_description);
		json_name(out, KEY("alert"), name ? name : number);
		return;
	}
	json_raw(out, KEY("sni"), tls->sni);
	json_raw(out, KEY("version"), tls->version);
	if (tls->client_hello) {
		char name[16];

		json_key(out, KEY("versions"));
		strbuf_putc(out, '[');
		for (unsigned int i = 0; i < tls->n_versions && i < TLS_MAX_VERSIONS; i++) {
			tls_version_name(tls->versions[i], name, sizeof(name));
			json_array_string(out, i, name);
		}
		strbuf_putc(out, ']');
	} else {
		json_name(out, KEY("cipher"), tls->cipher);
		json_name(out, KEY("group"), tls->group);
	}
	json_key(out, KEY("alpn"));
	strbuf_putc(out, '[');
	for (unsigned int i = 0; i < tls->n_alpn && i < TLS_MAX_ALPN; i++)
		json_array_string(out, i, tls->alpn[i]);
	strbuf_putc(out, ']');
	if (!tls->client_hello) {
		json_bool(out, KEY("alpn_encrypted"), tls->alpn_encrypted);
		json_bool(out, KEY("resumed"), tls->resumption != TLS_RESUME_NONE);
	}
	json_name(out, KEY("resumption"), tls_resumption_name(tls->resumption));
}

static void tls_endpoint_put(struct strbuf *out, const struct message *request)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(request, struct tls_message);

	strbuf_puts(out, "ClientHello");
	if (tls->sni[0]) {
		strbuf_putc(out, ' ');
		endpoint_fold_segments(out, tls->sni, strlen(tls->sni), '.');
	}
	endpoint_mark_cut(out);
}

static enum outcome tls_outcome_of(const struct message *request, const struct message *response,
				   char *status)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(response, struct tls_message);
	const char *name;

	(void)request;
	if (!tls->alert) {
		strcpy(status, tls->hello_retry ? "hello_retry_request" : "ok");
		return OUTCOME_OK;
	}
	name = tls_alert_name(tls->alert_description);
	/* A name is a label's value whole or not at all. */
	if (name && strlen(name) < STATUS_CLASS_MAX)
		snprintf(status, STATUS_CLASS_MAX, "%s", name);
	else
		snprintf(status, STATUS_CLASS_MAX, "alert_%u", (unsigned)tls->alert_description);
	return tls->alert_description == 80 ? OUTCOME_SERVER_ERROR : OUTCOME_CLIENT_ERROR;
}

const struct protocol tls_protocol = {
	.name = "tls",
	.port_hint = 443,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct tls_message),
	.detect = tls_detect,
	.parse = tls_parse,
	.human_put = tls_human_put,
	.json_put = tls_json_put,
	.endpoint_put = tls_endpoint_put,
	.outcome_of = tls_outcome_of,
};
