/* Reading the code of a traced program's file: its functions by name
 * (.symtab, .dynsym, or a Go binary's .gopclntab when it is stripped),
 * where they sit in the file (uprobes take file offsets), and their bytes.
 * Every file is untrusted input: each offset and size is checked against
 * the file before it is used. */
#ifndef ST_ELF_IMAGE_H
#define ST_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_image;

/* A function of the file. */
struct elf_function {
	uint64_t vaddr;       /* its address in the ELF's own layout */
	uint64_t size;        /* bytes of code; for a .gopclntab entry, up to the next function */
	uint64_t file_offset; /* where its first byte is in the file */
};

/* Opens an ELF file read-only by its fd (not kept, not closed). Returns 0,
 * -ENOEXEC (not a 64-bit x86-64 ELF), or another negative errno. */
int elf_image_open(int fd, struct elf_image **image);
void elf_image_close(struct elf_image *image);

/* Finds a function by its exact name: .symtab first, then .dynsym (only
 * defined STT_FUNC/STT_GNU_IFUNC symbols), then .gopclntab (Go 1.18 and
 * later layout). Returns 0, -ENOENT, or another negative errno. */
int elf_image_function(struct elf_image *image, const char *name, struct elf_function *fn);

/* The function containing vaddr, by the same tables; for a callee found
 * by decoding a call. Returns 0 or -ENOENT. */
int elf_image_function_at(struct elf_image *image, uint64_t vaddr, struct elf_function *fn);

/* The file offset of vaddr, through the PT_LOAD segments that map it
 * executable. Returns 0 or -ENOENT. */
int elf_image_file_offset(const struct elf_image *image, uint64_t vaddr, uint64_t *offset);

/* Copies up to size bytes of code starting at vaddr (bounded by its
 * segment's file bytes); returns how many, or a negative errno. */
long elf_image_code(const struct elf_image *image, uint64_t vaddr, uint8_t *buf, size_t size);

/* Whether vaddr is in a procedure linkage table (.plt, .plt.sec,
 * .plt.got): a stub that jumps to another object's function, never a
 * function of this file's own. */
bool elf_image_in_plt(const struct elf_image *image, uint64_t vaddr);

/* Whether the file is a Go program (it has .go.buildinfo or .gopclntab). */
bool elf_image_is_go(const struct elf_image *image);

/* Whether it is a Go program of 1.18 or later (its .gopclntab has that
 * layout): one whose functions take their arguments in registers, as the
 * probes of Go's crypto/tls read them. */
bool elf_image_go_register_abi(const struct elf_image *image);

#endif
