#include "outputs/outputs.h"

#include <errno.h>
#include <stdlib.h>

#include "base/log.h"

struct outputs {
	struct session *session;
};

int outputs_open(const struct options *opts, struct session *session, struct outputs **outputs)
{
	(void)opts;
	*outputs = NULL;
	struct outputs *made = calloc(1, sizeof(*made));

	if (!made) {
		log_error("out of memory");
		return -ENOMEM;
	}
	made->session = session;
	*outputs = made;
	return 0;
}

void outputs_tick(struct outputs *outputs, uint64_t now_ns)
{
	(void)outputs;
	(void)now_ns;
}

int outputs_close(struct outputs *outputs)
{
	free(outputs);
	return 0;
}
