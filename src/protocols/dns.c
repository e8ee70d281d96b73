/*
 * DNS (RFC 1035 section 4). Over UDP one datagram is one message; buf holds
 * it as captured, which may be cut short of the datagram, so the header and
 * the first question must be there and the answers are decoded as far as
 * the capture goes. Over TCP (RFC 1035 4.2.2, RFC 7766) each message comes
 * after a 2-byte length: it is decoded once it is whole, or once its first
 * DNS_TCP_DECODE_MAX bytes are there (the rest skipped, not buffered).
 *
 * Every read is checked against len. Names follow compression pointers at
 * most DNS_MAX_JUMPS times and stop at 255 wire bytes, and at most
 * DECODER_MAX_ANSWERS answers are read, so the work per message is bounded
 * whatever the bytes say.
 */
#include "protocols/dns.h"
#include "protocols/parse_util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define DNS_HEADER_LEN 12
#define DNS_MAX_NAME 255        /* wire bytes, length octets included */
#define DNS_MAX_LABEL 63
#define DNS_MAX_JUMPS 128       /* compression pointers followed per name */
#define DNS_RR_FIXED 10         /* type, class, ttl, rdlength */
#define DNS_MAX_QDCOUNT 4       /* real messages carry one question */
#define DNS_MIN_QUESTION 5      /* the root name, type, class */
#define DNS_TCP_PREFIX 2        /* the length before each message on a stream */

/* Header flags (the 16 bits after the id). */
#define DNS_FLAG_QR 0x8000
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_FLAG_Z 0x0040       /* reserved, zero in every real message */
#define DNS_RCODE(flags) ((flags) & 0xf)

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_PTR 12
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_SRV 33

struct dns_header {
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
};

static const char *const dns_type_names[] = {
	[1] = "A",     [2] = "NS",   [5] = "CNAME", [6] = "SOA",   [12] = "PTR",
	[15] = "MX",   [16] = "TXT", [28] = "AAAA", [33] = "SRV",  [64] = "SVCB",
	[65] = "HTTPS",
};

static const char *const dns_rcode_names[] = {
	[0] = "NOERROR", [1] = "FORMERR", [2] = "SERVFAIL",
	[3] = "NXDOMAIN", [4] = "NOTIMP", [5] = "REFUSED",
};

static void dns_header_read(const uint8_t *buf, struct dns_header *hdr)
{
	hdr->id = be16_load(buf);
	hdr->flags = be16_load(buf + 2);
	hdr->qdcount = be16_load(buf + 4);
	hdr->ancount = be16_load(buf + 6);
	hdr->nscount = be16_load(buf + 8);
	hdr->arcount = be16_load(buf + 10);
}

static void dns_type_name(uint16_t type, char *out, size_t size)
{
	if (type < sizeof(dns_type_names) / sizeof(dns_type_names[0]) && dns_type_names[type])
		snprintf(out, size, "%s", dns_type_names[type]);
	else if (type == 255)
		snprintf(out, size, "ANY");
	else
		snprintf(out, size, "TYPE%u", type);
}

static void dns_rcode_name(unsigned int rcode, char *out, size_t size)
{
	if (rcode < sizeof(dns_rcode_names) / sizeof(dns_rcode_names[0]))
		snprintf(out, size, "%s", dns_rcode_names[rcode]);
	else
		snprintf(out, size, "RCODE%u", rcode);
}

/*
 * Reads the domain name at buf[off], following compression pointers, and
 * writes it dotted into out (cut to out_size, "." for the root; label bytes
 * are copied raw). *end is the offset just past the name where it starts:
 * after its terminating zero, or after its first pointer. Returns 0, or -1
 * when the name runs past len, loops, points into the header, uses a
 * reserved label type or is longer than 255 bytes.
 */
static int dns_name_read(const uint8_t *buf, size_t len, size_t off, char *out,
			 size_t out_size, size_t *end)
{
	size_t pos = off, out_len = 0, wire_len = 0;
	unsigned int jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t label;

		if (pos >= len)
			return -1;
		label = buf[pos];
		if ((label & 0xc0) == 0xc0) {
			size_t target;

			if (len - pos < 2)
				return -1;
			target = (size_t)(label & 0x3f) << 8 | buf[pos + 1];
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			if (++jumps > DNS_MAX_JUMPS || target < DNS_HEADER_LEN || target >= len)
				return -1;
			pos = target;
			continue;
		}
		if (label > DNS_MAX_LABEL) /* 0x40 and 0x80: extended and reserved */
			return -1;
		wire_len += 1 + (size_t)label;
		if (wire_len > DNS_MAX_NAME)
			return -1;
		if (label == 0)
			break;
		if (len - pos - 1 < label)
			return -1;
		if (out_len && out_len + 1 < out_size)
			out[out_len++] = '.';
		for (size_t i = 0; i < label && out_len + 1 < out_size; i++)
			out[out_len++] = (char)buf[pos + 1 + i];
		pos += 1 + (size_t)label;
	}
	if (!jumped)
		*end = pos + 1;
	if (out_size) {
		if (out_len == 0 && out_size > 1)
			out[out_len++] = '.';
		out[out_len] = '\0';
	}
	return 0;
}

/*
 * Reads the question at buf[off]: name into name (may be NULL), type into
 * *type. Returns the offset after it, or 0 when it does not parse.
 */
static size_t dns_question_read(const uint8_t *buf, size_t len, size_t off, char *name,
				size_t name_size, uint16_t *type, uint16_t *class)
{
	char scratch[1];
	size_t end;

	if (!name) {
		name = scratch;
		name_size = sizeof(scratch);
	}
	if (dns_name_read(buf, len, off, name, name_size, &end) < 0 || len - end < 4)
		return 0;
	*type = be16_load(buf + end);
	*class = be16_load(buf + end + 2);
	return end + 4;
}

/* Text written into a fixed buffer; what does not fit is dropped and noted. */
struct dns_text {
	char *out;
	size_t size; /* > 0 */
	size_t len;
	bool cut;
};

static void dns_text_putc(struct dns_text *t, char c)
{
	if (t->len + 1 < t->size)
		t->out[t->len++] = c;
	else
		t->cut = true;
	t->out[t->len] = '\0';
}

/*
 * A name inside rdata[0..rdlength) of the message buf[0..len), with its final
 * dot ("mx.example.", "." for the root), appended to t. The name may point
 * anywhere before it, but what it holds in place must lie inside the rdata.
 * Returns false when it does not read.
 */
static bool dns_text_name(struct dns_text *t, const uint8_t *buf, size_t len, size_t rdata,
			  size_t rdlength)
{
	char name[TEXT_LONG];
	size_t end;

	if (dns_name_read(buf, len, rdata, name, sizeof(name), &end) < 0 ||
	    end > rdata + rdlength)
		return false;
	for (const char *c = name; *c; c++)
		dns_text_putc(t, *c);
	if (strcmp(name, "."))
		dns_text_putc(t, '.');
	return true;
}

static void dns_text_u16(struct dns_text *t, unsigned int v)
{
	char digits[8];

	snprintf(digits, sizeof(digits), "%u", v);
	for (const char *c = digits; *c; c++)
		dns_text_putc(t, *c);
}

/*
 * TXT data (RFC 1035 3.3.14): each character-string between quotes, its
 * bytes raw (the output escapes them, a backslash included; a quote inside
 * is not escaped, unlike dig's master-file form), strings separated by a
 * space. Cut to the answer's size, ending in "..." (the cut string left
 * without its closing quote). Returns false when a string runs past the
 * rdata.
 */
static bool dns_text_txt(struct dns_text *t, const uint8_t *rdata, size_t rdlength)
{
	size_t pos = 0;

	if (!rdlength)
		return false;
	while (pos < rdlength && !t->cut) {
		size_t n = rdata[pos++];

		if (n > rdlength - pos)
			return false;
		if (t->len)
			dns_text_putc(t, ' ');
		dns_text_putc(t, '"');
		for (size_t i = 0; i < n; i++)
			dns_text_putc(t, (char)rdata[pos + i]);
		dns_text_putc(t, '"');
		pos += n;
	}
	if (t->cut || pos < rdlength) {
		size_t keep = t->size - 1 >= 3 ? t->size - 1 - 3 : 0;

		/* Room for the marker: drop the last characters (and the
		 * closing quote of a string cut in the middle). */
		if (t->len > keep)
			t->len = keep;
		t->out[t->len] = '\0';
		t->cut = false;
		dns_text_putc(t, '.');
		dns_text_putc(t, '.');
		dns_text_putc(t, '.');
	}
	return true;
}

/*
 * Formats one resource record's data: addresses, names with their final
 * dot, "10 mx.example." (MX), "0 5 5060 sip.example." (SRV), quoted TXT
 * strings; any other type, or data that does not read, as "<TYPE> <n>B".
 */
static void dns_rdata_format(const uint8_t *buf, size_t len, uint16_t type, size_t rdata,
			     uint16_t rdlength, char *out, size_t size)
{
	struct dns_text t = { .out = out, .size = size };
	char type_name[16];

	out[0] = '\0';
	switch (type) {
	case DNS_TYPE_A:
		if (rdlength != 4)
			break;
		snprintf(out, size, "%u.%u.%u.%u", buf[rdata], buf[rdata + 1], buf[rdata + 2],
			 buf[rdata + 3]);
		return;
	case DNS_TYPE_AAAA: {
		char text[INET6_ADDRSTRLEN];

		if (rdlength != 16 || !inet_ntop(AF_INET6, buf + rdata, text, sizeof(text)))
			break;
		snprintf(out, size, "%s", text);
		return;
	}
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case DNS_TYPE_PTR:
		if (dns_text_name(&t, buf, len, rdata, rdlength))
			return;
		break;
	case DNS_TYPE_MX: /* preference, exchange */
		if (rdlength < 3)
			break;
		dns_text_u16(&t, be16_load(buf + rdata));
		dns_text_putc(&t, ' ');
		if (dns_text_name(&t, buf, len, rdata + 2, rdlength - 2u))
			return;
		break;
	case DNS_TYPE_SRV: /* priority, weight, port, target (RFC 2782) */
		if (rdlength < 7)
			break;
		for (int i = 0; i < 3; i++) {
			dns_text_u16(&t, be16_load(buf + rdata + 2 * i));
			dns_text_putc(&t, ' ');
		}
		if (dns_text_name(&t, buf, len, rdata + 6, rdlength - 6u))
			return;
		break;
	case DNS_TYPE_TXT:
		if (dns_text_txt(&t, buf + rdata, rdlength))
			return;
		break;
	default:
		break;
	}
	dns_type_name(type, type_name, sizeof(type_name));
	snprintf(out, size, "%s %uB", type_name, rdlength);
}

/* Decodes the answer section from buf[off] as far as the capture goes. */
static void dns_answers_read(const uint8_t *buf, size_t len, size_t off, uint16_t ancount,
			     struct dns_message *dns)
{
	/* Nothing past the answers kept: n_answers already counts them all. */
	for (unsigned int i = 0; i < ancount && i < DECODER_MAX_ANSWERS; i++) {
		uint16_t type, rdlength;
		size_t rdata;
		char scratch[1];

		if (dns_name_read(buf, len, off, scratch, sizeof(scratch), &off) < 0 ||
		    len - off < DNS_RR_FIXED)
			return;
		type = be16_load(buf + off);
		rdlength = be16_load(buf + off + 8);
		rdata = off + DNS_RR_FIXED;
		if (len - rdata < rdlength)
			return;
		dns_rdata_format(buf, len, type, rdata, rdlength, dns->answers[i],
				 sizeof(dns->answers[i]));
		off = rdata + rdlength;
	}
}

static bool dns_class_known(uint16_t class)
{
	/* IN, CH, HS, NONE (updates), ANY; the top bit is mDNS's unicast/flush. */
	class &= 0x7fff;
	return class == 1 || class == 3 || class == 4 || class == 254 || class == 255;
}

/* A message from its first byte: a sane header and a whole first question. */
static bool dns_message_plausible(const uint8_t *buf, size_t len, bool from_client)
{
	struct dns_header hdr;
	uint16_t type, class;

	if (len < DNS_HEADER_LEN)
		return false;
	dns_header_read(buf, &hdr);
	if (!!(hdr.flags & DNS_FLAG_QR) == from_client)
		return false;
	if (DNS_OPCODE(hdr.flags) > 5 || DNS_OPCODE(hdr.flags) == 3 || (hdr.flags & DNS_FLAG_Z))
		return false;
	if (hdr.qdcount == 0 || hdr.qdcount > DNS_MAX_QDCOUNT)
		return false;
	/* A standard query asks; it carries no answers and no error. */
	if (from_client && DNS_OPCODE(hdr.flags) == 0 &&
	    (hdr.ancount || hdr.nscount || DNS_RCODE(hdr.flags)))
		return false;
	if (!dns_question_read(buf, len, DNS_HEADER_LEN, NULL, 0, &type, &class))
		return false;
	return type != 0 && dns_class_known(class);
}

/*
 * A datagram, or the start of a stream: its first message after the
 * 2-byte length of DNS over TCP, the length at least a header and a
 * question and at least what the question takes. The engine does not say
 * which transport it is; either form is held to the same header checks.
 */
bool dns_detect(const uint8_t *buf, size_t len, bool from_client)
{
	size_t msg_len;

	if (dns_message_plausible(buf, len, from_client))
		return true;
	if (len < DNS_TCP_PREFIX + DNS_HEADER_LEN)
		return false;
	msg_len = be16_load(buf);
	if (msg_len < DNS_HEADER_LEN + DNS_MIN_QUESTION)
		return false;
	if (msg_len > len - DNS_TCP_PREFIX)
		msg_len = len - DNS_TCP_PREFIX;
	return dns_message_plausible(buf + DNS_TCP_PREFIX, msg_len, from_client);
}

/*
 * Decodes one message, buf[0..len) (a datagram, or as much of a stream
 * message as is decoded). Returns false when there is no header and first
 * question. With header_only, the answers are not looked at.
 */
static bool dns_message_read(const uint8_t *buf, size_t len, bool header_only,
			     struct dns_message *dns)
{
	struct dns_header hdr;
	char name[sizeof(dns->name)];
	uint16_t type, class;
	size_t off;

	if (len < DNS_HEADER_LEN)
		return false;
	dns_header_read(buf, &hdr);
	if (hdr.qdcount == 0)
		return false;
	off = dns_question_read(buf, len, DNS_HEADER_LEN, name, sizeof(name), &type, &class);
	if (!off)
		return false; /* nothing kept */

	memcpy(dns->name, name, sizeof(name));
	dns->id = hdr.id;
	dns->is_response = hdr.flags & DNS_FLAG_QR;
	dns_type_name(type, dns->type, sizeof(dns->type));
	if (dns->is_response)
		dns_rcode_name(DNS_RCODE(hdr.flags), dns->rcode, sizeof(dns->rcode));
	dns->n_answers = hdr.ancount;
	if (header_only)
		return true;

	/* Any further questions, then the answers; a capture cut anywhere here
	 * still leaves a whole message, with the answers that were there. Past
	 * a few questions (none seen in practice) the answers are not looked
	 * for, which keeps the work per message small. */
	if (hdr.qdcount > DNS_MAX_QDCOUNT)
		off = 0;
	for (unsigned int i = 1; i < hdr.qdcount && off; i++)
		off = dns_question_read(buf, len, off, NULL, 0, &type, &class);
	if (off)
		dns_answers_read(buf, len, off, hdr.ancount, dns);
	return true;
}

/*
 * DNS over TCP: the 2-byte length, then the message. Needs more until the
 * message is whole or its first DNS_TCP_DECODE_MAX bytes are there; on the
 * way the id and question are kept as soon as they have arrived, so a
 * message whose end is never captured still pairs with its query.
 */
static struct parse_result dns_stream_parse(const uint8_t *buf, size_t len,
					    struct dns_message *dns)
{
	struct parse_result result = { .state = PARSE_INVALID };
	size_t msg_len, total, want, have;

	if (len < DNS_TCP_PREFIX) {
		result.state = PARSE_NEED_MORE;
		return result;
	}
	msg_len = be16_load(buf);
	if (msg_len < DNS_HEADER_LEN + DNS_MIN_QUESTION)
		return result;
	/* What there is of the header must have a question. */
	if (len >= DNS_TCP_PREFIX + 6 && be16_load(buf + DNS_TCP_PREFIX + 4) == 0)
		return result;
	total = DNS_TCP_PREFIX + msg_len;
	want = total < DNS_TCP_DECODE_MAX ? total : DNS_TCP_DECODE_MAX;
	if (len < want) {
		/* Once: the question's cost is bounded, and so is every call's. */
		if (!dns->question_seen)
			dns->question_seen = dns_message_read(buf + DNS_TCP_PREFIX,
							      len - DNS_TCP_PREFIX, true, dns);
		result.state = PARSE_NEED_MORE;
		return result;
	}
	have = len < total ? len : total;
	memset(dns, 0, sizeof(*dns));
	if (!dns_message_read(buf + DNS_TCP_PREFIX, have - DNS_TCP_PREFIX, false, dns))
		return result;
	dns->tcp = true;
	result.state = PARSE_COMPLETE;
	result.consumed = have;
	result.skip = total - have;
	return result;
}

struct parse_result dns_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                              struct message *msg)
{
	struct parse_result result = { .state = PARSE_INVALID };
	struct dns_message *dns = PROTOCOL_BODY(msg, struct dns_message);

	if (ctx->stream)
		return dns_stream_parse(buf, len, dns);
	if (!dns_message_read(buf, len, false, dns))
		return result;
	result.state = PARSE_COMPLETE;
	result.consumed = len;
	return result;
}
