/*
 * The AMQP 0-9-1 decoder on recorded bytes, driven the way the engine drives
 * it (decoder_test.h's decoder_run_stream: a message read frame by frame
 * with PARSE_CONTINUE, skips passed over, the per-connection state shared
 * by both directions), fed whole, a byte at a time, in random splits, and
 * with each write captured only in part. The fixtures were captured on loopback with
 * socket-tracer --json --json-b64 between pika 1.2.0 (python3-pika,
 * BlockingConnection, guest/guest, heartbeat=0) and rabbitmq-server 3.10.8
 * (Debian 12): connect, queue.declare, three basic.publish of 5, 10 and 20
 * bytes, a passive queue.declare, basic.get, basic.consume and the two
 * deliveries, acks, basic.cancel, a passive queue.declare of a missing
 * queue (channel.close 404), a 1 MiB basic.publish (built here: eight
 * 131,064-byte body frames and one of 64, as pika split it) and a 7-byte
 * one, basic.get of both, basic.get-empty, queue.delete and the closes.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "decoder_test.h"
#include "output/output.h"
#include "protocols/amqp.h"

/* --- fixtures: one message each (a method frame, with its content
 * header and body frames for basic.publish/deliver/get-ok) --- */

/* client: protocol header (8 bytes) */
static const uint8_t c_00_protocol[] = {
	0x41, 0x4d, 0x51, 0x50, 0x00, 0x00, 0x09, 0x01,
};
/* client: connection.start-ok ch0 (298 bytes) */
static const uint8_t c_01_connection_start_ok[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x22, 0x00, 0x0a, 0x00, 0x0b, 0x00,
	0x00, 0x00, 0xfe, 0x07, 0x70, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x74, 0x53,
	0x00, 0x00, 0x00, 0x1a, 0x50, 0x69, 0x6b, 0x61, 0x20, 0x50, 0x79, 0x74,
	0x68, 0x6f, 0x6e, 0x20, 0x43, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x20, 0x4c,
	0x69, 0x62, 0x72, 0x61, 0x72, 0x79, 0x08, 0x70, 0x6c, 0x61, 0x74, 0x66,
	0x6f, 0x72, 0x6d, 0x53, 0x00, 0x00, 0x00, 0x0d, 0x50, 0x79, 0x74, 0x68,
	0x6f, 0x6e, 0x20, 0x33, 0x2e, 0x31, 0x31, 0x2e, 0x32, 0x0c, 0x63, 0x61,
	0x70, 0x61, 0x62, 0x69, 0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x46, 0x00,
	0x00, 0x00, 0x6f, 0x1c, 0x61, 0x75, 0x74, 0x68, 0x65, 0x6e, 0x74, 0x69,
	0x63, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x75,
	0x72, 0x65, 0x5f, 0x63, 0x6c, 0x6f, 0x73, 0x65, 0x74, 0x01, 0x0a, 0x62,
	0x61, 0x73, 0x69, 0x63, 0x2e, 0x6e, 0x61, 0x63, 0x6b, 0x74, 0x01, 0x12,
	0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x62,
	0x6c, 0x6f, 0x63, 0x6b, 0x65, 0x64, 0x74, 0x01, 0x16, 0x63, 0x6f, 0x6e,
	0x73, 0x75, 0x6d, 0x65, 0x72, 0x5f, 0x63, 0x61, 0x6e, 0x63, 0x65, 0x6c,
	0x5f, 0x6e, 0x6f, 0x74, 0x69, 0x66, 0x79, 0x74, 0x01, 0x12, 0x70, 0x75,
	0x62, 0x6c, 0x69, 0x73, 0x68, 0x65, 0x72, 0x5f, 0x63, 0x6f, 0x6e, 0x66,
	0x69, 0x72, 0x6d, 0x73, 0x74, 0x01, 0x0b, 0x69, 0x6e, 0x66, 0x6f, 0x72,
	0x6d, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x53, 0x00, 0x00, 0x00, 0x18, 0x53,
	0x65, 0x65, 0x20, 0x68, 0x74, 0x74, 0x70, 0x3a, 0x2f, 0x2f, 0x70, 0x69,
	0x6b, 0x61, 0x2e, 0x72, 0x74, 0x66, 0x64, 0x2e, 0x6f, 0x72, 0x67, 0x07,
	0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x53, 0x00, 0x00, 0x00, 0x05,
	0x31, 0x2e, 0x32, 0x2e, 0x30, 0x05, 0x50, 0x4c, 0x41, 0x49, 0x4e, 0x00,
	0x00, 0x00, 0x0c, 0x00, 0x67, 0x75, 0x65, 0x73, 0x74, 0x00, 0x67, 0x75,
	0x65, 0x73, 0x74, 0x05, 0x65, 0x6e, 0x5f, 0x55, 0x53, 0xce,
};
/* client: connection.tune-ok ch0 (20 bytes) */
static const uint8_t c_02_connection_tune_ok[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1f, 0x07,
	0xff, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* client: connection.open ch0 (16 bytes) */
static const uint8_t c_03_connection_open[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x28, 0x01,
	0x2f, 0x00, 0x01, 0xce,
};
/* client: channel.open ch1 (13 bytes) */
static const uint8_t c_04_channel_open[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x0a, 0x00,
	0xce,
};
/* client: queue.declare ch1 (28 bytes) */
static const uint8_t c_05_queue_declare[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x32, 0x00, 0x0a, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* client: basic.publish ch1 (60 bytes) */
static const uint8_t c_06_basic_publish[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x00, 0x3c, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00,
	0xce, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0xce, 0x03,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x61, 0x61, 0x61, 0x61, 0x61, 0xce,
};
/* client: basic.publish ch1 (65 bytes) */
static const uint8_t c_07_basic_publish[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x00, 0x3c, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00,
	0xce, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0xce, 0x03,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0x62, 0x62, 0x62, 0xce,
};
/* client: basic.publish ch1 (75 bytes) */
static const uint8_t c_08_basic_publish[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x00, 0x3c, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00,
	0xce, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0xce, 0x03,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0xce,
};
/* client: queue.declare ch1 (28 bytes) */
static const uint8_t c_09_queue_declare[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x32, 0x00, 0x0a, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x01, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* client: basic.get ch1 (24 bytes) */
static const uint8_t c_10_basic_get[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x3c, 0x00, 0x46, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0xce,
};
/* client: basic.consume ch1 (67 bytes) */
static const uint8_t c_11_basic_consume[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3b, 0x00, 0x3c, 0x00, 0x14, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x26, 0x63,
	0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64, 0x61,
	0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34, 0x37,
	0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38, 0x62,
	0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* client: basic.ack ch1 (21 bytes) */
static const uint8_t c_12_basic_ack[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x3c, 0x00, 0x50, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0xce,
};
/* client: basic.ack ch1 (21 bytes) */
static const uint8_t c_13_basic_ack[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x3c, 0x00, 0x50, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0xce,
};
/* client: basic.cancel ch1 (52 bytes) */
static const uint8_t c_14_basic_cancel[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x3c, 0x00, 0x1e, 0x26,
	0x63, 0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64,
	0x61, 0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34,
	0x37, 0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38,
	0x62, 0x30, 0x00, 0xce,
};
/* client: basic.ack ch1 (21 bytes) */
static const uint8_t c_15_basic_ack[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x3c, 0x00, 0x50, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xce,
};
/* client: channel.open ch2 (13 bytes) */
static const uint8_t c_16_channel_open[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x0a, 0x00,
	0xce,
};
/* client: queue.declare ch2 (30 bytes) */
static const uint8_t c_17_queue_declare[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x16, 0x00, 0x32, 0x00, 0x0a, 0x00,
	0x00, 0x0a, 0x73, 0x74, 0x2d, 0x6d, 0x69, 0x73, 0x73, 0x69, 0x6e, 0x67,
	0x01, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* client: channel.close-ok ch2 (12 bytes) */
static const uint8_t c_18_channel_close_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x14, 0x00, 0x29, 0xce,
};
/* client: channel.open ch2 (13 bytes) */
static const uint8_t c_19_channel_open[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x0a, 0x00,
	0xce,
};
/* skipped client basic.publish ch2 1048695 */
/* client: basic.publish ch2 (62 bytes) */
static const uint8_t c_21_basic_publish[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x11, 0x00, 0x3c, 0x00, 0x28, 0x00,
	0x00, 0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00,
	0xce, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0xce, 0x03,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73,
	0x73, 0xce,
};
/* client: basic.get ch2 (24 bytes) */
static const uint8_t c_22_basic_get[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x3c, 0x00, 0x46, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x01, 0xce,
};
/* client: basic.get ch2 (24 bytes) */
static const uint8_t c_23_basic_get[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x3c, 0x00, 0x46, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x01, 0xce,
};
/* client: basic.get ch2 (24 bytes) */
static const uint8_t c_24_basic_get[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x3c, 0x00, 0x46, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0xce,
};
/* client: queue.delete ch2 (24 bytes) */
static const uint8_t c_25_queue_delete[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0x32, 0x00, 0x28, 0x00,
	0x00, 0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0xce,
};
/* client: channel.close ch1 (34 bytes) */
static const uint8_t c_26_channel_close[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x14, 0x00, 0x28, 0x00,
	0xc8, 0x0f, 0x4e, 0x6f, 0x72, 0x6d, 0x61, 0x6c, 0x20, 0x73, 0x68, 0x75,
	0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* client: channel.close ch2 (34 bytes) */
static const uint8_t c_27_channel_close[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x14, 0x00, 0x28, 0x00,
	0xc8, 0x0f, 0x4e, 0x6f, 0x72, 0x6d, 0x61, 0x6c, 0x20, 0x73, 0x68, 0x75,
	0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* client: connection.close ch0 (34 bytes) */
static const uint8_t c_28_connection_close[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x0a, 0x00, 0x32, 0x00,
	0xc8, 0x0f, 0x4e, 0x6f, 0x72, 0x6d, 0x61, 0x6c, 0x20, 0x73, 0x68, 0x75,
	0x74, 0x64, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x00, 0x00, 0xce,
};
/* server: connection.start ch0 (504 bytes) */
static const uint8_t s_00_connection_start[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00, 0x0a, 0x00, 0x0a, 0x00,
	0x09, 0x00, 0x00, 0x01, 0xcb, 0x0c, 0x63, 0x61, 0x70, 0x61, 0x62, 0x69,
	0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x46, 0x00, 0x00, 0x00, 0xc7, 0x12,
	0x70, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68, 0x65, 0x72, 0x5f, 0x63, 0x6f,
	0x6e, 0x66, 0x69, 0x72, 0x6d, 0x73, 0x74, 0x01, 0x1a, 0x65, 0x78, 0x63,
	0x68, 0x61, 0x6e, 0x67, 0x65, 0x5f, 0x65, 0x78, 0x63, 0x68, 0x61, 0x6e,
	0x67, 0x65, 0x5f, 0x62, 0x69, 0x6e, 0x64, 0x69, 0x6e, 0x67, 0x73, 0x74,
	0x01, 0x0a, 0x62, 0x61, 0x73, 0x69, 0x63, 0x2e, 0x6e, 0x61, 0x63, 0x6b,
	0x74, 0x01, 0x16, 0x63, 0x6f, 0x6e, 0x73, 0x75, 0x6d, 0x65, 0x72, 0x5f,
	0x63, 0x61, 0x6e, 0x63, 0x65, 0x6c, 0x5f, 0x6e, 0x6f, 0x74, 0x69, 0x66,
	0x79, 0x74, 0x01, 0x12, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x69,
	0x6f, 0x6e, 0x2e, 0x62, 0x6c, 0x6f, 0x63, 0x6b, 0x65, 0x64, 0x74, 0x01,
	0x13, 0x63, 0x6f, 0x6e, 0x73, 0x75, 0x6d, 0x65, 0x72, 0x5f, 0x70, 0x72,
	0x69, 0x6f, 0x72, 0x69, 0x74, 0x69, 0x65, 0x73, 0x74, 0x01, 0x1c, 0x61,
	0x75, 0x74, 0x68, 0x65, 0x6e, 0x74, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6f,
	0x6e, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x75, 0x72, 0x65, 0x5f, 0x63, 0x6c,
	0x6f, 0x73, 0x65, 0x74, 0x01, 0x10, 0x70, 0x65, 0x72, 0x5f, 0x63, 0x6f,
	0x6e, 0x73, 0x75, 0x6d, 0x65, 0x72, 0x5f, 0x71, 0x6f, 0x73, 0x74, 0x01,
	0x0f, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x5f, 0x72, 0x65, 0x70, 0x6c,
	0x79, 0x5f, 0x74, 0x6f, 0x74, 0x01, 0x0c, 0x63, 0x6c, 0x75, 0x73, 0x74,
	0x65, 0x72, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x53, 0x00, 0x00, 0x00, 0x09,
	0x73, 0x74, 0x33, 0x31, 0x32, 0x36, 0x40, 0x76, 0x6d, 0x09, 0x63, 0x6f,
	0x70, 0x79, 0x72, 0x69, 0x67, 0x68, 0x74, 0x53, 0x00, 0x00, 0x00, 0x37,
	0x43, 0x6f, 0x70, 0x79, 0x72, 0x69, 0x67, 0x68, 0x74, 0x20, 0x28, 0x63,
	0x29, 0x20, 0x32, 0x30, 0x30, 0x37, 0x2d, 0x32, 0x30, 0x32, 0x32, 0x20,
	0x56, 0x4d, 0x77, 0x61, 0x72, 0x65, 0x2c, 0x20, 0x49, 0x6e, 0x63, 0x2e,
	0x20, 0x6f, 0x72, 0x20, 0x69, 0x74, 0x73, 0x20, 0x61, 0x66, 0x66, 0x69,
	0x6c, 0x69, 0x61, 0x74, 0x65, 0x73, 0x2e, 0x0b, 0x69, 0x6e, 0x66, 0x6f,
	0x72, 0x6d, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x53, 0x00, 0x00, 0x00, 0x39,
	0x4c, 0x69, 0x63, 0x65, 0x6e, 0x73, 0x65, 0x64, 0x20, 0x75, 0x6e, 0x64,
	0x65, 0x72, 0x20, 0x74, 0x68, 0x65, 0x20, 0x4d, 0x50, 0x4c, 0x20, 0x32,
	0x2e, 0x30, 0x2e, 0x20, 0x57, 0x65, 0x62, 0x73, 0x69, 0x74, 0x65, 0x3a,
	0x20, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f, 0x2f, 0x72, 0x61, 0x62,
	0x62, 0x69, 0x74, 0x6d, 0x71, 0x2e, 0x63, 0x6f, 0x6d, 0x08, 0x70, 0x6c,
	0x61, 0x74, 0x66, 0x6f, 0x72, 0x6d, 0x53, 0x00, 0x00, 0x00, 0x11, 0x45,
	0x72, 0x6c, 0x61, 0x6e, 0x67, 0x2f, 0x4f, 0x54, 0x50, 0x20, 0x32, 0x35,
	0x2e, 0x32, 0x2e, 0x33, 0x07, 0x70, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x74,
	0x53, 0x00, 0x00, 0x00, 0x08, 0x52, 0x61, 0x62, 0x62, 0x69, 0x74, 0x4d,
	0x51, 0x07, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x53, 0x00, 0x00,
	0x00, 0x06, 0x33, 0x2e, 0x31, 0x30, 0x2e, 0x38, 0x00, 0x00, 0x00, 0x0e,
	0x41, 0x4d, 0x51, 0x50, 0x4c, 0x41, 0x49, 0x4e, 0x20, 0x50, 0x4c, 0x41,
	0x49, 0x4e, 0x00, 0x00, 0x00, 0x05, 0x65, 0x6e, 0x5f, 0x55, 0x53, 0xce,
};
/* server: connection.tune ch0 (20 bytes) */
static const uint8_t s_01_connection_tune[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1e, 0x07,
	0xff, 0x00, 0x02, 0x00, 0x00, 0x00, 0x3c, 0xce,
};
/* server: connection.open-ok ch0 (13 bytes) */
static const uint8_t s_02_connection_open_ok[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x29, 0x00,
	0xce,
};
/* server: channel.open-ok ch1 (16 bytes) */
static const uint8_t s_03_channel_open_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x14, 0x00, 0x0b, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* server: queue.declare-ok ch1 (29 bytes) */
static const uint8_t s_04_queue_declare_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15, 0x00, 0x32, 0x00, 0x0b, 0x08,
	0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xce,
};
/* server: queue.declare-ok ch1 (29 bytes) */
static const uint8_t s_05_queue_declare_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15, 0x00, 0x32, 0x00, 0x0b, 0x08,
	0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xce,
};
/* server: basic.get-ok ch1 (70 bytes) */
static const uint8_t s_06_basic_get_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x3c, 0x00, 0x47, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x73, 0x74,
	0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0x00, 0x00, 0x02, 0xce, 0x02,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0xce, 0x03, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x05, 0x61, 0x61, 0x61, 0x61, 0x61, 0xce,
};
/* server: basic.consume-ok ch1 (51 bytes) */
static const uint8_t s_07_basic_consume_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x3c, 0x00, 0x15, 0x26,
	0x63, 0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64,
	0x61, 0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34,
	0x37, 0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38,
	0x62, 0x30, 0xce,
};
/* server: basic.deliver ch1 (110 bytes) */
static const uint8_t s_08_basic_deliver[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x3c, 0x00, 0x3c, 0x26,
	0x63, 0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64,
	0x61, 0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34,
	0x37, 0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38,
	0x62, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
	0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0xce, 0x02, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0xce, 0x03, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x0a, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62, 0x62,
	0x62, 0xce,
};
/* server: basic.deliver ch1 (120 bytes) */
static const uint8_t s_09_basic_deliver[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x3c, 0x00, 0x3c, 0x26,
	0x63, 0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64,
	0x61, 0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34,
	0x37, 0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38,
	0x62, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
	0x08, 0x73, 0x74, 0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0xce, 0x02, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0xce, 0x03, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x14, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
	0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0xce,
};
/* server: basic.cancel-ok ch1 (51 bytes) */
static const uint8_t s_10_basic_cancel_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x3c, 0x00, 0x1f, 0x26,
	0x63, 0x74, 0x61, 0x67, 0x31, 0x2e, 0x30, 0x35, 0x37, 0x37, 0x66, 0x64,
	0x61, 0x35, 0x37, 0x33, 0x65, 0x37, 0x34, 0x33, 0x64, 0x35, 0x61, 0x34,
	0x37, 0x30, 0x61, 0x33, 0x32, 0x39, 0x34, 0x62, 0x32, 0x31, 0x35, 0x38,
	0x62, 0x30, 0xce,
};
/* server: channel.open-ok ch2 (16 bytes) */
static const uint8_t s_11_channel_open_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x14, 0x00, 0x0b, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* server: channel.close ch2 (65 bytes) */
static const uint8_t s_12_channel_close[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x39, 0x00, 0x14, 0x00, 0x28, 0x01,
	0x94, 0x2e, 0x4e, 0x4f, 0x54, 0x5f, 0x46, 0x4f, 0x55, 0x4e, 0x44, 0x20,
	0x2d, 0x20, 0x6e, 0x6f, 0x20, 0x71, 0x75, 0x65, 0x75, 0x65, 0x20, 0x27,
	0x73, 0x74, 0x2d, 0x6d, 0x69, 0x73, 0x73, 0x69, 0x6e, 0x67, 0x27, 0x20,
	0x69, 0x6e, 0x20, 0x76, 0x68, 0x6f, 0x73, 0x74, 0x20, 0x27, 0x2f, 0x27,
	0x00, 0x32, 0x00, 0x0a, 0xce,
};
/* server: channel.open-ok ch2 (16 bytes) */
static const uint8_t s_13_channel_open_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x14, 0x00, 0x0b, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* skipped server basic.get-ok ch2 1048705 */
/* server: basic.get-ok ch2 (72 bytes) */
static const uint8_t s_15_basic_get_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x3c, 0x00, 0x47, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x08, 0x73, 0x74,
	0x2d, 0x71, 0x75, 0x65, 0x75, 0x65, 0x00, 0x00, 0x00, 0x00, 0xce, 0x02,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0xce, 0x03, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x07, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0x73, 0xce,
};
/* server: basic.get-empty ch2 (13 bytes) */
static const uint8_t s_16_basic_get_empty[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x3c, 0x00, 0x48, 0x00,
	0xce,
};
/* server: queue.delete-ok ch2 (16 bytes) */
static const uint8_t s_17_queue_delete_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x32, 0x00, 0x29, 0x00,
	0x00, 0x00, 0x00, 0xce,
};
/* server: channel.close-ok ch1 (12 bytes) */
static const uint8_t s_18_channel_close_ok[] = {
	0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x14, 0x00, 0x29, 0xce,
};
/* server: channel.close-ok ch2 (12 bytes) */
static const uint8_t s_19_channel_close_ok[] = {
	0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x14, 0x00, 0x29, 0xce,
};
/* server: connection.close-ok ch0 (12 bytes) */
static const uint8_t s_20_connection_close_ok[] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 0x00, 0x33, 0xce,
};

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
};

#define FIXTURE(array) { #array, array, sizeof(array) }

/* Each side's stream, in order, but the 1 MiB messages (built below). */
static const struct fixture client_messages[] = {
	FIXTURE(c_00_protocol),	       FIXTURE(c_01_connection_start_ok),
	FIXTURE(c_02_connection_tune_ok), FIXTURE(c_03_connection_open),
	FIXTURE(c_04_channel_open),    FIXTURE(c_05_queue_declare),
	FIXTURE(c_06_basic_publish),   FIXTURE(c_07_basic_publish),
	FIXTURE(c_08_basic_publish),   FIXTURE(c_09_queue_declare),
	FIXTURE(c_10_basic_get),       FIXTURE(c_11_basic_consume),
	FIXTURE(c_12_basic_ack),       FIXTURE(c_13_basic_ack),
	FIXTURE(c_14_basic_cancel),    FIXTURE(c_15_basic_ack),
	FIXTURE(c_16_channel_open),    FIXTURE(c_17_queue_declare),
	FIXTURE(c_18_channel_close_ok), FIXTURE(c_19_channel_open),
	FIXTURE(c_21_basic_publish),   FIXTURE(c_22_basic_get),
	FIXTURE(c_23_basic_get),       FIXTURE(c_24_basic_get),
	FIXTURE(c_25_queue_delete),    FIXTURE(c_26_channel_close),
	FIXTURE(c_27_channel_close),   FIXTURE(c_28_connection_close),
};

static const struct fixture server_messages[] = {
	FIXTURE(s_00_connection_start),	 FIXTURE(s_01_connection_tune),
	FIXTURE(s_02_connection_open_ok), FIXTURE(s_03_channel_open_ok),
	FIXTURE(s_04_queue_declare_ok),	 FIXTURE(s_05_queue_declare_ok),
	FIXTURE(s_06_basic_get_ok),	 FIXTURE(s_07_basic_consume_ok),
	FIXTURE(s_08_basic_deliver),	 FIXTURE(s_09_basic_deliver),
	FIXTURE(s_10_basic_cancel_ok),	 FIXTURE(s_11_channel_open_ok),
	FIXTURE(s_12_channel_close),	 FIXTURE(s_13_channel_open_ok),
	FIXTURE(s_15_basic_get_ok),	 FIXTURE(s_16_basic_get_empty),
	FIXTURE(s_17_queue_delete_ok),	 FIXTURE(s_18_channel_close_ok),
	FIXTURE(s_19_channel_close_ok),	 FIXTURE(s_20_connection_close_ok),
};

#define N_CLIENT (sizeof(client_messages) / sizeof(client_messages[0]))
#define N_SERVER (sizeof(server_messages) / sizeof(server_messages[0]))

/* What each message is, in the human form (secrets masked), and whether it
 * is reported alone. */
static const char *const client_expected[N_CLIENT] = {
	"AMQP 0-9-1",
	"connection.start-ok PLAIN ***",
	"client connection.tune-ok channel_max=2047 frame_max=131072 heartbeat=0",
	"connection.open /",
	"ch1 channel.open",
	"ch1 queue.declare st-queue",
	"client ch1 basic.publish exchange=\"\" routing_key=st-queue body 5B",
	"client ch1 basic.publish exchange=\"\" routing_key=st-queue body 10B",
	"client ch1 basic.publish exchange=\"\" routing_key=st-queue body 20B",
	"ch1 queue.declare st-queue passive",
	"ch1 basic.get st-queue",
	"ch1 basic.consume st-queue consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0",
	"client ch1 basic.ack delivery_tag=2",
	"client ch1 basic.ack delivery_tag=3",
	"ch1 basic.cancel consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0",
	"client ch1 basic.ack delivery_tag=1",
	"ch2 channel.open",
	"ch2 queue.declare st-missing passive",
	"client ch2 channel.close-ok",
	"ch2 channel.open",
	"client ch2 basic.publish exchange=\"\" routing_key=st-queue body 7B",
	"ch2 basic.get st-queue no_ack",
	"ch2 basic.get st-queue no_ack",
	"ch2 basic.get st-queue",
	"ch2 queue.delete st-queue",
	"ch1 channel.close 200 REPLY_SUCCESS \"Normal shutdown\"",
	"ch2 channel.close 200 REPLY_SUCCESS \"Normal shutdown\"",
	"connection.close 200 REPLY_SUCCESS \"Normal shutdown\"",
};

static const char *const server_expected[N_SERVER] = {
	"connection.start 0-9 mechanisms=\"AMQPLAIN PLAIN\"",
	"connection.tune channel_max=2047 frame_max=131072 heartbeat=60",
	"connection.open-ok",
	"ch1 channel.open-ok",
	"ch1 queue.declare-ok st-queue message_count=0 consumer_count=0",
	"ch1 queue.declare-ok st-queue message_count=0 consumer_count=0",
	"ch1 basic.get-ok delivery_tag=1 exchange=\"\" routing_key=st-queue message_count=2 body 5B",
	"ch1 basic.consume-ok consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0",
	"server ch1 basic.deliver consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0 "
	"delivery_tag=2 exchange=\"\" routing_key=st-queue body 10B",
	"server ch1 basic.deliver consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0 "
	"delivery_tag=3 exchange=\"\" routing_key=st-queue body 20B",
	"ch1 basic.cancel-ok consumer_tag=ctag1.0577fda573e743d5a470a3294b2158b0",
	"ch2 channel.open-ok",
	"ch2 channel.close 404 NOT_FOUND \"NOT_FOUND - no queue 'st-missing' in vhost '/'\" "
	"(queue.declare)",
	"ch2 channel.open-ok",
	"ch2 basic.get-ok delivery_tag=2 exchange=\"\" routing_key=st-queue message_count=0 body 7B",
	"ch2 basic.get-empty",
	"ch2 queue.delete-ok message_count=0",
	"ch1 channel.close-ok",
	"ch2 channel.close-ok",
	"connection.close-ok",
};

static struct decoder_run run_a;
static struct amqp_conn_state conn_state;

/* A run of one direction through decoder_test.h's engine, on the
 * connection whose state (both directions') is *state. */
static void run_init(struct decoder_run *run, bool from_client, struct amqp_conn_state *state)
{
	decoder_run_init(run, &amqp_protocol, from_client, NULL, 0);
	run->conn_state = state;
}

static const char *human(const struct message *m, bool show_secrets)
{
	return decoder_human(&amqp_protocol, m, true, show_secrets);
}

static const char *json(const struct message *m, bool show_secrets)
{
	return decoder_json(&amqp_protocol, m, show_secrets);
}

static const struct amqp_message *body(const struct message *m)
{
	return PROTOCOL_BODY_CONST(m, struct amqp_message);
}

/* A side's messages in a row; returns the length. */
static size_t stream_build(uint8_t *out, size_t cap, const struct fixture *f, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (len + f[i].len > cap)
			abort();
		memcpy(out + len, f[i].buf, f[i].len);
		len += f[i].len;
	}
	return len;
}

static uint8_t stream_client[4096], stream_server[4096];
static size_t stream_client_len, stream_server_len;

/* --- tests --- */

/* One side's stream: its n messages as expected, each its fixture's size,
 * those reported alone named by their sender. */
static void side_check(bool from_client, const uint8_t *stream, size_t len,
		       const struct fixture *messages, const char *const *expected, unsigned n,
		       enum split split, unsigned seed)
{
	const char *sender = from_client ? "client " : "server ";

	run_init(&run_a, from_client, &conn_state);
	decoder_run_stream(&run_a, stream, len, split, seed);
	decoder_run_check_all(&run_a, len, n);
	for (unsigned i = 0; i < n && i < run_a.completes; i++) {
		CHECK_STR(human(&run_a.kept[i], false), expected[i]);
		CHECK_INT(run_a.kept_bytes[i], messages[i].len);
		CHECK_INT(run_a.kept_result[i].role == ROLE_ALONE,
			  !strncmp(expected[i], sender, 7));
	}
}

/* Every message of both sides, whole, byte at a time and in random splits,
 * against what pika and RabbitMQ sent. */
static void test_session(void)
{
	static const enum split splits[] = { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_SMALL, SPLIT_RANDOM };

	stream_client_len = stream_build(stream_client, sizeof(stream_client), client_messages,
					 N_CLIENT);
	stream_server_len = stream_build(stream_server, sizeof(stream_server), server_messages,
					 N_SERVER);
	for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
		for (unsigned seed = 0; seed < (splits[s] >= SPLIT_SMALL ? 6u : 1u); seed++) {
			memset(&conn_state, 0, sizeof(conn_state));
			side_check(true, stream_client, stream_client_len, client_messages,
				   client_expected, N_CLIENT, splits[s], seed);
			/* The start-ok response, "\0guest\0guest", is the one secret. */
			CHECK_INT(run_a.n_secrets, 1);
			CHECK_INT(run_a.secret_len[0], 12);
			CHECK(!memcmp(stream_client + run_a.secret_at[0], "\0guest\0guest", 12));
			/* Requests waiting per channel: ch2's passive declare was answered
			 * by the channel.close (not fed here), the rest are open. */
			CHECK_INT(conn_state.waiting[1], 7);

			side_check(false, stream_server, stream_server_len, server_messages,
				   server_expected, N_SERVER, splits[s], seed);
			CHECK_INT(run_a.n_secrets, 0);
			/* Each request counted was answered, but the ch2 basic.get of
			 * the 1 MiB message (its get-ok is not in these fixtures). */
			CHECK_INT(conn_state.waiting[0], 0);
			CHECK_INT(conn_state.waiting[1], 0);
			CHECK_INT(conn_state.waiting[2], 1);
		}
	}
}

static const struct message *parse_one(const uint8_t *buf, size_t len, bool from_client)
{
	memset(&conn_state, 0, sizeof(conn_state));
	run_init(&run_a, from_client, &conn_state);
	decoder_run_stream(&run_a, buf, len, SPLIT_WHOLE, 0);
	CHECK_INT(run_a.completes, 1);
	CHECK_INT(run_a.invalid, 0);
	return &run_a.kept[0];
}

/* The endpoint and outcome hooks on the captured session's methods. */
static void test_hooks(void)
{
	static struct message request, response;
	char status[STATUS_CLASS_MAX];
	uint8_t publish[sizeof(c_06_basic_publish)];

	request = *parse_one(c_00_protocol, sizeof(c_00_protocol), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "protocol-header");
	response = *parse_one(s_00_connection_start, sizeof(s_00_connection_start), false);
	CHECK_INT(decoder_outcome(&amqp_protocol, &request, &response, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	request = *parse_one(c_05_queue_declare, sizeof(c_05_queue_declare), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "queue.declare");
	response = *parse_one(s_04_queue_declare_ok, sizeof(s_04_queue_declare_ok), false);
	CHECK_INT(decoder_outcome(&amqp_protocol, &request, &response, status), OUTCOME_OK);
	CHECK_STR(status, "ok");
	request = *parse_one(c_10_basic_get, sizeof(c_10_basic_get), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "basic.get");
	/* The passive declare of a missing queue, and the server's 404 close. */
	request = *parse_one(c_17_queue_declare, sizeof(c_17_queue_declare), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "queue.declare");
	response = *parse_one(s_12_channel_close, sizeof(s_12_channel_close), false);
	CHECK_INT(decoder_outcome(&amqp_protocol, &request, &response, status),
		  OUTCOME_CLIENT_ERROR);
	CHECK_STR(status, "NOT_FOUND");
	CHECK_INT(decoder_outcome(&amqp_protocol, NULL, &response, status), OUTCOME_CLIENT_ERROR);
	/* Its code (bytes 11-12) another: 541 INTERNAL_ERROR, 200, 999. */
	{
		static const struct {
			uint16_t code;
			enum outcome outcome;
			const char *status;
		} codes[] = {
			{ 541, OUTCOME_SERVER_ERROR, "INTERNAL_ERROR" },
			{ 320, OUTCOME_SERVER_ERROR, "CONNECTION_FORCED" },
			{ 403, OUTCOME_CLIENT_ERROR, "ACCESS_REFUSED" },
			{ 200, OUTCOME_OK, "REPLY_SUCCESS" },
			{ 999, OUTCOME_CLIENT_ERROR, "999" },
		};
		uint8_t close[sizeof(s_12_channel_close)];

		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			memcpy(close, s_12_channel_close, sizeof(close));
			close[11] = (uint8_t)(codes[i].code >> 8);
			close[12] = (uint8_t)codes[i].code;
			response = *parse_one(close, sizeof(close), false);
			CHECK_INT(decoder_outcome(&amqp_protocol, &request, &response, status),
				  codes[i].outcome);
			CHECK_STR(status, codes[i].status);
		}
	}
	request = *parse_one(c_28_connection_close, sizeof(c_28_connection_close), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "connection.close");
	response = *parse_one(s_20_connection_close_ok, sizeof(s_20_connection_close_ok), false);
	CHECK_INT(decoder_outcome(&amqp_protocol, &request, &response, status), OUTCOME_OK);

	/* basic.publish to the default exchange, routing key "st-queue"; then
	 * the key's bytes (offsets 15-22) made "ord.42.x". */
	request = *parse_one(c_06_basic_publish, sizeof(c_06_basic_publish), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "basic.publish (default) st-queue");
	memcpy(publish, c_06_basic_publish, sizeof(publish));
	memcpy(publish + 15, "ord.42.x", 8);
	request = *parse_one(publish, sizeof(publish), true);
	CHECK_STR(decoder_endpoint(&amqp_protocol, &request), "basic.publish (default) ord.{id}.x");
}

static void test_json(void)
{
	const struct message *m;

	m = parse_one(c_00_protocol, sizeof(c_00_protocol), true);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"client\",\"method\":\"protocol_header\",\"version\":\"0-9-1\"");
	m = parse_one(s_00_connection_start, sizeof(s_00_connection_start), false);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"server\",\"method\":\"connection.start\",\"channel\":0,"
		  "\"class_id\":10,\"method_id\":10,\"version\":\"0-9\","
		  "\"server_product\":\"RabbitMQ\",\"server_version\":\"3.10.8\","
		  "\"mechanisms\":\"AMQPLAIN PLAIN\",\"locales\":\"en_US\"");
	m = parse_one(c_01_connection_start_ok, sizeof(c_01_connection_start_ok), true);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"client\",\"method\":\"connection.start-ok\",\"channel\":0,"
		  "\"class_id\":10,\"method_id\":11,"
		  "\"client_product\":\"Pika Python Client Library\",\"client_version\":\"1.2.0\","
		  "\"mechanism\":\"PLAIN\",\"response_len\":12,\"response\":\"***\","
		  "\"locale\":\"en_US\"");
	CHECK_STR(human(m, true), "connection.start-ok PLAIN \\x00guest\\x00guest");
	CHECK(strstr(json(m, true), "\"response\":\"\\\\x00guest\\\\x00guest\""));
	m = parse_one(c_05_queue_declare, sizeof(c_05_queue_declare), true);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"client\",\"method\":\"queue.declare\",\"channel\":1,"
		  "\"class_id\":50,\"method_id\":10,\"queue\":\"st-queue\",\"flags\":[]");
	m = parse_one(c_09_queue_declare, sizeof(c_09_queue_declare), true);
	CHECK(strstr(json(m, false), "\"flags\":[\"passive\"]"));
	m = parse_one(s_06_basic_get_ok, sizeof(s_06_basic_get_ok), false);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"server\",\"method\":\"basic.get-ok\",\"channel\":1,"
		  "\"class_id\":60,\"method_id\":71,\"delivery_tag\":1,\"flags\":[],"
		  "\"exchange\":\"\",\"routing_key\":\"st-queue\",\"message_count\":2,"
		  "\"body_size\":5,\"body_frames\":1,\"content_type\":\"\"");
	m = parse_one(s_12_channel_close, sizeof(s_12_channel_close), false);
	CHECK_STR(json(m, false),
		  ",\"sender\":\"server\",\"method\":\"channel.close\",\"channel\":2,"
		  "\"class_id\":20,\"method_id\":40,\"reply_code\":404,"
		  "\"reply_code_name\":\"NOT_FOUND\","
		  "\"reply_text\":\"NOT_FOUND - no queue 'st-missing' in vhost '/'\","
		  "\"failing_class_id\":50,\"failing_method\":\"queue.declare\","
		  "\"failing_method_id\":10");
	/* Nothing waited on the channel here: the close is reported alone. */
	CHECK_INT(run_a.kept_result[0].role, ROLE_ALONE);
	CHECK_STR(human(m, false), "server ch2 channel.close 404 NOT_FOUND \"NOT_FOUND - no queue "
				   "'st-missing' in vhost '/'\" (queue.declare)");
}

/* basic.publish of 1 MiB (header frames from the capture, the body as pika
 * split it), then the 7-byte one: read whole, a byte at a time, and with
 * every write captured to 4096 bytes (the tracer's default) in one write
 * and as pika wrote it (each frame its own write). */
#define BIG_BODY (1u << 20)
#define BIG_FRAME 131064u

static uint8_t big[BIG_BODY + 16 * 8 + 256];
static size_t big_writes[32];
static unsigned n_big_writes;

static size_t big_build(void)
{
	/* c_21's method and header frames, with body size 1 MiB. */
	static const uint8_t method[] = { 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x11, 0x00, 0x3c,
					  0x00, 0x28, 0x00, 0x00, 0x00, 0x08, 's',  't',  '-',
					  'q',  'u',  'e',  'u',  'e',  0x00, 0xce };
	static const uint8_t header[] = { 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00,
					  0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					  0x10, 0x00, 0x00, 0x00, 0x00, 0xce };
	size_t len = 0, left = BIG_BODY;

	n_big_writes = 0;
	memcpy(big, method, sizeof(method));
	len += sizeof(method);
	big_writes[n_big_writes++] = sizeof(method);
	memcpy(big + len, header, sizeof(header));
	len += sizeof(header);
	big_writes[n_big_writes++] = sizeof(header);
	while (left) {
		uint32_t n = left < BIG_FRAME ? (uint32_t)left : BIG_FRAME;

		big[len] = 3;
		big[len + 1] = 0;
		big[len + 2] = 2;
		big[len + 3] = (uint8_t)(n >> 24);
		big[len + 4] = (uint8_t)(n >> 16);
		big[len + 5] = (uint8_t)(n >> 8);
		big[len + 6] = (uint8_t)n;
		memset(big + len + 7, 'L', n);
		big[len + 7 + n] = 0xce;
		len += n + 8;
		left -= n;
		big_writes[n_big_writes++] = n + 8;
	}
	memcpy(big + len, c_21_basic_publish, sizeof(c_21_basic_publish));
	len += sizeof(c_21_basic_publish);
	big_writes[n_big_writes++] = sizeof(c_21_basic_publish);
	return len;
}

static void big_check(const struct decoder_run *run, size_t total, bool predicted)
{
	const struct amqp_message *m = body(&run->kept[0]);

	decoder_run_check_all(run, total, 2);
	CHECK_STR(human(&run->kept[0], false),
		  "client ch2 basic.publish exchange=\"\" routing_key=st-queue body 1048576B");
	CHECK_INT(m->body_size, BIG_BODY);
	CHECK_INT(m->body_frames, 9);
	CHECK_INT(m->content_predicted, predicted);
	CHECK_INT(run->kept_bytes[0], total - sizeof(c_21_basic_publish));
	CHECK_STR(human(&run->kept[1], false), client_expected[20]);
	CHECK_INT(run->kept_bytes[1], sizeof(c_21_basic_publish));
}

static void test_large_content(void)
{
	size_t total = big_build();

	/* All bytes seen: each frame checked. */
	run_init(&run_a, true, &conn_state);
	decoder_run_stream(&run_a, big, total, SPLIT_WHOLE, 0);
	big_check(&run_a, total, false);
	/* The big message in one write and the small one in the next, each
	 * captured to 4 KiB: the body frames past the capture are skipped by
	 * the layout the body size gives. */
	{
		size_t two[2] = { total - sizeof(c_21_basic_publish), sizeof(c_21_basic_publish) };

		run_init(&run_a, true, &conn_state);
		run_a.writes = two;
		run_a.n_writes = 2;
		run_a.capture = 4096;
		decoder_run_stream(&run_a, big, total, SPLIT_LIST, 0);
		big_check(&run_a, total, true);
	}
	/* As pika wrote them (each frame its own write), captured to 4 KiB. */
	run_init(&run_a, true, &conn_state);
	run_a.writes = big_writes;
	run_a.n_writes = n_big_writes;
	run_a.capture = 4096;
	decoder_run_stream(&run_a, big, total, SPLIT_LIST, 0);
	big_check(&run_a, total, true);
	/* Random reads of up to 4 KiB, all seen: no frame is whole in one,
	 * so they are skipped by the layout too. */
	for (unsigned seed = 1; seed < 4; seed++) {
		run_init(&run_a, true, &conn_state);
		decoder_run_stream(&run_a, big, total, SPLIT_RANDOM, seed);
		big_check(&run_a, total, true);
	}
}

static void test_heartbeat_and_interleaving(void)
{
	static const uint8_t heartbeat[] = { 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xce };
	uint8_t buf[512];
	size_t len = 0;

	/* A heartbeat alone: ignored; inside a content: passed over. */
	run_init(&run_a, false, &conn_state);
	decoder_run_stream(&run_a, heartbeat, sizeof(heartbeat), SPLIT_BYTES, 0);
	CHECK_INT(run_a.ignored, 1);
	CHECK_INT(run_a.completes, 0);
	memcpy(buf, s_06_basic_get_ok, 35); /* the get-ok method frame */
	memcpy(buf + 35, heartbeat, sizeof(heartbeat));
	memcpy(buf + 35 + 8, s_06_basic_get_ok + 35, sizeof(s_06_basic_get_ok) - 35);
	len = sizeof(s_06_basic_get_ok) + 8;
	run_init(&run_a, false, &conn_state);
	decoder_run_stream(&run_a, buf, len, SPLIT_SMALL, 3);
	decoder_run_check_all(&run_a, len, 1);
	CHECK_STR(human(&run_a.kept[0], false), server_expected[6]);
	/* Another channel's method where ch1's content header was due: the
	 * publish ends without it, the frames of its content are passed over. */
	memcpy(buf, c_06_basic_publish, 25);
	memcpy(buf + 25, c_17_queue_declare, sizeof(c_17_queue_declare));
	memcpy(buf + 25 + sizeof(c_17_queue_declare), c_06_basic_publish + 25, 35);
	len = 25 + sizeof(c_17_queue_declare) + 35;
	run_init(&run_a, true, &conn_state);
	decoder_run_stream(&run_a, buf, len, SPLIT_WHOLE, 0);
	decoder_run_check_all(&run_a, len, 4);
	CHECK_INT(run_a.completes, 2);
	CHECK_INT(run_a.ignored, 2);
	CHECK_STR(human(&run_a.kept[0], false),
		  "client ch1 basic.publish exchange=\"\" routing_key=st-queue (content not seen)");
	CHECK(strstr(json(&run_a.kept[0], false), "\"body_size\":null"));
	CHECK(strstr(json(&run_a.kept[0], false), "\"content_missing\":true"));
	CHECK_STR(human(&run_a.kept[1], false), client_expected[17]);
}

static void test_roles(void)
{
	/* queue.declare with no-wait: nothing answers it, it is alone. */
	uint8_t declare[sizeof(c_05_queue_declare)];
	const struct message *m;

	memcpy(declare, c_05_queue_declare, sizeof(declare));
	declare[sizeof(declare) - 6] |= 0x10; /* the bits: no_wait */
	m = parse_one(declare, sizeof(declare), true);
	CHECK_INT(run_a.kept_result[0].role, ROLE_ALONE);
	CHECK_STR(human(m, false), "client ch1 queue.declare st-queue no_wait");
	CHECK_INT(conn_state.waiting[1], 0);
	/* The server's channel.close answers what waits on its channel. */
	memset(&conn_state, 0, sizeof(conn_state));
	run_init(&run_a, true, &conn_state);
	decoder_run_stream(&run_a, c_17_queue_declare, sizeof(c_17_queue_declare), SPLIT_WHOLE, 0);
	CHECK_INT(conn_state.waiting[2], 1);
	run_init(&run_a, false, &conn_state);
	decoder_run_stream(&run_a, s_12_channel_close, sizeof(s_12_channel_close), SPLIT_WHOLE, 0);
	CHECK_INT(run_a.kept_result[0].role, ROLE_OF_SENDER);
	CHECK_INT(conn_state.waiting[2], 0);
	/* Pairing ids: the channel; one-way messages get one no response has. */
	CHECK_INT(amqp_protocol.pair_id(&run_a.kept[0]), 2);
	m = parse_one(c_06_basic_publish, sizeof(c_06_basic_publish), true);
	CHECK(amqp_protocol.pair_id(m) > 0xffff);
	/* Without connection state (tests, fuzzers): a close is a response. */
	{
		struct message one;
		struct parse_ctx ctx = { .from_client = false, .conn_flags = &run_a.flags };
		struct parse_result r;

		memset(&one, 0, sizeof(one));
		r = amqp_parse(s_12_channel_close, sizeof(s_12_channel_close), &ctx, &one);
		CHECK_INT(r.state, PARSE_COMPLETE);
		CHECK_INT(r.role, ROLE_OF_SENDER);
	}
}

/* The scan of bytes no parser took finds the start-ok's response. */
static void test_secrets_scan(void)
{
	struct parse_ctx ctx = { .secret = decoder_run_secret, .engine = &run_a };
	uint8_t *copy;

	run_init(&run_a, true, &conn_state);
	copy = exact_copy(stream_client, stream_client_len);
	amqp_secrets_scan(copy, stream_client_len, &ctx);
	CHECK_INT(run_a.n_secrets, 1);
	CHECK_INT(run_a.secret_len[0], 12);
	CHECK(!memcmp(stream_client + run_a.secret_at[0], "\0guest\0guest", 12));
	/* Cut anywhere: nothing read outside, a mark starts inside. */
	for (size_t cut = 0; cut < sizeof(c_00_protocol) + sizeof(c_01_connection_start_ok); cut++) {
		run_init(&run_a, true, &conn_state);
		amqp_secrets_scan(copy, cut, &ctx);
		for (unsigned i = 0; i < run_a.n_secrets; i++)
			CHECK(run_a.secret_at[i] <= cut);
	}
	free(copy);
	/* Nothing in the server's bytes. */
	run_init(&run_a, false, &conn_state);
	amqp_secrets_scan(stream_server, stream_server_len, &ctx);
	CHECK_INT(run_a.n_secrets, 0);
}

static struct parse_result parse_fresh(const uint8_t *buf, size_t len, bool from_client)
{
	static struct message one;

	memset(one.body, 0, sizeof(one.body));
	return parse_exact(amqp_parse, buf, len, from_client, NULL, &one);
}

static void test_invalid(void)
{
	uint8_t copy[600];

	/* The frame end. */
	memcpy(copy, c_04_channel_open, sizeof(c_04_channel_open));
	copy[sizeof(c_04_channel_open) - 1] = 0xcd;
	CHECK_INT(parse_fresh(copy, sizeof(c_04_channel_open), true).state, PARSE_INVALID);
	/* An unknown method; a method of another class than channel 0's. */
	memcpy(copy, c_04_channel_open, sizeof(c_04_channel_open));
	copy[10] = 0x63;
	CHECK_INT(parse_fresh(copy, sizeof(c_04_channel_open), true).state, PARSE_INVALID);
	memcpy(copy, c_04_channel_open, sizeof(c_04_channel_open));
	copy[2] = 0;
	CHECK_INT(parse_fresh(copy, sizeof(c_04_channel_open), true).state, PARSE_INVALID);
	/* A frame type that is none of 1, 2, 3, 8; a heartbeat with a payload. */
	memcpy(copy, c_04_channel_open, sizeof(c_04_channel_open));
	copy[0] = 4;
	CHECK_INT(parse_fresh(copy, sizeof(c_04_channel_open), true).state, PARSE_INVALID);
	CHECK_INT(parse_fresh((const uint8_t *)"\x08\x00\x00\x00\x00\x00\x01\x00\xce", 9, true)
			  .state,
		  PARSE_INVALID);
	/* A short string longer than the frame; bytes after the last field. */
	memcpy(copy, c_05_queue_declare, sizeof(c_05_queue_declare));
	copy[13] = 0x40;
	CHECK_INT(parse_fresh(copy, sizeof(c_05_queue_declare), true).state, PARSE_INVALID);
	memcpy(copy, c_04_channel_open, sizeof(c_04_channel_open));
	copy[6] = 6;
	copy[12] = 0x00;
	copy[13] = 0xce;
	CHECK_INT(parse_fresh(copy, 14, true).state, PARSE_INVALID);
	/* A payload size past any frame we follow. */
	CHECK_INT(parse_fresh((const uint8_t *)"\x01\x00\x01\x7f\x00\x00\x00\x00\x14", 9, true)
			  .state,
		  PARSE_INVALID);
	/* Not AMQP's header. */
	CHECK_INT(parse_fresh((const uint8_t *)"AMQX\x00\x00\x09\x01", 8, true).state,
		  PARSE_INVALID);
	CHECK_INT(parse_fresh((const uint8_t *)"AMQ", 3, true).state, PARSE_NEED_MORE);
	CHECK_INT(parse_fresh((const uint8_t *)"AB", 2, true).state, PARSE_INVALID);
	/* A content header of another class than its method's. */
	memcpy(copy, c_06_basic_publish, sizeof(c_06_basic_publish));
	copy[25 + 8] = 0x3d;
	run_init(&run_a, true, &conn_state);
	decoder_run_stream(&run_a, copy, sizeof(c_06_basic_publish), SPLIT_WHOLE, 0);
	CHECK_INT(run_a.invalid, 1);
	/* A body frame larger than the body size left. */
	memcpy(copy, c_06_basic_publish, sizeof(c_06_basic_publish));
	copy[47 + 6] = 6;
	run_init(&run_a, true, &conn_state);
	decoder_run_stream(&run_a, copy, sizeof(c_06_basic_publish), SPLIT_WHOLE, 0);
	CHECK_INT(run_a.invalid, 1);
}

static void texts_check(const struct message *m)
{
	const struct amqp_message *a = body(m);

	for (int i = 0; i < AMQP_STRINGS; i++)
		CHECK(text_terminated(a->strings[i], TEXT_LONG));
	CHECK(text_terminated(a->content_type, sizeof(a->content_type)));
	CHECK(a->n_strings <= AMQP_STRINGS && a->n_numbers <= AMQP_NUMBERS);
	CHECK(a->secret_kept <= AMQP_SECRET_KEPT);
	human(m, false);
	human(m, true);
	json(m, false);
	json(m, true);
}

/* Every prefix: no message yet, nothing refused; every flip: the contract
 * holds and nothing is read outside (ASan). */
static void test_prefixes_and_flips(void)
{
	const struct fixture *sets[2] = { client_messages, server_messages };
	const size_t counts[2] = { N_CLIENT, N_SERVER };
	struct message flip_msg;

	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < counts[side]; i++) {
			const struct fixture *f = &sets[side][i];

			for (size_t cut = 0; cut < f->len; cut++) {
				run_init(&run_a, side == 0, &conn_state);
				decoder_run_stream(&run_a, f->buf, cut, SPLIT_WHOLE, 0);
				if (run_a.invalid || run_a.completes)
					fprintf(stderr, "%s: prefix of %zu bytes\n", f->name, cut);
				CHECK_INT(run_a.invalid, 0);
				CHECK_INT(run_a.completes, 0);
			}
			memset(&flip_msg, 0, sizeof(flip_msg));
			flip_msg.protocol = &amqp_protocol;
			flips_check_decoder(amqp_parse, f->buf, f->len, side == 0, NULL, &flip_msg,
					    texts_check);
		}
	}
}

/* The bytes of every file in tests/fuzz/seeds/<dir>/, to fn. */
static unsigned seeds_each(const char *skip_dir, void (*fn)(const char *name, const uint8_t *buf,
							      size_t len))
{
	char root[512], path[1024];
	const char *file = __FILE__, *slash = strrchr(file, '/');
	unsigned files = 0;
	DIR *top, *sub;
	struct dirent *d, *e;

	snprintf(root, sizeof(root), "%.*s/../fuzz/seeds", slash ? (int)(slash - file) : 1,
		 slash ? file : ".");
	top = opendir(root);
	if (!top) {
		fprintf(stderr, "no seeds at %s\n", root);
		check_failures++;
		return 0;
	}
	while ((d = readdir(top))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, skip_dir) ||
		    !strcmp(d->d_name, "elf_image"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, d->d_name);
		if (!(sub = opendir(path)))
			continue;
		while ((e = readdir(sub))) {
			static uint8_t buf[1 << 16];
			FILE *fp;
			size_t len;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", root, d->d_name, e->d_name);
			if (!(fp = fopen(path, "rb")))
				continue;
			len = fread(buf, 1, sizeof(buf), fp);
			fclose(fp);
			fn(path, buf, len);
			files++;
		}
		closedir(sub);
	}
	closedir(top);
	return files;
}

static void other_seed_refused(const char *name, const uint8_t *buf, size_t len)
{
	for (int side = 0; side < 2; side++) {
		bool found = detect_exact(amqp_detect, buf, len, side);

		if (found)
			fprintf(stderr, "amqp_detect claims %s (from_client %d)\n", name, side);
		CHECK(!found);
	}
}

/* Only AMQP's detect claims AMQP's first bytes. */
static void only_amqp_claims(const uint8_t *buf, size_t len, bool from_client)
{
	for (unsigned i = 0; i < protocol_count; i++) {
		const struct protocol *p = protocol_registry[i];
		bool found;

		if (p->datagram && !p->stream_framed)
			continue;
		found = detect_exact(p->detect, buf, len, from_client);
		if (found != (p == &amqp_protocol))
			fprintf(stderr, "%s detect on AMQP bytes: %d\n", p->name, found);
		CHECK_INT(found, p == &amqp_protocol);
	}
}

static void test_detect(void)
{
	/* The client's header, the server's connection.start, and a client or
	 * server joined midway (a whole method frame of a known method). */
	only_amqp_claims(c_00_protocol, sizeof(c_00_protocol), true);
	only_amqp_claims(stream_client, stream_client_len, true);
	only_amqp_claims(s_00_connection_start, sizeof(s_00_connection_start), false);
	only_amqp_claims(stream_server, stream_server_len, false);
	only_amqp_claims(c_05_queue_declare, sizeof(c_05_queue_declare), true);
	only_amqp_claims(c_06_basic_publish, sizeof(c_06_basic_publish), true);
	only_amqp_claims(s_08_basic_deliver, sizeof(s_08_basic_deliver), false);
	only_amqp_claims(s_12_channel_close, sizeof(s_12_channel_close), false);
	/* Not yet, or not AMQP 0-9-1. */
	CHECK(!detect_exact(amqp_detect, c_00_protocol, 7, true));
	CHECK(!detect_exact(amqp_detect, "AMQP\x00\x01\x00\x00", 8, true)); /* AMQP 1.0 */
	CHECK(!detect_exact(amqp_detect, "AMQP\x03\x01\x00\x00", 8, true)); /* 1.0 SASL */
	CHECK(!detect_exact(amqp_detect, s_00_connection_start, 100, false));
	CHECK(!detect_exact(amqp_detect, c_06_basic_publish + 25, 35, true)); /* content only */
	CHECK(!detect_exact(amqp_detect, "\x08\x00\x00\x00\x00\x00\x00\xce", 8, true));
	CHECK(!detect_exact(amqp_detect, "GET / HTTP/1.1\r\n\r\n", 18, true));
	CHECK(!detect_exact(amqp_detect, "", 0, true));
	/* Every other protocol's seeds are refused. */
	CHECK(seeds_each("amqp", other_seed_refused) > 20);
}

int main(void)
{
	test_session();
	test_json();
	test_hooks();
	test_large_content();
	test_heartbeat_and_interleaving();
	test_roles();
	test_secrets_scan();
	test_invalid();
	test_prefixes_and_flips();
	test_detect();
	return check_report("test_decode_amqp");
}
