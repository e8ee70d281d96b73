/* DNS queries and responses. */
#ifndef ST_PROTO_DNS_H
#define ST_PROTO_DNS_H

#include "decode/protocol.h"

#define DECODER_MAX_ANSWERS 8

struct dns_message {
	bool is_response;
	uint16_t id;
	char name[TEXT_LONG];      /* first question, dotted */
	char type[16];             /* "A", "AAAA", "TYPE65", ... */
	char rcode[16];            /* response: "NOERROR", "NXDOMAIN", ... */
	char answers[DECODER_MAX_ANSWERS][TEXT_SHORT]; /* response: "1.2.3.4", "::1", "cname.example." */
	uint32_t n_answers;        /* all answers, shown or not */
};
PROTOCOL_BODY_FITS(struct dns_message);

extern const struct protocol dns_protocol;

bool dns_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result dns_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                        struct message *msg);

#endif
