/*
 * The MQTT decoder on recorded bytes, driven the way the engine drives it
 * (decoder_test.h's decoder_run_stream: NEED_MORE until a packet's piece
 * is whole, skipped payload bytes through mqtt_skipped), fed whole, a byte
 * at a time and in random splits. The fixtures were captured by socket-tracer --json --json-b64 on
 * loopback between paho-mqtt 1.6.1 (python3) and mosquitto 2.0.11 with the
 * dynamic security plugin (user alice; subscriptions outside test/# and
 * big/# refused): a session per level (CONNECT with a username and
 * password, SUBSCRIBE test/a QoS 2 and secret/x QoS 1, a PUBLISH of each
 * QoS with the broker's copy back, PINGREQ, UNSUBSCRIBE, DISCONNECT), and
 * a raw socket client publishing to "test/+". The tracer masked the
 * password in its capture; the fixtures hold the bytes the client sent
 * ("s3cret-pw", the test's own). The 1 MiB PUBLISH is built here.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decoder_test.h"
#include "output/output.h"
#include "protocols/mqtt.h"

/* --- captured fixtures --- */

static const uint8_t v311_client[] = {
	/* CONNECT, 41 bytes */
	0x10, 0x27, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc2, 0x00, 0x1e,
	0x00, 0x09, 0x73, 0x74, 0x2d, 0x73, 0x65, 0x73, 0x73, 0x2d, 0x34, 0x00,
	0x05, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x09, 0x73, 0x33, 0x63, 0x72,
	0x65, 0x74, 0x2d, 0x70, 0x77,
	/* SUBSCRIBE, 24 bytes */
	0x82, 0x16, 0x00, 0x01, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61,
	0x02, 0x00, 0x08, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2f, 0x78, 0x01,
	/* PUBLISH, 21 bytes */
	0x30, 0x13, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x68, 0x65,
	0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x30,
	/* PUBLISH, 23 bytes */
	0x32, 0x15, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x03,
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x31,
	/* PUBACK, 4 bytes */
	0x40, 0x02, 0x00, 0x01,
	/* PUBLISH, 23 bytes */
	0x34, 0x15, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x04,
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x32,
	/* PUBREL, 4 bytes */
	0x62, 0x02, 0x00, 0x04,
	/* PUBREC, 4 bytes */
	0x50, 0x02, 0x00, 0x02,
	/* PUBCOMP, 4 bytes */
	0x70, 0x02, 0x00, 0x02,
	/* PINGREQ, 2 bytes */
	0xc0, 0x00,
	/* UNSUBSCRIBE, 12 bytes */
	0xa2, 0x0a, 0x00, 0x05, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61,
	/* DISCONNECT, 2 bytes */
	0xe0, 0x00,
};

static const uint8_t v311_server[] = {
	/* CONNACK, 4 bytes */
	0x20, 0x02, 0x00, 0x00,
	/* SUBACK, 6 bytes */
	0x90, 0x04, 0x00, 0x01, 0x02, 0x80,
	/* PUBLISH, 21 bytes */
	0x30, 0x13, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x68, 0x65,
	0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x30,
	/* PUBLISH, 23 bytes */
	0x32, 0x15, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x01,
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x31,
	/* PUBACK, 4 bytes */
	0x40, 0x02, 0x00, 0x03,
	/* PUBREC, 4 bytes */
	0x50, 0x02, 0x00, 0x04,
	/* PUBLISH, 23 bytes */
	0x34, 0x15, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x02,
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x32,
	/* PUBCOMP, 4 bytes */
	0x70, 0x02, 0x00, 0x04,
	/* PUBREL, 4 bytes */
	0x62, 0x02, 0x00, 0x02,
	/* PINGRESP, 2 bytes */
	0xd0, 0x00,
	/* UNSUBACK, 4 bytes */
	0xb0, 0x02, 0x00, 0x05,
};

static const uint8_t v5_client[] = {
	/* CONNECT, 42 bytes */
	0x10, 0x28, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0xc2, 0x00, 0x1e,
	0x00, 0x00, 0x09, 0x73, 0x74, 0x2d, 0x73, 0x65, 0x73, 0x73, 0x2d, 0x35,
	0x00, 0x05, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x09, 0x73, 0x33, 0x63,
	0x72, 0x65, 0x74, 0x2d, 0x70, 0x77,
	/* SUBSCRIBE, 25 bytes */
	0x82, 0x17, 0x00, 0x01, 0x00, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f,
	0x61, 0x02, 0x00, 0x08, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2f, 0x78,
	0x01,
	/* PUBLISH, 22 bytes */
	0x30, 0x14, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x68,
	0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x30,
	/* PUBLISH, 24 bytes */
	0x32, 0x16, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x03,
	0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x31,
	/* PUBACK, 4 bytes */
	0x40, 0x02, 0x00, 0x01,
	/* PUBLISH, 24 bytes */
	0x34, 0x16, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x04,
	0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x32,
	/* PUBREL, 4 bytes */
	0x62, 0x02, 0x00, 0x04,
	/* PUBREC, 4 bytes */
	0x50, 0x02, 0x00, 0x02,
	/* PUBCOMP, 4 bytes */
	0x70, 0x02, 0x00, 0x02,
	/* PINGREQ, 2 bytes */
	0xc0, 0x00,
	/* UNSUBSCRIBE, 13 bytes */
	0xa2, 0x0b, 0x00, 0x05, 0x00, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f,
	0x61,
	/* DISCONNECT, 2 bytes */
	0xe0, 0x00,
};

static const uint8_t v5_server[] = {
	/* CONNACK, 11 bytes */
	0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14,
	/* SUBACK, 7 bytes */
	0x90, 0x05, 0x00, 0x01, 0x00, 0x02, 0x87,
	/* PUBLISH, 22 bytes */
	0x30, 0x14, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x68,
	0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x30,
	/* PUBLISH, 24 bytes */
	0x32, 0x16, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x01,
	0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x31,
	/* PUBACK, 4 bytes */
	0x40, 0x02, 0x00, 0x03,
	/* PUBREC, 4 bytes */
	0x50, 0x02, 0x00, 0x04,
	/* PUBLISH, 24 bytes */
	0x34, 0x16, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x61, 0x00, 0x02,
	0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x71, 0x6f, 0x73, 0x20, 0x32,
	/* PUBCOMP, 4 bytes */
	0x70, 0x02, 0x00, 0x04,
	/* PUBREL, 4 bytes */
	0x62, 0x02, 0x00, 0x02,
	/* PINGRESP, 2 bytes */
	0xd0, 0x00,
	/* UNSUBACK, 6 bytes */
	0xb0, 0x04, 0x00, 0x05, 0x00, 0x00,
};

static const uint8_t raw_v311_client[] = {
	/* CONNECT, 22 bytes */
	0x10, 0x14, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x1e,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x72, 0x61, 0x77, 0x2d, 0x34,
	/* PUBLISH, 15 bytes */
	0x32, 0x0d, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x2b, 0x00, 0x07,
	0x62, 0x61, 0x64,
};

static const uint8_t raw_v311_server[] = {
	/* CONNACK, 4 bytes */
	0x20, 0x02, 0x00, 0x00,
};

static const uint8_t raw_v5_client[] = {
	/* CONNECT, 23 bytes */
	0x10, 0x15, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x1e,
	0x00, 0x00, 0x08, 0x73, 0x74, 0x2d, 0x72, 0x61, 0x77, 0x2d, 0x35,
	/* PUBLISH, 16 bytes */
	0x32, 0x0e, 0x00, 0x06, 0x74, 0x65, 0x73, 0x74, 0x2f, 0x2b, 0x00, 0x07,
	0x00, 0x62, 0x61, 0x64,
};

static const uint8_t raw_v5_server[] = {
	/* CONNACK, 11 bytes */
	0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14,
	/* DISCONNECT, 3 bytes */
	0xe0, 0x01, 0x82,
};

/* --- a small engine: decoder_test.h's, each call on an exact copy --- */

/* One direction's bytes through mqtt_parse as the engine feeds them, in
 * reads of at most 64 KiB (the 1 MiB PUBLISH comes in 17), SPLIT_RANDOM's
 * of 1..64 bytes; *flags is the connection's, kept across the two
 * directions. */
static void run_stream(struct decoder_run *run, bool from_client, uint32_t *flags,
		       const uint8_t *data, size_t total, enum split split, unsigned seed)
{
	decoder_run_init(run, &mqtt_protocol, from_client, NULL, 0);
	run->conn_flags = flags;
	run->exact = true;
	run->read_max = 65536;
	run->random_max = 64;
	decoder_run_stream(run, data, total, split, seed);
	CHECK_INT(run->left, 0);
}

static const struct mqtt_message *kept(const struct decoder_run *run, unsigned i)
{
	return PROTOCOL_BODY_CONST(&run->kept[i], struct mqtt_message);
}

static const char *human(const struct message *m, bool request)
{
	return decoder_human(&mqtt_protocol, m, request, false);
}

static const char *json(const struct message *m)
{
	return decoder_json(&mqtt_protocol, m, false);
}

/* --- expectations --- */

struct expect {
	uint8_t type;
	int packet_id; /* -1: none */
	enum message_role role;
	const char *human;
};

static void expect_run(const struct decoder_run *run, const struct expect *e, unsigned n)
{
	CHECK_INT(run->invalid, 0);
	CHECK_INT(run->completes, n);
	for (unsigned i = 0; i < n && i < run->completes; i++) {
		const struct mqtt_message *m = kept(run, i);

		CHECK_INT(m->type, e[i].type);
		CHECK_INT(m->has_id ? m->packet_id : -1, e[i].packet_id);
		CHECK_INT(run->kept_result[i].role, e[i].role);
		CHECK_INT(m->from_client, run->from_client);
		if (e[i].human)
			CHECK_STR(human(&run->kept[i], e[i].role != ROLE_RESPONSE), e[i].human);
	}
}

static const struct expect v311_client_expect[] = {
	{ MQTT_CONNECT, -1, ROLE_REQUEST,
	  "CONNECT v3.1.1 client=st-sess-4 user=alice password=*** keepalive=30 clean" },
	{ MQTT_SUBSCRIBE, 1, ROLE_REQUEST, "SUBSCRIBE id=1 test/a qos=2, secret/x qos=1" },
	{ MQTT_PUBLISH, -1, ROLE_ALONE, "PUBLISH test/a qos=0 11B \"hello qos 0\"" },
	{ MQTT_PUBLISH, 3, ROLE_REQUEST, "PUBLISH test/a qos=1 id=3 11B \"hello qos 1\"" },
	{ MQTT_PUBACK, 1, ROLE_RESPONSE, "PUBACK id=1" },
	{ MQTT_PUBLISH, 4, ROLE_REQUEST, "PUBLISH test/a qos=2 id=4 11B \"hello qos 2\"" },
	{ MQTT_PUBREL, 4, ROLE_REQUEST, "PUBREL id=4" },
	{ MQTT_PUBREC, 2, ROLE_RESPONSE, "PUBREC id=2" },
	{ MQTT_PUBCOMP, 2, ROLE_RESPONSE, "PUBCOMP id=2" },
	{ MQTT_PINGREQ, -1, ROLE_REQUEST, "PINGREQ" },
	{ MQTT_UNSUBSCRIBE, 5, ROLE_REQUEST, "UNSUBSCRIBE id=5 test/a" },
	{ MQTT_DISCONNECT, -1, ROLE_ALONE, "DISCONNECT" },
};

static const struct expect v311_server_expect[] = {
	{ MQTT_CONNACK, -1, ROLE_RESPONSE, "CONNACK accepted" },
	{ MQTT_SUBACK, 1, ROLE_RESPONSE, "SUBACK id=1 granted_qos_2, failure" },
	{ MQTT_PUBLISH, -1, ROLE_ALONE, "PUBLISH test/a qos=0 11B \"hello qos 0\" (from server)" },
	{ MQTT_PUBLISH, 1, ROLE_REQUEST,
	  "PUBLISH test/a qos=1 id=1 11B \"hello qos 1\" (from server)" },
	{ MQTT_PUBACK, 3, ROLE_RESPONSE, "PUBACK id=3" },
	{ MQTT_PUBREC, 4, ROLE_RESPONSE, "PUBREC id=4" },
	{ MQTT_PUBLISH, 2, ROLE_REQUEST, NULL },
	{ MQTT_PUBCOMP, 4, ROLE_RESPONSE, "PUBCOMP id=4" },
	{ MQTT_PUBREL, 2, ROLE_REQUEST, "PUBREL id=2 (from server)" },
	{ MQTT_PINGRESP, -1, ROLE_RESPONSE, "PINGRESP" },
	{ MQTT_UNSUBACK, 5, ROLE_RESPONSE, "UNSUBACK id=5" },
};

static const struct expect v5_client_expect[] = {
	{ MQTT_CONNECT, -1, ROLE_REQUEST,
	  "CONNECT v5 client=st-sess-5 user=alice password=*** keepalive=30 clean" },
	{ MQTT_SUBSCRIBE, 1, ROLE_REQUEST, "SUBSCRIBE id=1 test/a qos=2, secret/x qos=1" },
	{ MQTT_PUBLISH, -1, ROLE_ALONE, "PUBLISH test/a qos=0 11B \"hello qos 0\"" },
	{ MQTT_PUBLISH, 3, ROLE_REQUEST, NULL },
	{ MQTT_PUBACK, 1, ROLE_RESPONSE, "PUBACK id=1" },
	{ MQTT_PUBLISH, 4, ROLE_REQUEST, NULL },
	{ MQTT_PUBREL, 4, ROLE_REQUEST, NULL },
	{ MQTT_PUBREC, 2, ROLE_RESPONSE, NULL },
	{ MQTT_PUBCOMP, 2, ROLE_RESPONSE, NULL },
	{ MQTT_PINGREQ, -1, ROLE_REQUEST, NULL },
	{ MQTT_UNSUBSCRIBE, 5, ROLE_REQUEST, NULL },
	{ MQTT_DISCONNECT, -1, ROLE_ALONE, "DISCONNECT" }, /* no reason code: normal */
};

static const struct expect v5_server_expect[] = {
	{ MQTT_CONNACK, -1, ROLE_RESPONSE, "CONNACK success" },
	{ MQTT_SUBACK, 1, ROLE_RESPONSE, "SUBACK id=1 granted_qos_2, not_authorized" },
	{ MQTT_PUBLISH, -1, ROLE_ALONE, NULL },
	{ MQTT_PUBLISH, 1, ROLE_REQUEST, NULL },
	{ MQTT_PUBACK, 3, ROLE_RESPONSE, NULL },
	{ MQTT_PUBREC, 4, ROLE_RESPONSE, NULL },
	{ MQTT_PUBLISH, 2, ROLE_REQUEST, NULL },
	{ MQTT_PUBCOMP, 4, ROLE_RESPONSE, NULL },
	{ MQTT_PUBREL, 2, ROLE_REQUEST, NULL },
	{ MQTT_PINGRESP, -1, ROLE_RESPONSE, NULL },
	{ MQTT_UNSUBACK, 5, ROLE_RESPONSE, "UNSUBACK id=5 success" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct decoder_run client_run, server_run;

/* Every response pairs with exactly one request of the other side, the one
 * with its packet id; no two requests waiting at once share a pair id. */
static void pairing_check(const struct decoder_run *a, const struct decoder_run *b)
{
	const struct decoder_run *runs[2] = { a, b };

	for (int r = 0; r < 2; r++) {
		for (unsigned i = 0; i < runs[r]->completes; i++) {
			const struct message *response = &runs[r]->kept[i];
			unsigned found = 0;

			if (runs[r]->kept_result[i].role != ROLE_RESPONSE)
				continue;
			for (unsigned j = 0; j < runs[!r]->completes; j++) {
				const struct message *request = &runs[!r]->kept[j];

				if (runs[!r]->kept_result[j].role != ROLE_REQUEST ||
				    mqtt_pair_id(request) != mqtt_pair_id(response))
					continue;
				found++;
				CHECK_INT(PROTOCOL_BODY_CONST(request, struct mqtt_message)->packet_id,
					  PROTOCOL_BODY_CONST(response, struct mqtt_message)->packet_id);
			}
			CHECK_INT(found, 1);
		}
	}
	for (int r = 0; r < 2; r++)
		for (unsigned i = 0; i < runs[r]->completes; i++)
			for (unsigned j = 0; j < runs[!r]->completes; j++)
				if (runs[r]->kept_result[i].role == ROLE_REQUEST &&
				    runs[!r]->kept_result[j].role == ROLE_REQUEST)
					CHECK(mqtt_pair_id(&runs[r]->kept[i]) !=
					      mqtt_pair_id(&runs[!r]->kept[j]));
}

static void session_check(const uint8_t *client, size_t client_len, const uint8_t *server,
			  size_t server_len, const struct expect *ce, unsigned cn,
			  const struct expect *se, unsigned sn, uint8_t level)
{
	for (int split = SPLIT_WHOLE; split <= SPLIT_RANDOM; split++) {
		for (unsigned seed = 1; seed <= (split == SPLIT_RANDOM ? 20u : 1u); seed++) {
			uint32_t flags = 0;

			run_stream(&client_run, true, &flags, client, client_len, split, seed);
			CHECK_INT(flags & MQTT_FLAGS_LEVEL, level);
			run_stream(&server_run, false, &flags, server, server_len, split, seed);
			expect_run(&client_run, ce, cn);
			expect_run(&server_run, se, sn);
			CHECK_INT(client_run.consumed + client_run.skipped, client_len);
			CHECK_INT(server_run.consumed + server_run.skipped, server_len);
			pairing_check(&client_run, &server_run);
			/* The password, and only it, marked: "s3cret-pw" in the CONNECT. */
			CHECK_INT(client_run.n_secrets, 1);
			CHECK_INT(client_run.secret_len[0], 9);
			CHECK(!memcmp(client + client_run.secret_at[0], "s3cret-pw", 9));
			CHECK_INT(server_run.n_secrets, 0);
		}
	}
}

static void test_sessions(void)
{
	session_check(v311_client, sizeof(v311_client), v311_server, sizeof(v311_server),
		      v311_client_expect, N(v311_client_expect), v311_server_expect,
		      N(v311_server_expect), 4);
	session_check(v5_client, sizeof(v5_client), v5_server, sizeof(v5_server),
		      v5_client_expect, N(v5_client_expect), v5_server_expect,
		      N(v5_server_expect), 5);
	/* Sizes: each message's bytes on the wire. */
	CHECK_INT(client_run.kept_bytes[0], 42);
	CHECK_INT(server_run.kept_bytes[0], 11);
}

static void test_json(void)
{
	uint32_t flags = 0;
	const char *connect;

	run_stream(&client_run, true, &flags, v311_client, sizeof(v311_client), SPLIT_WHOLE, 0);
	run_stream(&server_run, false, &flags, v311_server, sizeof(v311_server), SPLIT_WHOLE, 0);
	connect = json(&client_run.kept[0]);
	CHECK_STR(connect,
		  ",\"type\":\"CONNECT\",\"from\":\"client\",\"level\":4,\"client_id\":\"st-sess-4\","
		  "\"username\":\"alice\",\"password\":\"***\",\"keep_alive\":30,"
		  "\"clean_session\":true,\"will\":null");
	CHECK(!strstr(connect, "s3cret"));
	CHECK_STR(json(&client_run.kept[1]),
		  ",\"type\":\"SUBSCRIBE\",\"from\":\"client\",\"level\":4,\"packet_id\":1,"
		  "\"topics\":[{\"qos\":2,\"filter\":\"test/a\",\"options\":2},"
		  "{\"qos\":1,\"filter\":\"secret/x\",\"options\":1}],\"n_topics\":2");
	CHECK_STR(json(&server_run.kept[1]),
		  ",\"type\":\"SUBACK\",\"from\":\"server\",\"level\":4,\"packet_id\":1,"
		  "\"codes\":[2,128],\"code_names\":[\"granted_qos_2\",\"failure\"],\"n_codes\":2");
	CHECK_STR(json(&server_run.kept[3]),
		  ",\"type\":\"PUBLISH\",\"from\":\"server\",\"level\":4,\"packet_id\":1,"
		  "\"topic\":\"test/a\",\"qos\":1,\"retain\":false,\"dup\":false,"
		  "\"payload_bytes\":11,\"payload\":\"hello qos 1\"");
	CHECK_STR(json(&server_run.kept[0]),
		  ",\"type\":\"CONNACK\",\"from\":\"server\",\"level\":4,\"session_present\":false,"
		  "\"code\":0,\"code_name\":\"accepted\"");
}

/* Both sides publish QoS 1 with packet id 1 on one connection (each
 * numbers its own packets): each PUBACK pairs with the other side's
 * PUBLISH, never with the one its own side sent. */
static const uint8_t both_client[] = {
	0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x01, 'c', 'c', /* PUBLISH t QoS 1 id 1 "cc" */
	0x40, 0x02, 0x00, 0x01,                           /* PUBACK id 1 */
};
static const uint8_t both_server[] = {
	0x40, 0x02, 0x00, 0x01,                           /* PUBACK id 1 */
	0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x01, 's', 's', /* PUBLISH t QoS 1 id 1 "ss" */
};

static void test_same_id_both_ways(void)
{
	uint32_t flags = 4;

	run_stream(&client_run, true, &flags, both_client, sizeof(both_client), SPLIT_BYTES, 0);
	run_stream(&server_run, false, &flags, both_server, sizeof(both_server), SPLIT_BYTES, 0);
	CHECK_INT(client_run.completes, 2);
	CHECK_INT(server_run.completes, 2);
	pairing_check(&client_run, &server_run);
	CHECK(mqtt_pair_id(&client_run.kept[0]) == mqtt_pair_id(&server_run.kept[0]));
	CHECK(mqtt_pair_id(&server_run.kept[1]) == mqtt_pair_id(&client_run.kept[1]));
	CHECK(mqtt_pair_id(&client_run.kept[0]) != mqtt_pair_id(&server_run.kept[1]));
}

/* A PUBLISH to "test/+" (not a topic name), and mosquitto's answers: v3.1.1
 * closes the connection, v5 sends DISCONNECT 0x82. */
static void test_bad_topic(void)
{
	uint32_t flags = 0;

	run_stream(&client_run, true, &flags, raw_v311_client, sizeof(raw_v311_client),
		   SPLIT_BYTES, 0);
	CHECK_INT(client_run.completes, 2);
	CHECK_STR(human(&client_run.kept[1], true), "PUBLISH test/+ qos=1 id=7 3B \"bad\"");
	CHECK_INT(client_run.n_secrets, 0);
	flags = 0;
	run_stream(&client_run, true, &flags, raw_v5_client, sizeof(raw_v5_client), SPLIT_WHOLE, 0);
	run_stream(&server_run, false, &flags, raw_v5_server, sizeof(raw_v5_server), SPLIT_BYTES, 0);
	CHECK_INT(server_run.completes, 2);
	CHECK_STR(human(&server_run.kept[1], true), "DISCONNECT protocol_error (from server)");
	CHECK_INT(server_run.kept_result[1].role, ROLE_ALONE);
	CHECK(strstr(json(&server_run.kept[1]), "\"code\":130,\"code_name\":\"protocol_error\""));
}

/* A 1 MiB PUBLISH (QoS 1, id 1, a 4-byte remaining length) and a small
 * one after it, as paho sends them: the payload is skipped, the next
 * packet read right. */
static uint8_t big[(1u << 20) + 64];

static size_t publish_build(uint8_t *out, const char *topic, uint16_t id, size_t payload,
			    uint8_t fill)
{
	size_t tl = strlen(topic), rem = 2 + tl + 2 + payload, at = 0;

	out[at++] = 0x32;
	do {
		out[at] = rem & 0x7f;
		rem >>= 7;
		out[at++] |= rem ? 0x80 : 0;
	} while (rem);
	out[at++] = 0;
	out[at++] = (uint8_t)tl;
	memcpy(out + at, topic, tl);
	at += tl;
	out[at++] = (uint8_t)(id >> 8);
	out[at++] = (uint8_t)id;
	memset(out + at, fill, payload);
	return at + payload;
}

static void test_big_publish(void)
{
	size_t n = publish_build(big, "big/blob", 1, 1u << 20, 'B');
	const struct mqtt_message *m;

	CHECK_INT(n, 1 + 3 + 2 + 8 + 2 + (1u << 20));
	n += publish_build(big + n, "big/after", 2, 14, 'a');
	for (int split = SPLIT_WHOLE; split <= SPLIT_RANDOM; split += 2) {
		uint32_t flags = 4;

		run_stream(&client_run, true, &flags, big, n, split, 7);
		CHECK_INT(client_run.completes, 2);
		m = kept(&client_run, 0);
		CHECK_INT(m->payload_len, 1u << 20);
		CHECK_INT(m->packet_id, 1);
		CHECK_INT(client_run.kept_bytes[0], 1 + 3 + 12 + (1u << 20));
		CHECK_STR(human(&client_run.kept[0], true),
			  "PUBLISH big/blob qos=1 id=1 1048576B \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"...");
		m = kept(&client_run, 1);
		CHECK_STR(m->topic, "big/after");
		CHECK_INT(m->packet_id, 2);
		CHECK_INT(m->payload_len, 14);
		CHECK_INT(client_run.consumed + client_run.skipped, n);
		CHECK(client_run.skipped > (1u << 20) - 65536); /* not buffered */
	}
}

/* One call on an exact-size copy, on a connection at this level. */
static struct parse_result parse_at_level(const uint8_t *buf, size_t len, bool from_client,
					  uint32_t level, struct message *m)
{
	decoder_test_flags = level;
	return parse_exact(mqtt_parse, buf, len, from_client, NULL, m);
}

/* Every proper prefix of every packet: NEED_MORE, or for a PUBLISH whose
 * header is there, COMPLETE with the rest skipped. */
static void prefixes_check(const uint8_t *data, size_t total, bool from_client, uint32_t level)
{
	size_t at = 0;

	while (at < total) {
		struct message m;
		struct parse_result whole;
		size_t size;

		memset(&m, 0, sizeof(m));
		whole = parse_at_level(data + at, total - at, from_client, level, &m);
		CHECK_INT(whole.state, PARSE_COMPLETE);
		if (whole.state != PARSE_COMPLETE)
			return;
		size = whole.consumed + (size_t)whole.skip;
		for (size_t cut = 0; cut < size; cut++) {
			struct parse_result r =
				parse_at_level(data + at, cut, from_client, level, &m);

			if (r.state == PARSE_NEED_MORE) {
				CHECK(!r.consumed && !r.skip);
				continue;
			}
			CHECK_INT(r.state, PARSE_COMPLETE);
			CHECK_INT(data[at] >> 4, MQTT_PUBLISH);
			CHECK_INT(r.consumed, cut);
			CHECK_INT(r.consumed + r.skip, size);
		}
		at += size;
	}
}

static void texts_check(const struct message *msg)
{
	const struct mqtt_message *m = PROTOCOL_BODY_CONST(msg, struct mqtt_message);

	CHECK(text_terminated(m->client_id, sizeof(m->client_id)));
	CHECK(text_terminated(m->username, sizeof(m->username)));
	CHECK(text_terminated(m->topic, sizeof(m->topic)));
	for (unsigned i = 0; i < MQTT_TOPICS; i++)
		CHECK(text_terminated(m->topics[i], TEXT_SHORT));
	CHECK(m->excerpt_len <= MQTT_EXCERPT);
	human(msg, true);
	json(msg);
}

static void flips_check(const uint8_t *data, size_t total, bool from_client, uint32_t level)
{
	size_t at = 0;
	struct message m;

	while (at < total) {
		struct parse_result whole;
		size_t size;

		memset(&m, 0, sizeof(m));
		whole = parse_at_level(data + at, total - at, from_client, level, &m);
		size = whole.consumed + (size_t)whole.skip;
		decoder_test_flags = level;
		flips_check_decoder(mqtt_parse, data + at, size, from_client, NULL, &m, texts_check);
		at += size;
	}
}

static void test_prefixes_and_flips(void)
{
	prefixes_check(v311_client, sizeof(v311_client), true, 4);
	prefixes_check(v311_server, sizeof(v311_server), false, 4);
	prefixes_check(v5_client, sizeof(v5_client), true, 5);
	prefixes_check(v5_server, sizeof(v5_server), false, 5);
	prefixes_check(raw_v5_server, sizeof(raw_v5_server), false, 5);
	flips_check(v311_client, sizeof(v311_client), true, 4);
	flips_check(v311_server, sizeof(v311_server), false, 4);
	flips_check(v5_client, sizeof(v5_client), true, 5);
	flips_check(v5_server, sizeof(v5_server), false, 5);
}

static enum parse_state state_of(const void *bytes, size_t len, bool from_client, uint32_t level)
{
	struct message m;

	memset(&m, 0, sizeof(m));
	return parse_at_level(bytes, len, from_client, level, &m).state;
}

static void test_invalid(void)
{
	/* A remaining length of 5 bytes. */
	CHECK_INT(state_of("\x30\xff\xff\xff\xff\x01", 6, true, 4), PARSE_INVALID);
	/* Four bytes with a continuation bit more: invalid, not NEED_MORE. */
	CHECK_INT(state_of("\x30\x80\x80\x80\x80", 5, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x30\x80\x80\x80", 4, true, 4), PARSE_NEED_MORE);
	/* Type 0, PINGREQ with a body, PUBREL without its 0x2 flags, PUBLISH QoS 3. */
	CHECK_INT(state_of("\x00\x00", 2, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\xc0\x01\x00", 3, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x60\x02\x00\x01", 4, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x36\x05\x00\x01t\x00\x01", 7, true, 4), PARSE_INVALID);
	/* From the wrong side: a SUBSCRIBE from the server, a CONNACK from the client. */
	CHECK_INT(state_of("\x82\x06\x00\x01\x00\x01t\x00", 8, false, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x20\x02\x00\x00", 4, true, 4), PARSE_INVALID);
	/* A v3.1.1 CONNACK code 6, a SUBACK code 0x87 at level 4, no codes. */
	CHECK_INT(state_of("\x20\x02\x00\x06", 4, false, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x90\x03\x00\x01\x87", 5, false, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x90\x04\x00\x01\x00\x87", 6, false, 5), PARSE_COMPLETE);
	CHECK_INT(state_of("\x90\x02\x00\x01", 4, false, 4), PARSE_INVALID);
	/* A CONNECT of another protocol name, one with the reserved flag. */
	CHECK_INT(state_of("\x10\x0c\x00\x04MQTX\x04\x02\x00\x1e\x00\x00", 14, true, 0),
		  PARSE_INVALID);
	CHECK_INT(state_of("\x10\x0c\x00\x04MQTT\x04\x03\x00\x1e\x00\x00", 14, true, 0),
		  PARSE_INVALID);
	CHECK_INT(state_of("\x10\x0c\x00\x04MQTT\x04\x02\x00\x1e\x00\x00", 14, true, 0),
		  PARSE_COMPLETE);
	/* A string running past its packet; bytes past a PUBACK's fields (v3.1.1). */
	CHECK_INT(state_of("\x82\x06\x00\x01\x00\x09t\x00", 8, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x40\x03\x00\x01\x00", 5, true, 4), PARSE_INVALID);
	/* A PUBLISH with packet id 0, a v3.1.1 one with an empty topic. */
	CHECK_INT(state_of("\x32\x05\x00\x01t\x00\x00", 7, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\x30\x02\x00\x00", 4, true, 4), PARSE_INVALID);
	/* A non-PUBLISH packet over 64 KiB. */
	CHECK_INT(state_of("\x82\x81\x80\x04", 4, true, 4), PARSE_INVALID);
	/* An AUTH at level 4. */
	CHECK_INT(state_of("\xf0\x00", 2, true, 4), PARSE_INVALID);
	CHECK_INT(state_of("\xf0\x00", 2, true, 5), PARSE_COMPLETE);
}

/* --- detection --- */

static bool detect(const void *buf, size_t len, bool from_client)
{
	return detect_exact(mqtt_detect, buf, len, from_client);
}

static void test_detect(void)
{
	CHECK(detect(v311_client, sizeof(v311_client), true));
	CHECK(detect(v5_client, sizeof(v5_client), true));
	CHECK(detect(v311_server, sizeof(v311_server), false));
	CHECK(detect(v5_server, sizeof(v5_server), false));
	CHECK(detect(raw_v311_server, sizeof(raw_v311_server), false));
	CHECK(!detect(v311_client, sizeof(v311_client), false));
	CHECK(!detect(v311_server, sizeof(v311_server), true));
	/* Not at a connection's start: a PUBLISH, a PINGREQ. */
	CHECK(!detect(v311_client + 41 + 24, 21, true));
	CHECK(!detect("\xc0\x00", 2, true));
	/* Short: not yet. */
	for (size_t cut = 0; cut < 12; cut++)
		CHECK(!detect(v311_client, cut, true));
	CHECK(!detect(v311_server, 3, false));
	/* A v3 CONNACK refusing with session present; a v5 one with a bad length. */
	CHECK(!detect("\x20\x02\x01\x05", 4, false));
	CHECK(!detect("\x20\x04\x00\x00\x00", 5, false));
	/* Every other protocol refuses these fixtures. */
	const struct { const uint8_t *b; size_t n; bool client; } mine[] = {
		{ v311_client, sizeof(v311_client), true },  { v5_client, sizeof(v5_client), true },
		{ v311_server, sizeof(v311_server), false }, { v5_server, sizeof(v5_server), false },
		{ raw_v5_server, sizeof(raw_v5_server), false },
		{ raw_v311_server, sizeof(raw_v311_server), false },
	};
	for (unsigned i = 0; i < N(mine); i++) {
		for (unsigned p = 0; p < protocol_count; p++) {
			const struct protocol *proto = protocol_registry[p];

			if (proto == &mqtt_protocol)
				continue;
			for (int side = 0; side < 2; side++)
				if (detect_exact(proto->detect, mine[i].b, mine[i].n, side)) {
					fprintf(stderr, "%s claims mqtt fixture %u (side %d)\n",
						proto->name, i, side);
					check_failures++;
				}
		}
	}
}

/* mqtt_detect refuses every seed of the other protocols, from either side. */
static void test_other_seeds(void)
{
	char dir[4096], path[8192];
	const char *file = __FILE__, *slash = strrchr(file, '/');
	unsigned files = 0;

	snprintf(dir, sizeof(dir), "%.*s/../fuzz/seeds", slash ? (int)(slash - file) : 1,
		 slash ? file : ".");
	DIR *seeds = opendir(dir);
	CHECK(seeds != NULL);
	if (!seeds)
		return;
	for (struct dirent *p; (p = readdir(seeds));) {
		if (p->d_name[0] == '.' || !strcmp(p->d_name, "mqtt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, p->d_name);
		DIR *sub = opendir(path);
		if (!sub)
			continue;
		for (struct dirent *f; (f = readdir(sub));) {
			static uint8_t data[1 << 16];
			char name[12288];
			FILE *in;
			size_t n;

			if (f->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s/%s", path, f->d_name);
			in = fopen(name, "rb");
			if (!in)
				continue;
			n = fread(data, 1, sizeof(data), in);
			fclose(in);
			files++;
			for (int side = 0; side < 2; side++)
				if (detect(data, n, side)) {
					fprintf(stderr, "mqtt claims %s (side %d)\n", name, side);
					check_failures++;
				}
		}
		closedir(sub);
	}
	closedir(seeds);
	CHECK(files > 50);
}

/* The endpoint and outcome hooks on the captured sessions' packets. */
static void test_hooks(void)
{
	static struct message msg;
	char status[STATUS_CLASS_MAX];
	uint32_t flags = 0;
	const struct message *c, *sv;

	/* 3.1.1: CONNECT, SUBSCRIBE, PUBLISH x3, PUBREL, PINGREQ, UNSUBSCRIBE... */
	run_stream(&client_run, true, &flags, v311_client, sizeof(v311_client), SPLIT_WHOLE, 0);
	run_stream(&server_run, false, &flags, v311_server, sizeof(v311_server), SPLIT_WHOLE, 0);
	c = client_run.kept;
	sv = server_run.kept;
	CHECK_STR(decoder_endpoint(&mqtt_protocol, &c[0]), "CONNECT");
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[0], &sv[0], status), OUTCOME_OK);
	CHECK_STR(status, "accepted");
	CHECK_STR(decoder_endpoint(&mqtt_protocol, &c[1]), "SUBSCRIBE test/a secret/x");
	/* granted_qos_2, failure: the failure tells. */
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[1], &sv[1], status), OUTCOME_ERROR);
	CHECK_STR(status, "failure");
	CHECK_STR(decoder_endpoint(&mqtt_protocol, &c[2]), "PUBLISH test/a");
	CHECK_STR(decoder_endpoint(&mqtt_protocol, &sv[3]), "PUBLISH test/a");
	/* The broker's PUBACK to the client's QoS 1 PUBLISH: no code in 3.1.1. */
	CHECK_INT(kept(&server_run, 4)->type, MQTT_PUBACK);
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[3], &sv[4], status), OUTCOME_OK);
	CHECK_STR(status, "success");
	CHECK_INT(kept(&server_run, 9)->type, MQTT_PINGRESP);
	CHECK_INT(decoder_outcome(&mqtt_protocol, NULL, &sv[9], status), OUTCOME_OK);
	CHECK_STR(status, "success");

	/* 5.0: CONNACK success; SUBACK granted_qos_2, not_authorized. */
	flags = 0;
	run_stream(&client_run, true, &flags, v5_client, sizeof(v5_client), SPLIT_WHOLE, 0);
	run_stream(&server_run, false, &flags, v5_server, sizeof(v5_server), SPLIT_WHOLE, 0);
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[0], &sv[0], status), OUTCOME_OK);
	CHECK_STR(status, "success");
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[1], &sv[1], status), OUTCOME_CLIENT_ERROR);
	CHECK_STR(status, "not_authorized");
	CHECK_INT(kept(&client_run, 10)->type, MQTT_UNSUBSCRIBE);
	CHECK_STR(decoder_endpoint(&mqtt_protocol, &c[10]), "UNSUBSCRIBE test/a");
	CHECK_INT(kept(&server_run, 10)->type, MQTT_UNSUBACK);
	CHECK_INT(decoder_outcome(&mqtt_protocol, &c[10], &sv[10], status), OUTCOME_OK);
	CHECK_STR(status, "success");

	/* A CONNACK's code (byte 3 of the 3.1.1 one, byte 3 of the 5.0 one). */
	{
		static const struct {
			bool v5;
			uint8_t code;
			enum outcome outcome;
			const char *status;
		} codes[] = {
			{ false, 3, OUTCOME_SERVER_ERROR, "server_unavailable" },
			{ false, 4, OUTCOME_CLIENT_ERROR, "bad_username_or_password" },
			{ false, 5, OUTCOME_CLIENT_ERROR, "not_authorized" },
			{ true, 0x80, OUTCOME_ERROR, "unspecified_error" },
			{ true, 0x87, OUTCOME_CLIENT_ERROR, "not_authorized" },
			{ true, 0x89, OUTCOME_SERVER_ERROR, "server_busy" },
			{ true, 0x84, OUTCOME_CLIENT_ERROR, "unsupported_protocol_version" },
		};
		uint8_t connack[11];

		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			size_t n = codes[i].v5 ? sizeof(connack) : 4;
			struct parse_ctx ctx;
			uint32_t level = codes[i].v5 ? 5 : 4;

			memcpy(connack, codes[i].v5 ? v5_server : v311_server, n);
			connack[3] = codes[i].code;
			ctx = decoder_ctx(false, NULL);
			ctx.conn_flags = &level;
			memset(&msg, 0, sizeof(msg));
			msg.protocol = &mqtt_protocol;
			CHECK_INT(mqtt_parse(connack, n, &ctx, &msg).state, PARSE_COMPLETE);
			CHECK_INT(decoder_outcome(&mqtt_protocol, NULL, &msg, status),
				  codes[i].outcome);
			CHECK_STR(status, codes[i].status);
		}
	}

	/* Topics with ids fold; the client's PUBLISH to "test/a" made one to
	 * "dev/1234/a" (its topic's length kept, the packet's too). */
	{
		uint8_t publish[21];
		struct parse_ctx ctx = decoder_ctx(true, NULL);
		uint32_t level = 4;

		memcpy(publish, v311_client + 41 + 24, sizeof(publish));
		publish[3] = 10;
		memcpy(publish + 4, "dev/1234/a", 10);
		ctx.conn_flags = &level;
		memset(&msg, 0, sizeof(msg));
		CHECK_INT(mqtt_parse(publish, sizeof(publish), &ctx, &msg).state, PARSE_COMPLETE);
		CHECK_STR(decoder_endpoint(&mqtt_protocol, &msg), "PUBLISH dev/{id}/a");
	}
}

int main(void)
{
	test_sessions();
	test_json();
	test_hooks();
	test_same_id_both_ways();
	test_bad_topic();
	test_big_publish();
	test_prefixes_and_flips();
	test_invalid();
	test_detect();
	test_other_seeds();
	if (check_failures) {
		fprintf(stderr, "test_decode_mqtt: %d failures\n", check_failures);
		return 1;
	}
	printf("test_decode_mqtt: ok\n");
	return 0;
}
