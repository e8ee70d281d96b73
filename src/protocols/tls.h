/* TLS handshake records: the hellos. */
#ifndef ST_PROTO_TLS_H
#define ST_PROTO_TLS_H

#include "protocols/protocol.h"

#define TLS_MAX_ALPN 4          /* ALPN protocols kept from a hello */
#define TLS_ALPN_TEXT 32        /* each cut to 31 bytes */
#define TLS_MAX_VERSIONS 6      /* offered versions kept, GREASE left out */
#define TLS_SESSION_ID_MAX 32

/* How a server resumed a session (TLS_RESUME_NONE: a full handshake). */
enum tls_resumption {
	TLS_RESUME_NONE,
	TLS_RESUME_SESSION_ID, /* TLS <= 1.2: the client's session id echoed */
	TLS_RESUME_TICKET,     /* TLS <= 1.2: a session ticket (RFC 5077) accepted */
	TLS_RESUME_PSK,        /* TLS 1.3: pre_shared_key in the ServerHello */
};

struct tls_message {
	bool client_hello;         /* else server hello, or another record */
	bool server_hello;         /* a ServerHello, or a HelloRetryRequest */
	bool hello_retry;          /* the ServerHello is a HelloRetryRequest */
	bool application_data;     /* encrypted records after the handshake */
	char sni[TEXT_LONG];       /* client hello: server_name, "" none */
	char version[16];          /* client: highest offered; server: selected ("TLS1.3") */
	/* Client: supported_versions as listed, GREASE left out (none: the
	 * extension is absent). */
	uint16_t versions[TLS_MAX_VERSIONS];
	uint8_t n_versions;
	/* ALPN (RFC 7301): the client's offers, the first TLS_MAX_ALPN; the
	 * server's choice. */
	char alpn[TLS_MAX_ALPN][TLS_ALPN_TEXT];
	uint8_t n_alpn;
	/* Server: TLS 1.3 sends its ALPN choice in EncryptedExtensions: not
	 * seen, and the client had offered some (or its hello was not seen). */
	bool alpn_encrypted;
	/* Client: what it offers to resume with. */
	bool offers_ticket;        /* a non-empty session_ticket extension */
	bool offers_psk;           /* a pre_shared_key extension (TLS 1.3) */
	uint8_t session_id_len;
	uint8_t session_id[TLS_SESSION_ID_MAX];
	/* Server: the chosen suite, "TLS_AES_128_GCM_SHA256" or "0x00ff"; the
	 * key_share group (TLS 1.3), "x25519" or "0x0abc", "" none. */
	uint16_t cipher_suite;
	char cipher[48];
	char group[24];
	uint8_t resumption;        /* enum tls_resumption: server; client: offered */
	/* Server: a fatal alert in cleartext where the ServerHello was due:
	 * the ClientHello refused. */
	bool alert;
	uint8_t alert_description; /* RFC 8446 6: 70 protocol_version, ... */
};
PROTOCOL_BODY_FITS(struct tls_message);

extern const struct protocol tls_protocol;

bool tls_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result tls_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
                        struct message *msg);
/* "TLS1.3", "0x7f1c" */
void tls_version_name(unsigned int v, char *out, size_t size);
/* "psk", "" */
const char *tls_resumption_name(enum tls_resumption resumption);
/* "handshake_failure" (RFC 8446 6, RFC 7301); NULL when not known. */
const char *tls_alert_name(uint8_t description);

#endif
