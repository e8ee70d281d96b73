#define _GNU_SOURCE /* unshare */
#include "loader/kallsyms_stand_in.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Where the stand-in file is written: a tmpfs mounted for a moment over
 * /dev/shm inside the private namespace, so no file is ever left behind. */
#define STAGING_DIR "/dev/shm"
#define STAGING_FILE STAGING_DIR "/kallsyms"

/* bcc only checks that the names resolve; it skips addresses below the
 * kernel's half and data symbols, hence a kernel text address and type T. */
static const char stand_in_text[] = "ffffffff81000000 T bpf_probe_read_kernel\n"
				    "ffffffff81000010 T bpf_probe_read_kernel_str\n"
				    "ffffffff81000020 T bpf_probe_read_user\n"
				    "ffffffff81000030 T bpf_probe_read_user_str\n";

static bool kernel_has_probe_read_user(void)
{
	struct utsname uts;
	int major = 0, minor = 0;

	if (uname(&uts) || sscanf(uts.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 5 || (major == 5 && minor >= 5);
}

static int stand_in_write(void)
{
	int fd = open(STAGING_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	ssize_t written;

	if (fd < 0)
		return -errno;
	written = write(fd, stand_in_text, sizeof(stand_in_text) - 1);
	close(fd);
	return written == sizeof(stand_in_text) - 1 ? 0 : -EIO;
}

int kallsyms_stand_in(void)
{
	int err;

	if (!kernel_has_probe_read_user())
		return -ENOTSUP;
	/* Private propagation first: with the host's shared mounts, the
	 * mounts below would appear outside too. */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	if (mount("socket-tracer", STAGING_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=16k"))
		return -errno;
	err = stand_in_write();
	if (!err && mount(STAGING_FILE, "/proc/kallsyms", NULL, MS_BIND, NULL))
		err = -errno;
	/* The bind mount keeps the file; /dev/shm shows the host's again. */
	if (umount2(STAGING_DIR, MNT_DETACH) && !err)
		err = -errno;
	return err;
}
