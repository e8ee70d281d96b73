/* bcc reads tracepoint ids from tracefs, which a fresh machine leaves unmounted. */
#ifndef ST_TRACEFS_H
#define ST_TRACEFS_H

#include <stdbool.h>

#define TRACEFS_DIR "/sys/kernel/tracing"

/* Mounts tracefs at TRACEFS_DIR unless it is there. Returns 0 or a negative
 * errno after printing the command to run. */
int tracefs_ensure(void);

/* Whether the kernel has the sock:sock_send_length and sock_recv_length
 * tracepoints (6.2 on), which tell socket I/O from inside it. */
bool tracefs_has_sock_io(void);

#endif
