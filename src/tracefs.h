/* bcc reads tracepoint ids from tracefs, which a fresh machine leaves unmounted. */
#ifndef ST_TRACEFS_H
#define ST_TRACEFS_H

#define TRACEFS_DIR "/sys/kernel/tracing"

/* Mounts tracefs at TRACEFS_DIR unless it is there. Returns 0 or a negative
 * errno after printing the command to run. */
int tracefs_ensure(void);

#endif
