/* The output writer against real file descriptors: a pipe (held, then
 * written when forced or when the chunk fills), a closed pipe (EPIPE, also
 * seen without a write), a closed unix socket, a file and /dev/full
 * (ENOSPC). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "output/writer.h"

#define LINE_MAX_TEST 4096

static void line_put(struct writer *writer, const char *text)
{
	struct strbuf line = writer_line_begin(writer);

	strbuf_puts(&line, text);
	writer_line_end(writer, &line);
}

static size_t pipe_drain(int fd, char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = read(fd, out + got, cap - got)) > 0)
		got += n;
	return got;
}

static void test_pipe_holds_then_writes(void)
{
	struct writer writer;
	char got[64];
	int fds[2];

	CHECK(pipe2(fds, O_NONBLOCK) == 0);
	CHECK_INT(writer_open(&writer, fds[1], LINE_MAX_TEST), 0);
	CHECK(!writer.terminal);
	line_put(&writer, "one\n");
	line_put(&writer, "two\n");
	/* fresh lines on a pipe are held */
	CHECK_INT(writer_flush(&writer, false), 0);
	CHECK_INT(pipe_drain(fds[0], got, sizeof(got)), 0);
	CHECK_INT(writer_flush(&writer, true), 0);
	size_t n = pipe_drain(fds[0], got, sizeof(got) - 1);
	got[n] = '\0';
	CHECK_STR(got, "one\ntwo\n");
	/* held lines go out once they are WRITER_HOLD_MS old */
	line_put(&writer, "three\n");
	usleep((WRITER_HOLD_MS + 20) * 1000);
	CHECK_INT(writer_flush(&writer, false), 0);
	n = pipe_drain(fds[0], got, sizeof(got) - 1);
	got[n] = '\0';
	CHECK_STR(got, "three\n");
	writer_close(&writer);
	close(fds[0]);
	close(fds[1]);
}

static void test_full_chunk_is_written(void)
{
	struct writer writer;
	char path[] = "/tmp/test_writer.XXXXXX";
	int fd = mkstemp(path);
	char line[1001];
	size_t lines = WRITER_CHUNK / 1000 + 1;

	CHECK(fd >= 0);
	unlink(path);
	CHECK_INT(writer_open(&writer, fd, LINE_MAX_TEST), 0);
	memset(line, 'x', 999);
	line[999] = '\n';
	line[1000] = '\0';
	for (size_t i = 0; i < lines; i++)
		line_put(&writer, line);
	/* the chunk went out without a flush; the rest is held */
	CHECK_INT(lseek(fd, 0, SEEK_END), lines * 1000 - writer.len);
	CHECK(writer.len < 1000);
	CHECK_INT(writer_flush(&writer, true), 0);
	CHECK_INT(lseek(fd, 0, SEEK_END), lines * 1000);
	writer_close(&writer);
	close(fd);
}

static void test_closed_reader(void)
{
	struct writer writer;
	int fds[2];

	CHECK(pipe(fds) == 0);
	close(fds[0]);
	CHECK_INT(writer_open(&writer, fds[1], LINE_MAX_TEST), 0);
	line_put(&writer, "nobody reads this\n");
	CHECK_INT(writer_flush(&writer, true), -EPIPE);
	CHECK(writer.closed);
	CHECK_INT(writer.error, 0);
	writer_close(&writer);
	close(fds[1]);
}

/* A reader gone is noted at the next flush even with nothing to write, so
 * a quiet trace piped into head stops when head exits. */
static void test_reader_gone_without_a_write(void)
{
	struct writer writer;
	char path[] = "/tmp/test_writer_XXXXXX";
	int fds[2];
	int file;

	/* a pipe: POLLERR once its last reader closed it */
	CHECK(pipe(fds) == 0);
	CHECK_INT(writer_open(&writer, fds[1], LINE_MAX_TEST), 0);
	CHECK_INT(writer_flush(&writer, false), 0);
	close(fds[0]);
	line_put(&writer, "held, not due\n");
	CHECK_INT(writer_flush(&writer, false), -EPIPE);
	CHECK(writer.closed);
	writer_close(&writer);
	close(fds[1]);

	/* a unix socket: POLLHUP once its peer closed */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	CHECK_INT(writer_open(&writer, fds[0], LINE_MAX_TEST), 0);
	CHECK_INT(writer_flush(&writer, false), 0);
	close(fds[1]);
	CHECK_INT(writer_flush(&writer, false), -EPIPE);
	CHECK(writer.closed);
	writer_close(&writer);
	close(fds[0]);

	/* a file has no reader to lose */
	file = mkstemp(path);
	CHECK(file >= 0);
	unlink(path);
	CHECK_INT(writer_open(&writer, file, LINE_MAX_TEST), 0);
	CHECK_INT(writer_flush(&writer, false), 0);
	CHECK(!writer.closed);
	writer_close(&writer);
	close(file);
}

static void test_disk_full(void)
{
	struct writer writer;
	int fd = open("/dev/full", O_WRONLY);

	CHECK(fd >= 0);
	CHECK_INT(writer_open(&writer, fd, LINE_MAX_TEST), 0);
	line_put(&writer, "no room\n");
	CHECK_INT(writer_flush(&writer, true), -ENOSPC);
	CHECK(!writer.closed);
	CHECK_INT(writer.error, -ENOSPC);
	/* the error sticks: later flushes report it without writing */
	line_put(&writer, "again\n");
	CHECK_INT(writer_flush(&writer, true), -ENOSPC);
	writer_close(&writer);
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_pipe_holds_then_writes();
	test_full_chunk_is_written();
	test_closed_reader();
	test_reader_gone_without_a_write();
	test_disk_full();
	return check_report("test_writer");
}
