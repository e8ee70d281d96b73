#include "outputs/outputs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "outputs/pcapng_packets.h"

struct outputs {
	struct session *session;
	struct pcapng_packets *pcapng; /* -w, NULL none */
	bool pcapng_stdout;            /* -w -: it has stdout, the lines are off */
	int pcapng_error;              /* its first failure, said once; nothing more written */
};

/* A failed -w write: the trace stops, as the output asked for is not
 * being made. Stdout's reader going (| head -c) is the quiet stop the
 * lines have too. */
static void pcapng_failed(struct outputs *outputs, int err)
{
	outputs->pcapng_error = err;
	outputs->session->done = true;
	if (err == -EPIPE && outputs->pcapng_stdout) {
		outputs->session->out_closed = true;
		return;
	}
	log_error("cannot write the pcapng to %s: %s", pcapng_packets_name(outputs->pcapng),
		  strerror(-err));
}

static void pcapng_event(void *ctx, const struct event *ev, const struct conn *conn)
{
	struct outputs *outputs = ctx;
	int err;

	if (outputs->pcapng_error)
		return;
	err = pcapng_packets_event(outputs->pcapng, ev, conn);
	if (err)
		pcapng_failed(outputs, err);
}

/* pcapng_local_fn: the session's hook, which a recording records and a
 * replay answers. */
static int pcapng_local(void *ctx, const struct event *ev, char *text, size_t size)
{
	struct session *session = ctx;

	if (!session->socket_local)
		return -ENOSYS;
	return session->socket_local(ev->pid, ev->fd, ev->family, ev->sock_type, text, size);
}

static int pcapng_open(const struct options *opts, struct outputs *outputs)
{
	const struct session_observer observer = { .event = pcapng_event, .ctx = outputs };
	int err = pcapng_packets_open(opts->write_file, pcapng_local, outputs->session,
				      &outputs->pcapng);

	if (err)
		return err;
	outputs->pcapng_stdout = !strcmp(opts->write_file, "-");
	if (outputs->pcapng_stdout)
		outputs->session->lines = false;
	err = session_observe(outputs->session, &observer);
	if (err)
		log_error("too many outputs: -w not written");
	return err;
}

int outputs_open(const struct options *opts, struct session *session, struct outputs **outputs)
{
	*outputs = NULL;
	struct outputs *made = calloc(1, sizeof(*made));
	int err;

	if (!made) {
		log_error("out of memory");
		return -ENOMEM;
	}
	made->session = session;
	if (opts->write_file) {
		err = pcapng_open(opts, made);
		if (err) {
			outputs_close(made);
			return err;
		}
	}
	*outputs = made;
	return 0;
}

void outputs_tick(struct outputs *outputs, uint64_t now_ns)
{
	(void)now_ns;
	if (!outputs)
		return;
	/* each round's packets out: a reader of a pipe (wireshark -k -i -) shows them */
	if (outputs->pcapng && !outputs->pcapng_error) {
		int err = pcapng_packets_flush(outputs->pcapng);

		if (err)
			pcapng_failed(outputs, err);
	}
}

int outputs_close(struct outputs *outputs)
{
	int result = 0;

	if (!outputs)
		return 0;
	if (outputs->pcapng) {
		uint64_t unwritten = pcapng_packets_unwritten(outputs->pcapng);
		int err = pcapng_packets_close(outputs->pcapng);

		if (err && !outputs->pcapng_error)
			pcapng_failed(outputs, err);
		if (outputs->pcapng_error &&
		    !(outputs->pcapng_error == -EPIPE && outputs->pcapng_stdout))
			result = outputs->pcapng_error;
		if (unwritten)
			log_error("%" PRIu64 " data events not written to the pcapng: no connection "
				  "(TLS plaintext of an unknown socket) or no room for its stream",
				  unwritten);
	}
	free(outputs);
	return result;
}
