/*
 * The MySQL decoder on recorded bytes. Unless a fixture says otherwise,
 * the bytes were captured with socket-tracer --json --json-b64 on loopback
 * between MariaDB 10.11.19 (Debian 12) and its clients:
 *   mariadb --skip-ssl ... -e "CREATE TABLE t ...; INSERT ...; SELECT * FROM t;
 *                              DROP TABLE t; SELEC oops"
 *   a libmariadb client: mysql_stmt_prepare("SELECT ?, ?, ?, ?"), execute
 *     with (42, "hi there", 2.5, NULL), close
 *   a raw Python client with CLIENT_DEPRECATE_EOF (OK-terminated results)
 *   mariadb --ssl (the SSLRequest; the login's plaintext from the uprobes)
 * Packets: a 3-byte little-endian payload length, a sequence id, payload.
 *
 * Messages go through a small model of the engine (struct decoder_sim): a buffer
 * of what has arrived, the parser called on it until it needs more, the
 * consumed bytes dropped, skipped bytes passed over as they come.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "decoder_test.h"
#include "base/strbuf.h"
#include "output/output.h"
#include "protocols/mysql.h"

/* mariadb 10.11 CLI, recv, 104B */
static const uint8_t greeting[] = {
	0x64, 0x00, 0x00, 0x00, 0x0a, 0x35, 0x2e, 0x35, 0x2e, 0x35, 0x2d, 0x31,
	0x30, 0x2e, 0x31, 0x31, 0x2e, 0x31, 0x39, 0x2d, 0x4d, 0x61, 0x72, 0x69,
	0x61, 0x44, 0x42, 0x2d, 0x30, 0x2b, 0x64, 0x65, 0x62, 0x31, 0x32, 0x75,
	0x31, 0x00, 0x05, 0x00, 0x00, 0x00, 0x41, 0x78, 0x5b, 0x3d, 0x60, 0x4c,
	0x3a, 0x7e, 0x00, 0xfe, 0xff, 0x08, 0x02, 0x00, 0xff, 0x81, 0x15, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x2e, 0x64, 0x30,
	0x60, 0x72, 0x3d, 0x78, 0x65, 0x73, 0x34, 0x46, 0x45, 0x00, 0x6d, 0x79,
	0x73, 0x71, 0x6c, 0x5f, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x5f, 0x70,
	0x61, 0x73, 0x73, 0x77, 0x6f, 0x72, 0x64, 0x00,
};

/* mariadb 10.11 CLI, send, 217B */
static const uint8_t login[] = {
	0xd5, 0x00, 0x00, 0x01, 0x8c, 0xa2, 0xbf, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
	0x73, 0x74, 0x00, 0x14, 0xad, 0xb3, 0x7e, 0x21, 0x81, 0x98, 0x29, 0x40,
	0x1d, 0x95, 0x85, 0xfa, 0xec, 0x45, 0xe0, 0xf2, 0xb7, 0x0e, 0x76, 0xe9,
	0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x00, 0x6d, 0x79, 0x73, 0x71, 0x6c,
	0x5f, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x5f, 0x70, 0x61, 0x73, 0x73,
	0x77, 0x6f, 0x72, 0x64, 0x00, 0x7f, 0x03, 0x5f, 0x6f, 0x73, 0x05, 0x4c,
	0x69, 0x6e, 0x75, 0x78, 0x0c, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x6c, 0x69, 0x62, 0x6d, 0x61, 0x72,
	0x69, 0x61, 0x64, 0x62, 0x04, 0x5f, 0x70, 0x69, 0x64, 0x05, 0x31, 0x33,
	0x31, 0x33, 0x38, 0x0f, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f,
	0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x06, 0x33, 0x2e, 0x33, 0x2e,
	0x32, 0x30, 0x09, 0x5f, 0x70, 0x6c, 0x61, 0x74, 0x66, 0x6f, 0x72, 0x6d,
	0x06, 0x78, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x0c, 0x70, 0x72, 0x6f, 0x67,
	0x72, 0x61, 0x6d, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x05, 0x6d, 0x79, 0x73,
	0x71, 0x6c, 0x0c, 0x5f, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x5f, 0x68,
	0x6f, 0x73, 0x74, 0x09, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e,
	0x31,
};

/* mariadb 10.11 CLI, recv, 22B */
static const uint8_t login_ok[] = {
	0x12, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00,
	0x09, 0x01, 0x07, 0x06, 0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e,
};

/* mariadb 10.11 CLI, send, 70B */
static const uint8_t q_create[] = {
	0x42, 0x00, 0x00, 0x00, 0x03, 0x43, 0x52, 0x45, 0x41, 0x54, 0x45, 0x20,
	0x54, 0x41, 0x42, 0x4c, 0x45, 0x20, 0x74, 0x20, 0x28, 0x69, 0x64, 0x20,
	0x49, 0x4e, 0x54, 0x20, 0x41, 0x55, 0x54, 0x4f, 0x5f, 0x49, 0x4e, 0x43,
	0x52, 0x45, 0x4d, 0x45, 0x4e, 0x54, 0x20, 0x50, 0x52, 0x49, 0x4d, 0x41,
	0x52, 0x59, 0x20, 0x4b, 0x45, 0x59, 0x2c, 0x20, 0x76, 0x20, 0x56, 0x41,
	0x52, 0x43, 0x48, 0x41, 0x52, 0x28, 0x32, 0x30, 0x29, 0x29,
};

/* mariadb 10.11 CLI, recv, 11B */
static const uint8_t ok_create[] = {
	0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* mariadb 10.11 CLI, send, 47B */
static const uint8_t q_insert[] = {
	0x2b, 0x00, 0x00, 0x00, 0x03, 0x49, 0x4e, 0x53, 0x45, 0x52, 0x54, 0x20,
	0x49, 0x4e, 0x54, 0x4f, 0x20, 0x74, 0x20, 0x28, 0x76, 0x29, 0x20, 0x56,
	0x41, 0x4c, 0x55, 0x45, 0x53, 0x20, 0x28, 0x27, 0x61, 0x27, 0x29, 0x2c,
	0x28, 0x27, 0x62, 0x27, 0x29, 0x2c, 0x28, 0x27, 0x63, 0x27, 0x29,
};

/* mariadb 10.11 CLI, recv, 50B */
static const uint8_t ok_insert[] = {
	0x2e, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x02, 0x00, 0x00, 0x00, 0x26,
	0x52, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x73, 0x3a, 0x20, 0x33, 0x20, 0x20,
	0x44, 0x75, 0x70, 0x6c, 0x69, 0x63, 0x61, 0x74, 0x65, 0x73, 0x3a, 0x20,
	0x30, 0x20, 0x20, 0x57, 0x61, 0x72, 0x6e, 0x69, 0x6e, 0x67, 0x73, 0x3a,
	0x20, 0x30,
};

/* mariadb 10.11 CLI, send, 20B */
static const uint8_t q_select[] = {
	0x10, 0x00, 0x00, 0x00, 0x03, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20,
	0x2a, 0x20, 0x46, 0x52, 0x4f, 0x4d, 0x20, 0x74,
};

/* mariadb 10.11 CLI, recv, 124B */
static const uint8_t select_reply[] = {
	0x02, 0x00, 0x00, 0x01, 0x02, 0x01, 0x23, 0x00, 0x00, 0x02, 0x03, 0x64,
	0x65, 0x66, 0x06, 0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x01, 0x74, 0x01,
	0x74, 0x02, 0x69, 0x64, 0x02, 0x69, 0x64, 0x00, 0x0c, 0x3f, 0x00, 0x0b,
	0x00, 0x00, 0x00, 0x03, 0x03, 0x42, 0x00, 0x00, 0x00, 0x21, 0x00, 0x00,
	0x03, 0x03, 0x64, 0x65, 0x66, 0x06, 0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e,
	0x01, 0x74, 0x01, 0x74, 0x01, 0x76, 0x01, 0x76, 0x00, 0x0c, 0x21, 0x00,
	0x3c, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
	0x00, 0x04, 0xfe, 0x00, 0x00, 0x22, 0x00, 0x04, 0x00, 0x00, 0x05, 0x01,
	0x31, 0x01, 0x61, 0x04, 0x00, 0x00, 0x06, 0x01, 0x32, 0x01, 0x62, 0x04,
	0x00, 0x00, 0x07, 0x01, 0x33, 0x01, 0x63, 0x05, 0x00, 0x00, 0x08, 0xfe,
	0x00, 0x00, 0x22, 0x00,
};

/* mariadb 10.11 CLI, send, 17B */
static const uint8_t q_drop[] = {
	0x0d, 0x00, 0x00, 0x00, 0x03, 0x44, 0x52, 0x4f, 0x50, 0x20, 0x54, 0x41,
	0x42, 0x4c, 0x45, 0x20, 0x74,
};

/* mariadb 10.11 CLI, recv, 11B */
static const uint8_t ok_drop[] = {
	0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* mariadb 10.11 CLI, send, 15B */
static const uint8_t q_error[] = {
	0x0b, 0x00, 0x00, 0x00, 0x03, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x20, 0x6f,
	0x6f, 0x70, 0x73,
};

/* mariadb 10.11 CLI, recv, 171B */
static const uint8_t err_syntax[] = {
	0xa7, 0x00, 0x00, 0x01, 0xff, 0x28, 0x04, 0x23, 0x34, 0x32, 0x30, 0x30,
	0x30, 0x59, 0x6f, 0x75, 0x20, 0x68, 0x61, 0x76, 0x65, 0x20, 0x61, 0x6e,
	0x20, 0x65, 0x72, 0x72, 0x6f, 0x72, 0x20, 0x69, 0x6e, 0x20, 0x79, 0x6f,
	0x75, 0x72, 0x20, 0x53, 0x51, 0x4c, 0x20, 0x73, 0x79, 0x6e, 0x74, 0x61,
	0x78, 0x3b, 0x20, 0x63, 0x68, 0x65, 0x63, 0x6b, 0x20, 0x74, 0x68, 0x65,
	0x20, 0x6d, 0x61, 0x6e, 0x75, 0x61, 0x6c, 0x20, 0x74, 0x68, 0x61, 0x74,
	0x20, 0x63, 0x6f, 0x72, 0x72, 0x65, 0x73, 0x70, 0x6f, 0x6e, 0x64, 0x73,
	0x20, 0x74, 0x6f, 0x20, 0x79, 0x6f, 0x75, 0x72, 0x20, 0x4d, 0x61, 0x72,
	0x69, 0x61, 0x44, 0x42, 0x20, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x20,
	0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x20, 0x66, 0x6f, 0x72, 0x20,
	0x74, 0x68, 0x65, 0x20, 0x72, 0x69, 0x67, 0x68, 0x74, 0x20, 0x73, 0x79,
	0x6e, 0x74, 0x61, 0x78, 0x20, 0x74, 0x6f, 0x20, 0x75, 0x73, 0x65, 0x20,
	0x6e, 0x65, 0x61, 0x72, 0x20, 0x27, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x20,
	0x6f, 0x6f, 0x70, 0x73, 0x27, 0x20, 0x61, 0x74, 0x20, 0x6c, 0x69, 0x6e,
	0x65, 0x20, 0x31,
};

/* mariadb 10.11 CLI, send, 5B */
static const uint8_t com_quit[] = {
	0x01, 0x00, 0x00, 0x00, 0x01,
};

/* libmariadb stmt client, send, 198B */
static const uint8_t login2[] = {
	0xc2, 0x00, 0x00, 0x01, 0x8c, 0xa2, 0xbe, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
	0x73, 0x74, 0x00, 0x14, 0x25, 0x35, 0xf2, 0x5e, 0xbf, 0x27, 0x19, 0x72,
	0xf9, 0xff, 0xf4, 0x12, 0xf7, 0xb6, 0xf9, 0xcb, 0xec, 0x3a, 0x9d, 0xd3,
	0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x00, 0x6d, 0x79, 0x73, 0x71, 0x6c,
	0x5f, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x5f, 0x70, 0x61, 0x73, 0x73,
	0x77, 0x6f, 0x72, 0x64, 0x00, 0x6c, 0x03, 0x5f, 0x6f, 0x73, 0x05, 0x4c,
	0x69, 0x6e, 0x75, 0x78, 0x0c, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x6c, 0x69, 0x62, 0x6d, 0x61, 0x72,
	0x69, 0x61, 0x64, 0x62, 0x04, 0x5f, 0x70, 0x69, 0x64, 0x05, 0x31, 0x33,
	0x31, 0x34, 0x31, 0x0f, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f,
	0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x06, 0x33, 0x2e, 0x33, 0x2e,
	0x32, 0x30, 0x09, 0x5f, 0x70, 0x6c, 0x61, 0x74, 0x66, 0x6f, 0x72, 0x6d,
	0x06, 0x78, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x0c, 0x5f, 0x73, 0x65, 0x72,
	0x76, 0x65, 0x72, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x09, 0x31, 0x32, 0x37,
	0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31,
};

/* libmariadb stmt client, send, 22B */
static const uint8_t q_prepare[] = {
	0x12, 0x00, 0x00, 0x00, 0x16, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20,
	0x3f, 0x2c, 0x20, 0x3f, 0x2c, 0x20, 0x3f, 0x2c, 0x20, 0x3f,
};

/* libmariadb stmt client, recv, 258B */
static const uint8_t prepare_ok[] = {
	0x0c, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65, 0x66,
	0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x03,
	0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c,
	0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00,
	0x18, 0x00, 0x00, 0x04, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01,
	0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x05, 0x03, 0x64, 0x65, 0x66,
	0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x06,
	0xfe, 0x00, 0x00, 0x02, 0x00, 0x18, 0x00, 0x00, 0x07, 0x03, 0x64, 0x65,
	0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00,
	0x08, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00,
	0x0c, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x18, 0x00, 0x00, 0x09, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00,
	0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x0a, 0x03, 0x64, 0x65,
	0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
	0x0b, 0xfe, 0x00, 0x00, 0x02, 0x00,
};

/* libmariadb stmt client, send, 49B */
static const uint8_t q_execute[] = {
	0x2d, 0x00, 0x00, 0x00, 0x17, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x08, 0x01, 0x08, 0x00, 0xfe, 0x00, 0x05, 0x00, 0x06, 0x00,
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x68, 0x69, 0x20,
	0x74, 0x68, 0x65, 0x72, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
	0x40,
};

/* libmariadb stmt client, recv, 167B */
static const uint8_t execute_reply[] = {
	0x02, 0x00, 0x00, 0x01, 0x04, 0x01, 0x18, 0x00, 0x00, 0x02, 0x03, 0x64,
	0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00,
	0x15, 0x00, 0x00, 0x00, 0x08, 0x81, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00,
	0x00, 0x03, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00,
	0x00, 0x0c, 0x2d, 0x00, 0x20, 0x00, 0x00, 0x00, 0xfe, 0x01, 0x00, 0x27,
	0x00, 0x00, 0x18, 0x00, 0x00, 0x04, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00,
	0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00, 0x17, 0x00, 0x00, 0x00,
	0x05, 0x81, 0x00, 0x1f, 0x00, 0x00, 0x18, 0x00, 0x00, 0x05, 0x03, 0x64,
	0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x0c, 0x3f, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
	0x00, 0x06, 0xfe, 0x00, 0x00, 0x02, 0x00, 0x1b, 0x00, 0x00, 0x07, 0x00,
	0x20, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x68, 0x69,
	0x20, 0x74, 0x68, 0x65, 0x72, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x40, 0x05, 0x00, 0x00, 0x08, 0xfe, 0x00, 0x00, 0x02, 0x00,
};

/* libmariadb stmt client, send, 9B */
static const uint8_t com_stmt_close[] = {
	0x05, 0x00, 0x00, 0x00, 0x19, 0x01, 0x00, 0x00, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, send, 89B */
static const uint8_t login3[] = {
	0x55, 0x00, 0x00, 0x01, 0x0d, 0xa2, 0x0b, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x73, 0x74, 0x00, 0x14, 0xa6, 0xa4, 0x19, 0xa4, 0xcd, 0x0a, 0x1e, 0xa0,
	0x4f, 0xac, 0xf8, 0x1b, 0x56, 0x19, 0xb5, 0xab, 0x85, 0x23, 0xde, 0xde,
	0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x00, 0x6d, 0x79, 0x73, 0x71, 0x6c,
	0x5f, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x5f, 0x70, 0x61, 0x73, 0x73,
	0x77, 0x6f, 0x72, 0x64, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, recv, 11B */
static const uint8_t login3_ok[] = {
	0x07, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, send, 48B */
static const uint8_t q_union[] = {
	0x2c, 0x00, 0x00, 0x00, 0x03, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20,
	0x31, 0x20, 0x41, 0x53, 0x20, 0x61, 0x2c, 0x20, 0x27, 0x78, 0x27, 0x20,
	0x41, 0x53, 0x20, 0x62, 0x20, 0x55, 0x4e, 0x49, 0x4f, 0x4e, 0x20, 0x53,
	0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x32, 0x2c, 0x20, 0x27, 0x79, 0x27,
};

/* raw client, CLIENT_DEPRECATE_EOF, recv, 88B */
static const uint8_t union_reply[] = {
	0x01, 0x00, 0x00, 0x01, 0x02, 0x18, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65,
	0x66, 0x00, 0x00, 0x00, 0x01, 0x61, 0x01, 0x61, 0x0c, 0x3f, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00,
	0x03, 0x03, 0x64, 0x65, 0x66, 0x00, 0x00, 0x00, 0x01, 0x62, 0x01, 0x62,
	0x0c, 0x21, 0x00, 0x03, 0x00, 0x00, 0x00, 0xfd, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x04, 0x00, 0x00, 0x04, 0x01, 0x31, 0x01, 0x78, 0x04, 0x00, 0x00,
	0x05, 0x01, 0x32, 0x01, 0x79, 0x07, 0x00, 0x00, 0x06, 0xfe, 0x00, 0x00,
	0x22, 0x00, 0x00, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, send, 31B */
static const uint8_t q_empty[] = {
	0x1b, 0x00, 0x00, 0x00, 0x03, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20,
	0x31, 0x20, 0x46, 0x52, 0x4f, 0x4d, 0x20, 0x44, 0x55, 0x41, 0x4c, 0x20,
	0x57, 0x48, 0x45, 0x52, 0x45, 0x20, 0x30,
};

/* raw client, CLIENT_DEPRECATE_EOF, recv, 43B */
static const uint8_t empty_reply[] = {
	0x01, 0x00, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x02, 0x03, 0x64, 0x65,
	0x66, 0x00, 0x00, 0x00, 0x01, 0x31, 0x00, 0x0c, 0x3f, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x03,
	0xfe, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, send, 5B */
static const uint8_t com_ping[] = {
	0x01, 0x00, 0x00, 0x00, 0x0e,
};

/* raw client, CLIENT_DEPRECATE_EOF, recv, 11B */
static const uint8_t ping_ok[] = {
	0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* raw client, CLIENT_DEPRECATE_EOF, send, 11B */
static const uint8_t com_init_db[] = {
	0x07, 0x00, 0x00, 0x00, 0x02, 0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e,
};

/* raw client, CLIENT_DEPRECATE_EOF, recv, 11B */
static const uint8_t init_db_ok[] = {
	0x07, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

/* mariadb --ssl, send, 36B */
static const uint8_t ssl_request[] = {
	0x20, 0x00, 0x00, 0x01, 0x8c, 0xaa, 0xbf, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
};

/* mariadb --ssl, send, 217B (TLS plaintext) */
static const uint8_t tls_login[] = {
	0xd5, 0x00, 0x00, 0x02, 0x8c, 0xaa, 0xbf, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
	0x73, 0x74, 0x00, 0x14, 0x56, 0x79, 0x2f, 0xb4, 0xe6, 0x3d, 0xf8, 0xa1,
	0xa0, 0x3a, 0x91, 0xa0, 0x7f, 0xf4, 0x7d, 0x66, 0xc8, 0x81, 0x03, 0xae,
	0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e, 0x00, 0x6d, 0x79, 0x73, 0x71, 0x6c,
	0x5f, 0x6e, 0x61, 0x74, 0x69, 0x76, 0x65, 0x5f, 0x70, 0x61, 0x73, 0x73,
	0x77, 0x6f, 0x72, 0x64, 0x00, 0x7f, 0x03, 0x5f, 0x6f, 0x73, 0x05, 0x4c,
	0x69, 0x6e, 0x75, 0x78, 0x0c, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x6c, 0x69, 0x62, 0x6d, 0x61, 0x72,
	0x69, 0x61, 0x64, 0x62, 0x04, 0x5f, 0x70, 0x69, 0x64, 0x05, 0x31, 0x36,
	0x37, 0x30, 0x32, 0x0f, 0x5f, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x5f,
	0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x06, 0x33, 0x2e, 0x33, 0x2e,
	0x32, 0x30, 0x09, 0x5f, 0x70, 0x6c, 0x61, 0x74, 0x66, 0x6f, 0x72, 0x6d,
	0x06, 0x78, 0x38, 0x36, 0x5f, 0x36, 0x34, 0x0c, 0x70, 0x72, 0x6f, 0x67,
	0x72, 0x61, 0x6d, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x05, 0x6d, 0x79, 0x73,
	0x71, 0x6c, 0x0c, 0x5f, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x5f, 0x68,
	0x6f, 0x73, 0x74, 0x09, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e,
	0x31,
};

/* mariadb --ssl, recv, 22B (TLS plaintext) */
static const uint8_t tls_login_ok[] = {
	0x12, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x40, 0x00, 0x00, 0x00,
	0x09, 0x01, 0x07, 0x06, 0x67, 0x6f, 0x6c, 0x64, 0x65, 0x6e,
};

/* --- a model of the engine --- */

static struct decoder_sim sim_storage;
static struct mysql_conn_state conn_state;

/* A stream's start; the parser never waits on 64 KiB. */
static struct decoder_sim *sim_start(bool from_client, const struct message *request)
{
	decoder_sim_start(&sim_storage, &mysql_protocol, &conn_state, from_client, request);
	sim_storage.hold_max = 65536;
	return &sim_storage;
}

/* All of buf, in pieces of piece bytes. */
static struct decoder_sim *sim_all(const uint8_t *buf, size_t len, bool from_client,
				   const struct message *request, size_t piece)
{
	struct decoder_sim *s = sim_start(from_client, request);

	decoder_sim_feed_all(s, buf, len, piece, 1);
	return s;
}

static const struct mysql_message *out_my(const struct decoder_sim *s, unsigned i)
{
	return PROTOCOL_BODY_CONST(&s->out[i].msg, struct mysql_message);
}

/* A connection's state from its start: no flags, no statements. */
static void conn_reset(void)
{
	decoder_test_flags = 0;
	memset(&conn_state, 0, sizeof(conn_state));
}

/* One whole client message: the request a reply answers. */
static struct message request_of(const uint8_t *buf, size_t len)
{
	struct decoder_sim *s = sim_all(buf, len, true, NULL, len);

	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].bytes, len);
	return s->out[0].msg;
}

/* One whole server message answering request. */
static struct decoder_sim_out reply_of(const uint8_t *buf, size_t len, const struct message *request)
{
	struct decoder_sim *s = sim_all(buf, len, false, request, len);

	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_invalid, 0);
	CHECK_INT(s->out[0].bytes, len);
	return s->out[0];
}

static char text_buf[8192];

static const char *human(const struct message *m, bool request, bool show_secrets)
{
	struct strbuf out;
	struct output_style style = { .show_secrets = show_secrets };

	strbuf_init(&out, text_buf, sizeof(text_buf));
	mysql_protocol.human_put(&out, m, request, &style);
	return text_buf;
}

static const char *json(const struct message *m)
{
	struct strbuf out;
	struct output_style style = { .json = true };

	strbuf_init(&out, text_buf, sizeof(text_buf));
	mysql_protocol.json_put(&out, m, &style);
	return text_buf;
}

static const struct mysql_message *body(const struct message *m)
{
	return PROTOCOL_BODY_CONST(m, struct mysql_message);
}

/* --- sessions --- */

static void test_plain_session(void)
{
	struct decoder_sim *s;
	struct message request;
	struct decoder_sim_out reply;

	conn_reset();
	/* The greeting comes unasked: alone. */
	s = sim_all(greeting, sizeof(greeting), false, NULL, sizeof(greeting));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].role, ROLE_ALONE);
	CHECK_INT(out_my(s, 0)->kind, MYSQL_GREETING);
	CHECK_STR(out_my(s, 0)->server_version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
	CHECK_INT(out_my(s, 0)->connection_id, 5);
	CHECK_STR(out_my(s, 0)->plugin, "mysql_native_password");
	CHECK_STR(human(&s->out[0].msg, true, false),
		  "greeting 5.5.5-10.11.19-MariaDB-0+deb12u1 connection 5 plugin=mysql_native_password");

	/* The login: its 20-byte auth response is a secret, not kept. */
	s = sim_all(login, sizeof(login), true, NULL, sizeof(login));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_secrets, 1);
	CHECK_INT(s->secret_at[0], 4 + 32 + 3 + 1);
	CHECK_INT(s->secret_len[0], 20);
	request = s->out[0].msg;
	CHECK_INT(body(&request)->kind, MYSQL_LOGIN);
	CHECK_STR(body(&request)->user, "st");
	CHECK_STR(body(&request)->database, "golden");
	CHECK_STR(body(&request)->plugin, "mysql_native_password");
	CHECK(body(&request)->have_auth);
	CHECK(!memmem(&request, sizeof(request), login + 40, 20)); /* the scramble is not kept */
	CHECK_STR(human(&request, true, false),
		  "login user=st database=golden plugin=mysql_native_password auth=***");
	CHECK_STR(human(&request, true, true),
		  "login user=st database=golden plugin=mysql_native_password auth=***");
	CHECK(strstr(json(&request), "\"auth_response\":\"***\""));
	reply = reply_of(login_ok, sizeof(login_ok), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_OK);
	CHECK_STR(human(&reply.msg, false, false), "OK");
	CHECK(decoder_test_flags & (1u << 1)); /* commands from now on */

	request = request_of(q_create, sizeof(q_create));
	CHECK_STR(human(&request, true, false),
		  "query \"CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20))\"");
	reply = reply_of(ok_create, sizeof(ok_create), &request);
	CHECK_STR(human(&reply.msg, false, false), "OK");

	request = request_of(q_insert, sizeof(q_insert));
	reply = reply_of(ok_insert, sizeof(ok_insert), &request);
	CHECK_INT(body(&reply.msg)->affected_rows, 3);
	CHECK_INT(body(&reply.msg)->last_insert_id, 1);
	CHECK_STR(body(&reply.msg)->info, "Records: 3  Duplicates: 0  Warnings: 0");
	CHECK_STR(human(&reply.msg, false, false), "OK, 3 rows affected, last insert id 1");
	CHECK(strstr(json(&reply.msg), "\"type\":\"ok\",\"affected_rows\":3,\"last_insert_id\":1"));

	/* EOF-terminated result set, MariaDB's metadata byte after the count. */
	request = request_of(q_select, sizeof(q_select));
	CHECK_STR(body(&request)->query, "SELECT * FROM t");
	reply = reply_of(select_reply, sizeof(select_reply), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_RESULT_SET);
	CHECK_INT(body(&reply.msg)->columns, 2);
	CHECK_INT(body(&reply.msg)->rows, 3);
	CHECK_INT(body(&reply.msg)->results, 1);
	CHECK_STR(human(&reply.msg, false, false), "2 columns, 3 rows");

	request = request_of(q_drop, sizeof(q_drop));
	reply_of(ok_drop, sizeof(ok_drop), &request);

	request = request_of(q_error, sizeof(q_error));
	reply = reply_of(err_syntax, sizeof(err_syntax), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_ERR);
	CHECK_INT(body(&reply.msg)->error_code, 1064);
	CHECK_STR(body(&reply.msg)->sql_state, "42000");
	CHECK(!strncmp(body(&reply.msg)->error, "You have an error in your SQL syntax;", 37));
	CHECK(!strncmp(human(&reply.msg, false, false), "ERR 1064 (42000) You have an error", 34));
	CHECK(strstr(json(&reply.msg), "\"type\":\"error\",\"error_code\":1064,\"sql_state\":\"42000\""));

	/* COM_QUIT has no answer: alone. */
	s = sim_all(com_quit, sizeof(com_quit), true, NULL, sizeof(com_quit));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].role, ROLE_ALONE);
	CHECK_STR(human(&s->out[0].msg, true, false), "quit");
}

static void test_prepared_statements(void)
{
	struct message request;
	struct decoder_sim_out reply;
	const struct mysql_message *my;
	struct decoder_sim *s;

	conn_reset();
	request = request_of(login2, sizeof(login2));
	reply_of(login_ok, sizeof(login_ok), &request);

	request = request_of(q_prepare, sizeof(q_prepare));
	CHECK_INT(body(&request)->command, MYSQL_COM_STMT_PREPARE);
	CHECK_STR(human(&request, true, false), "prepare \"SELECT ?, ?, ?, ?\"");
	/* The OK, 4 parameter definitions and EOF, 4 column definitions and EOF. */
	reply = reply_of(prepare_ok, sizeof(prepare_ok), &request);
	my = body(&reply.msg);
	CHECK_INT(my->kind, MYSQL_PREPARE_OK);
	CHECK_INT(my->statement_id, 1);
	CHECK_INT(my->prepare_params, 4);
	CHECK_INT(my->columns, 4);
	CHECK_INT(my->packets, 11);
	CHECK_STR(human(&reply.msg, false, false), "statement 1, 4 params, 4 columns");

	/* The execute shows the statement's text and its binary parameters. */
	request = request_of(q_execute, sizeof(q_execute));
	my = body(&request);
	CHECK_INT(my->statement_id, 1);
	CHECK(my->query_known);
	CHECK_INT(my->n_params, 4);
	CHECK_STR(my->params[0], "42");
	CHECK_STR(my->params[1], "hi there");
	CHECK_STR(my->params[2], "2.5");
	CHECK(my->param_null[3]);
	CHECK_STR(human(&request, true, false),
		  "execute 1 \"SELECT ?, ?, ?, ?\" [42, 'hi there', 2.5, NULL]");
	CHECK(strstr(json(&request), "\"params\":[\"42\",\"hi there\",\"2.5\",null],"
				     "\"param_types\":[\"longlong\",\"string\",\"double\",\"null\"],"
				     "\"n_params\":4"));
	reply = reply_of(execute_reply, sizeof(execute_reply), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_RESULT_SET);
	CHECK_INT(body(&reply.msg)->columns, 4);
	CHECK_INT(body(&reply.msg)->rows, 1);

	/* COM_STMT_CLOSE: alone, and the statement is forgotten. */
	s = sim_all(com_stmt_close, sizeof(com_stmt_close), true, NULL, sizeof(com_stmt_close));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].role, ROLE_ALONE);
	CHECK_STR(human(&s->out[0].msg, true, false), "close 1 \"SELECT ?, ?, ?, ?\"");
	request = request_of(q_execute, sizeof(q_execute));
	CHECK(!body(&request)->query_known);
	CHECK_STR(human(&request, true, false), "execute 1");
	CHECK(strstr(json(&request), "\"statement_id\":1,\"query\":null"));

	/* Without the connection's state (as in the fuzzer), only the id. */
	{
		struct message scratch;
		struct parse_ctx ctx = decoder_ctx(true, NULL);
		struct parse_result r;

		memset(&scratch, 0, sizeof(scratch));
		r = mysql_parse(q_execute, sizeof(q_execute), &ctx, &scratch);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK(!body(&scratch)->params_known);
	}
}

/* The endpoint and outcome hooks on parsed requests and answers. */
static void test_hooks(void)
{
	struct message request;
	struct decoder_sim_out reply;
	char status[STATUS_CLASS_MAX];
	struct decoder_sim *s;

	conn_reset();
	request = request_of(login, sizeof(login));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "HandshakeResponse");
	reply = reply_of(login_ok, sizeof(login_ok), &request);
	CHECK_INT(decoder_outcome(&mysql_protocol, &request, &reply.msg, status), OUTCOME_OK);
	CHECK_STR(status, "ok");

	request = request_of(q_create, sizeof(q_create));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request),
		  "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(?))");
	request = request_of(q_insert, sizeof(q_insert));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "INSERT INTO t (v) VALUES (?), ...");
	request = request_of(q_select, sizeof(q_select));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "SELECT * FROM t");
	reply = reply_of(select_reply, sizeof(select_reply), &request);
	CHECK_INT(decoder_outcome(&mysql_protocol, &request, &reply.msg, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	request = request_of(q_error, sizeof(q_error));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "SELEC oops");
	reply = reply_of(err_syntax, sizeof(err_syntax), &request);
	CHECK_INT(decoder_outcome(&mysql_protocol, &request, &reply.msg, status), OUTCOME_ERROR);
	CHECK_STR(status, "error");
	CHECK_INT(decoder_outcome(&mysql_protocol, NULL, &reply.msg, status), OUTCOME_ERROR);
	request = request_of(com_ping, sizeof(com_ping));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "COM_PING");
	reply = reply_of(ping_ok, sizeof(ping_ok), &request);
	CHECK_INT(decoder_outcome(&mysql_protocol, &request, &reply.msg, status), OUTCOME_OK);
	request = request_of(com_init_db, sizeof(com_init_db));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "COM_INIT_DB");

	/* Prepared: PREPARE and the text; the execute the remembered text, or
	 * its command once the statement is closed. */
	conn_reset();
	request = request_of(login2, sizeof(login2));
	reply_of(login_ok, sizeof(login_ok), &request);
	request = request_of(q_prepare, sizeof(q_prepare));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "PREPARE SELECT ?, ?, ?, ?");
	reply = reply_of(prepare_ok, sizeof(prepare_ok), &request);
	CHECK_INT(decoder_outcome(&mysql_protocol, &request, &reply.msg, status), OUTCOME_OK);
	request = request_of(q_execute, sizeof(q_execute));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "SELECT ?, ?, ?, ?");
	s = sim_all(com_stmt_close, sizeof(com_stmt_close), true, NULL, sizeof(com_stmt_close));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &s->out[0].msg), "COM_STMT_CLOSE");
	request = request_of(q_execute, sizeof(q_execute));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "COM_STMT_EXECUTE");

	conn_reset();
	request = request_of(ssl_request, sizeof(ssl_request));
	CHECK_STR(decoder_endpoint(&mysql_protocol, &request), "SSLRequest");
	conn_reset();
}

static void test_deprecate_eof(void)
{
	struct message request;
	struct decoder_sim_out reply;

	conn_reset();
	request = request_of(login3, sizeof(login3));
	CHECK(body(&request)->capabilities & 0x01000000u);
	reply_of(login3_ok, sizeof(login3_ok), &request);

	/* Columns, no EOF, rows, an OK with the 0xfe header. */
	request = request_of(q_union, sizeof(q_union));
	reply = reply_of(union_reply, sizeof(union_reply), &request);
	CHECK_INT(body(&reply.msg)->columns, 2);
	CHECK_INT(body(&reply.msg)->rows, 2);
	CHECK_INT(body(&reply.msg)->row_bytes, 8);
	request = request_of(q_empty, sizeof(q_empty));
	reply = reply_of(empty_reply, sizeof(empty_reply), &request);
	CHECK_INT(body(&reply.msg)->columns, 1);
	CHECK_INT(body(&reply.msg)->rows, 0);
	CHECK_STR(human(&reply.msg, false, false), "1 column, 0 rows");

	request = request_of(com_ping, sizeof(com_ping));
	CHECK_STR(human(&request, true, false), "ping");
	reply = reply_of(ping_ok, sizeof(ping_ok), &request);
	CHECK_STR(human(&reply.msg, false, false), "OK");
	request = request_of(com_init_db, sizeof(com_init_db));
	CHECK_STR(human(&request, true, false), "init_db golden");
	reply_of(init_db_ok, sizeof(init_db_ok), &request);

	/* The same replies read without knowing the capability (traced
	 * midway): the missing EOF is seen. */
	decoder_test_flags = 1u << 1;
	request = request_of(q_union, sizeof(q_union));
	reply = reply_of(union_reply, sizeof(union_reply), &request);
	CHECK_INT(body(&reply.msg)->rows, 2);
	request = request_of(q_empty, sizeof(q_empty));
	reply = reply_of(empty_reply, sizeof(empty_reply), &request);
	CHECK_INT(body(&reply.msg)->rows, 0);
}

static void test_tls(void)
{
	struct decoder_sim *s;
	struct message request;
	struct decoder_sim_out reply;

	conn_reset();
	s = sim_all(ssl_request, sizeof(ssl_request), true, NULL, sizeof(ssl_request));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->out[0].role, ROLE_ALONE);
	CHECK_INT(s->out[0].after, STREAM_ENCRYPTED);
	CHECK_STR(human(&s->out[0].msg, true, false), "SSLRequest");

	/* The plaintext connection starts at the login of seq 2. */
	conn_reset();
	CHECK(detect_exact(mysql_detect, tls_login, sizeof(tls_login), true));
	request = request_of(tls_login, sizeof(tls_login));
	CHECK_INT(body(&request)->kind, MYSQL_LOGIN);
	CHECK_INT(body(&request)->seq, 2);
	CHECK_STR(body(&request)->user, "st");
	reply = reply_of(tls_login_ok, sizeof(tls_login_ok), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_OK);
}

/* --- splits, large results --- */

struct reply_fixture {
	const char *name;
	const uint8_t *request, *reply;
	size_t request_len, reply_len;
	uint32_t flags; /* the connection's flags before the request */
};

#define REPLY(q, r, f) { #r, q, r, sizeof(q), sizeof(r), f }
#define COMMANDS (1u << 1)
#define DEPRECATE ((1u << 1) | (1u << 2) | (1u << 3))

static const struct reply_fixture replies[] = {
	REPLY(login, login_ok, 1u),
	REPLY(q_insert, ok_insert, COMMANDS),
	REPLY(q_select, select_reply, COMMANDS),
	REPLY(q_error, err_syntax, COMMANDS),
	REPLY(q_prepare, prepare_ok, COMMANDS),
	REPLY(q_union, union_reply, DEPRECATE),
	REPLY(q_empty, empty_reply, DEPRECATE),
	REPLY(com_ping, ping_ok, COMMANDS),
};

/* Every reply split at every offset, and a byte at a time, is one reply of
 * its size, read the same. */
static void test_splits(void)
{
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_fixture *f = &replies[i];
		struct message request, whole;

		conn_reset();
		decoder_test_flags = f->flags;
		request = request_of(f->request, f->request_len);
		whole = reply_of(f->reply, f->reply_len, &request).msg;
		for (size_t cut = 0; cut <= f->reply_len; cut++) {
			struct decoder_sim *s = sim_start(false, &request);

			conn_reset();
			decoder_test_flags = f->flags;
			request_of(f->request, f->request_len);
			s = sim_start(false, &request);
			decoder_sim_feed(s, f->reply, cut);
			decoder_sim_feed(s, f->reply + cut, f->reply_len - cut);
			if (s->n_out != 1)
				fprintf(stderr, "%s: split at %zu\n", f->name, cut);
			CHECK_INT(s->n_out, 1);
			CHECK_INT(s->out[0].bytes, f->reply_len);
			CHECK(!memcmp(s->out[0].msg.body, whole.body, sizeof(struct mysql_message)));
		}
		conn_reset();
		decoder_test_flags = f->flags;
		request_of(f->request, f->request_len);
		{
			struct decoder_sim *s = sim_all(f->reply, f->reply_len, false, &request, 1);

			CHECK_INT(s->n_out, 1);
			CHECK(!memcmp(s->out[0].msg.body, whole.body, sizeof(struct mysql_message)));
		}
	}
	/* Client messages a byte at a time. */
	conn_reset();
	{
		struct decoder_sim *s = sim_all(login, sizeof(login), true, NULL, 1);

		CHECK_INT(s->n_out, 1);
		CHECK_STR(out_my(s, 0)->user, "st");
		CHECK_INT(s->secret_at[0], 40);
		s = sim_all(q_execute, sizeof(q_execute), true, NULL, 1);
		CHECK_INT(s->n_out, 1);
	}
}

static uint8_t big[1 << 22];

static size_t packet_put(uint8_t *at, uint8_t seq, const void *payload, size_t n)
{
	at[0] = (uint8_t)n;
	at[1] = (uint8_t)(n >> 8);
	at[2] = (uint8_t)(n >> 16);
	at[3] = seq;
	memcpy(at + 4, payload, n);
	return 4 + n;
}

/* 20000 rows of an EOF-terminated result set, fed as a server writes it:
 * never held whole, every row counted, the next reply paired. */
static void test_large_result(void)
{
	static const uint8_t column[] = { 3, 'd', 'e', 'f', 0, 0, 0, 3, 's', 'e', 'q', 0,
					  0x0c, 0x3f, 0, 20, 0, 0, 0, 8, 0x23, 0x50, 0, 0, 0 };
	static const uint8_t eof[] = { 0xfe, 0, 0, 0x22, 0 };
	struct message request;
	struct decoder_sim *s;
	size_t n = 0;
	uint8_t seq = 1, count[] = { 1 };

	conn_reset();
	decoder_test_flags = COMMANDS;
	request = request_of(q_select, sizeof(q_select));
	n += packet_put(big + n, seq++, count, 1);
	n += packet_put(big + n, seq++, column, sizeof(column));
	n += packet_put(big + n, seq++, eof, sizeof(eof));
	for (unsigned i = 1; i <= 20000; i++) {
		uint8_t row[8];
		int len = snprintf((char *)row + 1, sizeof(row) - 1, "%u", i);

		row[0] = (uint8_t)len;
		n += packet_put(big + n, seq++, row, (size_t)len + 1);
	}
	n += packet_put(big + n, seq++, eof, sizeof(eof));
	n += packet_put(big + n, 1, ping_ok + 4, sizeof(ping_ok) - 4);
	s = sim_all(big, n, false, &request, 16384);
	CHECK_INT(s->n_out, 2);
	CHECK_INT(out_my(s, 0)->rows, 20000);
	CHECK_INT(out_my(s, 0)->columns, 1);
	CHECK_INT(s->out[0].bytes, n - sizeof(ping_ok));
	CHECK_INT(out_my(s, 1)->kind, MYSQL_OK);
	CHECK(s->max_len <= 16384 + 64);

	/* A row of 16 MiB - 1 + 10 bytes: two packets, skipped, one row. */
	{
		uint8_t head[8] = { 0xff, 0xff, 0xff, 4, 0xfe, 0x09, 0x00, 0x00 };
		uint8_t tail[4] = { 10, 0, 0, 5 };

		n = 0;
		seq = 1;
		n += packet_put(big + n, seq++, count, 1);
		n += packet_put(big + n, seq++, column, sizeof(column));
		n += packet_put(big + n, seq++, eof, sizeof(eof));
		s = sim_start(false, &request);
		decoder_sim_feed(s, big, n);
		decoder_sim_feed(s, head, sizeof(head));
		memset(big, 'x', 1 << 20);
		for (unsigned i = 0; i < 16; i++)
			decoder_sim_feed(s, big, i < 15 ? 1 << 20 : (1 << 20) - 1 - 4);
		decoder_sim_feed(s, tail, sizeof(tail));
		decoder_sim_feed(s, big, 10);
		n = packet_put(big, 6, eof, sizeof(eof));
		decoder_sim_feed(s, big, n);
		CHECK_INT(s->n_out, 1);
		CHECK_INT(out_my(s, 0)->rows, 1);
		CHECK_INT(out_my(s, 0)->row_bytes, 0xffffff + 10);
		CHECK(s->max_len < 2 << 20);
	}

	/* A COM_QUERY of 16 MiB - 1 + 3 bytes: one request, its text's start. */
	{
		uint8_t head[12] = { 0xff, 0xff, 0xff, 0, 3, 'S', 'E', 'L', 'E', 'C', 'T', ' ' };
		uint8_t tail[7] = { 3, 0, 0, 1, '1', '2', '3' };

		s = sim_start(true, NULL);
		decoder_sim_feed(s, head, sizeof(head));
		memset(big, '1', 1 << 20);
		for (unsigned i = 0; i < 16; i++)
			decoder_sim_feed(s, big, i < 15 ? 1 << 20 : (1 << 20) - 1 - 8);
		decoder_sim_feed(s, tail, sizeof(tail));
		CHECK_INT(s->n_out, 1);
		CHECK_INT(s->out[0].bytes, 4 + 0xffffff + 4 + 3);
		CHECK(!strncmp(out_my(s, 0)->query, "SELECT 111", 10));
		CHECK_INT(out_my(s, 0)->query_len, 0xffffff - 1);
	}
}

/* Several results in one response (a CALL): SERVER_MORE_RESULTS_EXISTS. */
static void test_more_results(void)
{
	static const uint8_t column[] = { 3, 'd', 'e', 'f', 0, 0, 0, 1, 'a', 0, 0x0c, 0x3f, 0,
					  1, 0, 0, 0, 3, 0, 0, 0, 0 };
	static const uint8_t eof_more[] = { 0xfe, 0, 0, 0x0a, 0 };
	static const uint8_t ok_last[] = { 0, 0, 0, 2, 0, 0, 0 };
	static const uint8_t row[] = { 1, '7' };
	static const uint8_t count[] = { 1 };
	struct message request;
	struct decoder_sim *s;
	size_t n = 0;

	conn_reset();
	decoder_test_flags = COMMANDS;
	request = request_of(q_select, sizeof(q_select));
	for (int r = 0; r < 2; r++) {
		n += packet_put(big + n, 1, count, 1);
		n += packet_put(big + n, 2, column, sizeof(column));
		n += packet_put(big + n, 3, eof_more + 0, sizeof(eof_more));
		n += packet_put(big + n, 4, row, sizeof(row));
		n += packet_put(big + n, 5, eof_more, sizeof(eof_more));
	}
	n += packet_put(big + n, 11, ok_last, sizeof(ok_last));
	s = sim_all(big, n, false, &request, n);
	CHECK_INT(s->n_out, 1);
	CHECK_INT(out_my(s, 0)->results, 3);
	CHECK_INT(out_my(s, 0)->rows, 2);
	CHECK_INT(s->out[0].bytes, n);
	CHECK_STR(human(&s->out[0].msg, false, false), "1 column, 2 rows (3 results)");
}

/* AuthSwitchRequest, then the client's auth data: a secret, paired. */
static void test_auth_switch(void)
{
	static const uint8_t auth_switch[] = { 0x2c, 0, 0, 2, 0xfe, 'm', 'y', 's', 'q', 'l', '_',
		'n', 'a', 't', 'i', 'v', 'e', '_', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', 0,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 0 };
	static const uint8_t auth_data[] = { 20, 0, 0, 3, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
					     9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	struct message request;
	struct decoder_sim_out reply;
	struct decoder_sim *s;

	conn_reset();
	request = request_of(login, sizeof(login));
	reply = reply_of(auth_switch, sizeof(auth_switch), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_AUTH_SWITCH);
	CHECK_STR(human(&reply.msg, false, false), "auth switch mysql_native_password");
	s = sim_all(auth_data, sizeof(auth_data), true, NULL, sizeof(auth_data));
	CHECK_INT(s->n_out, 1);
	CHECK_INT(s->n_secrets, 1);
	CHECK_INT(s->secret_at[0], 4);
	CHECK_INT(s->secret_len[0], 20);
	request = s->out[0].msg;
	CHECK_STR(human(&request, true, true), "auth-data ***");
	reply = reply_of(login_ok, sizeof(login_ok), &request);
	CHECK_INT(body(&reply.msg)->kind, MYSQL_OK);
}

/* --- bad bytes --- */

static void test_invalid(void)
{
	static const uint8_t unknown_command[] = { 1, 0, 0, 0, 0x40 };
	static const uint8_t bad_column[] = { 1, 0, 0, 1, 1, 4, 0, 0, 2, 'x', 'y', 'z', 'w' };
	static const uint8_t seq_after_login[] = { 2, 0, 0, 5, 3, 'x' };
	static const uint8_t empty_packet[] = { 0, 0, 0, 0 };
	struct message request;
	struct decoder_sim *s;

	conn_reset();
	decoder_test_flags = COMMANDS;
	s = sim_all(unknown_command, sizeof(unknown_command), true, NULL, 5);
	CHECK_INT(s->n_invalid, 1);
	s = sim_all(seq_after_login, sizeof(seq_after_login), true, NULL, 6);
	CHECK_INT(s->n_invalid, 1);
	s = sim_all(empty_packet, sizeof(empty_packet), true, NULL, 4);
	CHECK_INT(s->n_invalid, 1);
	request = request_of(q_select, sizeof(q_select));
	s = sim_all(bad_column, sizeof(bad_column), false, &request, sizeof(bad_column));
	CHECK_INT(s->n_invalid, 1);
	CHECK_INT(s->n_out, 0);
	s = sim_all((const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, false, &request, 19);
	CHECK_INT(s->n_out, 0);
	CHECK_INT(s->n_invalid, 1);
}

static void my_texts_check(const struct message *m)
{
	const struct mysql_message *my = body(m);

	CHECK(text_terminated(my->user, sizeof(my->user)));
	CHECK(text_terminated(my->database, sizeof(my->database)));
	CHECK(text_terminated(my->plugin, sizeof(my->plugin)));
	CHECK(text_terminated(my->query, sizeof(my->query)));
	CHECK(text_terminated(my->info, sizeof(my->info)));
	CHECK(text_terminated(my->error, sizeof(my->error)));
	CHECK(text_terminated(my->sql_state, sizeof(my->sql_state)));
	CHECK(text_terminated(my->server_version, sizeof(my->server_version)));
	for (unsigned i = 0; i < MYSQL_PARAMS_MAX; i++)
		CHECK(text_terminated(my->params[i], sizeof(my->params[i])));
	human(m, true, false);
	human(m, false, false);
	json(m);
}

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
	bool from_client;
	bool detected; /* a connection's first bytes that detect claims */
};

#define FIXTURE(b, client, first) { #b, b, sizeof(b), client, first }

static const struct fixture fixtures[] = {
	FIXTURE(greeting, false, true),      FIXTURE(login, true, true),
	FIXTURE(login_ok, false, false),     FIXTURE(q_create, true, true),
	FIXTURE(ok_create, false, false),    FIXTURE(q_insert, true, true),
	FIXTURE(ok_insert, false, false),    FIXTURE(q_select, true, true),
	FIXTURE(select_reply, false, false), FIXTURE(q_drop, true, true),
	FIXTURE(q_error, true, false),       FIXTURE(err_syntax, false, false),
	FIXTURE(com_quit, true, false),      FIXTURE(login2, true, true),
	FIXTURE(q_prepare, true, false),     FIXTURE(prepare_ok, false, false),
	FIXTURE(q_execute, true, false),     FIXTURE(execute_reply, false, false),
	FIXTURE(com_stmt_close, true, false), FIXTURE(login3, true, true),
	FIXTURE(q_union, true, true),        FIXTURE(union_reply, false, false),
	FIXTURE(com_ping, true, false),      FIXTURE(com_init_db, true, false),
	FIXTURE(ssl_request, true, true),    FIXTURE(tls_login, true, true),
	FIXTURE(tls_login_ok, false, false),
};

static void test_flips(void)
{
	struct message request;

	conn_reset();
	decoder_test_flags = COMMANDS;
	request = request_of(q_select, sizeof(q_select));
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct message m;

		conn_reset();
		flips_check_decoder(mysql_parse, f->buf, f->len, f->from_client,
				    f->from_client ? NULL : &request, &m, my_texts_check);
		decoder_test_flags = COMMANDS;
		flips_check_decoder(mysql_parse, f->buf, f->len, f->from_client,
				    f->from_client ? NULL : &request, &m, my_texts_check);
	}
	/* Broken lengths, commands and markers are caught. */
	conn_reset();
	{
		struct message m;

		CHECK(flips_check_decoder(mysql_parse, greeting, sizeof(greeting), false, NULL, &m,
					  my_texts_check) > 0);
		CHECK(flips_check_decoder(mysql_parse, login, sizeof(login), true, NULL, &m,
					  my_texts_check) > 0);
		decoder_test_flags = COMMANDS;
		CHECK(flips_check_decoder(mysql_parse, q_select, sizeof(q_select), true, NULL, &m,
					  my_texts_check) > 0);
		CHECK(flips_check_decoder(mysql_parse, select_reply, sizeof(select_reply), false,
					  &request, &m, my_texts_check) > 0);
	}
}

/* Every proper prefix of a whole message completes nothing. */
static void test_prefixes(void)
{
	struct message select_request, prepare_request, execute_request, login_request;

	conn_reset();
	login_request = request_of(login, sizeof(login));
	decoder_test_flags = COMMANDS;
	select_request = request_of(q_select, sizeof(q_select));
	prepare_request = request_of(q_prepare, sizeof(q_prepare));
	execute_request = request_of(q_execute, sizeof(q_execute));
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		const struct message *request =
			f->buf == prepare_ok	  ? &prepare_request
			: f->buf == execute_reply ? &execute_request
			: f->buf == login_ok || f->buf == tls_login_ok ? &login_request
			: f->buf == greeting			       ? NULL
								       : &select_request;

		for (size_t cut = 1; cut < f->len; cut++) {
			struct decoder_sim *s;

			conn_reset();
			decoder_test_flags = f->buf == greeting || f->buf == login ||
						     f->buf == login2 || f->buf == login3 ||
						     f->buf == ssl_request || f->buf == tls_login
					     ? 0
					     : COMMANDS;
			s = sim_all(f->buf, cut, f->from_client, f->from_client ? NULL : request, cut);
			if (s->n_out || s->n_invalid)
				fprintf(stderr, "%s: prefix of %zu bytes\n", f->name, cut);
			CHECK_INT(s->n_out, 0);
			CHECK_INT(s->n_invalid, 0);
		}
	}
}

/* --- detection --- */

/* The fuzz seeds of the other protocols: none is MySQL's. */
static void seeds_refused(void)
{
	char dir[4096], path[8192];
	const char *file = __FILE__;
	const char *unit = strstr(file, "unit/test_decode_mysql.c");
	unsigned files = 0;
	DIR *top;
	struct dirent *proto;

	if (!unit) {
		fprintf(stderr, "test_decode_mysql: %s: no seeds directory\n", file);
		check_failures++;
		return;
	}
	snprintf(dir, sizeof(dir), "%.*sfuzz/seeds", (int)(unit - file), file);
	top = opendir(dir);
	CHECK(top != NULL);
	if (!top)
		return;
	while ((proto = readdir(top))) {
		DIR *sub;
		struct dirent *seed;

		if (proto->d_name[0] == '.' || !strcmp(proto->d_name, "mysql") ||
		    !strcmp(proto->d_name, "elf_image"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, proto->d_name);
		sub = opendir(path);
		if (!sub)
			continue;
		while ((seed = readdir(sub))) {
			static uint8_t bytes[1 << 16];
			char name[8192 + 256];
			FILE *in;
			size_t n;

			if (seed->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s/%s", path, seed->d_name);
			in = fopen(name, "rb");
			if (!in)
				continue;
			n = fread(bytes, 1, sizeof(bytes), in);
			fclose(in);
			files++;
			for (int side = 0; side < 2; side++) {
				/* Every prefix too: the engine tries a connection's
				 * first bytes as they pile up. */
				for (size_t cut = 1; cut <= n && cut <= 256; cut++)
					if (detect_exact(mysql_detect, bytes, cut, side)) {
						fprintf(stderr, "mysql claims %s (%zu bytes, %s)\n", name,
							cut, side ? "client" : "server");
						check_failures++;
						break;
					}
				if (n > 256 && detect_exact(mysql_detect, bytes, n, side)) {
					fprintf(stderr, "mysql claims %s\n", name);
					check_failures++;
				}
			}
		}
		closedir(sub);
	}
	closedir(top);
	CHECK(files > 50);
}

static void test_detect(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		if (f->detected != detect_exact(mysql_detect, f->buf, f->len, f->from_client))
			fprintf(stderr, "%s: detect says %d\n", f->name, !f->detected);
		CHECK_INT(detect_exact(mysql_detect, f->buf, f->len, f->from_client), f->detected);
		/* No other protocol claims MySQL's bytes, from either side. */
		for (unsigned p = 0; p < protocol_count; p++) {
			const struct protocol *proto = protocol_registry[p];

			if (proto == &mysql_protocol || (proto->datagram && !proto->stream_framed))
				continue;
			for (int side = 0; side < 2; side++)
				if (detect_exact(proto->detect, f->buf, f->len, side)) {
					fprintf(stderr, "%s claims %s (%s)\n", proto->name, f->name,
						side ? "client" : "server");
					check_failures++;
				}
		}
	}
	/* The greeting's first bytes, as they pile up. */
	CHECK(!detect_exact(mysql_detect, greeting, 4, false));
	CHECK(detect_exact(mysql_detect, greeting, 40, false));
	CHECK(!detect_exact(mysql_detect, greeting, sizeof(greeting), true));
	CHECK(!detect_exact(mysql_detect, login, sizeof(login), false));
	CHECK(!detect_exact(mysql_detect, "\x03\x00\x00\x00\x03x y", 7, true));
	CHECK(!detect_exact(mysql_detect, "GET / HTTP/1.1\r\n\r\n", 18, true));
	CHECK(!detect_exact(mysql_detect, "", 0, true));
	CHECK(protocol_by_name("mysql") == &mysql_protocol);
	seeds_refused();
}

int main(void)
{
	test_plain_session();
	test_prepared_statements();
	test_hooks();
	test_deprecate_eof();
	test_tls();
	test_splits();
	test_large_result();
	test_more_results();
	test_auth_switch();
	test_invalid();
	test_flips();
	test_prefixes();
	test_detect();
	return check_report("test_decode_mysql");
}
