#include "outputs/pcapng_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wiretap/wtap.h>
#include <wsutil/wslog.h>

#include "base/log.h"

/* Larger than any packet pcapng_packets.c makes (an IP packet's limit). */
#define PCAPNG_SNAPLEN 65535

struct pcapng_writer {
	wtap_dumper *dumper;
	const char *name;
	GArray *shbs;                     /* the section header, kept until close */
	wtapng_iface_descriptions_t idbs; /* the one interface, likewise */
	int error;                        /* the first failure, -errno */
};

/* wiretap's error (an errno, or a negative WTAP_ERR_*) as a negative errno. */
static int errno_of(int err)
{
	if (err > 0)
		return -err;
	/* a short write is what a full disk gives stdio */
	return err == WTAP_ERR_SHORT_WRITE ? -ENOSPC : -EIO;
}

static void blocks_make(struct pcapng_writer *writer)
{
	static const char app[] = "socket-tracer";
	static const char ifname[] = "socket-tracer";
	static const char ifdescr[] = "payloads traced at the socket calls, as synthesized packets";
	wtap_block_t shb = wtap_block_create(WTAP_BLOCK_SECTION);
	wtap_block_t idb = wtap_block_create(WTAP_BLOCK_IF_ID_AND_INFO);
	wtapng_if_descr_mandatory_t *info = wtap_block_get_mandatory_data(idb);

	wtap_block_add_string_option(shb, OPT_SHB_USERAPPL, app, strlen(app));
	writer->shbs = g_array_new(FALSE, FALSE, sizeof(wtap_block_t));
	g_array_append_val(writer->shbs, shb);
	info->wtap_encap = WTAP_ENCAP_RAW_IP;
	info->time_units_per_second = 1000000000;
	info->tsprecision = WTAP_TSPREC_NSEC;
	info->snap_len = PCAPNG_SNAPLEN;
	wtap_block_add_uint8_option(idb, OPT_IDB_TSRESOL, 9);
	wtap_block_add_string_option(idb, OPT_IDB_NAME, ifname, strlen(ifname));
	wtap_block_add_string_option(idb, OPT_IDB_DESCRIPTION, ifdescr, strlen(ifdescr));
	writer->idbs.interface_data = g_array_new(FALSE, FALSE, sizeof(wtap_block_t));
	g_array_append_val(writer->idbs.interface_data, idb);
}

static void blocks_free(struct pcapng_writer *writer)
{
	if (writer->shbs)
		wtap_block_array_free(writer->shbs);
	if (writer->idbs.interface_data)
		wtap_block_array_free(writer->idbs.interface_data);
}

int pcapng_writer_open(const char *path, struct pcapng_writer **out)
{
	static bool wiretap_ready;
	struct pcapng_writer *writer = calloc(1, sizeof(*writer));
	wtap_dump_params params = WTAP_DUMP_PARAMS_INIT;
	bool to_stdout = !strcmp(path, "-");
	gchar *err_info = NULL;
	int err = 0;
	int fd = -1;

	*out = NULL;
	if (!writer) {
		log_error("out of memory");
		return -ENOMEM;
	}
	if (!wiretap_ready) {
		/* its own logging, uninitialized, prints every debug line:
		 * failures come back as errors, said here once */
		ws_log_set_level(LOG_LEVEL_CRITICAL);
		wtap_init(FALSE);
		wiretap_ready = true;
	}
	writer->name = to_stdout ? "stdout" : path;
	blocks_make(writer);
	params.encap = WTAP_ENCAP_RAW_IP;
	params.snaplen = PCAPNG_SNAPLEN;
	params.tsprec = WTAP_TSPREC_NSEC;
	params.shb_hdrs = writer->shbs;
	params.idb_inf = &writer->idbs;
	if (to_stdout) {
		writer->dumper = wtap_dump_open_stdout(wtap_pcapng_file_type_subtype(),
						       WTAP_UNCOMPRESSED, &params, &err, &err_info);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = errno;
			log_error("cannot create %s: %s", path, strerror(err));
			goto fail;
		}
		writer->dumper = wtap_dump_fdopen(fd, wtap_pcapng_file_type_subtype(),
						  WTAP_UNCOMPRESSED, &params, &err, &err_info);
	}
	if (!writer->dumper) {
		log_error("cannot write pcapng to %s: %s%s%s", writer->name, wtap_strerror(err),
			  err_info ? ": " : "", err_info ? err_info : "");
		g_free(err_info);
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	*out = writer;
	return 0;

fail:
	blocks_free(writer);
	free(writer);
	return errno_of(err);
}

int pcapng_writer_packet(struct pcapng_writer *writer, uint64_t wall_ns, const uint8_t *packet,
			 uint32_t caplen, uint32_t len, const char *comment)
{
	gchar *err_info = NULL;
	wtap_rec rec;
	int err = 0;

	if (writer->error)
		return writer->error;
	wtap_rec_init(&rec);
	rec.rec_type = REC_TYPE_PACKET;
	rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN | WTAP_HAS_INTERFACE_ID;
	rec.ts.secs = (time_t)(wall_ns / 1000000000u);
	rec.ts.nsecs = (int)(wall_ns % 1000000000u);
	rec.tsprec = WTAP_TSPREC_NSEC;
	rec.rec_header.packet_header.caplen = caplen;
	rec.rec_header.packet_header.len = len;
	rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_RAW_IP;
	rec.rec_header.packet_header.interface_id = 0;
	rec.block = wtap_block_create(WTAP_BLOCK_PACKET);
	wtap_block_add_string_option(rec.block, OPT_COMMENT, comment, strlen(comment));
	if (!wtap_dump(writer->dumper, &rec, packet, &err, &err_info)) {
		writer->error = errno_of(err);
		g_free(err_info);
	}
	wtap_block_unref(rec.block);
	rec.block = NULL;
	wtap_rec_cleanup(&rec);
	return writer->error;
}

int pcapng_writer_flush(struct pcapng_writer *writer)
{
	int err = 0;

	if (!writer->error && !wtap_dump_flush(writer->dumper, &err))
		writer->error = errno_of(err);
	return writer->error;
}

const char *pcapng_writer_name(const struct pcapng_writer *writer)
{
	return writer->name;
}

int pcapng_writer_close(struct pcapng_writer *writer)
{
	gchar *err_info = NULL;
	int result;
	int err = 0;

	if (!writer)
		return 0;
	if (!wtap_dump_close(writer->dumper, NULL, &err, &err_info) && !writer->error)
		writer->error = errno_of(err);
	g_free(err_info);
	result = writer->error;
	blocks_free(writer);
	free(writer);
	return result;
}
