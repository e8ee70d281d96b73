/*
 * TLS records (RFC 8446 section 5, RFC 5246 section 6.2): one record per
 * call. Only the hellos are decoded: the ClientHello's server name, offered
 * versions, ALPN protocols and resumption offers; the ServerHello's
 * selected version, cipher suite, key share group, ALPN choice (TLS 1.2:
 * TLS 1.3 sends it encrypted) and whether the session was resumed. A
 * ServerHello ends the decoding (the rest is ciphertext) unless it is a
 * HelloRetryRequest, after which a second ClientHello and ServerHello
 * follow. A fatal alert in cleartext where the ServerHello was due is the
 * answer to the ClientHello (refused). Every other record, encrypted or
 * not, is consumed and skipped without being buffered whole.
 *
 * A hello is read from what the record holds of it: a hello split over two
 * records (possible, rare below 16 KiB) is decoded as far as the first one
 * goes, and the rest is skipped as a handshake record of no interest.
 */
#include "protocols/tls.h"
#include "protocols/parse_util.h"

#include <stdio.h>
#include <string.h>

#define TLS_RECORD_HEADER 5
#define TLS_HANDSHAKE_HEADER 4
/* TLSCiphertext.length: at most 2^14 + 2048 (RFC 5246 6.2.3). */
#define TLS_MAX_RECORD (16384 + 2048)
#define TLS_RANDOM_LEN 32
#define TLS_MAX_SESSION_ID 32

#define TLS_CHANGE_CIPHER_SPEC 0x14
#define TLS_ALERT 0x15
#define TLS_HANDSHAKE 0x16
#define TLS_APPLICATION_DATA 0x17
#define TLS_HEARTBEAT 0x18

#define TLS_ALERT_FATAL 2

#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2
#define TLS_NEW_SESSION_TICKET 4

#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16
#define TLS_EXT_SESSION_TICKET 35
#define TLS_EXT_PRE_SHARED_KEY 41
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_EXT_KEY_SHARE 51
#define TLS_SNI_HOST_NAME 0
#define TLS_VERSION_1_3 0x0304

/* A ServerHello with this random is a HelloRetryRequest: SHA-256 of
 * "HelloRetryRequest" (RFC 8446 4.1.3). */
static const uint8_t tls_hello_retry_random[TLS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* IANA names (the TLS Cipher Suites registry) of the suites servers choose
 * today: TLS 1.3's, the ECDHE and DHE AEAD suites of TLS 1.2, and the
 * common CBC and RSA key exchange ones. Others are shown by number. */
static const struct {
	uint16_t id;
	const char *name;
} tls_cipher_names[] = {
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
};

/* Supported groups (RFC 8446 4.2.7, RFC 7919, the hybrid ML-KEM code point). */
static const struct {
	uint16_t id;
	const char *name;
} tls_group_names[] = {
	{ 0x0017, "secp256r1" }, { 0x0018, "secp384r1" }, { 0x0019, "secp521r1" },
	{ 0x001d, "x25519" },    { 0x001e, "x448" },      { 0x0100, "ffdhe2048" },
	{ 0x0101, "ffdhe3072" }, { 0x0102, "ffdhe4096" }, { 0x11ec, "X25519MLKEM768" },
};

/* A bounds-checked reader over buf[pos..end). Once a read fails, ok stays
 * false and every later read fails too, so callers check once at the end
 * of a group of fields. */
struct tls_reader {
	const uint8_t *buf;
	size_t pos;
	size_t end;
	bool ok;
};

static size_t be24(const uint8_t *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

static bool reader_has(struct tls_reader *r, size_t n)
{
	if (r->ok && r->end - r->pos < n)
		r->ok = false;
	return r->ok;
}

static unsigned int reader_u8(struct tls_reader *r)
{
	if (!reader_has(r, 1))
		return 0;
	return r->buf[r->pos++];
}

static unsigned int reader_u16(struct tls_reader *r)
{
	unsigned int v;

	if (!reader_has(r, 2))
		return 0;
	v = be16_load(r->buf + r->pos);
	r->pos += 2;
	return v;
}

static void reader_skip(struct tls_reader *r, size_t n)
{
	if (reader_has(r, n))
		r->pos += n;
}

/* A reader over the next n bytes of r (a length-prefixed vector), which r
 * then skips. */
static struct tls_reader reader_sub(struct tls_reader *r, size_t n)
{
	struct tls_reader sub = { .buf = r->buf, .pos = r->pos, .end = r->pos, .ok = false };

	if (reader_has(r, n)) {
		sub.end = r->pos + n;
		sub.ok = true;
		r->pos += n;
	}
	return sub;
}

static bool tls_content_type_valid(uint8_t type)
{
	return type >= TLS_CHANGE_CIPHER_SPEC && type <= TLS_HEARTBEAT;
}

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static bool tls_grease(unsigned int v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Orders versions: a 3.x version above anything else (draft or DTLS code
 * points), then by value. */
static unsigned int tls_version_rank(unsigned int v)
{
	return ((v >> 8) == 3 ? 0x10000 : 0) + v;
}

void tls_version_name(unsigned int v, char *out, size_t size)
{
	switch (v) {
	case 0x0304:
		snprintf(out, size, "TLS1.3");
		break;
	case 0x0303:
		snprintf(out, size, "TLS1.2");
		break;
	case 0x0302:
		snprintf(out, size, "TLS1.1");
		break;
	case 0x0301:
		snprintf(out, size, "TLS1.0");
		break;
	case 0x0300:
		snprintf(out, size, "SSL3.0");
		break;
	default:
		snprintf(out, size, "0x%04x", v);
	}
}

const char *tls_resumption_name(enum tls_resumption resumption)
{
	static const char *const names[] = {
		[TLS_RESUME_NONE] = "",
		[TLS_RESUME_SESSION_ID] = "session_id",
		[TLS_RESUME_TICKET] = "ticket",
		[TLS_RESUME_PSK] = "psk",
	};

	return (unsigned int)resumption < sizeof(names) / sizeof(names[0]) ? names[resumption] : "";
}

const char *tls_alert_name(uint8_t description)
{
	static const char *const names[] = {
		[0] = "close_notify",
		[10] = "unexpected_message",
		[20] = "bad_record_mac",
		[22] = "record_overflow",
		[40] = "handshake_failure",
		[42] = "bad_certificate",
		[43] = "unsupported_certificate",
		[44] = "certificate_revoked",
		[45] = "certificate_expired",
		[46] = "certificate_unknown",
		[47] = "illegal_parameter",
		[48] = "unknown_ca",
		[49] = "access_denied",
		[50] = "decode_error",
		[51] = "decrypt_error",
		[70] = "protocol_version",
		[71] = "insufficient_security",
		[80] = "internal_error",
		[86] = "inappropriate_fallback",
		[90] = "user_canceled",
		[109] = "missing_extension",
		[110] = "unsupported_extension",
		[112] = "unrecognized_name",
		[113] = "bad_certificate_status_response",
		[115] = "unknown_psk_identity",
		[116] = "certificate_required",
		[120] = "no_application_protocol",
	};

	return description < sizeof(names) / sizeof(names[0]) ? names[description] : NULL;
}

static void tls_cipher_name(unsigned int id, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof(tls_cipher_names) / sizeof(tls_cipher_names[0]); i++) {
		if (tls_cipher_names[i].id == id) {
			snprintf(out, size, "%s", tls_cipher_names[i].name);
			return;
		}
	}
	snprintf(out, size, "0x%04x", id);
}

static void tls_group_name(unsigned int id, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof(tls_group_names) / sizeof(tls_group_names[0]); i++) {
		if (tls_group_names[i].id == id) {
			snprintf(out, size, "%s", tls_group_names[i].name);
			return;
		}
	}
	snprintf(out, size, "0x%04x", id);
}

/* server_name (RFC 6066 section 3): the first host_name entry. */
static void tls_sni_read(struct tls_reader ext, struct tls_message *tls)
{
	struct tls_reader list = reader_sub(&ext, reader_u16(&ext));

	while (list.ok && list.pos < list.end) {
		unsigned int name_type = reader_u8(&list);
		struct tls_reader name = reader_sub(&list, reader_u16(&list));
		size_t n;

		if (!name.ok)
			return;
		if (name_type != TLS_SNI_HOST_NAME)
			continue;
		n = name.end - name.pos;
		if (n > sizeof(tls->sni) - 1)
			n = sizeof(tls->sni) - 1;
		memcpy(tls->sni, name.buf + name.pos, n);
		tls->sni[n] = '\0';
		return;
	}
}

/* supported_versions (RFC 8446 4.2.1), the client's list: kept as listed
 * (the first TLS_MAX_VERSIONS), the highest returned. */
static unsigned int tls_client_versions_read(struct tls_reader ext, struct tls_message *tls)
{
	struct tls_reader list = reader_sub(&ext, reader_u8(&ext));
	unsigned int best = 0;

	while (list.ok && list.end - list.pos >= 2) {
		unsigned int v = reader_u16(&list);

		if (tls_grease(v))
			continue;
		if (tls->n_versions < TLS_MAX_VERSIONS)
			tls->versions[tls->n_versions++] = (uint16_t)v;
		if (!best || tls_version_rank(v) > tls_version_rank(best))
			best = v;
	}
	return best;
}

/* application_layer_protocol_negotiation (RFC 7301 3.1): a list of
 * protocol names, each cut to TLS_ALPN_TEXT - 1 bytes; the first
 * TLS_MAX_ALPN kept. */
static void tls_alpn_read(struct tls_reader ext, struct tls_message *tls)
{
	struct tls_reader list = reader_sub(&ext, reader_u16(&ext));

	while (list.ok && list.pos < list.end && tls->n_alpn < TLS_MAX_ALPN) {
		struct tls_reader name = reader_sub(&list, reader_u8(&list));
		char *out = tls->alpn[tls->n_alpn];
		size_t n;

		if (!name.ok)
			return;
		n = name.end - name.pos;
		if (n > TLS_ALPN_TEXT - 1)
			n = TLS_ALPN_TEXT - 1;
		memcpy(out, name.buf + name.pos, n);
		out[n] = '\0';
		tls->n_alpn++;
	}
}

/* What a hello's extensions said, besides what goes straight to tls. */
struct tls_hello_exts {
	unsigned int version; /* client: highest offered; server: selected; 0 none */
	bool psk;             /* pre_shared_key present */
	bool alpn;            /* ALPN present */
};

/*
 * Reads a hello's extensions block: for a client hello, the server name,
 * the supported versions, ALPN and resumption offers; for a server hello
 * (or HelloRetryRequest), the selected version, ALPN, the key share's
 * group and pre_shared_key. The first of each type counts. A block cut by
 * the end of the record is read as far as it goes.
 */
static void tls_extensions_read(struct tls_reader *r, bool client, struct tls_message *tls,
				struct tls_hello_exts *found)
{
	struct tls_reader exts;
	bool have_sni = false, have_versions = false, have_group = false;
	size_t n;

	if (r->end - r->pos < 2)
		return; /* no extensions (TLS 1.2 and earlier allow that) */
	n = reader_u16(r);
	if (n > r->end - r->pos)
		n = r->end - r->pos;
	exts = reader_sub(r, n);
	while (exts.ok && exts.end - exts.pos >= 4) {
		unsigned int type = reader_u16(&exts);
		struct tls_reader ext = reader_sub(&exts, reader_u16(&exts));

		if (!ext.ok)
			break;
		switch (type) {
		case TLS_EXT_SERVER_NAME:
			if (client && !have_sni)
				tls_sni_read(ext, tls);
			have_sni = true;
			break;
		case TLS_EXT_SUPPORTED_VERSIONS:
			if (have_versions)
				break;
			have_versions = true;
			found->version = client ? tls_client_versions_read(ext, tls) : reader_u16(&ext);
			if (!ext.ok)
				found->version = 0;
			break;
		case TLS_EXT_ALPN:
			if (!found->alpn)
				tls_alpn_read(ext, tls);
			found->alpn = true;
			break;
		case TLS_EXT_SESSION_TICKET:
			if (client && ext.end > ext.pos)
				tls->offers_ticket = true;
			break;
		case TLS_EXT_PRE_SHARED_KEY:
			found->psk = true;
			break;
		case TLS_EXT_KEY_SHARE: {
			/* ServerHello: a KeyShareEntry; HelloRetryRequest: the
			 * selected group. Both start with the group. */
			unsigned int group;

			if (client || have_group)
				break;
			have_group = true;
			group = reader_u16(&ext);
			if (ext.ok)
				tls_group_name(group, tls->group, sizeof(tls->group));
			break;
		}
		default:
			break;
		}
	}
}

/*
 * The server's resumption (TLS 1.2 and earlier): the client's non-empty
 * session id echoed (RFC 5246 7.4.1.3; a server accepting a ticket echoes
 * it too, RFC 5077 3.4), or the hello followed at once by a NewSessionTicket,
 * which only an abbreviated handshake sends there (RFC 5077 3.1).
 * next_type is the handshake type after the hello in its record, -1 none.
 */
static enum tls_resumption tls12_resumption(const struct tls_message *tls,
					    const struct message *request, int next_type)
{
	const struct tls_message *hello = request ? PROTOCOL_BODY_CONST(request, struct tls_message)
						  : NULL;

	if (hello && hello->client_hello && hello->session_id_len &&
	    hello->session_id_len == tls->session_id_len &&
	    !memcmp(hello->session_id, tls->session_id, tls->session_id_len))
		return hello->offers_ticket ? TLS_RESUME_TICKET : TLS_RESUME_SESSION_ID;
	if (next_type == TLS_NEW_SESSION_TICKET)
		return TLS_RESUME_TICKET;
	return TLS_RESUME_NONE;
}

/*
 * Decodes a ClientHello or ServerHello body (after the handshake header)
 * from r. request is the ClientHello a ServerHello answers (NULL: not
 * seen), next_type the handshake type that follows it in the record (-1:
 * none there). Returns false when it is not one: the fixed fields do not
 * parse.
 */
static bool tls_hello_read(struct tls_reader *r, bool client, const struct message *request,
			   int next_type, struct tls_message *tls)
{
	struct tls_hello_exts found = { 0 };
	unsigned int legacy_version, session_id_len, cipher = 0;
	bool hello_retry = false;

	legacy_version = reader_u16(r);
	if (reader_has(r, TLS_RANDOM_LEN))
		hello_retry = !client && !memcmp(r->buf + r->pos, tls_hello_retry_random,
						 TLS_RANDOM_LEN);
	reader_skip(r, TLS_RANDOM_LEN);
	session_id_len = reader_u8(r);
	if (!r->ok || (legacy_version >> 8) != 3 || session_id_len > TLS_MAX_SESSION_ID)
		return false;
	if (reader_has(r, session_id_len)) {
		memcpy(tls->session_id, r->buf + r->pos, session_id_len);
		tls->session_id_len = (uint8_t)session_id_len;
	}
	reader_skip(r, session_id_len);
	if (client) {
		unsigned int suites = reader_u16(r);
		unsigned int methods;

		if (!r->ok || suites < 2 || suites % 2)
			return false;
		reader_skip(r, suites);
		methods = reader_u8(r);
		if (!r->ok || methods < 1)
			return false;
		reader_skip(r, methods);
	} else {
		cipher = reader_u16(r); /* cipher_suite */
		reader_skip(r, 1);      /* compression_method */
	}
	if (!r->ok)
		return false;
	tls_extensions_read(r, client, tls, &found);
	tls_version_name(found.version ? found.version : legacy_version, tls->version,
			 sizeof(tls->version));
	tls->client_hello = client;
	tls->server_hello = !client;
	if (client) {
		tls->offers_psk = found.psk;
		tls->resumption = found.psk ? TLS_RESUME_PSK
				  : tls->offers_ticket ? TLS_RESUME_TICKET : TLS_RESUME_NONE;
		return true;
	}
	tls->hello_retry = hello_retry;
	tls->cipher_suite = (uint16_t)cipher;
	tls_cipher_name(cipher, tls->cipher, sizeof(tls->cipher));
	if (found.version == TLS_VERSION_1_3) {
		const struct tls_message *hello =
			request ? PROTOCOL_BODY_CONST(request, struct tls_message) : NULL;

		if (!hello_retry) {
			tls->resumption = found.psk ? TLS_RESUME_PSK : TLS_RESUME_NONE;
			/* In EncryptedExtensions, if anywhere. */
			tls->alpn_encrypted = !tls->n_alpn &&
					      (!hello || !hello->client_hello || hello->n_alpn);
		}
	} else if (!hello_retry) {
		tls->resumption = tls12_resumption(tls, request, next_type);
	}
	return true;
}

bool tls_detect(const uint8_t *buf, size_t len, bool from_client)
{
	if (len < 3 || buf[0] != TLS_HANDSHAKE || buf[1] != 3 || buf[2] > 4)
		return false;
	if (len >= 5) {
		size_t record_len = be16_load(buf + 3);

		if (record_len < TLS_HANDSHAKE_HEADER || record_len > TLS_MAX_RECORD)
			return false;
	}
	if (len >= 6 && buf[5] != (from_client ? TLS_CLIENT_HELLO : TLS_SERVER_HELLO))
		return false;
	/* The hello's legacy_version: 3.x as well. */
	if (len >= 10 && buf[9] != 3)
		return false;
	return true;
}

struct parse_result tls_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                              struct message *msg)
{
	struct parse_result result = { .state = PARSE_INVALID };
	struct tls_message *tls = PROTOCOL_BODY(msg, struct tls_message);
	size_t record_len, record_end, have;

	/* What is there of the header must look like TLS before we wait. */
	if ((len >= 1 && !tls_content_type_valid(buf[0])) || (len >= 2 && buf[1] != 3))
		return result;
	if (len < TLS_RECORD_HEADER) {
		result.state = PARSE_NEED_MORE;
		return result;
	}
	record_len = be16_load(buf + 3);
	if (record_len > TLS_MAX_RECORD || (buf[0] == TLS_HANDSHAKE && record_len == 0))
		return result;
	record_end = TLS_RECORD_HEADER + record_len;
	have = len < record_end ? len : record_end;

	if (buf[0] == TLS_HANDSHAKE) {
		size_t hs_len, hello_end, need;

		if (len < TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER && len < record_end) {
			result.state = PARSE_NEED_MORE;
			return result;
		}
		if (record_len < TLS_HANDSHAKE_HEADER ||
		    (buf[5] != TLS_CLIENT_HELLO && buf[5] != TLS_SERVER_HELLO))
			goto ignored;
		/* The hello, or as much of it as this record carries; after a
		 * ServerHello, the type of the message that follows it in the
		 * record too, if the record holds one. */
		hs_len = be24(buf + 6);
		hello_end = TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER + hs_len;
		need = hello_end + (buf[5] == TLS_SERVER_HELLO ? 1 : 0);
		if (need > record_end)
			need = record_end;
		if (len < need) {
			result.state = PARSE_NEED_MORE;
			return result;
		}
		struct tls_reader r = {
			.buf = buf,
			.pos = TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER,
			.end = hello_end < need ? hello_end : need,
			.ok = true,
		};
		int next_type = hello_end < need ? buf[hello_end] : -1;

		if (!tls_hello_read(&r, buf[5] == TLS_CLIENT_HELLO,
				    ctx->from_client ? NULL : ctx->request, next_type, tls)) {
			memset(tls, 0, sizeof(*tls));
			goto ignored;
		}
		result.state = PARSE_COMPLETE;
		/* A ServerHello ends the cleartext handshake, but for a
		 * HelloRetryRequest: a second ClientHello follows. */
		if (tls->server_hello && !tls->hello_retry)
			result.after = STREAM_ENCRYPTED;
		result.consumed = have;
		result.skip = record_end - have;
		return result;
	}
	/* A fatal alert (level, description: two bytes, so in cleartext)
	 * instead of the ServerHello the waiting ClientHello asked for. */
	if (buf[0] == TLS_ALERT && record_len == 2 && !ctx->from_client && ctx->request &&
	    PROTOCOL_BODY_CONST(ctx->request, struct tls_message)->client_hello) {
		if (len < record_end) {
			result.state = PARSE_NEED_MORE;
			return result;
		}
		if (buf[5] == TLS_ALERT_FATAL) {
			tls->alert = true;
			tls->alert_description = buf[6];
			result.state = PARSE_COMPLETE;
			result.consumed = record_end;
			return result;
		}
	}
	if (buf[0] == TLS_APPLICATION_DATA)
		tls->application_data = true;
ignored:
	result.state = PARSE_IGNORED;
	result.consumed = have;
	result.skip = record_end - have;
	return result;
}
