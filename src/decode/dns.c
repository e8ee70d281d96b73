/*
 * DNS over UDP (RFC 1035 section 4): one datagram is one message. buf holds
 * the datagram as captured, which may be cut short of the datagram, so the
 * header and the first question must be there; the answers are decoded as
 * far as the capture goes.
 *
 * Every read is checked against len. Names follow compression pointers at
 * most DNS_MAX_JUMPS times and stop at 255 wire bytes, so the work per
 * message is bounded whatever the bytes say.
 */
#include "decode/dns.h"

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

/* Header flags (the 16 bits after the id). */
#define DNS_FLAG_QR 0x8000
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_FLAG_Z 0x0040       /* reserved, zero in every real message */
#define DNS_RCODE(flags) ((flags) & 0xf)

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_PTR 12
#define DNS_TYPE_AAAA 28

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

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void dns_header_read(const uint8_t *buf, struct dns_header *hdr)
{
	hdr->id = be16(buf);
	hdr->flags = be16(buf + 2);
	hdr->qdcount = be16(buf + 4);
	hdr->ancount = be16(buf + 6);
	hdr->nscount = be16(buf + 8);
	hdr->arcount = be16(buf + 10);
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
	*type = be16(buf + end);
	*class = be16(buf + end + 2);
	return end + 4;
}

/* Formats one resource record's data: addresses, names, or "<TYPE> <n>B". */
static void dns_rdata_format(const uint8_t *buf, size_t len, uint16_t type, size_t rdata,
			     uint16_t rdlength, char *out, size_t size)
{
	char type_name[16];

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
	case DNS_TYPE_PTR: {
		size_t end;

		/* The name may point anywhere before it, but what it holds
		 * in place must lie inside the rdata. */
		if (dns_name_read(buf, len, rdata, out, size, &end) == 0 &&
		    end <= rdata + rdlength)
			return;
		break;
	}
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
	for (unsigned int i = 0; i < ancount; i++) {
		uint16_t type, rdlength;
		size_t rdata;
		char scratch[1];

		if (dns_name_read(buf, len, off, scratch, sizeof(scratch), &off) < 0 ||
		    len - off < DNS_RR_FIXED)
			return;
		type = be16(buf + off);
		rdlength = be16(buf + off + 8);
		rdata = off + DNS_RR_FIXED;
		if (len - rdata < rdlength)
			return;
		if (i < DECODER_MAX_ANSWERS)
			dns_rdata_format(buf, len, type, rdata, rdlength, dns->answers[i],
					 sizeof(dns->answers[i]));
		else
			return; /* nothing more to keep: n_answers already counts them all */
		off = rdata + rdlength;
	}
}

static bool dns_class_known(uint16_t class)
{
	/* IN, CH, HS, NONE (updates), ANY; the top bit is mDNS's unicast/flush. */
	class &= 0x7fff;
	return class == 1 || class == 3 || class == 4 || class == 254 || class == 255;
}

bool dns_detect(const uint8_t *buf, size_t len, bool from_client)
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

struct parse_result dns_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                              struct message *msg)
{
	struct parse_result result = { .state = PARSE_INVALID };
	struct dns_message *dns = PROTOCOL_BODY(msg, struct dns_message);
	struct dns_header hdr;
	uint16_t type, class;
	size_t off;

	(void)ctx;
	if (len < DNS_HEADER_LEN)
		return result;
	dns_header_read(buf, &hdr);
	if (hdr.qdcount == 0)
		return result;
	off = dns_question_read(buf, len, DNS_HEADER_LEN, dns->name, sizeof(dns->name), &type,
				&class);
	if (!off)
		return result;

	dns->id = hdr.id;
	dns->is_response = hdr.flags & DNS_FLAG_QR;
	dns_type_name(type, dns->type, sizeof(dns->type));
	if (dns->is_response)
		dns_rcode_name(DNS_RCODE(hdr.flags), dns->rcode, sizeof(dns->rcode));
	dns->n_answers = hdr.ancount;

	/* Any further questions, then the answers; a capture cut anywhere here
	 * still leaves a whole message, with the answers that were there. Past
	 * a few questions (none seen in practice) the answers are not looked
	 * for, which keeps the work per datagram small. */
	if (hdr.qdcount > DNS_MAX_QDCOUNT)
		off = 0;
	for (unsigned int i = 1; i < hdr.qdcount && off; i++)
		off = dns_question_read(buf, len, off, NULL, 0, &type, &class);
	if (off)
		dns_answers_read(buf, len, off, hdr.ancount, dns);

	result.state = PARSE_COMPLETE;
	result.consumed = len;
	return result;
}
