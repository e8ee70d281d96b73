/* Sending open file descriptors, with a block of bytes, to another process
 * over a unix socket (SCM_RIGHTS): the compile child hands the tracer its
 * BPF map and program fds this way. */
#ifndef ST_FD_PASSING_H
#define ST_FD_PASSING_H

#include <stddef.h>

/* At most this many fds in one message (the kernel's SCM_MAX_FD is 253). */
#define FD_PASSING_MAX 128

/* Sends len bytes of data and n_fds fds in one message on the SOCK_SEQPACKET
 * socket sock. Returns 0 or a negative errno. */
int fds_send(int sock, const void *data, size_t len, const int *fds, int n_fds);

/* Receives one message of exactly len bytes and up to max_fds fds (set
 * close-on-exec). Returns the number of fds received, or a negative errno:
 * -EPIPE when the peer closed without sending, -EBADMSG for a message of
 * another size or with more fds than max_fds (those are closed). */
int fds_receive(int sock, void *data, size_t len, int *fds, int max_fds);

#endif
