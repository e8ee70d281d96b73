/* tls_detect and tls_parse on recorded and hand-built records. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "protocols/tls.h"
#include "output/output.h"

/*
 * Recorded: `openssl s_client -connect 127.0.0.1:PORT -servername localhost
 * -groups X25519 -min_protocol TLSv1.2` (OpenSSL 3.0.19) talking to
 * `openssl s_server` with a self-signed localhost certificate, through a
 * loopback TCP relay that wrote each direction to a file.
 *
 * The client's first record: its ClientHello, 293 bytes, offering TLS 1.3
 * and TLS 1.2 with SNI "localhost".
 */
static const uint8_t client_hello[] = {
	/* record: handshake (0x16), version 0x0301, length 288 */
	0x16, 0x03, 0x01, 0x01, 0x20,
	/* handshake: ClientHello (1), length 284 */
	0x01, 0x00, 0x01, 0x1c,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0xd0, 0x21, 0x07, 0x77, 0xcf, 0x95, 0xc5, 0x5c, 0x78, 0xff, 0x03, 0xc7, 0xc3, 0xab, 0x03, 0x09,
	0xe6, 0x9e, 0x78, 0xe1, 0x0d, 0xc7, 0x1f, 0x97, 0x40, 0xb6, 0x68, 0x64, 0x09, 0x59, 0x00, 0xcc,
	/* legacy_session_id: length 32, then the id */
	0x20, 0x27, 0x33, 0x01, 0x54, 0x90, 0x56, 0x29, 0xcf, 0x59, 0xf1, 0xa0, 0x9f, 0xbe, 0x39, 0xf1,
	0x62, 0x02, 0x91, 0x49, 0x5f, 0x7e, 0x45, 0x7b, 0x29, 0x4c, 0x11, 0x5c, 0x68, 0x0a, 0x17, 0x29,
	0x49,
	/* cipher_suites: length 62 (31 suites: TLS_AES_256_GCM_SHA384 0x1302 first) */
	0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9,
	0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13,
	0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff,
	/* compression_methods: length 1, null */
	0x01, 0x00,
	/* extensions: length 149 */
	0x00, 0x95,
	/* extension server_name (0), length 14: list length 14, host_name (0), length 9, "localhost" */
	0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f,
	0x73, 0x74,
	/* extension ec_point_formats (11), length 4 */
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
	/* extension supported_groups (10), length 4 */
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,
	/* extension session_ticket (35), length 0 */
	0x00, 0x23, 0x00, 0x00,
	/* extension encrypt_then_mac (22), length 0 */
	0x00, 0x16, 0x00, 0x00,
	/* extension extended_master_secret (23), length 0 */
	0x00, 0x17, 0x00, 0x00,
	/* extension signature_algorithms (13), length 42 */
	0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08,
	0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
	0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
	/* extension supported_versions (43), length 5: list length 4, TLS1.3 0x0304, TLS1.2 0x0303 */
	0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,
	/* extension psk_key_exchange_modes (45), length 2 */
	0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
	/* extension key_share (51), length 38: client_shares length 36, x25519 (0x001d), 32-byte key */
	0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x46, 0x55, 0x95, 0x98, 0x61, 0xda,
	0x1f, 0xe3, 0xca, 0x2e, 0x70, 0xd5, 0xc5, 0x25, 0x3b, 0xc4, 0xf5, 0xa8, 0xdb, 0xfd, 0x57, 0xb6,
	0xa0, 0x63, 0xca, 0xe5, 0xb7, 0x8b, 0xe0, 0x2c, 0x62, 0x03,
};

/* The server's first bytes: its ServerHello selecting TLS 1.3, the
 * middlebox-compatibility change_cipher_spec, then encrypted records. */
static const uint8_t server_flight[] = {
	/* record: handshake (0x16), version 0x0303, length 122 */
	0x16, 0x03, 0x03, 0x00, 0x7a,
	/* handshake: ServerHello (2), length 118 */
	0x02, 0x00, 0x00, 0x76,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0xe1, 0x99, 0x0f, 0x12, 0x85, 0xa2, 0x5c, 0x52, 0x50, 0x1b, 0x4e, 0xfd, 0x17, 0xca, 0xc2, 0x9f,
	0x1a, 0x2a, 0x46, 0xba, 0xaa, 0xf7, 0x3e, 0x21, 0xc3, 0x68, 0x90, 0xdf, 0xae, 0x38, 0xfc, 0x21,
	/* legacy_session_id: length 32, then the id */
	0x20, 0x27, 0x33, 0x01, 0x54, 0x90, 0x56, 0x29, 0xcf, 0x59, 0xf1, 0xa0, 0x9f, 0xbe, 0x39, 0xf1,
	0x62, 0x02, 0x91, 0x49, 0x5f, 0x7e, 0x45, 0x7b, 0x29, 0x4c, 0x11, 0x5c, 0x68, 0x0a, 0x17, 0x29,
	0x49,
	/* cipher_suite 0x1302 (TLS_AES_256_GCM_SHA384), compression_method null */
	0x13, 0x02, 0x00,
	/* extensions: length 46 */
	0x00, 0x2e,
	/* extension supported_versions (43), length 2: selected TLS1.3 0x0304 */
	0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
	/* extension key_share (51), length 36: x25519 (0x001d), 32-byte key */
	0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xc6, 0x82, 0xda, 0xa3, 0xd0, 0x7b, 0xda, 0x74,
	0xbd, 0xba, 0x30, 0x70, 0xa8, 0x4c, 0x0a, 0xda, 0x2a, 0x19, 0xe3, 0xf8, 0xb6, 0x16, 0xfb, 0xb6,
	0xe4, 0xb9, 0xd8, 0x6a, 0x8d, 0xc5, 0xc7, 0x42,
	/* record: change_cipher_spec (0x14), version 0x0303, length 1, value 1 */
	0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
	/* record: application_data (0x17), version 0x0303, length 23 (EncryptedExtensions, encrypted) */
	0x17, 0x03, 0x03, 0x00, 0x17,
	0x1c, 0xc1, 0xcc, 0xe8, 0x7a, 0x39, 0x20, 0x17, 0x3e, 0x11, 0xc3, 0x8f, 0xa5, 0x11, 0x79, 0xf8,
	0x86, 0x1e, 0x9e, 0x8e, 0x9e, 0x59, 0xdb,
	/* record: application_data, length 811 (Certificate, encrypted): header and first 11 bytes only */
	0x17, 0x03, 0x03, 0x03, 0x2b, 0x39, 0x64, 0x05, 0x57, 0x11, 0xf4, 0xca, 0x00, 0xa2, 0xdf, 0x2e,
};

/* The client's records after its ClientHello (same recording). */
static const uint8_t client_after_hello[] = {
	/* record: change_cipher_spec (0x14), version 0x0303, length 1, value 1 */
	0x14, 0x03, 0x03, 0x00, 0x01, 0x01,
	/* record: application_data (0x17), version 0x0303, length 23 ("hello\n", encrypted) */
	0x17, 0x03, 0x03, 0x00, 0x17,
	0xd5, 0x7e, 0xdb, 0xa0, 0x15, 0xdd, 0x3f, 0xe8, 0xf2, 0x4b, 0xfc, 0x0d, 0x54, 0xdd, 0xcc, 0x05,
	0xaa, 0x02, 0xe6, 0x9b, 0x86, 0x6c, 0x0f,
	/* record: application_data, length 19 (close_notify alert, encrypted) */
	0x17, 0x03, 0x03, 0x00, 0x13,
	0x3f, 0x70, 0xd7, 0xd2, 0xf0, 0xab, 0x41, 0x2e, 0x5e, 0x4f, 0x4e, 0xd1, 0x53, 0x64, 0x0f, 0x4d,
	0xfd, 0xed, 0x3f,
};

/*
 * Built by hand, field by field as commented: a ClientHello the way Chrome
 * shapes one, with GREASE values (RFC 8701) among the cipher suites, the
 * extensions and the supported versions.
 */
static const uint8_t grease_client_hello[] = {
	/* record: handshake, version 0x0301, length 96 */
	0x16, 0x03, 0x01, 0x00, 0x60,
	/* handshake: ClientHello, length 92 */
	0x01, 0x00, 0x00, 0x5c,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random: 0x20..0x3f */
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	/* legacy_session_id: empty */
	0x00,
	/* cipher_suites: length 6: GREASE 0x0a0a, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 */
	0x00, 0x06, 0x0a, 0x0a, 0x13, 0x01, 0x13, 0x02,
	/* compression_methods: length 1, null */
	0x01, 0x00,
	/* extensions: length 45 */
	0x00, 0x2d,
	/* extension GREASE 0x2a2a, length 0 */
	0x2a, 0x2a, 0x00, 0x00,
	/* extension server_name, length 21: list length 19, host_name, length 16, "www.example.test" */
	0x00, 0x00, 0x00, 0x15, 0x00, 0x13, 0x00, 0x00, 0x10, 0x77, 0x77, 0x77, 0x2e, 0x65, 0x78, 0x61,
	0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73, 0x74,
	/* extension supported_versions, length 7: list length 6, GREASE 0x7a7a, TLS1.3, TLS1.2 */
	0x00, 0x2b, 0x00, 0x07, 0x06, 0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03,
	/* extension GREASE 0xdada, length 1, one zero byte */
	0xda, 0xda, 0x00, 0x01, 0x00,
};

/*
 * Built by hand: a TLS 1.2 server's first record, which holds the
 * ServerHello (no supported_versions: the version is legacy_version) and
 * the Certificate after it; only its first 74 of 1262 bytes are here.
 */
static const uint8_t tls12_server_flight[] = {
	/* record: handshake, version 0x0303, length 1257: ServerHello, then Certificate */
	0x16, 0x03, 0x03, 0x04, 0xe9,
	/* handshake: ServerHello, length 49 */
	0x02, 0x00, 0x00, 0x31,
	/* legacy_version 0x0303 (TLS 1.2 chosen) */
	0x03, 0x03,
	/* random: 0x40..0x5f */
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	/* legacy_session_id: empty; cipher_suite 0xc02f
	 * (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), compression null */
	0x00, 0xc0, 0x2f, 0x00,
	/* extensions: length 9: renegotiation_info (0xff01), length 1, empty;
	 * extended_master_secret (23), length 0 */
	0x00, 0x09, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00,
	/* handshake: Certificate (11), length 1200, then its first 12 bytes:
	 * certificate_list length 1197, first certificate length 1194, DER SEQUENCE */
	0x0b, 0x00, 0x04, 0xb0, 0x00, 0x04, 0xad, 0x00, 0x04, 0xaa, 0x30, 0x82, 0x04, 0xa6, 0x30, 0x82,
};

/*
 * Recorded: openssl s_client (OpenSSL 3.0) talking to one openssl s_server
 * with a self-signed localhost certificate through a loopback TCP relay
 * that wrote each direction to a file: `-alpn h2,http/1.1 -sess_out` then
 * `-sess_in` (s_client printed "Reused" for the second), with -tls1_2 for
 * the TLS 1.2 pair; the HelloRetryRequest from a server run with -groups
 * P-256 and a client with -groups X25519:P-256.
 */
/* The second ClientHello: TLS 1.3 with ALPN, offering the saved session as a PSK */
static const uint8_t resume_client_hello[] = {
	/* record: handshake, version 0x0301, length 581 */
	0x16, 0x03, 0x01, 0x02, 0x45,
	/* handshake: ClientHello, length 577 */
	0x01, 0x00, 0x02, 0x41,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0x93, 0xd2, 0x27, 0x51, 0xa7, 0x2b, 0x22, 0x2a, 0xf8, 0x94, 0x20, 0x93, 0x20, 0xf3, 0xf5, 0x24,
	0x4b, 0x95, 0xe5, 0x87, 0x12, 0x2a, 0x5c, 0x88, 0x71, 0xa2, 0x2f, 0x2a, 0x3f, 0xe2, 0x20, 0x85,
	/* legacy_session_id: length 32 */
	0x20, 0xbf, 0xeb, 0x11, 0x4e, 0x65, 0x66, 0x8f, 0x95, 0xb7, 0x8a, 0xdc, 0x0c, 0x95, 0x29, 0x45,
	0x69, 0x65, 0x66, 0x8f, 0x7b, 0x1b, 0x9a, 0xa7, 0xd2, 0xdc, 0x00, 0xcc, 0x2b, 0xc1, 0xe0, 0x5a,
	0xca,
	/* cipher_suites: length 62 */
	0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9,
	0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13,
	0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff,
	/* compression_methods: length 1 */
	0x01, 0x00,
	/* extensions: length 442 */
	0x01, 0xba,
	/* extension server_name (0), length 14 */
	0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f,
	0x73, 0x74,
	/* extension ec_point_formats (11), length 4 */
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
	/* extension supported_groups (10), length 4 */
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,
	/* extension session_ticket (35), length 0 */
	0x00, 0x23, 0x00, 0x00,
	/* extension alpn (16), length 14 */
	0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31,
	0x2e, 0x31,
	/* extension encrypt_then_mac (22), length 0 */
	0x00, 0x16, 0x00, 0x00,
	/* extension extended_master_secret (23), length 0 */
	0x00, 0x17, 0x00, 0x00,
	/* extension signature_algorithms (13), length 42 */
	0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08,
	0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
	0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
	/* extension supported_versions (43), length 9 */
	0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01,
	/* extension psk_key_exchange_modes (45), length 2 */
	0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,
	/* extension key_share (51), length 38 */
	0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x0c, 0x71, 0xcd, 0x41, 0xcc, 0xa1,
	0x92, 0x9b, 0x28, 0xab, 0xbd, 0x8e, 0xbb, 0xef, 0x2e, 0x96, 0xd0, 0xda, 0x94, 0xb4, 0x2e, 0xc6,
	0x14, 0x60, 0x13, 0x04, 0xe7, 0xec, 0x87, 0x03, 0x68, 0x36,
	/* extension pre_shared_key (41), length 267 */
	0x00, 0x29, 0x01, 0x0b, 0x00, 0xd6, 0x00, 0xd0, 0x6d, 0xfc, 0xcb, 0x7e, 0x52, 0x64, 0xec, 0x54,
	0x5f, 0xb6, 0xdd, 0xa9, 0x3e, 0x59, 0x46, 0x55, 0x05, 0x73, 0xa8, 0x1e, 0x82, 0x1c, 0x43, 0x06,
	0x81, 0x7d, 0x5f, 0x0f, 0xa0, 0x4b, 0xba, 0x86, 0xab, 0x6a, 0x2d, 0x10, 0x49, 0x7b, 0xa4, 0xa0,
	0x57, 0x05, 0x85, 0xba, 0x92, 0xf9, 0x74, 0x0f, 0xed, 0x14, 0xa2, 0xe9, 0x5a, 0x2b, 0x99, 0x49,
	0x76, 0x7b, 0x60, 0x97, 0x8e, 0x6a, 0x7c, 0x2e, 0x5f, 0xa5, 0xd6, 0x7b, 0x63, 0xa8, 0x39, 0x8c,
	0xc7, 0x49, 0xa3, 0x96, 0x80, 0x2c, 0x76, 0x33, 0xc3, 0xa2, 0xba, 0x20, 0xed, 0x7c, 0x1d, 0x99,
	0x5a, 0x38, 0xbc, 0xc1, 0xe2, 0x16, 0x57, 0xd2, 0xbb, 0x6d, 0xda, 0x7c, 0xbd, 0x95, 0x0c, 0x3a,
	0x80, 0x9a, 0x65, 0xa7, 0xf3, 0xc5, 0xb8, 0x2b, 0xfa, 0x70, 0xc1, 0x4f, 0x04, 0x55, 0x34, 0x67,
	0xbe, 0x47, 0x95, 0x16, 0x22, 0xb1, 0x98, 0x29, 0xa1, 0x82, 0x0a, 0xfb, 0xe0, 0x6f, 0x95, 0xad,
	0x5a, 0xf0, 0x43, 0x69, 0x10, 0xc8, 0x12, 0xaa, 0x06, 0x70, 0xe2, 0xe0, 0xa6, 0xd0, 0x91, 0x89,
	0xc2, 0xca, 0x7d, 0x90, 0x27, 0xa6, 0x5e, 0xb9, 0x2a, 0x3e, 0x68, 0x5d, 0xb2, 0xfb, 0x6b, 0x71,
	0x2d, 0x1f, 0x84, 0xd7, 0xec, 0x66, 0x73, 0x3c, 0xca, 0x80, 0x16, 0x82, 0x34, 0xda, 0x58, 0x30,
	0xf0, 0x4f, 0x71, 0xcf, 0xb3, 0xde, 0x79, 0x9e, 0x90, 0xa8, 0xd5, 0x85, 0x73, 0x70, 0x2c, 0x4c,
	0x8a, 0xb0, 0x42, 0x0b, 0x7a, 0x78, 0x0d, 0x00, 0x2d, 0xcf, 0xb5, 0x4d, 0x00, 0x31, 0x30, 0xcd,
	0x9b, 0x5c, 0xc4, 0xe8, 0x50, 0x9f, 0x1b, 0x89, 0xb8, 0x47, 0x4a, 0x41, 0x81, 0xe6, 0x6e, 0xf9,
	0x79, 0x25, 0x45, 0x8e, 0x20, 0x75, 0xfa, 0xaa, 0xf8, 0x59, 0xe9, 0x6f, 0x63, 0x0c, 0xfc, 0xf8,
	0x19, 0x8e, 0x42, 0x41, 0x38, 0x56, 0x5b, 0x61, 0x20, 0x3b, 0xbe, 0x9b, 0xfb, 0xe6, 0x41,
}; /* 586 bytes */

/* Its ServerHello: TLS 1.3, the PSK accepted (pre_shared_key, identity 0) */
static const uint8_t resume_server_hello[] = {
	/* record: handshake, version 0x0303, length 128 */
	0x16, 0x03, 0x03, 0x00, 0x80,
	/* handshake: ServerHello, length 124 */
	0x02, 0x00, 0x00, 0x7c,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0x4e, 0x84, 0x89, 0x3c, 0xeb, 0x61, 0x3f, 0xb4, 0xf9, 0xda, 0x8f, 0x21, 0x3e, 0x6d, 0xef, 0x82,
	0xe6, 0xfa, 0xc2, 0xf6, 0xcc, 0xc2, 0x49, 0xd0, 0xfe, 0xe4, 0x2d, 0x1f, 0xf0, 0x33, 0x79, 0x8d,
	/* legacy_session_id: length 32 */
	0x20, 0xbf, 0xeb, 0x11, 0x4e, 0x65, 0x66, 0x8f, 0x95, 0xb7, 0x8a, 0xdc, 0x0c, 0x95, 0x29, 0x45,
	0x69, 0x65, 0x66, 0x8f, 0x7b, 0x1b, 0x9a, 0xa7, 0xd2, 0xdc, 0x00, 0xcc, 0x2b, 0xc1, 0xe0, 0x5a,
	0xca,
	/* cipher_suite 0x1302, compression_method 0 */
	0x13, 0x02, 0x00,
	/* extensions: length 52 */
	0x00, 0x34,
	/* extension supported_versions (43), length 2 */
	0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
	/* extension key_share (51), length 36 */
	0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xea, 0x1a, 0x62, 0xc1, 0x00, 0x84, 0x49, 0x6a,
	0x94, 0xb5, 0xd7, 0x5f, 0x13, 0xc4, 0xc6, 0xb8, 0x13, 0x79, 0x22, 0x71, 0x86, 0x77, 0xb7, 0xca,
	0xf6, 0x27, 0x13, 0xbb, 0x3c, 0xe5, 0x9b, 0x04,
	/* extension pre_shared_key (41), length 2 */
	0x00, 0x29, 0x00, 0x02, 0x00, 0x00,
}; /* 133 bytes */

/* HelloRetryRequest: the client's key share was x25519 only, the server wants secp256r1 */
static const uint8_t hello_retry[] = {
	/* record: handshake, version 0x0303, length 88 */
	0x16, 0x03, 0x03, 0x00, 0x58,
	/* handshake: ServerHello, length 84 */
	0x02, 0x00, 0x00, 0x54,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	/* legacy_session_id: length 32 */
	0x20, 0x36, 0x38, 0x2f, 0x84, 0xd7, 0x6e, 0x29, 0x6d, 0x99, 0xb8, 0x32, 0x64, 0x8a, 0x1b, 0xc8,
	0x24, 0xad, 0x18, 0xde, 0x21, 0xe3, 0xdd, 0xda, 0xd9, 0x27, 0x72, 0x3a, 0xd8, 0x1e, 0xc4, 0x3b,
	0x61,
	/* cipher_suite 0x1302, compression_method 0 */
	0x13, 0x02, 0x00,
	/* extensions: length 12 */
	0x00, 0x0c,
	/* extension supported_versions (43), length 2 */
	0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
	/* extension key_share (51), length 2 */
	0x00, 0x33, 0x00, 0x02, 0x00, 0x17,
}; /* 93 bytes */

/* TLS 1.2 only, ALPN h2 and http/1.1, presenting a session ticket, with the session id OpenSSL derives from it */
static const uint8_t tls12_ticket_client_hello[] = {
	/* record: handshake, version 0x0301, length 427 */
	0x16, 0x03, 0x01, 0x01, 0xab,
	/* handshake: ClientHello, length 423 */
	0x01, 0x00, 0x01, 0xa7,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0xbf, 0x75, 0x33, 0x93, 0x4c, 0x3e, 0x63, 0xac, 0x13, 0x70, 0xf9, 0xa2, 0xc9, 0x0b, 0x0e, 0x95,
	0x86, 0xa2, 0xe6, 0x7f, 0xf7, 0x96, 0x3c, 0x92, 0xc1, 0xd8, 0xda, 0xd5, 0x5b, 0xd1, 0x08, 0x3d,
	/* legacy_session_id: length 32 */
	0x20, 0x65, 0xed, 0xd9, 0x2b, 0x8e, 0x7f, 0xb8, 0x95, 0xad, 0x19, 0xc2, 0x5f, 0xfe, 0x14, 0x26,
	0x50, 0xfa, 0x69, 0x68, 0x1d, 0x40, 0xad, 0x47, 0x09, 0xf4, 0x1c, 0x2d, 0x36, 0x94, 0x4c, 0x2c,
	0xd5,
	/* cipher_suites: length 56 */
	0x00, 0x38, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b,
	0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67,
	0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c,
	0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff,
	/* compression_methods: length 1 */
	0x01, 0x00,
	/* extensions: length 294 */
	0x01, 0x26,
	/* extension server_name (0), length 14 */
	0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f,
	0x73, 0x74,
	/* extension ec_point_formats (11), length 4 */
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
	/* extension supported_groups (10), length 12 */
	0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	/* extension session_ticket (35), length 176 */
	0x00, 0x23, 0x00, 0xb0, 0xa0, 0x73, 0x93, 0x80, 0xf5, 0x48, 0xdc, 0x8b, 0xc8, 0x9f, 0xc3, 0x93,
	0xbb, 0x22, 0x52, 0x54, 0x91, 0x3a, 0x1c, 0x16, 0x6f, 0xd0, 0xf7, 0x67, 0x22, 0x05, 0x3f, 0xef,
	0xaa, 0x7d, 0x2e, 0x15, 0x5d, 0xda, 0x18, 0xd7, 0x33, 0xc2, 0xf7, 0xd6, 0xea, 0xbe, 0xa9, 0x9e,
	0xe5, 0xaf, 0x1d, 0xf9, 0xec, 0x23, 0x3b, 0x79, 0xec, 0x4b, 0x8b, 0x6b, 0xd4, 0x86, 0xde, 0xfb,
	0x7d, 0x2c, 0xe5, 0x16, 0xc3, 0x0e, 0x05, 0x95, 0xc9, 0xde, 0x9f, 0x4d, 0x94, 0xcc, 0xdd, 0x36,
	0x0a, 0xa6, 0x12, 0x7d, 0x27, 0xa5, 0x79, 0x1c, 0x34, 0xc5, 0xf5, 0x61, 0xf0, 0x98, 0xea, 0x91,
	0x4b, 0x4e, 0xac, 0x37, 0xf1, 0xb5, 0xf0, 0xfa, 0x9b, 0x02, 0x93, 0x5a, 0xaf, 0x99, 0x54, 0xcd,
	0x9f, 0xf2, 0xce, 0x03, 0xa6, 0xb0, 0xd1, 0x18, 0xdd, 0x3f, 0xdb, 0xdc, 0x21, 0x04, 0x95, 0xf0,
	0xcf, 0x7d, 0x89, 0x41, 0x96, 0x59, 0xcb, 0x92, 0x91, 0xe9, 0x06, 0x83, 0xe9, 0xce, 0x79, 0x71,
	0xdd, 0xbf, 0xe1, 0xfd, 0x41, 0x06, 0x0b, 0xde, 0x14, 0x7e, 0x8d, 0xab, 0x95, 0xc1, 0x5c, 0xa3,
	0xc1, 0xa5, 0xda, 0x8e, 0x1d, 0xf6, 0xf0, 0x16, 0x15, 0x08, 0x18, 0x5c, 0x9c, 0x00, 0x1b, 0xd1,
	0xe7, 0xb0, 0xe4, 0x31,
	/* extension alpn (16), length 14 */
	0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31,
	0x2e, 0x31,
	/* extension encrypt_then_mac (22), length 0 */
	0x00, 0x16, 0x00, 0x00,
	/* extension extended_master_secret (23), length 0 */
	0x00, 0x17, 0x00, 0x00,
	/* extension signature_algorithms (13), length 42 */
	0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08,
	0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
	0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
}; /* 432 bytes */

/* Its ServerHello: the session id echoed, ALPN h2; then NewSessionTicket in the same record */
static const uint8_t tls12_ticket_server_hello[] = {
	/* record: handshake, version 0x0303, length 94 */
	0x16, 0x03, 0x03, 0x00, 0x5e,
	/* handshake: ServerHello, length 90 */
	0x02, 0x00, 0x00, 0x5a,
	/* legacy_version 0x0303 */
	0x03, 0x03,
	/* random */
	0xca, 0xe7, 0xcc, 0xb5, 0x99, 0x6f, 0xb6, 0xe0, 0xba, 0xbd, 0x72, 0x2f, 0xdc, 0x2a, 0xe0, 0x4a,
	0xf6, 0x82, 0x97, 0xed, 0x1e, 0xc5, 0xd5, 0xf2, 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01,
	/* legacy_session_id: length 32 */
	0x20, 0x65, 0xed, 0xd9, 0x2b, 0x8e, 0x7f, 0xb8, 0x95, 0xad, 0x19, 0xc2, 0x5f, 0xfe, 0x14, 0x26,
	0x50, 0xfa, 0x69, 0x68, 0x1d, 0x40, 0xad, 0x47, 0x09, 0xf4, 0x1c, 0x2d, 0x36, 0x94, 0x4c, 0x2c,
	0xd5,
	/* cipher_suite 0xc030, compression_method 0 */
	0xc0, 0x30, 0x00,
	/* extensions: length 18 */
	0x00, 0x12,
	/* extension renegotiation_info (65281), length 1 */
	0xff, 0x01, 0x00, 0x01, 0x00,
	/* extension alpn (16), length 5 */
	0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32,
	/* extension extended_master_secret (23), length 0 */
	0x00, 0x17, 0x00, 0x00,
}; /* 99 bytes */

static struct message msg;

static struct parse_result parse(const uint8_t *buf, size_t len, bool from_client)
{
	memset(&msg, 0, sizeof(msg));
	return tls_parse(buf, len, &(struct parse_ctx){ .from_client = from_client }, &msg);
}

/* parse on an exact-size heap copy, so ASan sees any read past len. */
static struct parse_result parse_copy(const uint8_t *buf, size_t len, bool from_client)
{
	memset(&msg, 0, sizeof(msg));
	return parse_exact(tls_parse, buf, len, from_client, NULL, &msg);
}

/*
 * Made with Python 3's ssl module (OpenSSL 3.0.19) over memory BIOs: a
 * client limited to TLS 1.2 (server_hostname "db.example.com") and a
 * server that requires TLS 1.3. The ClientHello, 211 bytes (record
 * header 16 03 01 00 ce, ClientHello of 202 bytes, legacy_version 0x0303,
 * no supported_versions; SNI at offset 115), and the server's answer.
 */
static const uint8_t tls12_only_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0xce, 0x01, 0x00, 0x00, 0xca, 0x03, 0x03, 0xde, 0x8f, 0x83, 0x9f, 0x4a,
	0x0d, 0x18, 0x1b, 0x4d, 0x44, 0x85, 0xb6, 0x45, 0xa2, 0x96, 0x41, 0x36, 0xaa, 0xcd, 0x6c, 0x1a,
	0x75, 0xa5, 0xe2, 0x66, 0x60, 0x80, 0xa8, 0xc2, 0x58, 0x2d, 0xa9, 0x00, 0x00, 0x38, 0xc0, 0x2c,
	0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e,
	0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14,
	0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c,
	0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x69, 0x00, 0x00, 0x00, 0x13, 0x00, 0x11,
	0x00, 0x00, 0x0e, 0x64, 0x62, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f,
	0x6d, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00,
	0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00,
	0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06,
	0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08,
	0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05,
	0x02, 0x06, 0x02,
};
/* record: alert (0x15), version 0x0303, length 2; fatal (2), protocol_version (70) */
static const uint8_t protocol_version_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46 };

static void test_client_hello(void)
{
	struct parse_result r;

	CHECK(tls_detect(client_hello, sizeof(client_hello), true));
	CHECK(!tls_detect(client_hello, sizeof(client_hello), false));
	r = parse(client_hello, sizeof(client_hello), true);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, 293);
	CHECK_INT(r.skip, 0);
	CHECK(!r.until_close);
	CHECK(PROTOCOL_BODY(&msg, struct tls_message)->client_hello);
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->server_hello);
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->application_data);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "localhost");
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");
}

/* The ClientHello arriving a byte at a time: every prefix needs more. */
static void test_client_hello_split(void)
{
	struct parse_result r;
	size_t have = 0;

	for (size_t len = 0; len < sizeof(client_hello); len++) {
		r = parse_copy(client_hello, len, true);
		CHECK_INT(r.state, PARSE_NEED_MORE);
		CHECK_INT(r.consumed, 0);
		CHECK_INT(r.skip, 0);
		CHECK(tls_detect(client_hello, len, true) == (len >= 3));
	}
	/* As three segments, the caller appending each to what it holds. */
	for (int call = 0; call < 3; call++) {
		have = call == 2 ? sizeof(client_hello) : have + 100;
		r = parse_copy(client_hello, have, true);
		CHECK_INT(r.state, call == 2 ? PARSE_COMPLETE : PARSE_NEED_MORE);
	}
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "localhost");
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");

	/* More than the record: the next record's bytes are left alone. */
	{
		uint8_t stream[sizeof(client_hello) + sizeof(client_after_hello)];

		memcpy(stream, client_hello, sizeof(client_hello));
		memcpy(stream + sizeof(client_hello), client_after_hello,
		       sizeof(client_after_hello));
		r = parse(stream, sizeof(stream), true);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_INT(r.consumed, 293);
		CHECK_INT(r.skip, 0);
	}
}

/* The client's records after the hello: each consumed and ignored. */
static void test_client_after_hello(void)
{
	static const struct {
		size_t consumed;
		bool application_data;
	} expect[] = { { 6, false }, { 28, true }, { 24, true } };
	size_t off = 0;

	for (size_t i = 0; i < 3; i++) {
		struct parse_result r = parse(client_after_hello + off,
					      sizeof(client_after_hello) - off, true);

		CHECK_INT(r.state, PARSE_IGNORED);
		CHECK_INT(r.consumed, expect[i].consumed);
		CHECK_INT(r.skip, 0);
		CHECK(PROTOCOL_BODY(&msg, struct tls_message)->application_data == expect[i].application_data);
		CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->client_hello && !PROTOCOL_BODY(&msg, struct tls_message)->server_hello);
		off += r.consumed;
	}
	CHECK_INT(off, sizeof(client_after_hello));
}

static void test_server_flight(void)
{
	struct parse_result r;
	size_t off = 0;

	CHECK(tls_detect(server_flight, sizeof(server_flight), false));
	CHECK(!tls_detect(server_flight, sizeof(server_flight), true));

	r = parse(server_flight, sizeof(server_flight), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, 127);
	CHECK_INT(r.skip, 0);
	CHECK(PROTOCOL_BODY(&msg, struct tls_message)->server_hello);
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->client_hello);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "");
	off += r.consumed;

	/* change_cipher_spec */
	r = parse(server_flight + off, sizeof(server_flight) - off, false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, 6);
	CHECK_INT(r.skip, 0);
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->application_data);
	off += r.consumed;

	/* A whole encrypted record. */
	r = parse(server_flight + off, sizeof(server_flight) - off, false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, 28);
	CHECK_INT(r.skip, 0);
	CHECK(PROTOCOL_BODY(&msg, struct tls_message)->application_data);
	off += r.consumed;

	/* The start of an 816-byte one: what is there is consumed, the rest
	 * skipped, nothing buffered. */
	CHECK_INT(sizeof(server_flight) - off, 16);
	r = parse(server_flight + off, sizeof(server_flight) - off, false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, 16);
	CHECK_INT(r.skip, 5 + 811 - 16);
	CHECK(PROTOCOL_BODY(&msg, struct tls_message)->application_data);
	/* Its header alone is enough to skip it; less is not. */
	r = parse(server_flight + off, 5, false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, 5);
	CHECK_INT(r.skip, 811);
	for (size_t len = 0; len < 5; len++)
		CHECK_INT(parse_copy(server_flight + off, len, false).state, PARSE_NEED_MORE);

	/* Every prefix of the ServerHello record needs more. */
	for (size_t len = 0; len < 127; len++)
		CHECK_INT(parse_copy(server_flight, len, false).state, PARSE_NEED_MORE);
}

static void test_grease(void)
{
	uint8_t buf[sizeof(grease_client_hello)];
	/* Offset of the supported_versions extension's type, its first
	 * listed version after GREASE. */
	const size_t sv = 5 + 4 + 2 + 32 + 1 + 8 + 2 + 2 + 4 + 25, first = sv + 7;
	struct parse_result r;

	CHECK(tls_detect(grease_client_hello, sizeof(grease_client_hello), true));
	r = parse(grease_client_hello, sizeof(grease_client_hello), true);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(grease_client_hello));
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "www.example.test");
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");

	/* A TLS 1.3 draft code point does not outrank TLS 1.2. */
	memcpy(buf, grease_client_hello, sizeof(buf));
	CHECK_INT(buf[sv + 1], 43);
	buf[first] = 0x7f;
	buf[first + 1] = 0x1c;
	CHECK_INT(parse(buf, sizeof(buf), true).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.2");

	/* Unknown versions are shown by number. */
	memcpy(buf, grease_client_hello, sizeof(buf));
	buf[first + 1] = 0x05;
	CHECK_INT(parse(buf, sizeof(buf), true).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "0x0305");

	/* Without supported_versions: legacy_version. */
	memcpy(buf, grease_client_hello, sizeof(buf));
	buf[sv + 1] = 44;
	CHECK_INT(parse(buf, sizeof(buf), true).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.2");
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "www.example.test");
	buf[9 + 1] = 0x01;
	CHECK_INT(parse(buf, sizeof(buf), true).state, PARSE_COMPLETE);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.0");
}

static void test_tls12_server_flight(void)
{
	const size_t hello_end = 5 + 4 + 49, record_end = 5 + 1257;
	struct parse_result r;

	CHECK(tls_detect(tls12_server_flight, sizeof(tls12_server_flight), false));
	r = parse(tls12_server_flight, sizeof(tls12_server_flight), false);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(tls12_server_flight));
	CHECK_INT(r.skip, record_end - sizeof(tls12_server_flight));
	CHECK(r.consumed + r.skip == record_end);
	CHECK(PROTOCOL_BODY(&msg, struct tls_message)->server_hello);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.2");

	/* The ServerHello is what must be there, and the type of the message
	 * after it (Certificate: not a resumption); the rest of the
	 * Certificate is not. */
	for (size_t len = 0; len <= sizeof(tls12_server_flight); len++) {
		r = parse_copy(tls12_server_flight, len, false);
		if (len < hello_end + 1) {
			CHECK_INT(r.state, PARSE_NEED_MORE);
			CHECK_INT(r.consumed, 0);
		} else {
			CHECK_INT(r.state, PARSE_COMPLETE);
			CHECK_INT(r.consumed, len);
			CHECK_INT(r.skip, record_end - len);
			CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.2");
		}
	}
}

/* Handshake records that are not hellos, and hellos that do not parse. */
static void test_other_handshake(void)
{
	/* A Certificate message in its own record (the bytes after the
	 * ServerHello in tls12_server_flight, under a record header). */
	uint8_t certificate[5 + 16] = { 0x16, 0x03, 0x03, 0x04, 0xb4 };
	/* A TLS 1.2 encrypted Finished whose first ciphertext byte happens to
	 * be 1: it does not parse as a ClientHello. */
	static const uint8_t finished[] = {
		0x16, 0x03, 0x03, 0x00, 0x28, 0x01, 0x00, 0x00, 0x24, 0x8d, 0x3a, 0x51, 0x09, 0xe2,
		0x77, 0x4c, 0x18, 0x6b, 0xf0, 0x2e, 0x93, 0xd5, 0x4a, 0x0c, 0x61, 0xb8, 0x3f, 0x27,
		0x9e, 0x05, 0xc2, 0x71, 0xaa, 0x14, 0x68, 0xfd, 0x30, 0x8b, 0x56, 0xe1, 0x2c, 0x9f,
		0x43, 0xb7, 0x0d,
	};
	struct parse_result r;

	memcpy(certificate + 5, tls12_server_flight + 58, 16);
	CHECK(!tls_detect(certificate, sizeof(certificate), false));
	r = parse(certificate, sizeof(certificate), false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, sizeof(certificate));
	CHECK_INT(r.skip, 5 + 1204 - sizeof(certificate));
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->server_hello);

	r = parse(finished, sizeof(finished), true);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.consumed, sizeof(finished));
	CHECK_INT(r.skip, 0);
	CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->client_hello);
	CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "");

	/* A ClientHello cut short inside its fixed fields by the record end:
	 * the record is whole, the hello is not one. */
	{
		uint8_t cut[5 + 4 + 20];

		memcpy(cut, client_hello, sizeof(cut));
		cut[3] = 0;
		cut[4] = 24;
		r = parse(cut, sizeof(cut), true);
		CHECK_INT(r.state, PARSE_IGNORED);
		CHECK_INT(r.consumed, sizeof(cut));
		CHECK(!PROTOCOL_BODY(&msg, struct tls_message)->client_hello);
	}

	/* Lengths inside the hello that overrun it. */
	{
		uint8_t buf[sizeof(client_hello)];
		/* The extensions length at 0x8e..0x8f, the host_name
		 * length at 0x97..0x98, the session id length at 0x2b. */
		memcpy(buf, client_hello, sizeof(buf));
		buf[0x8e] = 0x0f; /* 0x0f95: past the record; read to its end */
		r = parse(buf, sizeof(buf), true);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "localhost");
		CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");

		memcpy(buf, client_hello, sizeof(buf));
		buf[0x98] = 0x0a; /* host_name length 10 in a list of 12 */
		r = parse(buf, sizeof(buf), true);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->sni, "");
		CHECK_STR(PROTOCOL_BODY(&msg, struct tls_message)->version, "TLS1.3");

		memcpy(buf, client_hello, sizeof(buf));
		buf[0x2b] = 33; /* session id longer than 32 */
		CHECK_INT(parse(buf, sizeof(buf), true).state, PARSE_IGNORED);
	}
}

static void test_not_tls(void)
{
	static const char *const texts[] = {
		"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
		"*1\r\n$4\r\nPING\r\n",
		"G",
	};
	/* An SSLv2-format ClientHello header, a handshake with version 2.0,
	 * a record longer than TLS allows, an empty handshake record. */
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00 };
	static const uint8_t v2[] = { 0x16, 0x02, 0x00, 0x00, 0x10, 0x01 };
	static const uint8_t too_long[] = { 0x17, 0x03, 0x03, 0x48, 0x01, 0x00 };
	static const uint8_t empty[] = { 0x16, 0x03, 0x03, 0x00, 0x00 };
	static const uint8_t longest[] = { 0x17, 0x03, 0x03, 0x48, 0x00 };
	struct parse_result r;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const uint8_t *buf = (const uint8_t *)texts[i];

		CHECK(!tls_detect(buf, strlen(texts[i]), true));
		CHECK(!tls_detect(buf, strlen(texts[i]), false));
		r = parse(buf, strlen(texts[i]), true);
		CHECK_INT(r.state, PARSE_INVALID);
		CHECK_INT(r.consumed, 0);
	}
	CHECK(!tls_detect(sslv2, sizeof(sslv2), true));
	CHECK_INT(parse(sslv2, sizeof(sslv2), true).state, PARSE_INVALID);
	CHECK(!tls_detect(v2, sizeof(v2), true));
	CHECK_INT(parse(v2, sizeof(v2), true).state, PARSE_INVALID);
	CHECK_INT(parse(v2, 2, true).state, PARSE_INVALID);
	CHECK_INT(parse(too_long, sizeof(too_long), true).state, PARSE_INVALID);
	CHECK_INT(parse(empty, sizeof(empty), true).state, PARSE_INVALID);
	CHECK(!tls_detect(empty, sizeof(empty), true));
	r = parse(longest, sizeof(longest), false);
	CHECK_INT(r.state, PARSE_IGNORED);
	CHECK_INT(r.skip, 16384 + 2048);

	/* The content type byte of the ClientHello changed: only 0x14..0x18
	 * are records. */
	for (int v = 0; v < 256; v++) {
		uint8_t buf[sizeof(client_hello)];

		memcpy(buf, client_hello, sizeof(buf));
		buf[0] = (uint8_t)v;
		r = parse(buf, sizeof(buf), true);
		if (v == 0x16)
			CHECK_INT(r.state, PARSE_COMPLETE);
		else if (v >= 0x14 && v <= 0x18)
			CHECK_INT(r.state, PARSE_IGNORED);
		else
			CHECK_INT(r.state, PARSE_INVALID);
		CHECK(tls_detect(buf, sizeof(buf), true) == (v == 0x16));
		/* And its version major byte. */
		memcpy(buf, client_hello, sizeof(buf));
		buf[1] = (uint8_t)v;
		CHECK_INT(parse(buf, sizeof(buf), true).state,
			  v == 3 ? PARSE_COMPLETE : PARSE_INVALID);
	}
}

/* Every byte of every fixture set to every value: no crash, nothing read
 * past len (ASan), consumed within len, text fields terminated. */
static void test_flipped(void)
{
	const struct {
		const uint8_t *buf;
		size_t len;
	} fixtures[] = {
		{ client_hello, sizeof(client_hello) },
		{ server_flight, sizeof(server_flight) },
		{ grease_client_hello, sizeof(grease_client_hello) },
		{ tls12_server_flight, sizeof(tls12_server_flight) },
		{ resume_client_hello, sizeof(resume_client_hello) },
		{ resume_server_hello, sizeof(resume_server_hello) },
		{ hello_retry, sizeof(hello_retry) },
		{ tls12_ticket_client_hello, sizeof(tls12_ticket_client_hello) },
		{ tls12_ticket_server_hello, sizeof(tls12_ticket_server_hello) },
	};

	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		uint8_t *copy = malloc(fixtures[f].len);

		for (size_t i = 0; i < fixtures[f].len; i++) {
			for (int v = 0; v < 256; v++) {
				for (int side = 0; side < 2; side++) {
					struct parse_result r;

					memcpy(copy, fixtures[f].buf, fixtures[f].len);
					copy[i] = (uint8_t)v;
					tls_detect(copy, fixtures[f].len, side);
					r = parse(copy, fixtures[f].len, side);
					CHECK(r.consumed <= fixtures[f].len);
					if (r.state == PARSE_NEED_MORE || r.state == PARSE_INVALID)
						CHECK(r.consumed == 0 && r.skip == 0);
					CHECK(memchr(PROTOCOL_BODY(&msg, struct tls_message)->sni, 0, sizeof(PROTOCOL_BODY(&msg, struct tls_message)->sni)));
					CHECK(memchr(PROTOCOL_BODY(&msg, struct tls_message)->version, 0, sizeof(PROTOCOL_BODY(&msg, struct tls_message)->version)));
				}
			}
		}
		free(copy);
	}
}

#define TLS_BODY(m) PROTOCOL_BODY(m, struct tls_message)

/* A hello parsed alone into m (from an exact-size copy); request for a
 * server's. */
static struct parse_result hello_parse(struct message *m, const uint8_t *buf, size_t len,
				       bool from_client, const struct message *request)
{
	memset(m, 0, sizeof(*m));
	m->protocol = &tls_protocol;
	return parse_exact(tls_parse, buf, len, from_client, request, m);
}

/* The message's human part and JSON keys, as the output prints them. */
static const char *human(const struct message *m)
{
	static char text[1024];
	struct output_style style = { 0 };
	struct strbuf out;

	strbuf_init(&out, text, sizeof(text));
	tls_protocol.human_put(&out, m, TLS_BODY(m)->client_hello, &style);
	text[out.len < sizeof(text) ? out.len : sizeof(text) - 1] = '\0';
	return text;
}

static const char *json(const struct message *m)
{
	static char text[1024];
	struct output_style style = { 0 };
	struct strbuf out;

	strbuf_init(&out, text, sizeof(text));
	tls_protocol.json_put(&out, m, &style);
	text[out.len < sizeof(text) ? out.len : sizeof(text) - 1] = '\0';
	return text;
}

static void test_tls13_resumption_and_alpn(void)
{
	static struct message hello, server;
	struct parse_result r;
	uint8_t buf[sizeof(resume_server_hello)];

	CHECK(tls_detect(resume_client_hello, sizeof(resume_client_hello), true));
	r = hello_parse(&hello, resume_client_hello, sizeof(resume_client_hello), true, NULL);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(resume_client_hello));
	CHECK_INT(r.after, STREAM_GOES_ON);
	CHECK(TLS_BODY(&hello)->client_hello);
	CHECK_STR(TLS_BODY(&hello)->sni, "localhost");
	CHECK_STR(TLS_BODY(&hello)->version, "TLS1.3");
	CHECK_INT(TLS_BODY(&hello)->n_versions, 4);
	CHECK_INT(TLS_BODY(&hello)->versions[0], 0x0304);
	CHECK_INT(TLS_BODY(&hello)->versions[3], 0x0301);
	CHECK_INT(TLS_BODY(&hello)->n_alpn, 2);
	CHECK_STR(TLS_BODY(&hello)->alpn[0], "h2");
	CHECK_STR(TLS_BODY(&hello)->alpn[1], "http/1.1");
	CHECK(TLS_BODY(&hello)->offers_psk);
	CHECK_INT(TLS_BODY(&hello)->resumption, TLS_RESUME_PSK);
	CHECK_STR(human(&hello), "ClientHello sni=localhost TLS1.3 "
				 "versions=TLS1.3,TLS1.2,TLS1.1,TLS1.0 alpn=h2,http/1.1 resume=psk");
	CHECK_STR(json(&hello), ",\"handshake\":\"client_hello\",\"sni\":\"localhost\","
				"\"version\":\"TLS1.3\",\"versions\":[\"TLS1.3\",\"TLS1.2\","
				"\"TLS1.1\",\"TLS1.0\"],\"alpn\":[\"h2\",\"http/1.1\"],"
				"\"resumption\":\"psk\"");

	CHECK(tls_detect(resume_server_hello, sizeof(resume_server_hello), false));
	r = hello_parse(&server, resume_server_hello, sizeof(resume_server_hello), false, &hello);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(resume_server_hello));
	CHECK_INT(r.after, STREAM_ENCRYPTED);
	CHECK(TLS_BODY(&server)->server_hello && !TLS_BODY(&server)->hello_retry);
	CHECK_STR(TLS_BODY(&server)->version, "TLS1.3");
	CHECK_INT(TLS_BODY(&server)->cipher_suite, 0x1302);
	CHECK_STR(TLS_BODY(&server)->cipher, "TLS_AES_256_GCM_SHA384");
	CHECK_STR(TLS_BODY(&server)->group, "x25519");
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_PSK);
	CHECK_INT(TLS_BODY(&server)->n_alpn, 0);
	CHECK(TLS_BODY(&server)->alpn_encrypted);
	CHECK_STR(human(&server), "ServerHello TLS1.3 cipher=TLS_AES_256_GCM_SHA384 group=x25519 "
				  "alpn=encrypted resumed=psk");
	CHECK_STR(json(&server), ",\"handshake\":\"server_hello\",\"sni\":\"\",\"version\":\"TLS1.3\","
				 "\"cipher\":\"TLS_AES_256_GCM_SHA384\",\"group\":\"x25519\","
				 "\"alpn\":[],\"alpn_encrypted\":true,\"resumed\":true,"
				 "\"resumption\":\"psk\"");
	/* The echoed session id means nothing in TLS 1.3 (RFC 8446 D.4). */
	CHECK(TLS_BODY(&server)->session_id_len == 32);

	/* Without its ClientHello: ALPN may still have been offered. After
	 * one that offered none: nothing encrypted to speak of. */
	hello_parse(&server, resume_server_hello, sizeof(resume_server_hello), false, NULL);
	CHECK(TLS_BODY(&server)->alpn_encrypted);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_PSK);
	hello_parse(&hello, client_hello, sizeof(client_hello), true, NULL);
	CHECK_INT(TLS_BODY(&hello)->n_alpn, 0);
	CHECK_INT(TLS_BODY(&hello)->resumption, TLS_RESUME_NONE);
	hello_parse(&server, resume_server_hello, sizeof(resume_server_hello), false, &hello);
	CHECK(!TLS_BODY(&server)->alpn_encrypted);
	CHECK_STR(human(&server), "ServerHello TLS1.3 cipher=TLS_AES_256_GCM_SHA384 group=x25519 "
				  "resumed=psk");

	/* No pre_shared_key: a full handshake. Its type (41) at 131. */
	memcpy(buf, resume_server_hello, sizeof(buf));
	CHECK_INT(buf[128], 0x29);
	buf[128] = 0x2a;
	hello_parse(&server, buf, sizeof(buf), false, &hello);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_NONE);
	CHECK(strstr(json(&server), "\"resumed\":false,\"resumption\":\"\""));

	/* The recorded full TLS 1.3 server_flight (no ALPN, no PSK). */
	hello_parse(&server, server_flight, sizeof(server_flight), false, &hello);
	CHECK_STR(human(&server), "ServerHello TLS1.3 cipher=TLS_AES_256_GCM_SHA384 group=x25519");
}

static void test_hello_retry_request(void)
{
	static struct message m;
	struct parse_result r;

	CHECK(tls_detect(hello_retry, sizeof(hello_retry), false));
	r = hello_parse(&m, hello_retry, sizeof(hello_retry), false, NULL);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(hello_retry));
	/* Not the end: the client's second hello and the ServerHello follow. */
	CHECK_INT(r.after, STREAM_GOES_ON);
	CHECK(TLS_BODY(&m)->server_hello && TLS_BODY(&m)->hello_retry);
	CHECK_STR(TLS_BODY(&m)->version, "TLS1.3");
	CHECK_STR(TLS_BODY(&m)->group, "secp256r1");
	CHECK_INT(TLS_BODY(&m)->resumption, TLS_RESUME_NONE);
	CHECK(!TLS_BODY(&m)->alpn_encrypted);
	CHECK_STR(human(&m), "HelloRetryRequest TLS1.3 cipher=TLS_AES_256_GCM_SHA384 group=secp256r1");
	CHECK(!strncmp(json(&m), ",\"handshake\":\"hello_retry_request\",", 35));
	for (size_t len = 0; len < sizeof(hello_retry); len++)
		CHECK_INT(hello_parse(&m, hello_retry, len, false, NULL).state, PARSE_NEED_MORE);

	/* One byte of the special random changed: an ordinary ServerHello. */
	{
		uint8_t buf[sizeof(hello_retry)];

		memcpy(buf, hello_retry, sizeof(buf));
		buf[11 + 31] ^= 1;
		r = hello_parse(&m, buf, sizeof(buf), false, NULL);
		CHECK_INT(r.after, STREAM_ENCRYPTED);
		CHECK(!TLS_BODY(&m)->hello_retry);
	}
}

static void test_tls12_resumption(void)
{
	static struct message hello, server;
	uint8_t buf[sizeof(tls12_server_flight)];
	struct parse_result r;

	r = hello_parse(&hello, tls12_ticket_client_hello, sizeof(tls12_ticket_client_hello), true,
			NULL);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(TLS_BODY(&hello)->version, "TLS1.2");
	CHECK_INT(TLS_BODY(&hello)->n_versions, 0);
	CHECK(TLS_BODY(&hello)->offers_ticket && !TLS_BODY(&hello)->offers_psk);
	CHECK_INT(TLS_BODY(&hello)->session_id_len, 32);
	CHECK_STR(human(&hello), "ClientHello sni=localhost TLS1.2 alpn=h2,http/1.1 resume=ticket");
	CHECK(strstr(json(&hello), "\"versions\":[],\"alpn\":[\"h2\",\"http/1.1\"],"
				   "\"resumption\":\"ticket\""));

	r = hello_parse(&server, tls12_ticket_server_hello, sizeof(tls12_ticket_server_hello),
			false, &hello);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.after, STREAM_ENCRYPTED);
	CHECK_STR(TLS_BODY(&server)->version, "TLS1.2");
	CHECK_STR(TLS_BODY(&server)->cipher, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	CHECK_STR(TLS_BODY(&server)->group, "");
	CHECK_INT(TLS_BODY(&server)->n_alpn, 1);
	CHECK_STR(TLS_BODY(&server)->alpn[0], "h2");
	CHECK(!TLS_BODY(&server)->alpn_encrypted);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_TICKET);
	CHECK_STR(human(&server), "ServerHello TLS1.2 cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 "
				  "alpn=h2 resumed=ticket");
	CHECK_STR(json(&server), ",\"handshake\":\"server_hello\",\"sni\":\"\",\"version\":\"TLS1.2\","
				 "\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\",\"group\":\"\","
				 "\"alpn\":[\"h2\"],\"alpn_encrypted\":false,\"resumed\":true,"
				 "\"resumption\":\"ticket\"");

	/* The same echo after a hello that offered no ticket: a session id
	 * resumption. Without the hello, or after one with another id: not
	 * known to be resumed. */
	TLS_BODY(&hello)->offers_ticket = false;
	hello_parse(&server, tls12_ticket_server_hello, sizeof(tls12_ticket_server_hello), false,
		    &hello);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_SESSION_ID);
	CHECK(strstr(human(&server), " resumed=session_id"));
	hello_parse(&server, tls12_ticket_server_hello, sizeof(tls12_ticket_server_hello), false,
		    NULL);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_NONE);
	TLS_BODY(&hello)->session_id[31] ^= 1;
	hello_parse(&server, tls12_ticket_server_hello, sizeof(tls12_ticket_server_hello), false,
		    &hello);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_NONE);
	/* An empty session id echoes nothing. */
	hello_parse(&hello, grease_client_hello, sizeof(grease_client_hello), true, NULL);
	CHECK_INT(TLS_BODY(&hello)->session_id_len, 0);
	hello_parse(&server, tls12_server_flight, sizeof(tls12_server_flight), false, &hello);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_NONE);

	/* A ServerHello followed in its record by NewSessionTicket (type 4
	 * where the Certificate's 11 is, at 58): an abbreviated handshake. */
	memcpy(buf, tls12_server_flight, sizeof(buf));
	CHECK_INT(buf[58], 11);
	buf[58] = 4;
	hello_parse(&server, buf, sizeof(buf), false, &hello);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_TICKET);
	/* The type must be there before the hello is decoded. */
	CHECK_INT(hello_parse(&server, buf, 58, false, &hello).state, PARSE_NEED_MORE);
	CHECK_INT(hello_parse(&server, buf, 59, false, &hello).state, PARSE_COMPLETE);
	/* A ServerHello that ends its record: nothing after it to see. */
	memcpy(buf, tls12_server_flight, 58);
	buf[3] = 0;
	buf[4] = 53;
	r = hello_parse(&server, buf, 58, false, &hello);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, 58);
	CHECK_INT(TLS_BODY(&server)->resumption, TLS_RESUME_NONE);
}

/* Suites by IANA name where known, else by number; ALPN names cut. */
static void test_names(void)
{
	static const struct {
		uint16_t id;
		const char *name;
	} suites[] = {
		{ 0x1301, "TLS_AES_128_GCM_SHA256" },
		{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
		{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
		{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x00ff, "0x00ff" },
		{ 0x0a0a, "0x0a0a" },
	};
	static struct message m;
	uint8_t buf[sizeof(tls12_server_flight)];

	/* The suite at 44..45 of tls12_server_flight. */
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		memcpy(buf, tls12_server_flight, sizeof(buf));
		buf[44] = suites[i].id >> 8;
		buf[45] = suites[i].id & 0xff;
		CHECK_INT(hello_parse(&m, buf, sizeof(buf), false, NULL).state, PARSE_COMPLETE);
		CHECK_STR(TLS_BODY(&m)->cipher, suites[i].name);
	}

	/* ALPN: the grease hello with its last extension (GREASE 0xdada,
	 * length 1) replaced by an ALPN list of five names, the first 40
	 * bytes long: four kept, the first cut to 31 bytes. */
	{
		uint8_t hello[sizeof(grease_client_hello) - 5 + 4 + 2 + 41 + 4 * 3];
		size_t off = sizeof(grease_client_hello) - 5, ext = 2 + 41 + 4 * 3;

		memcpy(hello, grease_client_hello, off);
		hello[off++] = 0x00;
		hello[off++] = 16;
		hello[off++] = 0;
		hello[off++] = (uint8_t)ext;
		hello[off++] = 0;
		hello[off++] = (uint8_t)(ext - 2);
		hello[off++] = 40;
		memset(hello + off, 'p', 40);
		off += 40;
		for (int k = 0; k < 4; k++) {
			hello[off++] = 2;
			hello[off++] = 'a' + k;
			hello[off++] = '1';
		}
		CHECK_INT(off, sizeof(hello));
		/* Lengths: record, handshake, extensions. */
		hello[4] += (uint8_t)(sizeof(hello) - sizeof(grease_client_hello));
		hello[8] += (uint8_t)(sizeof(hello) - sizeof(grease_client_hello));
		hello[0x37] += (uint8_t)(sizeof(hello) - sizeof(grease_client_hello));
		CHECK_INT(hello_parse(&m, hello, sizeof(hello), true, NULL).state, PARSE_COMPLETE);
		CHECK_INT(TLS_BODY(&m)->n_alpn, 4);
		CHECK_INT(strlen(TLS_BODY(&m)->alpn[0]), 31);
		CHECK_STR(TLS_BODY(&m)->alpn[3], "c1");
		CHECK_STR(TLS_BODY(&m)->sni, "www.example.test");
		/* An ALPN name running past its list: the names before it. */
		hello[sizeof(hello) - 6] = 9; /* "c1" */
		CHECK_INT(hello_parse(&m, hello, sizeof(hello), true, NULL).state, PARSE_COMPLETE);
		CHECK_INT(TLS_BODY(&m)->n_alpn, 3);
	}
}

/* A ClientHello refused with an alert: the alert answers it. */
static void test_alert(void)
{
	static struct message hello, m;
	struct parse_result r;

	r = hello_parse(&hello, tls12_only_hello, sizeof(tls12_only_hello), true, NULL);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_STR(TLS_BODY(&hello)->sni, "db.example.com");
	CHECK_STR(TLS_BODY(&hello)->version, "TLS1.2");
	r = hello_parse(&m, protocol_version_alert, sizeof(protocol_version_alert), false, &hello);
	CHECK_INT(r.state, PARSE_COMPLETE);
	CHECK_INT(r.consumed, sizeof(protocol_version_alert));
	CHECK_INT(r.after, STREAM_GOES_ON);
	CHECK(TLS_BODY(&m)->alert && !TLS_BODY(&m)->server_hello);
	CHECK_INT(TLS_BODY(&m)->alert_description, 70);
	CHECK_STR(human(&m), "Alert protocol_version");
	CHECK_STR(json(&m), ",\"handshake\":\"alert\",\"alert\":\"protocol_version\"");
	for (size_t len = 0; len < sizeof(protocol_version_alert); len++)
		CHECK_INT(hello_parse(&m, protocol_version_alert, len, false, &hello).state,
			  PARSE_NEED_MORE);
	/* With no ClientHello waiting, from the client, or a warning: no answer. */
	r = hello_parse(&m, protocol_version_alert, sizeof(protocol_version_alert), false, NULL);
	CHECK_INT(r.state, PARSE_IGNORED);
	r = hello_parse(&m, protocol_version_alert, sizeof(protocol_version_alert), true, &hello);
	CHECK_INT(r.state, PARSE_IGNORED);
	{
		uint8_t warning[sizeof(protocol_version_alert)];

		memcpy(warning, protocol_version_alert, sizeof(warning));
		warning[5] = 1;
		r = hello_parse(&m, warning, sizeof(warning), false, &hello);
		CHECK_INT(r.state, PARSE_IGNORED);
		CHECK_INT(r.consumed, sizeof(warning));
	}
}

/* The endpoint and outcome hooks on parsed hellos and alerts. */
static void test_hooks(void)
{
	static struct message hello, m;
	char status[STATUS_CLASS_MAX];
	uint8_t buf[sizeof(tls12_only_hello)];

	hello_parse(&hello, client_hello, sizeof(client_hello), true, NULL);
	CHECK_STR(decoder_endpoint(&tls_protocol, &hello), "ClientHello localhost");
	hello_parse(&m, server_flight, sizeof(server_flight), false, &hello);
	CHECK_INT(decoder_outcome(&tls_protocol, &hello, &m, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	hello_parse(&m, hello_retry, sizeof(hello_retry), false, NULL);
	CHECK_INT(decoder_outcome(&tls_protocol, NULL, &m, status), OUTCOME_OK);
	CHECK_STR(status, "hello_retry_request");

	hello_parse(&hello, tls12_only_hello, sizeof(tls12_only_hello), true, NULL);
	CHECK_STR(decoder_endpoint(&tls_protocol, &hello), "ClientHello db.example.com");
	hello_parse(&m, protocol_version_alert, sizeof(protocol_version_alert), false, &hello);
	CHECK_INT(decoder_outcome(&tls_protocol, &hello, &m, status), OUTCOME_CLIENT_ERROR);
	CHECK_STR(status, "protocol_version");
	/* Other descriptions (byte 6): internal_error is the server's; a name
	 * longer than a status, or none, by number. */
	{
		static const struct {
			uint8_t description;
			enum outcome outcome;
			const char *status;
		} alerts[] = {
			{ 80, OUTCOME_SERVER_ERROR, "internal_error" },
			{ 40, OUTCOME_CLIENT_ERROR, "handshake_failure" },
			{ 112, OUTCOME_CLIENT_ERROR, "unrecognized_name" },
			{ 120, OUTCOME_CLIENT_ERROR, "no_application_protocol" },
			{ 113, OUTCOME_CLIENT_ERROR, "bad_certificate_status_response" },
			{ 199, OUTCOME_CLIENT_ERROR, "alert_199" },
		};
		uint8_t alert[sizeof(protocol_version_alert)];

		for (size_t i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++) {
			memcpy(alert, protocol_version_alert, sizeof(alert));
			alert[6] = alerts[i].description;
			hello_parse(&m, alert, sizeof(alert), false, &hello);
			CHECK_INT(decoder_outcome(&tls_protocol, &hello, &m, status),
				  alerts[i].outcome);
			CHECK_STR(status, alerts[i].status);
		}
		alert[6] = 199;
		hello_parse(&m, alert, sizeof(alert), false, &hello);
		CHECK_STR(human(&m), "Alert 199");
		CHECK_STR(json(&m), ",\"handshake\":\"alert\",\"alert\":\"199\"");
	}
	/* A server name with an id label folds: "db" (offset 115) made "42". */
	memcpy(buf, tls12_only_hello, sizeof(buf));
	memcpy(buf + 115, "42", 2);
	hello_parse(&hello, buf, sizeof(buf), true, NULL);
	CHECK_STR(decoder_endpoint(&tls_protocol, &hello), "ClientHello {id}.example.com");
	/* No server name. */
	hello_parse(&hello, client_hello, sizeof(client_hello), true, NULL);
	TLS_BODY(&hello)->sni[0] = '\0';
	CHECK_STR(decoder_endpoint(&tls_protocol, &hello), "ClientHello");
}

int main(void)
{
	test_client_hello();
	test_client_hello_split();
	test_client_after_hello();
	test_server_flight();
	test_grease();
	test_tls12_server_flight();
	test_other_handshake();
	test_not_tls();
	test_tls13_resumption_and_alpn();
	test_hello_retry_request();
	test_alert();
	test_hooks();
	test_tls12_resumption();
	test_names();
	test_flipped();
	return check_report("test_decode_tls");
}
