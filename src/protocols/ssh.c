/*
 * SSH decoder: what an SSH connection says in the clear (RFC 4253).
 *
 * Each side first sends its version line, "SSH-2.0-softwareversion
 * comments\r\n" (section 4.2; the server may send other lines before it),
 * then binary packets, the first of which is its SSH_MSG_KEXINIT (section
 * 7.1): the algorithms it offers. A side's message is its version line
 * and that first packet: the client's is the request, the server's the
 * response, so one exchange shows both banners and both offers. The
 * packets after (the key exchange itself) are passed over; once both
 * sides' messages are done the rest is encrypted, and the message that
 * finishes second says so (STREAM_ENCRYPTED): nothing more is decoded.
 *
 * The server often writes its version line first, before the client's
 * arrives; its message ends only at its KEXINIT, which it sends after the
 * client's version line, so the pairing in order holds.
 */
#include <string.h>

#include "protocols/parse_util.h"
#include "protocols/ssh.h"

#define SSH_LINE_MAX 1024		/* a line before the version line, with its CR LF */
#define SSH_VERSION_MAX 255		/* the version line, with its CR LF (section 4.2) */
#define SSH_OTHER_LINES_MAX 64		/* lines before it */
#define SSH_PACKET_MAX (256 * 1024)	/* OpenSSH's PACKET_MAX_SIZE */
#define SSH_KEXINIT_MAX (64 * 1024 - 8) /* a KEXINIT read whole: fits the engine's piece */
#define SSH_MSG_KEXINIT 20

enum stage {
	STAGE_VERSION,
	STAGE_PACKET,
};

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] >= 0x7f)
			return false;
	return true;
}

static bool version_prefix(const uint8_t *p, size_t n)
{
	static const char *const prefixes[] = { "SSH-2.0-", "SSH-1.99-" };

	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen(prefixes[i]);

		if (!memcmp(p, prefixes[i], n < k ? n : k))
			return true;
	}
	return false;
}

/* "SSH-protoversion-softwareversion[ comments]" into the message. */
static bool version_read(struct ssh_message *ssh, const uint8_t *p, size_t n)
{
	const uint8_t *dash, *space;
	size_t proto_n;

	if (n < 8 || n > SSH_VERSION_MAX - 2 || !version_prefix(p, n) || !printable(p, n))
		return false;
	dash = memchr(p + 4, '-', n - 4);
	if (!dash || dash + 1 >= p + n)
		return false;
	proto_n = (size_t)(dash - (p + 4));
	text_copy(ssh->banner, sizeof(ssh->banner), p, n);
	text_copy(ssh->proto_version, sizeof(ssh->proto_version), p + 4, proto_n);
	space = memchr(dash + 1, ' ', (size_t)(p + n - (dash + 1)));
	if (!space) {
		text_copy(ssh->software, sizeof(ssh->software), dash + 1,
			  (size_t)(p + n - (dash + 1)));
		return true;
	}
	text_copy(ssh->software, sizeof(ssh->software), dash + 1, (size_t)(space - (dash + 1)));
	text_copy(ssh->comments, sizeof(ssh->comments), space + 1, (size_t)(p + n - (space + 1)));
	return true;
}

static void list_copy(struct ssh_message *ssh, char *dst, const uint8_t *p, uint32_t n)
{
	if (n >= SSH_LIST) {
		memcpy(dst, p, SSH_LIST - 4);
		memcpy(dst + SSH_LIST - 4, "...", 4);
		ssh->lists_cut = true;
		return;
	}
	text_copy(dst, SSH_LIST, p, n);
}

/* The KEXINIT payload after its message number: a 16-byte cookie, ten
 * name-lists, a boolean, a reserved uint32. */
static bool kexinit_read(struct ssh_message *ssh, const uint8_t *p, size_t n)
{
	char *const kept[3] = { ssh->kex, ssh->host_key, ssh->ciphers };
	size_t at = 16;

	if (n < 16)
		return false;
	for (int i = 0; i < 10; i++) {
		uint32_t list_n;

		if (n - at < 4)
			return false;
		list_n = be32_load(p + at);
		at += 4;
		if (list_n > n - at || !printable(p + at, list_n))
			return false;
		if (i < 3)
			list_copy(ssh, kept[i], p + at, list_n);
		at += list_n;
	}
	if (n - at < 5)
		return false;
	ssh->kexinit = true;
	return true;
}

/* This side's message is done: the second side to be done ends decoding. */
static struct parse_result side_done(const struct parse_ctx *ctx, size_t consumed, uint64_t skip)
{
	uint32_t none = 0, *flags = ctx->conn_flags ? ctx->conn_flags : &none;
	uint32_t mine = ctx->from_client ? SSH_FLAG_CLIENT_DONE : SSH_FLAG_SERVER_DONE;
	uint32_t other = ctx->from_client ? SSH_FLAG_SERVER_DONE : SSH_FLAG_CLIENT_DONE;
	struct parse_result r = parse_result_make(PARSE_COMPLETE, consumed, skip);

	*flags |= mine;
	if (*flags & other)
		r.after = STREAM_ENCRYPTED;
	return r;
}

static struct parse_result packet_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
					struct ssh_message *ssh)
{
	uint32_t packet_n, padding;
	size_t total, take;

	if (len < 6)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	packet_n = be32_load(buf);
	padding = buf[4];
	if (packet_n < 12 || packet_n > SSH_PACKET_MAX || padding < 4 || padding + 2 > packet_n)
		return parse_result_make(PARSE_INVALID, 0, 0);
	total = 4 + (size_t)packet_n;
	ssh->first_packet = buf[5];
	if (buf[5] == SSH_MSG_KEXINIT && total <= SSH_KEXINIT_MAX) {
		if (len < total)
			return parse_result_make(PARSE_NEED_MORE, 0, 0);
		/* payload: after the length and padding length, before the padding */
		if (!kexinit_read(ssh, buf + 6, packet_n - padding - 2))
			return parse_result_make(PARSE_INVALID, 0, 0);
	}
	take = len < total ? len : total;
	return side_done(ctx, take, total - take);
}

struct parse_result ssh_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			      struct message *msg)
{
	struct ssh_message *ssh = PROTOCOL_BODY(msg, struct ssh_message);
	uint32_t none = 0, *flags = ctx->conn_flags ? ctx->conn_flags : &none;
	size_t from, end, n;
	const uint8_t *lf;

	ssh->is_request = ctx->from_client;
	if (!len)
		return parse_result_make(PARSE_NEED_MORE, 0, 0);
	if (*flags & (ctx->from_client ? SSH_FLAG_CLIENT_DONE : SSH_FLAG_SERVER_DONE))
		return parse_result_make(PARSE_IGNORED, len, 0); /* the key exchange */
	if (ssh->stage == STAGE_PACKET)
		return packet_parse(buf, len, ctx, ssh);
	if (*flags & (ctx->from_client ? SSH_FLAG_CLIENT_VERSION : SSH_FLAG_SERVER_VERSION))
		return parse_result_make(PARSE_IGNORED, len, 0); /* packets after a loss */
	from = ctx->seen && ctx->seen <= len ? ctx->seen - 1 : 0;
	lf = from < len ? memchr(buf + from, '\n', len - from) : NULL;
	if (!lf)
		return parse_result_make(len >= SSH_LINE_MAX ? PARSE_INVALID : PARSE_NEED_MORE, 0,
					 0);
	end = (size_t)(lf - buf);
	if (end >= SSH_LINE_MAX)
		return parse_result_make(PARSE_INVALID, 0, 0);
	n = end && buf[end - 1] == '\r' ? end - 1 : end;
	if (n >= 4 && !memcmp(buf, "SSH-", 4)) {
		if (!version_read(ssh, buf, n))
			return parse_result_make(PARSE_INVALID, 0, 0);
		*flags |= ctx->from_client ? SSH_FLAG_CLIENT_VERSION : SSH_FLAG_SERVER_VERSION;
		ssh->stage = STAGE_PACKET;
		return parse_result_make(PARSE_CONTINUE, end + 1, 0);
	}
	/* Only a server sends lines before its version line. */
	if (ctx->from_client || ssh->other_lines >= SSH_OTHER_LINES_MAX || !printable(buf, n))
		return parse_result_make(PARSE_INVALID, 0, 0);
	ssh->other_lines++;
	return parse_result_make(PARSE_CONTINUE, end + 1, 0);
}

void ssh_negotiate(const char *client, const char *server, char *out, size_t size)
{
	size_t server_n = strlen(server);

	out[0] = '\0';
	while (*client) {
		const char *comma = strchr(client, ',');
		size_t n = comma ? (size_t)(comma - client) : strlen(client);

		for (const char *s = server; s < server + server_n;) {
			const char *s_comma = strchr(s, ',');
			size_t s_n = s_comma ? (size_t)(s_comma - s) : strlen(s);

			if (s_n == n && !memcmp(s, client, n)) {
				text_copy(out, size, (const uint8_t *)client, n);
				return;
			}
			s += s_n + (s_comma ? 1 : 0);
		}
		client += n + (comma ? 1 : 0);
	}
}

bool ssh_detect(const uint8_t *buf, size_t len, bool from_client)
{
	size_t at = 0;

	if (len < 4)
		return false;
	if (!memcmp(buf, "SSH-", 4))
		return version_prefix(buf, len);
	if (from_client)
		return false;
	/* A server's lines before its version line: text, then "SSH-2.0-". */
	for (int lines = 0; lines < 16 && at < len; lines++) {
		const uint8_t *lf = memchr(buf + at, '\n', len - at);
		size_t end;

		if (!lf)
			return false;
		end = (size_t)(lf - buf);
		if (!printable(buf + at, end - at - (end > at && buf[end - 1] == '\r')))
			return false;
		at = end + 1;
		if (len - at >= 4 && !memcmp(buf + at, "SSH-", 4))
			return version_prefix(buf + at, len - at);
	}
	return false;
}
