#include "output/writer.h"

#include "base/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int writer_open(struct writer *writer, int fd, size_t line_max)
{
	*writer = (struct writer){ .fd = fd, .line_max = line_max, .terminal = isatty(fd) };
	writer->buf = malloc(WRITER_CHUNK + line_max + 1);
	return writer->buf ? 0 : -ENOMEM;
}

void writer_close(struct writer *writer)
{
	free(writer->buf);
	writer->buf = NULL;
	writer->len = 0;
}

struct strbuf writer_line_begin(struct writer *writer)
{
	struct strbuf line;

	strbuf_init(&line, writer->buf + writer->len, writer->line_max + 1);
	return line;
}

/* Its only work is to make a blocked write return EINTR. */
static void write_interrupted(int signo)
{
	(void)signo;
}

void writer_stop_on(struct writer *writer, const volatile sig_atomic_t *stop)
{
	struct sigaction action = { .sa_handler = write_interrupted };

	sigemptyset(&action.sa_mask);
	sigaction(SIGALRM, &action, NULL);
	writer->stop = stop;
}

static void stop_checks_arm(const struct writer *writer, bool on)
{
	struct itimerval timer = { 0 };

	if (!writer->stop)
		return;
	if (on)
		timer.it_value.tv_usec = timer.it_interval.tv_usec = WRITER_STOP_CHECK_MS * 1000;
	setitimer(ITIMER_REAL, &timer, NULL);
}

/* After a stop request, a reader that has not taken the rest within the
 * grace never will: waiting on it would keep the tracer from stopping. */
static bool stop_grace_over(struct writer *writer)
{
	uint64_t now;

	if (!writer->stop || !*writer->stop)
		return false;
	now = clock_monotonic_ns();
	if (!writer->stop_seen_ns)
		writer->stop_seen_ns = now;
	return now - writer->stop_seen_ns >= WRITER_STOP_GRACE_MS * 1000000ull;
}

static int writer_write(struct writer *writer)
{
	size_t done = 0;

	stop_checks_arm(writer, true);
	while (done < writer->len && !writer->closed && !writer->error) {
		if (stop_grace_over(writer)) {
			writer->abandoned += writer->len - done;
			break;
		}
		ssize_t n = write(writer->fd, writer->buf + done, writer->len - done);
		if (n >= 0) {
			done += n;
		} else if (errno == EPIPE) {
			writer->closed = true;
		} else if (errno == EAGAIN) {
			/* a non-blocking stdout we were handed: wait for room */
			struct pollfd out = { .fd = writer->fd, .events = POLLOUT };
			poll(&out, 1, 1000);
		} else if (errno != EINTR) {
			writer->error = -errno;
		}
	}
	stop_checks_arm(writer, false);
	writer->len = 0;
	return writer->closed ? -EPIPE : writer->error;
}

void writer_line_end(struct writer *writer, const struct strbuf *line)
{
	if (!writer->len)
		writer->held_since_ns = writer->terminal ? 0 : clock_monotonic_ns();
	writer->len += line->len;
	if (writer->len >= WRITER_CHUNK)
		writer_write(writer);
}

/* A pipe whose last reader closed it reports POLLERR, a socket shut down
 * both ways or a hung-up terminal POLLHUP; a file never does. Seen here, a
 * reader gone stops the trace at once, not at the next event's write. */
static void reader_check(struct writer *writer)
{
	struct pollfd out = { .fd = writer->fd };

	if (!writer->closed && poll(&out, 1, 0) == 1 && (out.revents & (POLLERR | POLLHUP)))
		writer->closed = true;
}

int writer_flush(struct writer *writer, bool force)
{
	reader_check(writer);
	if (!writer->len)
		return writer->closed ? -EPIPE : writer->error;
	if (!force && !writer->closed && !writer->terminal &&
	    clock_monotonic_ns() - writer->held_since_ns < WRITER_HOLD_MS * 1000000ull)
		return 0;
	return writer_write(writer);
}
