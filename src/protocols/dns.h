/* DNS queries and responses, over UDP and over TCP. */
#ifndef ST_PROTO_DNS_H
#define ST_PROTO_DNS_H

#include "protocols/protocol.h"

#define DECODER_MAX_ANSWERS 8
/* One answer's text: an address, a name, "10 mx.example.", TXT strings. */
#define DNS_ANSWER_TEXT 128
/* Over TCP, the part of a message decoded: a longer one (a zone transfer,
 * a big TXT set) is decoded from its first bytes and the rest skipped. */
#define DNS_TCP_DECODE_MAX 4096

struct dns_message {
	bool is_response;
	bool tcp;                  /* a stream message, after its 2-byte length */
	bool question_seen;        /* TCP: id and question kept while the rest arrives */
	uint16_t id;
	char name[TEXT_LONG];      /* first question, dotted, no final dot */
	char type[16];             /* "A", "AAAA", "TYPE65", ... */
	char rcode[16];            /* response: "NOERROR", "NXDOMAIN", ... */
	/* Response, in order: "1.2.3.4", "::1", "cdn.example.", "10 mx.example.",
	 * "0 5 5060 sip.example.", "\"v=spf1 -all\"", or "<TYPE> <n>B". */
	char answers[DECODER_MAX_ANSWERS][DNS_ANSWER_TEXT];
	uint32_t n_answers;        /* all answers (the header's count), shown or not */
};
PROTOCOL_BODY_FITS(struct dns_message);

extern const struct protocol dns_protocol;

bool dns_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result dns_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                        struct message *msg);

#endif
