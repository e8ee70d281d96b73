/*
 * The SSH decoder on recorded bytes: tests/fuzz/seeds/ssh/client_openssh_9.2
 * and server_openssh_9.2 are what ssh (OpenSSH_9.2p1 Debian-2+deb12u10,
 * BatchMode, failing its login) sent and received on its socket to sshd
 * of the same version, as socket-tracer --record captured it on loopback:
 * each side's version line and its KEXINIT packet (the client's 41 + 1560
 * bytes, the server's 41 + 1088). Fed whole, a byte at a time (as both
 * OpenSSH programs read the version line) and in random splits; the
 * server's lines before its version line are built here (RFC 4253 4.2).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_seeds.h"
#include "decoder_test.h"
#include "output/output.h"
#include "protocols/ssh.h"

#define TEXT(literal) (const uint8_t *)(literal), sizeof(literal) - 1

static const struct ssh_message *body(const struct message *m)
{
	return PROTOCOL_BODY_CONST(m, struct ssh_message);
}

static struct decoder_run run;

/* One direction through ssh_parse, as the engine drives it (decoder_test.h),
 * SPLIT_RANDOM's reads of 1..700 bytes; *flags is the connection's. */
static void run_stream(bool from_client, uint32_t *flags, const uint8_t *data, size_t total,
		       enum split split, unsigned seed)
{
	decoder_run_init(&run, &ssh_protocol, from_client, NULL, 0);
	run.conn_flags = flags;
	run.random_max = 700;
	decoder_run_stream(&run, data, total, split, seed);
}

static const char *human(const struct message *m, bool request)
{
	return decoder_human(&ssh_protocol, m, request, false);
}

static const char *json(const struct message *m)
{
	return decoder_json(&ssh_protocol, m, false);
}

static uint8_t *seed(const char *name, size_t *len)
{
	uint8_t *buf = seed_read("ssh", name, len);

	if (!buf) {
		fprintf(stderr, "no seed %s\n", name);
		exit(1);
	}
	return buf;
}

static void texts_check(const struct message *m)
{
	const struct ssh_message *ssh = body(m);

	CHECK(text_terminated(ssh->banner, sizeof(ssh->banner)));
	CHECK(text_terminated(ssh->proto_version, sizeof(ssh->proto_version)));
	CHECK(text_terminated(ssh->software, sizeof(ssh->software)));
	CHECK(text_terminated(ssh->comments, sizeof(ssh->comments)));
	CHECK(text_terminated(ssh->kex, sizeof(ssh->kex)));
	CHECK(text_terminated(ssh->host_key, sizeof(ssh->host_key)));
	CHECK(text_terminated(ssh->ciphers, sizeof(ssh->ciphers)));
	human(m, ssh->is_request);
	json(m);
}

static void test_exchange(void)
{
	size_t c_len, s_len;
	uint8_t *c = seed("client_openssh_9.2", &c_len);
	uint8_t *s = seed("server_openssh_9.2", &s_len);
	static struct message client, server;

	for (unsigned k = 0; k < 6; k++) {
		enum split split = k == 0 ? SPLIT_WHOLE : k == 1 ? SPLIT_BYTES : SPLIT_RANDOM;
		uint32_t flags = 0;
		char tail[256];
		struct strbuf out;

		/* Either side may finish first: the second says encrypted. */
		bool server_first = k & 1;
		for (int side = 0; side < 2; side++) {
			bool from_client = server_first ? side == 1 : side == 0;

			run_stream(from_client, &flags, from_client ? c : s, from_client ? c_len : s_len,
				   split, k + (unsigned)side);
			CHECK_INT(run.invalid, 0);
			CHECK_INT(run.left, 0);
			CHECK_INT(run.completes, 1);
			CHECK_INT(run.consumed + run.skipped, from_client ? c_len : s_len);
			CHECK_INT(run.kept_result[0].after,
				  side == 1 ? STREAM_ENCRYPTED : STREAM_GOES_ON);
			(from_client ? &client : &server)[0] = run.kept[0];
		}
		CHECK_STR(body(&client)->banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
		CHECK_STR(body(&client)->proto_version, "2.0");
		CHECK_STR(body(&client)->software, "OpenSSH_9.2p1");
		CHECK_STR(body(&client)->comments, "Debian-2+deb12u10");
		CHECK_STR(human(&server, false), "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
		CHECK(body(&client)->kexinit && body(&server)->kexinit);
		CHECK(!body(&client)->lists_cut && !body(&server)->lists_cut);
		CHECK(!strncmp(body(&client)->kex, "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,", 58));
		CHECK(strstr(body(&client)->kex, ",ext-info-c") != NULL);
		CHECK(strstr(body(&server)->kex, "kex-strict-s-v00@openssh.com") != NULL);
		CHECK(strstr(body(&server)->host_key, "ssh-ed25519") != NULL);
		CHECK(!strncmp(body(&client)->ciphers, "chacha20-poly1305@openssh.com,", 30));
		CHECK_INT(body(&client)->first_packet, 20);
		strbuf_init(&out, tail, sizeof(tail));
		ssh_protocol.exchange_tail(&out, &client, &server);
		CHECK_STR(tail, "  kex=sntrup761x25519-sha512 host_key=ssh-ed25519 "
				"cipher=chacha20-poly1305@openssh.com");
		/* The key exchange after: passed over, not messages. */
		run_stream(true, &flags, TEXT("\x00\x00\x00\x0c\x0a\x15\x00\x00\x00\x00\x00\x00\x00\x00"
					      "\x00\x00"), SPLIT_WHOLE, 0);
		CHECK_INT(run.completes, 0);
		CHECK_INT(run.ignored, 1);
	}
	CHECK(!strncmp(json(&server), ",\"banner\":\"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\","
				      "\"proto_version\":\"2.0\",\"software\":\"OpenSSH_9.2p1\","
				      "\"comments\":\"Debian-2+deb12u10\",\"other_lines\":0,"
				      "\"kexinit\":true,\"kex_algorithms\":\"sntrup761x25519-sha512",
		       190));
	free(c);
	free(s);
}

/* The endpoint and outcome hooks on the recorded handshake. */
static void test_hooks(void)
{
	size_t c_len, s_len;
	uint8_t *c = seed("client_openssh_9.2", &c_len);
	uint8_t *s = seed("server_openssh_9.2", &s_len);
	static struct message client, server;
	char status[STATUS_CLASS_MAX];
	uint32_t flags = 0;

	run_stream(true, &flags, c, c_len, SPLIT_WHOLE, 0);
	client = run.kept[0];
	run_stream(false, &flags, s, s_len, SPLIT_WHOLE, 0);
	server = run.kept[0];
	CHECK_STR(decoder_endpoint(&ssh_protocol, &client), "handshake");
	CHECK_INT(decoder_outcome(&ssh_protocol, &client, &server, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	CHECK_INT(decoder_outcome(&ssh_protocol, NULL, &server, status), OUTCOME_OK);
	/* The server's ciphers made ones the client does not offer. */
	strcpy(PROTOCOL_BODY(&server, struct ssh_message)->ciphers, "aes256-cbc,3des-cbc");
	CHECK_INT(decoder_outcome(&ssh_protocol, &client, &server, status), OUTCOME_ERROR);
	CHECK_STR(status, "no_common_algorithm");
	/* A list cut: what they agree on is not known. */
	PROTOCOL_BODY(&server, struct ssh_message)->lists_cut = true;
	CHECK_INT(decoder_outcome(&ssh_protocol, &client, &server, status), OUTCOME_OK);
	free(c);
	free(s);
}

static void test_other_lines_and_refusals(void)
{
	size_t s_len, c_len;
	uint8_t *s = seed("server_openssh_9.2", &s_len);
	uint8_t *c = seed("client_openssh_9.2", &c_len);
	uint8_t *with = malloc(s_len + 64);
	static const char before[] = "Welcome to the test host\r\nno entry without a key\r\n";
	size_t with_len = sizeof(before) - 1 + s_len;
	uint32_t flags;

	memcpy(with, before, sizeof(before) - 1);
	memcpy(with + sizeof(before) - 1, s, s_len);
	for (unsigned k = 0; k < 3; k++) {
		flags = 0;
		run_stream(false, &flags, with, with_len, (enum split)k, k);
		CHECK_INT(run.completes, 1);
		CHECK_INT(body(&run.kept[0])->other_lines, 2);
		CHECK_STR(human(&run.kept[0], false),
			  "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10 (after 2 other lines)");
	}
	CHECK(detect_exact(ssh_detect, with, 120, false));
	CHECK(!detect_exact(ssh_detect, with, 120, true));
	/* A client sends no lines before its version line. */
	flags = 0;
	run_stream(true, &flags, with, with_len, SPLIT_WHOLE, 0);
	CHECK_INT(run.invalid, 1);
	/* Bad bytes: refused. */
	flags = 0;
	run_stream(true, &flags, TEXT("SSH-2.0-Open\x01SSH\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(run.invalid, 1);
	flags = 0;
	run_stream(true, &flags, TEXT("SSH-1.5-old\r\n"), SPLIT_WHOLE, 0);
	CHECK_INT(run.invalid, 1);
	flags = 0;
	run_stream(true, &flags, TEXT("SSH-2.0-x\r\n\x00\x00\x00\x02\x01\x14"), SPLIT_WHOLE, 0);
	CHECK_INT(run.invalid, 1); /* a packet length below any real one */
	/* A KEXINIT whose name-list runs past its packet. */
	{
		uint8_t bad[1601];

		memcpy(bad, c, c_len);
		bad[41 + 6 + 16 + 3] = 0xff;
		flags = 0;
		run_stream(true, &flags, bad, c_len, SPLIT_WHOLE, 0);
		CHECK_INT(run.invalid, 1);
	}
	/* Every prefix waits; any flip keeps the contract. */
	for (size_t cut = 0; cut < c_len; cut++) {
		flags = 0;
		run_stream(true, &flags, c, cut, SPLIT_WHOLE, 0);
		CHECK_INT(run.invalid, 0);
		CHECK_INT(run.completes, 0);
	}
	{
		struct message msg;

		flips_check_decoder(ssh_parse, c, 41, true, NULL, &msg, texts_check);
		for (size_t at = 0; at < c_len; at += 7) {
			uint8_t *flipped = exact_copy(c, c_len);

			flipped[at] ^= 0x5a;
			flags = 0;
			run_stream(true, &flags, flipped, c_len, SPLIT_WHOLE, 0);
			free(flipped);
			CHECK(run.consumed <= c_len);
			for (unsigned i = 0; i < decoder_run_kept(&run); i++)
				texts_check(&run.kept[i]);
		}
	}
	free(with);
	free(s);
	free(c);
}

static unsigned cross_claims, others_seen;

static void other_seed(const char *protocol, const char *name, const uint8_t *buf, size_t len)
{
	if (!strcmp(protocol, "ssh")) {
		bool client = !strncmp(name, "client", 6);

		CHECK(detect_exact(ssh_detect, buf, len, client));
		for (unsigned i = 0; i < protocol_count; i++) {
			const struct protocol *p = protocol_registry[i];

			if (p != &ssh_protocol && p->detect &&
			    (detect_exact(p->detect, buf, len, true) ||
			     detect_exact(p->detect, buf, len, false))) {
				fprintf(stderr, "%s claims ssh/%s\n", p->name, name);
				cross_claims++;
			}
		}
		return;
	}
	others_seen++;
	for (int side = 0; side < 2; side++) {
		if (detect_exact(ssh_detect, buf, len, side)) {
			fprintf(stderr, "ssh claims %s/%s\n", protocol, name);
			cross_claims++;
		}
	}
}

static void test_detect(void)
{
	CHECK(detect_exact(ssh_detect, TEXT("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), true));
	CHECK(detect_exact(ssh_detect, TEXT("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), false));
	CHECK(detect_exact(ssh_detect, TEXT("SSH-1.99-Cisco-1.25\r\n"), false));
	CHECK(detect_exact(ssh_detect, TEXT("SSH-2"), true)); /* so far so good */
	CHECK(!detect_exact(ssh_detect, TEXT("SSH-1.5-old\r\n"), true));
	CHECK(!detect_exact(ssh_detect, TEXT("SSH"), true));
	CHECK(!detect_exact(ssh_detect, TEXT("GET / HTTP/1.1\r\n"), true));
	CHECK(!detect_exact(ssh_detect, TEXT("220 mail.example ESMTP\r\n"), false));
	CHECK(!detect_exact(ssh_detect, TEXT("hello\r\n\x01SSH-2.0-x\r\n"), false));
	cross_claims = others_seen = 0;
	CHECK(seeds_visit(other_seed) > 10);
	CHECK(others_seen > 10);
	CHECK_INT(cross_claims, 0);
}

int main(void)
{
	test_exchange();
	test_hooks();
	test_other_lines_and_refusals();
	test_detect();
	return check_report("test_decode_ssh");
}
