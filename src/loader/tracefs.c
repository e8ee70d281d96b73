#include "loader/tracefs.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/log.h"

bool tracefs_has_sock_io(void)
{
	return access(TRACEFS_DIR "/events/sock/sock_send_length/id", F_OK) == 0 &&
	       access(TRACEFS_DIR "/events/sock/sock_recv_length/id", F_OK) == 0;
}

int tracefs_ensure(void)
{
	if (access(TRACEFS_DIR "/events/syscalls", F_OK) == 0)
		return 0;
	if (mount("tracefs", TRACEFS_DIR, "tracefs", 0, NULL) == 0) {
		if (access(TRACEFS_DIR "/events/syscalls", F_OK) == 0)
			return 0;
		log_error("tracefs mounted at %s has no syscall tracepoints "
			  "(kernel built without CONFIG_FTRACE_SYSCALLS?)", TRACEFS_DIR);
		return -ENOENT;
	}
	int err = errno;
	log_error("tracefs is not mounted and mounting it failed (%s); run: "
		  "mount -t tracefs tracefs %s", strerror(err), TRACEFS_DIR);
	return -err;
}
