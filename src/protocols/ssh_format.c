/*
 * SSH in exchange lines and JSON, and its descriptor.
 *
 * Human: each side is its version line ("SSH-2.0-OpenSSH_9.2p1
 * Debian-2"), the server's with "(after N other lines)" when it sent some;
 * the line ends with what the two KEXINITs agree on, "kex=curve25519-sha256
 * host_key=ssh-ed25519 cipher=chacha20-poly1305@openssh.com", when both
 * were read whole.
 * JSON: banner, proto_version, software, comments, other_lines, kexinit,
 * and the offered kex, host_key and ciphers name-lists.
 *
 * Endpoint: "handshake", the one exchange a connection shows. Outcome: two
 * KEXINITs read whole that agree on no key exchange, host key or cipher
 * fail, "no_common_algorithm" (neither side is to blame: no split); else
 * "ok" (a version line other than 2.0's or 1.99's is not taken for SSH).
 */
#include "protocols/ssh.h"

#include <inttypes.h>
#include <string.h>

#include "output/escape.h"
#include "output/json_writer.h"
#include "output/output.h"

static void ssh_human_put(struct strbuf *out, const struct message *msg, bool request,
			  const struct output_style *style)
{
	const struct ssh_message *ssh = PROTOCOL_BODY_CONST(msg, struct ssh_message);

	(void)request;
	(void)style;
	if (!ssh->banner[0]) {
		strbuf_puts(out, request ? "request" : "reply");
		return;
	}
	escape_cstr(out, ssh->banner);
	if (ssh->other_lines)
		strbuf_printf(out, " (after %u other lines)", (unsigned)ssh->other_lines);
}

static void ssh_json_put(struct strbuf *out, const struct message *msg,
			 const struct output_style *style)
{
	const struct ssh_message *ssh = PROTOCOL_BODY_CONST(msg, struct ssh_message);

	(void)style;
	json_raw(out, KEY("banner"), ssh->banner);
	json_raw(out, KEY("proto_version"), ssh->proto_version);
	json_raw(out, KEY("software"), ssh->software);
	json_raw(out, KEY("comments"), ssh->comments);
	if (!ssh->is_request)
		json_u64(out, KEY("other_lines"), ssh->other_lines);
	json_bool(out, KEY("kexinit"), ssh->kexinit);
	json_raw(out, KEY("kex_algorithms"), ssh->kex);
	json_raw(out, KEY("host_key_algorithms"), ssh->host_key);
	json_raw(out, KEY("ciphers"), ssh->ciphers);
}

/* What both offers agree on (RFC 4253 7.1), when both were read whole. */
static void ssh_exchange_tail(struct strbuf *out, const struct message *request,
			      const struct message *response)
{
	const struct ssh_message *client, *server;
	char kex[128], host_key[128], cipher[128];

	if (!request || !response)
		return;
	client = PROTOCOL_BODY_CONST(request, struct ssh_message);
	server = PROTOCOL_BODY_CONST(response, struct ssh_message);
	if (!client->kexinit || !server->kexinit || client->lists_cut || server->lists_cut)
		return;
	ssh_negotiate(client->kex, server->kex, kex, sizeof(kex));
	ssh_negotiate(client->host_key, server->host_key, host_key, sizeof(host_key));
	ssh_negotiate(client->ciphers, server->ciphers, cipher, sizeof(cipher));
	strbuf_puts(out, "  kex=");
	escape_cstr(out, kex[0] ? kex : "none");
	strbuf_puts(out, " host_key=");
	escape_cstr(out, host_key[0] ? host_key : "none");
	strbuf_puts(out, " cipher=");
	escape_cstr(out, cipher[0] ? cipher : "none");
}

static void ssh_endpoint_put(struct strbuf *out, const struct message *request)
{
	(void)request;
	strbuf_puts(out, "handshake");
}

static enum outcome ssh_outcome_of(const struct message *request, const struct message *response,
				   char *status)
{
	const struct ssh_message *server = PROTOCOL_BODY_CONST(response, struct ssh_message);
	const struct ssh_message *client =
		request ? PROTOCOL_BODY_CONST(request, struct ssh_message) : NULL;
	char kex[128], host_key[128], cipher[128];

	if (client && client->kexinit && server->kexinit && !client->lists_cut &&
	    !server->lists_cut) {
		ssh_negotiate(client->kex, server->kex, kex, sizeof(kex));
		ssh_negotiate(client->host_key, server->host_key, host_key, sizeof(host_key));
		ssh_negotiate(client->ciphers, server->ciphers, cipher, sizeof(cipher));
		if (!kex[0] || !host_key[0] || !cipher[0]) {
			strcpy(status, "no_common_algorithm");
			return OUTCOME_ERROR;
		}
	}
	strcpy(status, "ok");
	return OUTCOME_OK;
}

const struct protocol ssh_protocol = {
	.name = "ssh",
	.port_hint = 22,
	.pairing = PAIR_IN_ORDER,
	.body_size = sizeof(struct ssh_message),
	.detect = ssh_detect,
	.parse = ssh_parse,
	.human_put = ssh_human_put,
	.json_put = ssh_json_put,
	.exchange_tail = ssh_exchange_tail,
	.endpoint_put = ssh_endpoint_put,
	.outcome_of = ssh_outcome_of,
	.server_first = true,
};
