/* Process names by pid: what a human line shows for events of any thread.
 * A thread's comm can differ from its process's (dig's "isc-net-0000", a
 * grpc "default-executo"); the process's name is its main thread's comm,
 * learnt from that thread's own events, else asked of /proc while the
 * process lives, else of the name the BPF program kept at its exec. */
#ifndef ST_PROCESS_NAMES_H
#define ST_PROCESS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "events/socket_tracer_abi.h"

/* Slots, a power of two: a pid's slot is its low bits, and a pid meeting
 * another's slot takes it (the other is asked again if it comes back). */
#define PROCESS_NAMES_SLOTS 4096

struct process_name {
	uint32_t pid; /* 0: free */
	uint8_t name[ST_COMM_LEN];
};

struct process_names {
	/* Reads a process's name on this machine; NULL in a replay, where
	 * the pids are not this machine's. Returns 0 or -errno. */
	int (*read_live)(void *ctx, uint32_t pid, uint8_t name[ST_COMM_LEN]);
	void *live_ctx;
	struct process_name slots[PROCESS_NAMES_SLOTS];
};

void process_names_init(struct process_names *names);

/* The name of the process of thread tid (comm its comm): the comm itself
 * for the main thread, else the name learnt or read, else the comm. */
void process_names_of(struct process_names *names, uint32_t pid, uint32_t tid,
		      const uint8_t *comm, uint8_t out[ST_COMM_LEN]);

void process_names_forget(struct process_names *names, uint32_t pid);

/* The read_live of a live trace: /proc/PID/comm, else (the process is
 * gone) its name at exec from the BPF map "process_comms" whose fd ctx
 * points to. NUL-padded. */
int process_name_read_live(void *ctx, uint32_t pid, uint8_t name[ST_COMM_LEN]);

#endif
