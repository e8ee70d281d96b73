#include "loader/privileges.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* Capability numbers from <linux/capability.h>. */
#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static int effective_caps_read(uint64_t *caps)
{
	char line[256];
	FILE *status = fopen("/proc/self/status", "r");
	int err = -ENOENT;

	if (!status)
		return -errno;
	while (fgets(line, sizeof(line), status)) {
		if (sscanf(line, "CapEff: %" SCNx64, caps) == 1) {
			err = 0;
			break;
		}
	}
	fclose(status);
	return err;
}

int privileges_check(void)
{
	uint64_t caps;
	bool sys_admin, bpf, perfmon;

	if (effective_caps_read(&caps)) {
		log_error("cannot read capabilities from /proc/self/status");
		return -EPERM;
	}
	sys_admin = caps & (1ULL << CAP_SYS_ADMIN_BIT);
	bpf = caps & (1ULL << CAP_BPF_BIT);
	perfmon = caps & (1ULL << CAP_PERFMON_BIT);
	if (sys_admin || (bpf && perfmon))
		return 0;
	log_error("needs root, or CAP_BPF and CAP_PERFMON (missing:%s%s); run it with sudo",
		  bpf ? "" : " CAP_BPF", perfmon ? "" : " CAP_PERFMON");
	return -EPERM;
}
