/* elf_image on real files: Debian's libssl.so.3 (.dynsym only), this
 * test's own executable (.symtab, checked against its code in memory),
 * copies of libssl cut short, files that are not x86-64 ELF; and, given
 * the plain and stripped builds of tests/integration/tls_programs/
 * go_client.go as arguments, a Go program found through .symtab and
 * through .gopclntab.
 *
 *   test_elf_image                      the first part
 *   test_elf_image PLAIN STRIPPED       the Go part
 *   test_elf_image --no-go              the Go part without go: skipped */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "uprobes/elf_image.h"
#include "uprobes/machine_code.h"

#define LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"
#define SKIP_EXIT 77
/* Go aligns each function to 32 bytes on amd64 (cmd/link's funcAlign),
 * padding with int3: .gopclntab's extent exceeds .symtab's by less. */
#define GO_FUNCTION_ALIGN 32

static int open_image(const char *path, struct elf_image **image)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	err = elf_image_open(fd, image);
	close(fd);
	return err;
}

/* The file offset of vaddr by the program headers, read here with pread
 * rather than libelf: a second opinion on elf_image_file_offset. */
static int64_t offset_by_program_headers(const char *path, uint64_t vaddr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf64_Ehdr ehdr;
	int64_t offset = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &ehdr, sizeof(ehdr), 0) == sizeof(ehdr) &&
	    ehdr.e_phentsize == sizeof(Elf64_Phdr))
		for (int i = 0; i < ehdr.e_phnum && offset < 0; i++) {
			Elf64_Phdr phdr;

			if (pread(fd, &phdr, sizeof(phdr), ehdr.e_phoff + i * sizeof(phdr)) !=
			    sizeof(phdr))
				break;
			if (phdr.p_type == PT_LOAD && (phdr.p_flags & PF_X) &&
			    vaddr >= phdr.p_vaddr && vaddr < phdr.p_vaddr + phdr.p_filesz)
				offset = (int64_t)(phdr.p_offset + (vaddr - phdr.p_vaddr));
		}
	close(fd);
	return offset;
}

/* The function's bytes as pread from the file equal elf_image_code's. */
static void check_code_matches_file(const char *path, const struct elf_image *image,
				    const struct elf_function *fn)
{
	uint8_t from_image[256], from_file[256];
	size_t len = fn->size < sizeof(from_image) ? fn->size : sizeof(from_image);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0);
	CHECK_INT(elf_image_code(image, fn->vaddr, from_image, len), len);
	CHECK_INT(pread(fd, from_file, len, (off_t)fn->file_offset), len);
	CHECK(!memcmp(from_image, from_file, len));
	close(fd);
}

/* A TLS library's wrapper: found in .dynsym where program headers put it,
 * and calling first a function of the same file's code. */
static void check_libssl_wrapper(struct elf_image *image, const char *name)
{
	struct elf_function fn, around;
	uint8_t code[64];
	uint64_t callee, callee_offset;

	CHECK_INT(elf_image_function(image, name, &fn), 0);
	CHECK(fn.size > 0 && fn.size < 4096);
	CHECK_INT(fn.file_offset, offset_by_program_headers(LIBSSL, fn.vaddr));
	check_code_matches_file(LIBSSL, image, &fn);

	long len = elf_image_code(image, fn.vaddr, code,
				  fn.size < sizeof(code) ? fn.size : sizeof(code));

	CHECK(len > 0);
	CHECK_INT(machine_code_first_call(code, (size_t)len, fn.vaddr, 8, &callee), 0);
	CHECK(callee != fn.vaddr);
	CHECK_INT(elf_image_file_offset(image, callee, &callee_offset), 0);
	CHECK_INT(callee_offset, offset_by_program_headers(LIBSSL, callee));
	/* The internal callee is in no symbol table of a stripped library,
	 * nor in its PLT. */
	CHECK_INT(elf_image_function_at(image, callee, &around), -ENOENT);
	CHECK(!elf_image_in_plt(image, callee));
	CHECK_INT(elf_image_function_at(image, fn.vaddr + fn.size - 1, &around), 0);
	CHECK_INT(around.vaddr, fn.vaddr);
	printf("%s: %s at 0x%" PRIx64 " (file offset 0x%" PRIx64 ", %" PRIu64
	       " bytes) calls 0x%" PRIx64 " first\n",
	       LIBSSL, name, fn.vaddr, fn.file_offset, fn.size, callee);
}

static void check_libssl(void)
{
	struct elf_image *image;
	struct elf_function fn;

	CHECK_INT(open_image(LIBSSL, &image), 0);
	if (!image)
		return;
	check_libssl_wrapper(image, "SSL_write_ex");
	check_libssl_wrapper(image, "SSL_read_ex");
	CHECK(!elf_image_is_go(image));
	/* SSL_read's error path calls ERR_new through the PLT (objdump:
	 * "call 1f3c0 <ERR_new@plt>" at 0x35477). */
	CHECK(elf_image_in_plt(image, 0x1f3c0));
	CHECK(!elf_image_in_plt(image, 0x35430));
	/* nm's name with its version is not the symbol's name. */
	CHECK_INT(elf_image_function(image, "SSL_write_ex@@OPENSSL_3.0.0", &fn), -ENOENT);
	/* Imported from libcrypto: in .dynsym, undefined. */
	CHECK_INT(elf_image_function(image, "ASN1_TYPE_get", &fn), -ENOENT);
	CHECK_INT(elf_image_function(image, "", &fn), -ENOENT);
	CHECK_INT(elf_image_function_at(image, 0, &fn), -ENOENT);
	CHECK_INT(elf_image_function_at(image, UINT64_MAX, &fn), -ENOENT);
	/* The first PT_LOAD (ELF header, .dynsym) is not executable. */
	uint64_t offset;
	uint8_t byte;

	CHECK_INT(elf_image_file_offset(image, 0, &offset), -ENOENT);
	CHECK_INT(elf_image_code(image, 0, &byte, 1), -ENOENT);
	elf_image_close(image);
}

int main(int argc, char **argv);

static int main_program_base(struct dl_phdr_info *info, size_t size, void *base)
{
	(void)size;
	*(uint64_t *)base = info->dlpi_addr;
	return 1; /* the first object is the program */
}

/* This executable keeps its .symtab: main, as elf_image finds it, holds
 * the bytes that run as main. */
static void check_own_executable(void)
{
	struct elf_image *image;
	struct elf_function fn, around;
	uint64_t base = 0;
	uint8_t code[64];

	CHECK_INT(open_image("/proc/self/exe", &image), 0);
	if (!image)
		return;
	CHECK_INT(elf_image_function(image, "main", &fn), 0);
	dl_iterate_phdr(main_program_base, &base);
	CHECK_INT(base + fn.vaddr, (uint64_t)(uintptr_t)main);
	long len = elf_image_code(image, fn.vaddr, code,
				  fn.size < sizeof(code) ? fn.size : sizeof(code));

	CHECK(len > 0);
	CHECK(!memcmp(code, (const void *)(uintptr_t)(base + fn.vaddr), (size_t)len));
	CHECK_INT(elf_image_function_at(image, fn.vaddr + fn.size - 1, &around), 0);
	CHECK_INT(around.vaddr, fn.vaddr);
	CHECK_INT(around.size, fn.size);
	CHECK(!elf_image_is_go(image));
	elf_image_close(image);
}

static int memfd_with(const void *bytes, size_t len)
{
	int fd = memfd_create("test_elf_image", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, bytes, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_bytes(const void *bytes, size_t len, struct elf_image **image)
{
	int fd = memfd_with(bytes, len);
	int err;

	CHECK(fd >= 0);
	err = elf_image_open(fd, image);
	close(fd);
	return err;
}

static void check_not_x86_64_elf(void)
{
	struct elf_image *image;
	Elf32_Ehdr elf32 = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32,
					  ELFDATA2LSB, EV_CURRENT },
			     .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
			     .e_ehsize = sizeof(Elf32_Ehdr) };
	Elf64_Ehdr arm64 = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
					  ELFDATA2LSB, EV_CURRENT },
			     .e_type = ET_DYN, .e_machine = EM_AARCH64, .e_version = EV_CURRENT,
			     .e_ehsize = sizeof(Elf64_Ehdr) };
	/* Each header at the start of a file longer than the 64-bit one. */
	uint8_t file[128] = { 0 };
	char text[128];
	int pipe_fds[2];

	memset(text, 'x', sizeof(text));
	CHECK_INT(open_bytes("", 0, &image), -ENOEXEC);
	CHECK_INT(open_bytes(text, sizeof(text), &image), -ENOEXEC);
	memcpy(file, &elf32, sizeof(elf32));
	CHECK_INT(open_bytes(file, sizeof(file), &image), -ENOEXEC);
	memcpy(file, &arm64, sizeof(arm64));
	CHECK_INT(open_bytes(file, sizeof(file), &image), -ENOEXEC);
	CHECK_INT(pipe(pipe_fds), 0);
	CHECK_INT(elf_image_open(pipe_fds[0], &image), -ENOEXEC);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	CHECK_INT(elf_image_open(-1, &image), -EBADF);
}

/* libssl cut at points inside its headers, code, tables: opened or not,
 * every lookup answers within the bytes there are (ASan would see it). */
static void check_libssl_cut(void)
{
	int fd = open(LIBSSL, O_RDONLY | O_CLOEXEC);
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *bytes = malloc((size_t)size);

	CHECK(fd >= 0 && size > 0 && bytes);
	if (fd < 0 || size <= 0 || !bytes)
		return;
	CHECK_INT(pread(fd, bytes, (size_t)size, 0), size);
	close(fd);
	const size_t cuts[] = { 1, 63, 64, 65, 0x200, 0x1000, 0x1f000, 0x35a20, (size_t)size / 2,
				(size_t)size - 0x1000, (size_t)size - 1 };
	int opened = 0;

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct elf_image *image;
		struct elf_function fn;
		uint8_t code[64];

		if (open_bytes(bytes, cuts[i], &image))
			continue;
		opened++;
		if (!elf_image_function(image, "SSL_write_ex", &fn)) {
			long len = elf_image_code(image, fn.vaddr, code, sizeof(code));

			CHECK(len >= 0 && (uint64_t)len <= cuts[i] - fn.file_offset);
			CHECK(!memcmp(code, bytes + fn.file_offset, (size_t)len));
		}
		elf_image_function_at(image, 0x35a10, &fn);
		elf_image_close(image);
	}
	/* Section headers are at the end of the file: most cuts lose them,
	 * not all of them lose the program headers. */
	CHECK(opened > 0);
	free(bytes);
}

static void check_go_function(struct elf_image *plain, struct elf_image *stripped,
			      const char *name)
{
	struct elf_function by_symtab, by_pclntab, around;
	uint8_t plain_code[8192], stripped_code[8192];
	uint32_t plain_rets[64], stripped_rets[64];

	CHECK_INT(elf_image_function(plain, name, &by_symtab), 0);
	CHECK_INT(elf_image_function(stripped, name, &by_pclntab), 0);
	CHECK_INT(by_pclntab.vaddr, by_symtab.vaddr);
	CHECK_INT(by_pclntab.file_offset, by_symtab.file_offset);
	CHECK(by_pclntab.size >= by_symtab.size);
	CHECK(by_pclntab.size - by_symtab.size < GO_FUNCTION_ALIGN);
	CHECK(by_pclntab.size <= sizeof(stripped_code));
	if (by_pclntab.size > sizeof(stripped_code))
		return;

	long plain_len = elf_image_code(plain, by_symtab.vaddr, plain_code, by_symtab.size);
	long stripped_len = elf_image_code(stripped, by_pclntab.vaddr, stripped_code,
					   by_pclntab.size);

	CHECK_INT(plain_len, by_symtab.size);
	CHECK_INT(stripped_len, by_pclntab.size);
	CHECK(!memcmp(plain_code, stripped_code, by_symtab.size));
	/* What follows the .symtab extent is int3 padding. */
	for (uint64_t i = by_symtab.size; i < by_pclntab.size; i++)
		CHECK_INT(stripped_code[i], 0xcc);

	int plain_count = machine_code_returns(plain_code, (size_t)plain_len, by_symtab.vaddr,
					       plain_rets, 64);
	int stripped_count = machine_code_returns(stripped_code, (size_t)stripped_len,
						  by_pclntab.vaddr, stripped_rets, 64);

	CHECK(plain_count > 0);
	CHECK_INT(stripped_count, plain_count);
	if (plain_count > 0 && stripped_count == plain_count)
		CHECK(!memcmp(plain_rets, stripped_rets, plain_count * sizeof(plain_rets[0])));

	/* Through .gopclntab's functab, from inside and from the padding. */
	CHECK_INT(elf_image_function_at(stripped, by_pclntab.vaddr + by_pclntab.size - 1, &around),
		  0);
	CHECK_INT(around.vaddr, by_pclntab.vaddr);
	CHECK_INT(around.size, by_pclntab.size);
	CHECK_INT(elf_image_function_at(stripped, by_pclntab.vaddr + by_pclntab.size, &around), 0);
	CHECK(around.vaddr == by_pclntab.vaddr + by_pclntab.size);

	printf("%s at 0x%" PRIx64 ": %" PRIu64 " bytes by .symtab, %" PRIu64
	       " by .gopclntab, %d RET(s):",
	       name, by_symtab.vaddr, by_symtab.size, by_pclntab.size, plain_count);
	for (int i = 0; i < plain_count; i++)
		printf(" +0x%x", plain_rets[i]);
	printf("\n");
}

static void check_go(const char *plain_path, const char *stripped_path)
{
	struct elf_image *plain, *stripped;
	struct elf_function fn;

	CHECK_INT(open_image(plain_path, &plain), 0);
	CHECK_INT(open_image(stripped_path, &stripped), 0);
	if (!plain || !stripped)
		return;
	CHECK(elf_image_is_go(plain));
	CHECK(elf_image_go_register_abi(plain));
	CHECK(elf_image_is_go(stripped));
	check_go_function(plain, stripped, "crypto/tls.(*Conn).Write");
	check_go_function(plain, stripped, "crypto/tls.(*Conn).Read");
	check_go_function(plain, stripped, "main.main");
	check_go_function(plain, stripped, "runtime.main");
	CHECK_INT(elf_image_function(stripped, "crypto/tls.(*Conn).Writ", &fn), -ENOENT);
	CHECK_INT(elf_image_function(stripped, "crypto/tls.(*Conn).Write2", &fn), -ENOENT);
	CHECK_INT(elf_image_function_at(stripped, 0, &fn), -ENOENT);
	elf_image_close(plain);
	elf_image_close(stripped);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--no-go")) {
		printf("SKIP: go was not found when configuring: no Go binary to read\n");
		return SKIP_EXIT;
	}
	if (argc == 3) {
		check_go(argv[1], argv[2]);
		return check_report("test_elf_image (Go)");
	}
	check_libssl();
	check_own_executable();
	check_not_x86_64_elf();
	check_libssl_cut();
	return check_report("test_elf_image");
}
