#include "protocols/http2_hpack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

struct hpack_stats hpack_stats;

/* The dynamic table a joined decoder allows: larger than the encoder's
 * current one (4096 by default) can only keep more entries than the
 * encoder has, which it never names; an encoder using more is refused (its
 * blocks not decoded), never misread. Each start fills it with 512 empty
 * entries, which is the cost a failing peer can make us pay. */
#define HPACK_JOINED_TABLE 16384u
/* The table any decoder allows at most, whatever a peer advertises. */
#define HPACK_TABLE_MAX 65536u
/* Every inflater together: tables, field buffers. */
#define HPACK_MEMORY_MAX (64u << 20)
/* An entry's size is its name and value lengths plus 32 (RFC 7541 4.1). */
#define HPACK_ENTRY_OVERHEAD 32u

static uint64_t hpack_memory;

/* Allocations carry their size ahead of them, for the bound. */
struct alloc_head {
	size_t size;
	max_align_t align;
};

static void *hpack_malloc(size_t size, void *user)
{
	struct alloc_head *head;

	(void)user;
	if (size > HPACK_MEMORY_MAX || hpack_memory + size > HPACK_MEMORY_MAX)
		return NULL;
	head = malloc(offsetof(struct alloc_head, align) + size);
	if (!head)
		return NULL;
	head->size = size;
	hpack_memory += size;
	return &head->align;
}

static struct alloc_head *head_of(void *ptr)
{
	return (struct alloc_head *)(void *)((char *)ptr - offsetof(struct alloc_head, align));
}

static void hpack_free(void *ptr, void *user)
{
	(void)user;
	if (!ptr)
		return;
	hpack_memory -= head_of(ptr)->size;
	free(head_of(ptr));
}

static void *hpack_calloc(size_t count, size_t size, void *user)
{
	void *ptr;

	if (size && count > HPACK_MEMORY_MAX / size)
		return NULL;
	ptr = hpack_malloc(count * size, user);
	if (ptr)
		memset(ptr, 0, count * size);
	return ptr;
}

static void *hpack_realloc(void *ptr, size_t size, void *user)
{
	void *grown;
	size_t old;

	if (!ptr)
		return hpack_malloc(size, user);
	old = head_of(ptr)->size;
	grown = hpack_malloc(size, user);
	if (!grown)
		return NULL;
	memcpy(grown, ptr, old < size ? old : size);
	hpack_free(ptr, user);
	return grown;
}

static nghttp2_mem hpack_mem = {
	.malloc = hpack_malloc,
	.free = hpack_free,
	.calloc = hpack_calloc,
	.realloc = hpack_realloc,
};

/* Runs a whole block through the inflater, fields to field (NULL: none). */
static int inflate_block(nghttp2_hd_inflater *inflater, const uint8_t *in, size_t len,
			 bool final, hpack_field_fn field, void *ctx)
{
	const uint8_t *begin = in;

	for (;;) {
		nghttp2_nv nv;
		int flags = 0;
		ssize_t used = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, len, final);

		if (used < 0)
			return used == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EPROTO;
		if ((flags & NGHTTP2_HD_INFLATE_EMIT) && field) {
			bool unknown = nv.namelen == 0;

			if (unknown)
				hpack_stats.fields_unknown++;
			field(ctx, nv.name, nv.namelen, nv.value, nv.valuelen, unknown,
			      (size_t)(in - begin), (size_t)used);
		}
		in += used;
		len -= (size_t)used;
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(inflater);
			return 0;
		}
		if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && !len)
			return 0;
	}
}

/* Fills the table with empty entries, as many as the largest table holds:
 * a size update to HPACK_JOINED_TABLE, then literal fields with
 * incremental indexing, empty name, empty value. */
static int prime(nghttp2_hd_inflater *inflater)
{
	enum { PLACEHOLDERS = HPACK_JOINED_TABLE / HPACK_ENTRY_OVERHEAD };
	/* 16384 as a 5-bit-prefix integer after 001 (RFC 7541 5.1, 6.3). */
	static const uint8_t size_update[] = { 0x3f, 0xe1, 0x7f };
	_Static_assert(HPACK_JOINED_TABLE == 31 + 0x61 + (0x7f << 7),
		       "size_update encodes HPACK_JOINED_TABLE");
	static uint8_t block[sizeof(size_update) + 3 * PLACEHOLDERS];

	if (!block[0]) {
		memcpy(block, size_update, sizeof(size_update));
		for (size_t i = 0; i < PLACEHOLDERS; i++)
			block[sizeof(size_update) + 3 * i] = 0x40;
	}
	if (nghttp2_hd_inflate_change_table_size(inflater, HPACK_JOINED_TABLE))
		return -ENOMEM;
	return inflate_block(inflater, block, sizeof(block), true, NULL, NULL);
}

int hpack_decoder_start(struct hpack_decoder *decoder, bool joined)
{
	nghttp2_hd_inflater *inflater;
	uint32_t allowed = decoder->table_allowed;

	if (decoder->inflater)
		return 0;
	if (decoder->restarts > HPACK_RESTARTS_MAX)
		return -EPROTO;
	if (nghttp2_hd_inflate_new2(&inflater, &hpack_mem)) {
		hpack_stats.memory_refused++;
		return -ENOMEM;
	}
	if (joined) {
		hpack_stats.decoders_joined++;
		if (prime(inflater)) {
			nghttp2_hd_inflate_del(inflater);
			hpack_stats.memory_refused++;
			return -ENOMEM;
		}
	} else if (allowed > NGHTTP2_DEFAULT_HEADER_TABLE_SIZE &&
		   nghttp2_hd_inflate_change_table_size(inflater, allowed)) {
		nghttp2_hd_inflate_del(inflater);
		hpack_stats.memory_refused++;
		return -ENOMEM;
	}
	decoder->inflater = inflater;
	decoder->joined = joined;
	return 0;
}

void hpack_decoder_stop(struct hpack_decoder *decoder)
{
	if (decoder->inflater)
		nghttp2_hd_inflate_del(decoder->inflater);
	decoder->inflater = NULL;
}

int hpack_decoder_restart(struct hpack_decoder *decoder)
{
	hpack_decoder_stop(decoder);
	if (++decoder->restarts > HPACK_RESTARTS_MAX) {
		decoder->restarts = HPACK_RESTARTS_MAX + 1;
		hpack_stats.decoders_given_up++;
		return -EPROTO;
	}
	return hpack_decoder_start(decoder, true);
}

void hpack_table_size_allow(struct hpack_decoder *decoder, uint32_t size)
{
	if (size > HPACK_TABLE_MAX)
		size = HPACK_TABLE_MAX;
	if (size <= decoder->table_allowed)
		return;
	decoder->table_allowed = size;
	/* A joined decoder already allows the most. */
	if (decoder->inflater && !decoder->joined && size > NGHTTP2_DEFAULT_HEADER_TABLE_SIZE)
		nghttp2_hd_inflate_change_table_size(decoder->inflater, size);
}

int hpack_decode(struct hpack_decoder *decoder, const uint8_t *in, size_t len, bool final,
		 hpack_field_fn field, void *ctx)
{
	int err;

	if (!decoder->inflater)
		return -ENOMEM;
	err = inflate_block(decoder->inflater, in, len, final, field, ctx);
	if (err == -EPROTO) {
		hpack_stats.blocks_failed++;
		hpack_decoder_restart(decoder);
	}
	return err;
}
