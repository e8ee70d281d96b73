/*
 * TLS records (RFC 8446 section 5, RFC 5246 section 6.2): one record per
 * call. Only the hellos are decoded, for the server name and the version;
 * every other record, encrypted or not, is consumed and skipped without
 * being buffered whole.
 *
 * A hello is read from what the record holds of it: a hello split over two
 * records (possible, rare below 16 KiB) is decoded as far as the first one
 * goes, and the rest is skipped as a handshake record of no interest.
 */
#include "decode/tls.h"

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

#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2

#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_SNI_HOST_NAME 0

/* A bounds-checked reader over buf[pos..end). Once a read fails, ok stays
 * false and every later read fails too, so callers check once at the end
 * of a group of fields. */
struct tls_reader {
	const uint8_t *buf;
	size_t pos;
	size_t end;
	bool ok;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

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
	v = be16(r->buf + r->pos);
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

static void tls_version_name(unsigned int v, char *out, size_t size)
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

/* supported_versions (RFC 8446 4.2.1): the client's list, highest wins. */
static unsigned int tls_client_versions_read(struct tls_reader ext)
{
	struct tls_reader list = reader_sub(&ext, reader_u8(&ext));
	unsigned int best = 0;

	while (list.ok && list.end - list.pos >= 2) {
		unsigned int v = reader_u16(&list);

		if (!tls_grease(v) && (!best || tls_version_rank(v) > tls_version_rank(best)))
			best = v;
	}
	return best;
}

/*
 * Reads a hello's extensions block. For a client hello, the server name and
 * the highest supported version; for a server hello, the selected version.
 * A block cut by the end of the record is read as far as it goes.
 */
static unsigned int tls_extensions_read(struct tls_reader *r, bool client,
					struct tls_message *tls)
{
	struct tls_reader exts;
	unsigned int version = 0;
	bool have_sni = false, have_versions = false;
	size_t n;

	if (r->end - r->pos < 2)
		return 0; /* no extensions (TLS 1.2 and earlier allow that) */
	n = reader_u16(r);
	if (n > r->end - r->pos)
		n = r->end - r->pos;
	exts = reader_sub(r, n);
	while (exts.ok && exts.end - exts.pos >= 4) {
		unsigned int type = reader_u16(&exts);
		struct tls_reader ext = reader_sub(&exts, reader_u16(&exts));

		if (!ext.ok)
			break;
		if (type == TLS_EXT_SERVER_NAME && client && !have_sni) {
			tls_sni_read(ext, tls);
			have_sni = true;
		} else if (type == TLS_EXT_SUPPORTED_VERSIONS && !have_versions) {
			version = client ? tls_client_versions_read(ext) : reader_u16(&ext);
			if (!ext.ok)
				version = 0;
			have_versions = true;
		}
	}
	return version;
}

/*
 * Decodes a ClientHello or ServerHello body (after the handshake header)
 * from r. Returns false when it is not one: the fixed fields do not parse.
 */
static bool tls_hello_read(struct tls_reader *r, bool client, struct tls_message *tls)
{
	unsigned int legacy_version, version, session_id_len;

	legacy_version = reader_u16(r);
	reader_skip(r, TLS_RANDOM_LEN);
	session_id_len = reader_u8(r);
	if (!r->ok || (legacy_version >> 8) != 3 || session_id_len > TLS_MAX_SESSION_ID)
		return false;
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
		reader_skip(r, 2); /* cipher_suite */
		reader_skip(r, 1); /* compression_method */
	}
	if (!r->ok)
		return false;
	version = tls_extensions_read(r, client, tls);
	tls_version_name(version ? version : legacy_version, tls->version, sizeof(tls->version));
	tls->client_hello = client;
	tls->server_hello = !client;
	return true;
}

bool tls_detect(const uint8_t *buf, size_t len, bool from_client)
{
	if (len < 3 || buf[0] != TLS_HANDSHAKE || buf[1] != 3 || buf[2] > 4)
		return false;
	if (len >= 5) {
		size_t record_len = be16(buf + 3);

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

	(void)ctx;
	/* What is there of the header must look like TLS before we wait. */
	if ((len >= 1 && !tls_content_type_valid(buf[0])) || (len >= 2 && buf[1] != 3))
		return result;
	if (len < TLS_RECORD_HEADER) {
		result.state = PARSE_NEED_MORE;
		return result;
	}
	record_len = be16(buf + 3);
	if (record_len > TLS_MAX_RECORD || (buf[0] == TLS_HANDSHAKE && record_len == 0))
		return result;
	record_end = TLS_RECORD_HEADER + record_len;
	have = len < record_end ? len : record_end;

	if (buf[0] == TLS_HANDSHAKE) {
		size_t hs_len, need;

		if (len < TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER && len < record_end) {
			result.state = PARSE_NEED_MORE;
			return result;
		}
		if (record_len < TLS_HANDSHAKE_HEADER ||
		    (buf[5] != TLS_CLIENT_HELLO && buf[5] != TLS_SERVER_HELLO))
			goto ignored;
		/* The hello, or as much of it as this record carries. */
		hs_len = be24(buf + 6);
		need = TLS_HANDSHAKE_HEADER + hs_len;
		if (need > record_len)
			need = record_len;
		need += TLS_RECORD_HEADER;
		if (len < need) {
			result.state = PARSE_NEED_MORE;
			return result;
		}
		struct tls_reader r = {
			.buf = buf,
			.pos = TLS_RECORD_HEADER + TLS_HANDSHAKE_HEADER,
			.end = need,
			.ok = true,
		};
		if (!tls_hello_read(&r, buf[5] == TLS_CLIENT_HELLO, tls)) {
			memset(tls, 0, sizeof(*tls));
			goto ignored;
		}
		result.state = PARSE_COMPLETE;
		if (tls->server_hello)
			result.after = STREAM_ENCRYPTED;
		result.consumed = have;
		result.skip = record_end - have;
		return result;
	}
	if (buf[0] == TLS_APPLICATION_DATA)
		tls->application_data = true;
ignored:
	result.state = PARSE_IGNORED;
	result.consumed = have;
	result.skip = record_end - have;
	return result;
}
