/* dns_detect and dns_parse on recorded and hand-built datagrams. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "decode/dns.h"

/*
 * `dig @127.0.0.1 -p 5399 example.com A` (DiG 9.18) as received by a
 * recording UDP socket on loopback: 52 bytes.
 */
static const uint8_t a_query[] = {
	/* header: id 0x1484, flags 0x0120 (RD AD, opcode QUERY), qd 1, an 0, ns 0, ar 1 */
	0x14, 0x84, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	/* question: example.com, type A, class IN */
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01,
	/* additional: OPT, root name, udp size 1232, ext rcode 0, version 0, flags 0, rdlength 12 */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,
	/*   option COOKIE (10), length 8, client cookie */
	0x00, 0x0a, 0x00, 0x08, 0x5e, 0x14, 0x66, 0x3c, 0x82, 0x29, 0xdc, 0xf3,
};

/*
 * The responses below are built by hand, field by field as commented, and
 * were checked by serving each one from a loopback UDP socket to dig 9.18,
 * which printed the answers the tests expect. Offsets
 * in parentheses are where a name starts, for the compression pointers
 * ("-> 0x0c") that point at it.
 */

/* The answer to a_query: two A records and an OPT record. */
static const uint8_t a_response[] = {
	/* header: id 0x1484, flags 0x81a0 (QR RD RA AD, NOERROR), qd 1, an 2, ns 0, ar 1 */
	0x14, 0x84, 0x81, 0xa0, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
	/* question: example.com (0x0c), type A, class IN */
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01,
	/* answer 1 (0x1d): name -> 0x0c, type A, class IN, ttl 3600, rdlength 4 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04,
	/*   93.184.215.14 */
	0x5d, 0xb8, 0xd7, 0x0e,
	/* answer 2 (0x2d): name -> 0x0c, type A, class IN, ttl 3600, rdlength 4 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04,
	/*   96.7.128.198 */
	0x60, 0x07, 0x80, 0xc6,
	/* additional: OPT, root name, udp size 1232, ext rcode 0, version 0, flags 0, rdlength 0 */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
}; /* 72 bytes */

/* example.com AAAA: one answer. */
static const uint8_t aaaa_response[] = {
	/* header: id 0xdb64, flags 0x8180 (QR RD RA, NOERROR), qd 1, an 1, ns 0, ar 0 */
	0xdb, 0x64, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	/* question: example.com (0x0c), type AAAA, class IN */
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x1c, 0x00,
	0x01,
	/* answer (0x1d): name -> 0x0c, type AAAA, class IN, ttl 300, rdlength 16 */
	0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10,
	/*   2606:2800:21f:cb07:6820:80da:af6b:8b2c */
	0x26, 0x06, 0x28, 0x00, 0x02, 0x1f, 0xcb, 0x07, 0x68, 0x20, 0x80, 0xda, 0xaf, 0x6b, 0x8b, 0x2c,
}; /* 57 bytes */

/* www.example.com A: a CNAME chain to an A record, every name after the
 * question compressed; the third answer's name is a pointer to a pointer. */
static const uint8_t cname_response[] = {
	/* header: id 0x4242, flags 0x8180 (QR RD RA, NOERROR), qd 1, an 3, ns 0, ar 0 */
	0x42, 0x42, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
	/* question: www.example.com (0x0c), type A, class IN */
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x01, 0x00, 0x01,
	/* answer 1 (0x21): name -> 0x0c, type CNAME, class IN, ttl 60, rdlength 17 */
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x11,
	/*   rdata (0x2d): cdn.example.net */
	0x03, 0x63, 0x64, 0x6e, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6e, 0x65, 0x74,
	0x00,
	/* answer 2 (0x3e): name -> 0x2d, type CNAME, class IN, ttl 60, rdlength 7 */
	0xc0, 0x2d, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x07,
	/*   rdata (0x4a): "edge" then -> 0x2d: edge.cdn.example.net */
	0x04, 0x65, 0x64, 0x67, 0x65, 0xc0, 0x2d,
	/* answer 3 (0x51): name -> 0x4a (which points on to 0x2d), type A, class IN, ttl 20, rdlength 4 */
	0xc0, 0x4a, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x04,
	/*   192.0.2.10 */
	0xc0, 0x00, 0x02, 0x0a,
}; /* 97 bytes */

/* nonexistent.example.com A: NXDOMAIN with the zone's SOA in the authority
 * section. */
static const uint8_t nxdomain_response[] = {
	/* header: id 0x7a1c, flags 0x8183 (QR RD RA, NXDOMAIN), qd 1, an 0, ns 1, ar 0 */
	0x7a, 0x1c, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	/* question: nonexistent.example.com (0x0c), type A, class IN */
	0x0b, 0x6e, 0x6f, 0x6e, 0x65, 0x78, 0x69, 0x73, 0x74, 0x65, 0x6e, 0x74, 0x07, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01,
	/* authority (0x29): name -> 0x18 (example.com), type SOA, class IN, ttl 3600, rdlength 44 */
	0xc0, 0x18, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x2c,
	/*   rdata (0x35): mname ns.icann.org (icann.org at 0x38) */
	0x02, 0x6e, 0x73, 0x05, 0x69, 0x63, 0x61, 0x6e, 0x6e, 0x03, 0x6f, 0x72, 0x67, 0x00,
	/*   rname noc.dns.icann.org -> "noc" "dns" then -> 0x38 (icann.org) */
	0x03, 0x6e, 0x6f, 0x63, 0x03, 0x64, 0x6e, 0x73, 0xc0, 0x38,
	/*   serial 2024081468, refresh 7200, retry 3600, expire 1209600, minimum 3600 */
	0x78, 0xa5, 0x08, 0x3c, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x12, 0x75, 0x00,
	0x00, 0x00, 0x0e, 0x10,
}; /* 97 bytes */

/* Built by hand: a response with two questions (rare in practice), so the
 * answers start after the second one. */
static const uint8_t two_questions[] = {
	/* header: id 0x0003, flags 0x8180 (QR RD RA, NOERROR), qd 2, an 1, ns 0, ar 0 */
	0x00, 0x03, 0x81, 0x80, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	/* question 1: example.com (0x0c), type A, class IN */
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01,
	/* question 2 (0x1d): name -> 0x0c, type AAAA, class IN */
	0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01,
	/* answer (0x23): name -> 0x0c, type A, class IN, ttl 60, rdlength 4, 192.0.2.1 */
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
	0xc0, 0x00, 0x02, 0x01,
};

/* A question whose name is a pointer to itself: header, then 0xc0 0x0c. */
static const uint8_t question_loop[] = {
	/* header: id 0x0001, flags 0x0100 (RD), qd 1, an 0, ns 0, ar 0 */
	0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* question name (0x0c): -> 0x0e; (0x0e): -> 0x0c; type A, class IN */
	0xc0, 0x0e, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
};

/* A good question, then answers whose name and rdata loop. */
static const uint8_t answer_loop[] = {
	/* header: id 0x0002, flags 0x8180 (QR RD RA, NOERROR), qd 1, an 2, ns 0, ar 0 */
	0x00, 0x02, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	/* question: a.test (0x0c), type CNAME, class IN */
	0x01, 0x61, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x05, 0x00, 0x01,
	/* answer 1 (0x18): name -> 0x0c, type CNAME, class IN, ttl 60, rdlength 4 */
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
	/*   rdata (0x24): "x" then -> 0x24, itself */
	0x01, 0x78, 0xc0, 0x24,
	/* answer 2 (0x28): name -> 0x28, itself, then what would be its fields */
	0xc0, 0x28, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
	0x7f, 0x00, 0x00, 0x01,
};

/* Non-DNS UDP payloads that go to or come from high ports. */
static const uint8_t ntp_client[48] = {
	/* NTP v4 client request: LI 0, VN 4, mode 3; the rest zero */
	0x23,
};
static const uint8_t quic_initial[] = {
	/* QUIC long header, Initial, version 1, DCID length 8, SCID length 0, token 0, length */
	0xc3, 0x00, 0x00, 0x00, 0x01, 0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 0x00, 0x00,
	0x44, 0x9e, 0x7b, 0x9a, 0xec, 0x34, 0xd1, 0xb1, 0xc9, 0x8d, 0xd7, 0x68, 0x9f, 0xb8, 0xec, 0x11,
};
static const uint8_t stun_binding[] = {
	/* STUN Binding Request, length 0, magic cookie 0x2112a442, 96-bit transaction id */
	0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae,
};
static const uint8_t wireguard_init[] = {
	/* WireGuard handshake initiation: type 1, reserved, sender index, ephemeral key... */
	0x01, 0x00, 0x00, 0x00, 0x5a, 0x3c, 0x11, 0x9e, 0x2f, 0x61, 0xd4, 0x08, 0x93, 0x77, 0x0e, 0xa1,
	0xc6, 0x4b, 0x21, 0x35, 0x7d, 0xe8, 0x02, 0x9c, 0x44, 0x1f, 0x6a, 0xb0, 0x58, 0xc3, 0x90, 0x2e,
};

static struct message msg;

static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client)
{
	memset(&msg, 0, sizeof(msg));
	return dns_parse(buf, len, &(struct parse_ctx){ .from_client = from_client }, &msg);
}

static void test_query(void)
{
	struct parse_result r;

	CHECK(dns_detect(a_query, sizeof(a_query), true));
	CHECK(!dns_detect(a_query, sizeof(a_query), false));
	r = parse(a_query, sizeof(a_query), true);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(a_query));
	CHECK_INT(r.skip, 0);
	CHECK(!r.until_close);
	CHECK(!PROTOCOL_BODY(&msg, struct dns_message)->is_response);
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->id, 0x1484);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "A");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->rcode, "");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 0);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "");
}

static void test_a_response(void)
{
	struct parse_result r;

	CHECK(dns_detect(a_response, sizeof(a_response), false));
	CHECK(!dns_detect(a_response, sizeof(a_response), true));
	r = parse(a_response, sizeof(a_response), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(a_response));
	CHECK_INT(r.skip, 0);
	CHECK(PROTOCOL_BODY(&msg, struct dns_message)->is_response);
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->id, 0x1484);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "A");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->rcode, "NOERROR");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 2);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "93.184.215.14");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[1], "96.7.128.198");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[2], "");
}

static void test_aaaa_response(void)
{
	struct parse_result r;

	CHECK(dns_detect(aaaa_response, sizeof(aaaa_response), false));
	r = parse(aaaa_response, sizeof(aaaa_response), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(aaaa_response));
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->id, 0xdb64);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "AAAA");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "2606:2800:21f:cb07:6820:80da:af6b:8b2c");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[1], "");
}

static void test_cname_response(void)
{
	struct parse_result r;

	CHECK(dns_detect(cname_response, sizeof(cname_response), false));
	r = parse(cname_response, sizeof(cname_response), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(cname_response));
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "www.example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "A");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 3);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "cdn.example.net");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[1], "edge.cdn.example.net");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[2], "192.0.2.10");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[3], "");
}

static void test_nxdomain(void)
{
	struct parse_result r;

	CHECK(dns_detect(nxdomain_response, sizeof(nxdomain_response), false));
	r = parse(nxdomain_response, sizeof(nxdomain_response), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(nxdomain_response));
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->id, 0x7a1c);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "nonexistent.example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->rcode, "NXDOMAIN");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 0);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "");
}

static void test_two_questions(void)
{
	uint8_t buf[sizeof(two_questions)];
	struct parse_result r;

	CHECK(dns_detect(two_questions, sizeof(two_questions), false));
	r = parse(two_questions, sizeof(two_questions), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "example.com");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "A");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "192.0.2.1");

	/* Second question cut: no answers, still the first question. */
	r = parse(two_questions, 0x1d + 3, false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "");

	/* Five questions claimed: more than a real message has; the answers
	 * are not searched for and detect says no. */
	memcpy(buf, two_questions, sizeof(buf));
	buf[5] = 5;
	CHECK(!dns_detect(buf, sizeof(buf), false));
	r = parse(buf, sizeof(buf), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 1);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "");
}

static void test_names_and_codes(void)
{
	static const struct {
		uint16_t type;
		const char *name;
	} types[] = {
		{ 1, "A" },     { 2, "NS" },    { 5, "CNAME" },  { 6, "SOA" },    { 12, "PTR" },
		{ 15, "MX" },   { 16, "TXT" },  { 28, "AAAA" },  { 33, "SRV" },   { 64, "SVCB" },
		{ 65, "HTTPS" }, { 255, "ANY" }, { 41, "TYPE41" }, { 65535, "TYPE65535" },
	};
	static const char *const rcodes[16] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "RCODE6",
		"RCODE7", "RCODE8", "RCODE9", "RCODE10", "RCODE11", "RCODE12", "RCODE13",
		"RCODE14", "RCODE15",
	};
	uint8_t buf[sizeof(a_response)];

	/* The question type sits at 0x19..0x1a. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(buf, a_query, sizeof(a_query));
		buf[0x19] = types[i].type >> 8;
		buf[0x1a] = types[i].type & 0xff;
		CHECK_INT(parse(buf, sizeof(a_query), true).state, PARSE_COMPLETE);
		CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, types[i].name);
	}
	/* The rcode is the low nibble of byte 3. */
	for (int rcode = 0; rcode < 16; rcode++) {
		memcpy(buf, a_response, sizeof(a_response));
		buf[3] = (buf[3] & 0xf0) | rcode;
		CHECK_INT(parse(buf, sizeof(a_response), false).state, PARSE_COMPLETE);
		CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->rcode, rcodes[rcode]);
	}
	/* An A record of the wrong size, and a type shown by size: the first
	 * answer's rdlength at 0x27..0x28 becomes 2, then its type at
	 * 0x1f..0x20 becomes MX. */
	memcpy(buf, a_response, sizeof(a_response));
	buf[0x28] = 2;
	CHECK_INT(parse(buf, sizeof(a_response), false).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "A 2B");
	memcpy(buf, a_response, sizeof(a_response));
	buf[0x20] = 15;
	CHECK_INT(parse(buf, sizeof(a_response), false).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "MX 4B");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[1], "96.7.128.198");
}

/* A question whose name is the root, and names at the length limits. */
static void test_name_limits(void)
{
	uint8_t buf[12 + 300 + 4];
	size_t off;

	/* Root: a single zero byte. */
	memcpy(buf, a_query, 12);
	buf[11] = 0; /* ar 0 */
	buf[12] = 0;
	memcpy(buf + 13, "\x00\x02\x00\x01", 4); /* NS, IN */
	CHECK(dns_detect(buf, 17, true));
	CHECK_INT(parse(buf, 17, true).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, ".");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->type, "NS");

	/* 255 wire bytes: three 63-byte labels and a 61-byte one. Kept in
	 * name (256 bytes) whole: 253 characters. */
	off = 12;
	for (int l = 0; l < 4; l++) {
		int n = l < 3 ? 63 : 61;

		buf[off++] = n;
		memset(buf + off, 'a' + l, n);
		off += n;
	}
	buf[off++] = 0;
	CHECK_INT(off - 12, 255);
	memcpy(buf + off, "\x00\x01\x00\x01", 4);
	CHECK(dns_detect(buf, off + 4, true));
	CHECK_INT(parse(buf, off + 4, true).state, PARSE_COMPLETE);
	CHECK_INT(strlen(PROTOCOL_BODY(&msg, struct dns_message)->name), 253);
	CHECK(PROTOCOL_BODY(&msg, struct dns_message)->name[63] == '.' && PROTOCOL_BODY(&msg, struct dns_message)->name[64] == 'b' && PROTOCOL_BODY(&msg, struct dns_message)->name[252] == 'd');

	/* 256 wire bytes: one too many. */
	buf[12 + 3 * 64] = 62;
	memset(buf + 12 + 3 * 64 + 1, 'd', 62);
	buf[12 + 256 - 1] = 0;
	memcpy(buf + 12 + 256, "\x00\x01\x00\x01", 4);
	CHECK(!dns_detect(buf, 12 + 256 + 4, true));
	CHECK_INT(parse(buf, 12 + 256 + 4, true).state, PARSE_INVALID);

	/* A 64-byte label (0x40 is the reserved extended label type). */
	memcpy(buf, a_query, sizeof(a_query));
	buf[12] = 0x40;
	CHECK_INT(parse(buf, sizeof(a_query), true).state, PARSE_INVALID);
	buf[12] = 0x80;
	CHECK_INT(parse(buf, sizeof(a_query), true).state, PARSE_INVALID);

	/* A pointer into the header. */
	memcpy(buf, a_query, sizeof(a_query));
	buf[12] = 0xc0;
	buf[13] = 0x04;
	CHECK_INT(parse(buf, sizeof(a_query), true).state, PARSE_INVALID);

	/* A CNAME longer than an answer holds: cut to 63 characters. The
	 * answer_loop header and question (a.test, 24 bytes), then one answer
	 * whose rdata is a 63-byte label and a pointer to a.test. */
	memcpy(buf, answer_loop, 24);
	buf[7] = 1; /* an 1 */
	memcpy(buf + 24, "\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x42", 12);
	buf[36] = 63;
	memset(buf + 37, 'x', 63);
	buf[100] = 0xc0;
	buf[101] = 0x0c;
	CHECK_INT(parse(buf, 102, false).state, PARSE_COMPLETE);
	CHECK_INT(strlen(PROTOCOL_BODY(&msg, struct dns_message)->answers[0]), 63);
	CHECK(PROTOCOL_BODY(&msg, struct dns_message)->answers[0][0] == 'x' && PROTOCOL_BODY(&msg, struct dns_message)->answers[0][62] == 'x');
	CHECK_INT(parse(buf, 101, false).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "");

	/* No question at all. */
	memcpy(buf, a_response, sizeof(a_response));
	buf[5] = 0;
	CHECK(!dns_detect(buf, sizeof(a_response), false));
	CHECK_INT(parse(buf, sizeof(a_response), false).state, PARSE_INVALID);
}

static void test_pointer_loops(void)
{
	/* A chain of pointers, each to the one before it, ending in "a". */
	uint8_t chain[21 + 2 * 200];
	struct parse_result r;

	CHECK(!dns_detect(question_loop, sizeof(question_loop), true));
	r = parse(question_loop, sizeof(question_loop), true);
	CHECK_INT(r.state, PARSE_INVALID);
	CHECK_INT(r.consumed, 0);

	CHECK(dns_detect(answer_loop, sizeof(answer_loop), false));
	r = parse(answer_loop, sizeof(answer_loop), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(answer_loop));
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "a.test");
	CHECK_INT(PROTOCOL_BODY(&msg, struct dns_message)->n_answers, 2);
	/* The looping CNAME is shown by its size; the answer named by a loop
	 * ends the section. */
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[0], "CNAME 4B");
	CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->answers[1], "");

	/* The question name at 12 points at the last of n pointers, each of
	 * which points at the one before, the first at "a" (1 + n jumps):
	 * 12: pointer, 14: type A, class IN, 18: "a" root, 21 + 2k: pointer k. */
	for (int n = 1; n <= 200; n++) {
		size_t len = 21 + 2 * (size_t)n;

		memset(chain, 0, sizeof(chain));
		chain[5] = 1; /* qd 1 */
		chain[12] = 0xc0 | (uint8_t)((21 + 2 * (n - 1)) >> 8);
		chain[13] = (uint8_t)(21 + 2 * (n - 1));
		memcpy(chain + 14, "\x00\x01\x00\x01\x01" "a" "\x00", 7);
		for (int k = 0; k < n; k++) {
			size_t target = k == 0 ? 18 : 21 + 2 * (size_t)(k - 1);

			chain[21 + 2 * k] = 0xc0 | (uint8_t)(target >> 8);
			chain[21 + 2 * k + 1] = (uint8_t)target;
		}
		r = parse(chain, len, true);
		if (1 + n <= 128) {
			CHECK_INT(r.state, PARSE_COMPLETE);
			CHECK_STR(PROTOCOL_BODY(&msg, struct dns_message)->name, "a");
		} else {
			CHECK_INT(r.state, PARSE_INVALID);
		}
	}
}

/* Every prefix of every response: INVALID up to the end of the question,
 * COMPLETE after, with the answers that fit. */
static void test_truncated(void)
{
	static const struct {
		const uint8_t *buf;
		size_t len;
		size_t question_end;
		/* where each answer's rdata ends */
		size_t answer_end[3];
	} fixtures[] = {
		{ a_query, sizeof(a_query), 29, { 0 } },
		{ a_response, sizeof(a_response), 29, { 45, 61 } },
		{ aaaa_response, sizeof(aaaa_response), 29, { 57 } },
		{ cname_response, sizeof(cname_response), 33, { 62, 81, 97 } },
		{ nxdomain_response, sizeof(nxdomain_response), 41, { 0 } },
	};

	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		for (size_t len = 0; len <= fixtures[f].len; len++) {
			/* An exact-size copy, so ASan sees a read past len. */
			uint8_t *copy = exact_copy(fixtures[f].buf, len);
			struct parse_result r;

			r = parse(copy, len, false);
			if (len < fixtures[f].question_end) {
				CHECK_INT(r.state, PARSE_INVALID);
				CHECK_INT(r.consumed, 0);
			} else {
				CHECK_INT(r.state, PARSE_COMPLETE);
				CHECK_INT(r.consumed, len);
				for (int a = 0; a < 3; a++) {
					bool shown = fixtures[f].answer_end[a] &&
						     len >= fixtures[f].answer_end[a];

					CHECK(shown == (PROTOCOL_BODY(&msg, struct dns_message)->answers[a][0] != '\0'));
				}
			}
			CHECK(dns_detect(copy, len, f == 0) == (len >= fixtures[f].question_end));
			free(copy);
		}
	}
}

/* Every byte of every fixture flipped to every value: no crash, nothing
 * read past len (ASan), consumed == len when complete. */
static void test_flipped(void)
{
	const struct {
		const uint8_t *buf;
		size_t len;
	} fixtures[] = {
		{ a_query, sizeof(a_query) },
		{ a_response, sizeof(a_response) },
		{ aaaa_response, sizeof(aaaa_response) },
		{ cname_response, sizeof(cname_response) },
		{ nxdomain_response, sizeof(nxdomain_response) },
		{ answer_loop, sizeof(answer_loop) },
		{ two_questions, sizeof(two_questions) },
	};

	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		uint8_t *copy = malloc(fixtures[f].len);

		for (size_t i = 0; i < fixtures[f].len; i++) {
			for (int v = 0; v < 256; v++) {
				struct parse_result r;

				memcpy(copy, fixtures[f].buf, fixtures[f].len);
				copy[i] = (uint8_t)v;
				dns_detect(copy, fixtures[f].len, true);
				dns_detect(copy, fixtures[f].len, false);
				r = parse(copy, fixtures[f].len, false);
				CHECK(r.state == PARSE_COMPLETE || r.state == PARSE_INVALID);
				if (r.state == PARSE_COMPLETE) {
					CHECK_INT(r.consumed, fixtures[f].len);
					/* Text fields stay terminated. (A label
					 * may hold a NUL byte: the name is cut
					 * there.) */
					CHECK(memchr(PROTOCOL_BODY(&msg, struct dns_message)->name, 0, sizeof(PROTOCOL_BODY(&msg, struct dns_message)->name)));
					for (int a = 0; a < DECODER_MAX_ANSWERS; a++)
						CHECK(memchr(PROTOCOL_BODY(&msg, struct dns_message)->answers[a], 0,
							     sizeof(PROTOCOL_BODY(&msg, struct dns_message)->answers[a])));
				}
			}
		}
		free(copy);
	}
}

static void test_detect_other_udp(void)
{
	const struct {
		const uint8_t *buf;
		size_t len;
	} others[] = {
		{ ntp_client, sizeof(ntp_client) },
		{ quic_initial, sizeof(quic_initial) },
		{ stun_binding, sizeof(stun_binding) },
		{ wireguard_init, sizeof(wireguard_init) },
	};
	uint8_t random[512];
	uint32_t state = 0x2545f491;
	int detected = 0;

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		CHECK(!dns_detect(others[i].buf, others[i].len, true));
		CHECK(!dns_detect(others[i].buf, others[i].len, false));
	}
	/* 100000 datagrams of xorshift32 bytes, 12 to 512 long. */
	for (int n = 0; n < 100000; n++) {
		size_t len = 12 + n % 501;

		for (size_t i = 0; i < len; i++) {
			state ^= state << 13;
			state ^= state >> 17;
			state ^= state << 5;
			random[i] = (uint8_t)state;
		}
		detected += dns_detect(random, len, true);
		detected += dns_detect(random, len, false);
	}
	CHECK_INT(detected, 0);

	/* Not a query: Z bit set, an opcode past UPDATE, answers in a query. */
	{
		uint8_t buf[sizeof(a_query)];

		memcpy(buf, a_query, sizeof(a_query));
		buf[3] |= 0x40;
		CHECK(!dns_detect(buf, sizeof(buf), true));
		memcpy(buf, a_query, sizeof(a_query));
		buf[2] |= 6 << 3;
		CHECK(!dns_detect(buf, sizeof(buf), true));
		memcpy(buf, a_query, sizeof(a_query));
		buf[7] = 1;
		CHECK(!dns_detect(buf, sizeof(buf), true));
		memcpy(buf, a_query, sizeof(a_query));
		buf[0x1c] = 0x09; /* class 9 */
		CHECK(!dns_detect(buf, sizeof(buf), true));
	}
}

int main(void)
{
	test_query();
	test_a_response();
	test_aaaa_response();
	test_cname_response();
	test_nxdomain();
	test_two_questions();
	test_names_and_codes();
	test_name_limits();
	test_pointer_loops();
	test_truncated();
	test_flipped();
	test_detect_other_udp();
	return check_report("test_decode_dns");
}
