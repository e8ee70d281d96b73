/*
 * libFuzzer harness for elf_image: the input is the file a traced program
 * was started from, as hostile as it comes, read through a memfd as
 * elf_image_open reads one. Each input is asked for the functions a TLS
 * probe looks for, the function around a few addresses, and their code,
 * which goes through machine_code too (as the probe code does).
 *
 * The seeds (seeds/elf_image) are small real files: tiny.c below built
 * static and -nostdlib (.symtab only), the same built -shared (.dynsym),
 * and the static one stripped with a .gopclntab added by hand (Go 1.20
 * layout, its three functions named as Go's):
 *   static volatile int sink;
 *   __attribute__((noinline)) static int ssl_write_internal(int n)
 *   { sink = n; return n > 3 ? n : -1; }
 *   int SSL_write_ex(int n)
 *   { int ret = ssl_write_internal(n); return ret < 0 ? 0 : ret; }
 *   void _start(void) { SSL_write_ex(4); for (;;); }
 * with gcc -Os -fno-asynchronous-unwind-tables -fno-stack-protector
 * -fcf-protection=none -nostdlib -Wl,--build-id=none
 * -Wl,-z,noseparate-code -Wl,-z,norelro; the .gopclntab is 288 bytes.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uprobes/elf_image.h"
#include "uprobes/machine_code.h"

static int file_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	file_fd = memfd_create("fuzz_elf_image", 0);
	if (file_fd < 0)
		abort();
	return 0;
}

/* Reads the function's code as the probes do, and decodes it. */
static void function_code(struct elf_image *image, const struct elf_function *fn)
{
	static uint8_t code[8192];
	uint32_t returns[64];
	uint64_t callee;
	struct elf_function around;
	size_t want = fn->size < sizeof(code) ? fn->size : sizeof(code);
	long len = elf_image_code(image, fn->vaddr, code, want);

	if (len < 0)
		return;
	if ((size_t)len > want)
		abort();
	machine_code_returns(code, (size_t)len, fn->vaddr, returns, 64);
	machine_code_cheap_probe(code, (size_t)len);
	if (!machine_code_first_call(code, (size_t)len, fn->vaddr, 8, &callee))
		elf_image_function_at(image, callee, &around);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"SSL_write_ex", "SSL_read_ex", "SSL_write", "SSL_read", "main.main",
		"crypto/tls.(*Conn).Write", "crypto/tls.(*Conn).Read",
	};
	struct elf_image *image;
	struct elf_function fn;

	if (ftruncate(file_fd, 0) || pwrite(file_fd, data, size, 0) != (ssize_t)size)
		abort();
	if (elf_image_open(file_fd, &image))
		return 0;
	elf_image_is_go(image);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!elf_image_function(image, names[i], &fn)) {
			function_code(image, &fn);
			elf_image_function_at(image, fn.vaddr + fn.size / 2, &fn);
		}
	/* Addresses the input chooses: its last 16 bytes. */
	for (size_t at = size >= 16 ? size - 16 : size; at + 8 <= size; at += 8) {
		uint64_t vaddr, offset;

		memcpy(&vaddr, data + at, sizeof(vaddr));
		if (!elf_image_function_at(image, vaddr, &fn))
			function_code(image, &fn);
		elf_image_file_offset(image, vaddr, &offset);
	}
	elf_image_close(image);
	return 0;
}
