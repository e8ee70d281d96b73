/* Sockets that were open before the tracer started. */
#ifndef ST_PREEXISTING_H
#define ST_PREEXISTING_H

#include "state/conn_table.h"
#include "options.h"

/*
 * Finds the inet, inet6 and unix sockets open in the selected processes
 * (opts' -p/-c, or all) and enters each in the BPF map socks_fd, flagged
 * ST_SOCK_PREEXISTING, and its peer in conns, so that their next bytes are
 * traced. Sockets the probes already know are left as they are. Returns the
 * number of sockets entered.
 */
int preexisting_scan(const struct options *opts, int socks_fd, struct conn_table *conns);

#endif
