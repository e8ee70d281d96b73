/*
 * The TLS capture's uprobes: finding the files that hold TLS code
 * (libssl, libgnutls, a program with OpenSSL built in such as node, a Go
 * program using crypto/tls) and attaching the BPF programs to their read
 * and write functions. A probe is on a file (an inode): every process that
 * maps that file is traced, those started later too. New files come with
 * execs and executable mappings, which a thread of its own handles as they
 * happen. With -p, each probe is on one process only, so that others take
 * no trap.
 */
#ifndef ST_TLS_PROBES_H
#define ST_TLS_PROBES_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/probes.h"
#include "base/strbuf.h"
#include "options.h"

struct tls_probes;

/* What the probing did, for the summary. */
struct tls_probes_report {
	uint64_t files_probed;     /* files (or file, process pairs with -p) with probes */
	uint64_t probes_attached;  /* uprobes attached in all */
	uint64_t attach_failures;  /* files whose TLS functions could not all be probed */
	uint64_t files_not_examined; /* new files past the table of files seen */
};

/* Sets up the probing with the uprobe programs of programs and the exec
 * ring exec_events_fd, then probes what is on the machine now (the system
 * TLS libraries and what every process, or each -p process, maps) and
 * starts the thread that probes what comes later. Returns 0 or a negative
 * errno after printing why; *probes is NULL then. */
int tls_probes_start(const struct probe_set *programs, int exec_events_fd,
		     const struct options *opts, struct tls_probes **probes);

/* What the start probed, for the startup line: "TLS in 2 files (16
 * uprobes): libssl.so.3, libgnutls.so.30". */
void tls_probes_describe_start(const struct tls_probes *probes, struct strbuf *out);

/* The report so far, while the thread probes new programs (--metrics):
 * its counts are added to atomically. */
void tls_probes_report_now(const struct tls_probes *probes, struct tls_probes_report *report);

/* Stops the thread, detaches every probe, fills report, frees. */
void tls_probes_stop(struct tls_probes *probes, struct tls_probes_report *report);

#endif
