#include "loader/bcc_compiler.h"

#include <dlfcn.h>
#include <errno.h>

#include "base/log.h"

/* dlsym into a typed pointer; a missing name fails the whole open. */
#define BCC_RESOLVE(bcc, field, name)                                  \
	((bcc)->field = (__typeof__((bcc)->field))dlsym((bcc)->library, name), \
	 (bcc)->field != NULL)

int bcc_compiler_open(struct bcc_compiler *bcc)
{
	bcc->library = dlopen(BCC_COMPILER_LIBRARY, RTLD_LAZY | RTLD_LOCAL);
	if (!bcc->library) {
		log_error("cannot open bcc's compiler: %s (install libbpfcc)", dlerror());
		return -ENOENT;
	}
	if (!BCC_RESOLVE(bcc, module_create, "bpf_module_create_c_from_string") ||
	    !BCC_RESOLVE(bcc, module_destroy, "bpf_module_destroy") ||
	    !BCC_RESOLVE(bcc, module_license, "bpf_module_license") ||
	    !BCC_RESOLVE(bcc, module_kern_version, "bpf_module_kern_version") ||
	    !BCC_RESOLVE(bcc, table_fd, "bpf_table_fd") ||
	    !BCC_RESOLVE(bcc, function_start, "bpf_function_start") ||
	    !BCC_RESOLVE(bcc, function_size, "bpf_function_size") ||
	    !BCC_RESOLVE(bcc, func_load, "bcc_func_load")) {
		log_error("%s lacks a function socket-tracer needs: %s", BCC_COMPILER_LIBRARY,
			  dlerror());
		dlclose(bcc->library);
		bcc->library = NULL;
		return -ENOENT;
	}
	return 0;
}
