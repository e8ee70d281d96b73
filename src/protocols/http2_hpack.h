/*
 * HTTP/2 header blocks through libnghttp2's HPACK inflater: one decoder per
 * direction of a connection. A decoder that joins a connection midway (or
 * after lost bytes) cannot know the dynamic table the encoder built: its
 * table is filled with empty placeholder entries first, so that a field
 * naming an entry from before is recognised as unknown, never resolved to
 * another field's value, while static-table and literal fields, and entries
 * added later, decode.
 */
#ifndef ST_HTTP2_HPACK_H
#define ST_HTTP2_HPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nghttp2_hd_inflater;

struct hpack_decoder {
	struct nghttp2_hd_inflater *inflater; /* NULL until the first block */
	bool joined;          /* started without the connection's first block */
	uint32_t table_allowed; /* the largest SETTINGS_HEADER_TABLE_SIZE seen */
	/* Restarts so far; past HPACK_RESTARTS_MAX the direction's blocks go
	 * undecoded (a peer that keeps failing costs a primed table each). */
	uint8_t restarts;
};
#define HPACK_RESTARTS_MAX 8

/* A decoded field; unknown: its name (and maybe its value) came from a
 * dynamic-table entry never seen. Its representation took in[at, at + span)
 * of the fragment (a credential's bytes there are masked in data lines). */
typedef void (*hpack_field_fn)(void *ctx, const uint8_t *name, size_t name_len,
			       const uint8_t *value, size_t value_len, bool unknown, size_t at,
			       size_t span);

/* Creates the inflater if there is none (primed when joined). 0, -ENOMEM,
 * -EPROTO when restarts ran out. */
int hpack_decoder_start(struct hpack_decoder *decoder, bool joined);
void hpack_decoder_stop(struct hpack_decoder *decoder);
/* What lost bytes leave: the table is unknown from here. 0, -ENOMEM, or
 * -EPROTO past HPACK_RESTARTS_MAX (the decoder stays stopped). */
int hpack_decoder_restart(struct hpack_decoder *decoder);
/* The receiver allows a table this large (SETTINGS_HEADER_TABLE_SIZE);
 * only growth is applied, so that an encoder that has not yet seen a
 * smaller setting still decodes. Between blocks only. */
void hpack_table_size_allow(struct hpack_decoder *decoder, uint32_t size);
/*
 * Decodes a fragment of a header block (final: the block's last). 0;
 * -EPROTO when the block cannot be decoded (the fields before were right;
 * the decoder is restarted, joined); -ENOMEM past the memory bound.
 */
int hpack_decode(struct hpack_decoder *decoder, const uint8_t *in, size_t len, bool final,
		 hpack_field_fn field, void *ctx);

/* Counters for the exit summary. */
struct hpack_stats {
	uint64_t blocks_failed;   /* blocks the inflater refused */
	uint64_t fields_unknown;  /* fields naming entries never seen */
	uint64_t decoders_joined; /* decoders started midway or after a gap */
	uint64_t memory_refused;  /* inflaters not made for the memory bound */
	uint64_t decoders_given_up; /* past HPACK_RESTARTS_MAX */
};
extern struct hpack_stats hpack_stats;

#endif
