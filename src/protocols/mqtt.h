/* MQTT 3.1, 3.1.1 and 5.0 control packets. */
#ifndef ST_PROTO_MQTT_H
#define ST_PROTO_MQTT_H

#include "protocols/protocol.h"

#define MQTT_TOPICS 8	/* SUBSCRIBE/UNSUBSCRIBE filters kept (all are counted) */
#define MQTT_CODES 8	/* SUBACK/UNSUBACK reason codes kept (all are counted) */
#define MQTT_EXCERPT 32 /* PUBLISH payload bytes kept */
/* A packet other than PUBLISH is read whole, and a PUBLISH's header up to
 * its payload: at most this many bytes (the engine holds 64 KiB). */
#define MQTT_PIECE_MAX (64 * 1024)

/* Control packet types (MQTT 5.0 section 2.1.2). */
enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK,
	MQTT_PUBLISH,
	MQTT_PUBACK,
	MQTT_PUBREC,
	MQTT_PUBREL,
	MQTT_PUBCOMP,
	MQTT_SUBSCRIBE,
	MQTT_SUBACK,
	MQTT_UNSUBSCRIBE,
	MQTT_UNSUBACK,
	MQTT_PINGREQ,
	MQTT_PINGRESP,
	MQTT_DISCONNECT,
	MQTT_AUTH,
};

struct mqtt_message {
	uint8_t type;	    /* enum mqtt_type; 0: nothing read (a partial message) */
	uint8_t flags;	    /* the fixed header's low nibble */
	bool from_client;   /* who sent it */
	uint8_t level;	    /* protocol level it was read with: 3, 4, 5; 0 unknown (as 4) */
	uint32_t remaining; /* the fixed header's remaining length */
	bool has_id;
	uint16_t packet_id;
	/* A reason code (v5 acks, CONNACK, DISCONNECT, AUTH) or v3 return code. */
	bool has_code;
	uint8_t code;

	/* CONNECT */
	char client_id[TEXT_SHORT];
	char username[TEXT_SHORT];
	bool has_username, has_password, clean, will;
	uint8_t will_qos;
	bool will_retain;
	uint16_t keep_alive;
	/* CONNACK */
	bool session_present;

	/* PUBLISH */
	char topic[TEXT_LONG];
	uint8_t qos;
	bool retain, dup;
	uint32_t payload_len;
	uint32_t payload_seen; /* payload bytes passed so far (excerpt filling) */
	uint8_t excerpt_len;
	bool excerpt_gap; /* bytes of the payload were not captured before it filled */
	uint8_t excerpt[MQTT_EXCERPT];

	/* SUBSCRIBE / UNSUBSCRIBE: the filters; SUBACK / UNSUBACK: the codes. */
	uint32_t n_topics;
	char topics[MQTT_TOPICS][TEXT_SHORT];
	uint8_t topic_options[MQTT_TOPICS]; /* SUBSCRIBE: the options byte (QoS in bits 0-1) */
	uint32_t n_codes;
	uint8_t codes[MQTT_CODES];
};
PROTOCOL_BODY_FITS(struct mqtt_message);

extern const struct protocol mqtt_protocol;

bool mqtt_detect(const uint8_t *buf, size_t len, bool from_client);
struct parse_result mqtt_parse(const uint8_t *buf, size_t len, const struct parse_ctx *ctx,
			       struct message *msg);
void mqtt_skipped(struct message *msg, void *conn_state, const uint8_t *bytes, size_t len,
		  uint64_t uncaptured);
/* The pairing id: the exchange kind, the direction of its request and
 * the packet id (mqtt.c). */
uint32_t mqtt_pair_id(const struct message *msg);
/* A reason code's name for the packet type it came in; NULL if none. */
const char *mqtt_code_name(uint8_t type, uint8_t level, uint8_t code);
const char *mqtt_type_name(uint8_t type);

/* *ctx->conn_flags: the protocol level from the CONNECT (bits 0-7). */
#define MQTT_FLAGS_LEVEL 0xffu

#endif
