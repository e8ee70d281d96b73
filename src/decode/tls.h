/* TLS handshake records. */
#ifndef ST_PROTO_TLS_H
#define ST_PROTO_TLS_H

#include "decode/protocol.h"

struct tls_message {
	bool client_hello;         /* else server hello, or another record */
	bool server_hello;
	bool application_data;     /* encrypted records after the handshake */
	char sni[TEXT_LONG];       /* client hello: server_name, "" none */
	char version[16];          /* client: highest offered; server: selected ("TLS1.3") */
};
PROTOCOL_BODY_FITS(struct tls_message);

extern const struct protocol tls_protocol;

bool tls_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result tls_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                        struct message *msg);

#endif
