/* Checking for the capabilities that loading and attaching BPF needs. */
#ifndef ST_PRIVILEGES_H
#define ST_PRIVILEGES_H

/* Returns 0 when the effective set allows BPF tracing, else -EPERM after
 * printing one line naming what is missing. */
int privileges_check(void);

#endif
