/* The part of libbcc that needs LLVM and clang (compiling, and loading the
 * compiled functions), opened with dlopen() in the compile child only. The
 * tracer itself links libbcc_bpf, bcc's runtime without the compiler, so the
 * compiler's relocated data (over 10 MB) and its heap never live in the
 * process that runs for hours. */
#ifndef ST_BCC_COMPILER_H
#define ST_BCC_COMPILER_H

#include <bcc/bcc_common.h>

#define BCC_COMPILER_LIBRARY "libbcc.so.0"

/* Each pointer has the type of the libbcc function it stands for. */
struct bcc_compiler {
	void *library;
	__typeof__(bpf_module_create_c_from_string) *module_create;
	__typeof__(bpf_module_destroy) *module_destroy;
	__typeof__(bpf_module_license) *module_license;
	__typeof__(bpf_module_kern_version) *module_kern_version;
	__typeof__(bpf_table_fd) *table_fd;
	__typeof__(bpf_function_start) *function_start;
	__typeof__(bpf_function_size) *function_size;
	__typeof__(bcc_func_load) *func_load;
};

/* Opens libbcc and finds every function. Returns 0 or a negative errno
 * after printing why. */
int bcc_compiler_open(struct bcc_compiler *bcc);

#endif
