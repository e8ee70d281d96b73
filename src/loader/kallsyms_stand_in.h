/* A short /proc/kallsyms for the compile child. bcc 0.26 reads the whole
 * file (over 100,000 lines, about 0.1 s) on every compile only to learn
 * whether the kernel has the bpf_probe_read_{kernel,user} helpers (5.5 and
 * later); the stand-in says yes, in a mount namespace of the child's own. */
#ifndef ST_KALLSYMS_STAND_IN_H
#define ST_KALLSYMS_STAND_IN_H

/* Moves the calling process into a private mount namespace where
 * /proc/kallsyms lists only those helpers. Nothing changes outside it.
 * Returns 0, -ENOTSUP on a kernel older than 5.5 (bcc must then see the
 * real file), or another negative errno when a step fails; the caller
 * decides whether that matters. */
int kallsyms_stand_in(void);

#endif
