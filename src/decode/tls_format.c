/* TLS handshakes in exchange lines and JSON, and its descriptor. */
#include "decode/tls.h"

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static void tls_human_put(struct strbuf *out, const struct message *msg, bool request,
			  const struct output_style *style)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(msg, struct tls_message);

	(void)request;
	(void)style;
	strbuf_puts(out, tls->client_hello ? "ClientHello" : "ServerHello");
	if (tls->sni[0]) {
		strbuf_puts(out, " sni=");
		escape_cstr(out, tls->sni);
	}
	strbuf_putc(out, ' ');
	escape_cstr(out, tls->version);
}

static void tls_json_put(struct strbuf *out, const struct message *msg,
			 const struct output_style *style)
{
	const struct tls_message *tls = PROTOCOL_BODY_CONST(msg, struct tls_message);

	(void)style;
	json_name(out, KEY("handshake"), tls->client_hello ? "client_hello" : "server_hello");
	json_raw(out, KEY("sni"), tls->sni);
	json_raw(out, KEY("version"), tls->version);
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
};
