/* SSH: the version exchange and the first key exchange packet (RFC 4253). */
#ifndef ST_PROTO_SSH_H
#define ST_PROTO_SSH_H

#include "protocols/protocol.h"

#define SSH_LIST 512 /* a KEXINIT name-list kept, cut with "..." */

struct ssh_message {
	bool is_request;
	uint8_t stage;          /* parse progress, not output */
	uint16_t other_lines;   /* server: lines before its version line (RFC 4253 4.2) */
	char banner[256];       /* the version line without CR LF: "SSH-2.0-OpenSSH_9.2p1 Debian-2" */
	char proto_version[16]; /* "2.0", "1.99" */
	char software[128];     /* "OpenSSH_9.2p1" */
	char comments[128];     /* "Debian-2"; "" none */
	bool kexinit;           /* its SSH_MSG_KEXINIT was read */
	/* The KEXINIT's name-lists, as sent (comma separated). */
	char kex[SSH_LIST];
	char host_key[SSH_LIST];
	char ciphers[SSH_LIST]; /* encryption_algorithms_client_to_server */
	bool lists_cut;         /* one of them is longer than its field */
	uint8_t first_packet;   /* the first binary packet's message number (20: KEXINIT) */
};
PROTOCOL_BODY_FITS(struct ssh_message);

extern const struct protocol ssh_protocol;

bool ssh_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result ssh_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			      struct message *msg);
/* The algorithm RFC 4253 7.1 picks: the first of the client's list that the
 * server's has. Writes "" when none. */
void ssh_negotiate(const char *client, const char *server, char *out, size_t size);

/* *ctx->conn_flags: each side's first message is done; its version line
 * was read (a side sends one once). */
#define SSH_FLAG_CLIENT_DONE 0x1u
#define SSH_FLAG_SERVER_DONE 0x2u
#define SSH_FLAG_CLIENT_VERSION 0x4u
#define SSH_FLAG_SERVER_VERSION 0x8u

#endif
