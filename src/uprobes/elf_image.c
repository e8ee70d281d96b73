/* An ELF file read through libelf with pread (ELF_C_READ), never mapped:
 * a traced program's user may truncate the file under us, which would
 * make a mapping fault (SIGBUS) where a read only comes up short. The Go
 * function table (.gopclntab) is a section libelf reads; code bytes are
 * read from the file; every range is checked first (see elf_image.h). */
#include "uprobes/elf_image.h"

#include <endian.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* The .gopclntab layouts read here: Go 1.18-1.19 and 1.20 onwards share
 * one header (runtime/symtab.go's pcHeader, 8-byte words on amd64). */
#define PCLNTAB_MAGIC_GO118 0xfffffff0u
#define PCLNTAB_MAGIC_GO120 0xfffffff1u
#define PCLNTAB_NFUNC 8
#define PCLNTAB_TEXT_START 24
#define PCLNTAB_FUNCNAME_OFFSET 32
#define PCLNTAB_PCLN_OFFSET 64
#define PCLNTAB_HEADER_SIZE 72
/* A functab entry: (entryoff, funcoff), each a u32; entryoff is from the
 * text start, funcoff from the functab itself, where the _func is. */
#define FUNCTAB_ENTRY_SIZE 8
/* _func.nameoff: an int32 offset into funcnametab. */
#define FUNC_NAMEOFF 4

/* A PT_LOAD segment mapped executable, cut to the bytes the file has. */
struct exec_segment {
	uint64_t vaddr;
	uint64_t file_offset;
	uint64_t file_size;
};

struct symbol_table {
	Elf_Data *data; /* NULL when the file has no such table */
	size_t strtab_section;
	size_t count;
};

/* Offsets are from the start of the section, all checked at open but
 * the per-function ones, which are checked where they are read. */
struct go_pclntab {
	const uint8_t *bytes; /* NULL when absent or not a layout read here */
	size_t size;
	uint64_t nfunc;
	uint64_t text_start;
	uint64_t funcnametab;
	uint64_t functab;
};

/* An address range of the file's layout. */
struct address_range {
	uint64_t start, end;
};

#define PLT_SECTIONS_MAX 4

struct elf_image {
	int fd;           /* a duplicate of the caller's, closed with the image */
	struct address_range plt[PLT_SECTIONS_MAX]; /* .plt, .plt.sec, .plt.got */
	size_t plt_count;
	uint64_t file_size;
	Elf *elf;
	struct exec_segment *segments;
	size_t segment_count;
	struct symbol_table symtab;
	struct symbol_table dynsym;
	struct go_pclntab pclntab;
	bool is_go;
};

static uint32_t read_u32(const uint8_t *p)
{
	uint32_t value;

	memcpy(&value, p, sizeof(value));
	return le32toh(value);
}

static uint64_t read_u64(const uint8_t *p)
{
	uint64_t value;

	memcpy(&value, p, sizeof(value));
	return le64toh(value);
}

/* Whether [offset, offset + len) lies within size bytes. */
static bool range_within(uint64_t offset, uint64_t len, uint64_t size)
{
	return offset <= size && len <= size - offset;
}

static const struct exec_segment *segment_of(const struct elf_image *image, uint64_t vaddr)
{
	for (size_t i = 0; i < image->segment_count; i++) {
		const struct exec_segment *segment = &image->segments[i];

		if (vaddr >= segment->vaddr && vaddr - segment->vaddr < segment->file_size)
			return segment;
	}
	return NULL;
}

int elf_image_file_offset(const struct elf_image *image, uint64_t vaddr, uint64_t *offset)
{
	const struct exec_segment *segment = segment_of(image, vaddr);

	if (!segment)
		return -ENOENT;
	*offset = segment->file_offset + (vaddr - segment->vaddr);
	return 0;
}

long elf_image_code(const struct elf_image *image, uint64_t vaddr, uint8_t *buf, size_t size)
{
	const struct exec_segment *segment = segment_of(image, vaddr);

	if (!segment)
		return -ENOENT;
	uint64_t into = vaddr - segment->vaddr;
	uint64_t available = segment->file_size - into;

	if (size > available)
		size = available;
	if (size > LONG_MAX)
		size = LONG_MAX;
	ssize_t got = pread(image->fd, buf, size, (off_t)(segment->file_offset + into));

	if (got < 0)
		return -errno;
	return got ? (long)got : -EIO; /* cut short since it was opened */
}

bool elf_image_is_go(const struct elf_image *image)
{
	return image->is_go;
}

bool elf_image_in_plt(const struct elf_image *image, uint64_t vaddr)
{
	for (size_t i = 0; i < image->plt_count; i++)
		if (vaddr >= image->plt[i].start && vaddr < image->plt[i].end)
			return true;
	return false;
}

bool elf_image_go_register_abi(const struct elf_image *image)
{
	return image->is_go && image->pclntab.bytes;
}

static int function_fill(const struct elf_image *image, uint64_t vaddr, uint64_t size,
			 struct elf_function *fn)
{
	uint64_t offset;

	if (elf_image_file_offset(image, vaddr, &offset))
		return -ENOENT;
	fn->vaddr = vaddr;
	fn->size = size;
	fn->file_offset = offset;
	return 0;
}

static int segments_read(struct elf_image *image)
{
	size_t count;

	/* The count may come from section 0 (extended numbering): at most
	 * as many headers as the file has room for. */
	if (elf_getphdrnum(image->elf, &count) || count > image->file_size / sizeof(Elf64_Phdr))
		return -ENOEXEC;
	image->segments = calloc(count ? count : 1, sizeof(*image->segments));
	if (!image->segments)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		GElf_Phdr phdr;

		if (!gelf_getphdr(image->elf, (int)i, &phdr))
			return -ENOEXEC;
		if (phdr.p_type != PT_LOAD || !(phdr.p_flags & PF_X))
			continue;
		if (phdr.p_offset >= image->file_size)
			continue;
		uint64_t file_size = phdr.p_filesz;

		if (file_size > image->file_size - phdr.p_offset)
			file_size = image->file_size - phdr.p_offset;
		if (file_size == 0 || phdr.p_vaddr > UINT64_MAX - file_size)
			continue;
		image->segments[image->segment_count++] = (struct exec_segment){
			.vaddr = phdr.p_vaddr,
			.file_offset = phdr.p_offset,
			.file_size = file_size,
		};
	}
	return 0;
}

static void symbol_table_set(struct symbol_table *table, Elf_Scn *scn, const GElf_Shdr *shdr)
{
	Elf_Data *data;

	if (table->data)
		return;
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf)
		return;
	table->data = data;
	table->strtab_section = shdr->sh_link;
	table->count = data->d_size / sizeof(Elf64_Sym);
	/* gelf_getsym takes an int. */
	if (table->count > INT_MAX)
		table->count = INT_MAX;
}

/* The header of .gopclntab, checked; the table stays unread (bytes NULL)
 * when it is not one of the layouts read here. text_section_vaddr stands
 * in for the header's text start when that is not code (unrelocated, in a
 * position-independent executable). */
static void pclntab_read(struct elf_image *image, Elf_Scn *scn, uint64_t text_section_vaddr)
{
	struct go_pclntab *table = &image->pclntab;
	Elf_Data *data = elf_rawdata(scn, NULL);

	if (!data || !data->d_buf)
		return;
	const uint8_t *bytes = data->d_buf;
	uint64_t size = data->d_size;

	if (size < PCLNTAB_HEADER_SIZE)
		return;
	uint32_t magic = read_u32(bytes);

	if (magic != PCLNTAB_MAGIC_GO118 && magic != PCLNTAB_MAGIC_GO120)
		return;
	/* pad1, pad2 zero; minLC (the instruction size quantum) 1 on x86;
	 * 8-byte pointers. */
	if (bytes[4] || bytes[5] || bytes[6] != 1 || bytes[7] != 8)
		return;
	uint64_t nfunc = read_u64(bytes + PCLNTAB_NFUNC);
	uint64_t funcnametab = read_u64(bytes + PCLNTAB_FUNCNAME_OFFSET);
	uint64_t functab = read_u64(bytes + PCLNTAB_PCLN_OFFSET);

	if (funcnametab >= size || !range_within(functab, sizeof(uint32_t), size))
		return;
	/* nfunc entries and the end of the last function after them. */
	if (nfunc > (size - functab - sizeof(uint32_t)) / FUNCTAB_ENTRY_SIZE)
		return;
	uint64_t text_start = read_u64(bytes + PCLNTAB_TEXT_START);

	if (!segment_of(image, text_start))
		text_start = text_section_vaddr;
	*table = (struct go_pclntab){
		.bytes = bytes,
		.size = size,
		.nfunc = nfunc,
		.text_start = text_start,
		.funcnametab = funcnametab,
		.functab = functab,
	};
}

static int sections_read(struct elf_image *image)
{
	Elf_Scn *pclntab = NULL;
	uint64_t text_section_vaddr = 0;
	size_t names;
	Elf_Scn *scn = NULL;
	size_t limit;

	if (elf_getshdrnum(image->elf, &limit))
		return -ENOEXEC;
	if (elf_getshdrstrndx(image->elf, &names))
		names = SHN_UNDEF;
	/* elf_nextscn walks the section table once; the count bounds it. */
	for (size_t n = 0; n < limit && (scn = elf_nextscn(image->elf, scn)); n++) {
		GElf_Shdr shdr;
		const char *name = NULL;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB)
			symbol_table_set(&image->symtab, scn, &shdr);
		else if (shdr.sh_type == SHT_DYNSYM)
			symbol_table_set(&image->dynsym, scn, &shdr);
		if (names != SHN_UNDEF)
			name = elf_strptr(image->elf, names, shdr.sh_name);
		if (!name)
			continue;
		if (!strncmp(name, ".plt", 4) && image->plt_count < PLT_SECTIONS_MAX &&
		    shdr.sh_addr <= UINT64_MAX - shdr.sh_size) {
			image->plt[image->plt_count++] = (struct address_range){
				.start = shdr.sh_addr, .end = shdr.sh_addr + shdr.sh_size,
			};
		} else if (!strcmp(name, ".go.buildinfo")) {
			image->is_go = true;
		} else if (!strcmp(name, ".text") && !text_section_vaddr) {
			text_section_vaddr = shdr.sh_addr;
		} else if (!strcmp(name, ".gopclntab")) {
			image->is_go = true;
			if (shdr.sh_type != SHT_NOBITS && shdr.sh_size && !pclntab &&
			    range_within(shdr.sh_offset, shdr.sh_size, image->file_size))
				pclntab = scn;
		}
	}
	if (pclntab)
		pclntab_read(image, pclntab, text_section_vaddr);
	return 0;
}

int elf_image_open(int fd, struct elf_image **image_out)
{
	struct elf_image *image;
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(Elf64_Ehdr))
		return -ENOEXEC;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	image = calloc(1, sizeof(*image));
	if (!image)
		return -ENOMEM;
	image->file_size = (uint64_t)st.st_size;
	image->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (image->fd < 0) {
		err = -errno;
		goto fail;
	}
	image->elf = elf_begin(image->fd, ELF_C_READ, NULL);
	if (!image->elf) {
		err = -ENOEXEC;
		goto fail;
	}
	GElf_Ehdr ehdr;

	if (elf_kind(image->elf) != ELF_K_ELF || !gelf_getehdr(image->elf, &ehdr) ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_ident[EI_DATA] != ELFDATA2LSB ||
	    ehdr.e_machine != EM_X86_64) {
		err = -ENOEXEC;
		goto fail;
	}
	err = segments_read(image);
	if (err)
		goto fail;
	err = sections_read(image);
	if (err)
		goto fail;
	*image_out = image;
	return 0;

fail:
	elf_image_close(image);
	return err;
}

void elf_image_close(struct elf_image *image)
{
	if (!image)
		return;
	if (image->elf)
		elf_end(image->elf);
	if (image->fd >= 0)
		close(image->fd);
	free(image->segments);
	free(image);
}

static bool is_defined_function(const GElf_Sym *sym)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_size > 0;
}

static int symbols_find(const struct elf_image *image, const struct symbol_table *table,
			const char *name, struct elf_function *fn)
{
	for (size_t i = 0; table->data && i < table->count; i++) {
		GElf_Sym sym;
		const char *sym_name;

		if (!gelf_getsym(table->data, (int)i, &sym) || !is_defined_function(&sym))
			continue;
		sym_name = elf_strptr(image->elf, table->strtab_section, sym.st_name);
		if (sym_name && !strcmp(sym_name, name) &&
		    !function_fill(image, sym.st_value, sym.st_size, fn))
			return 0;
	}
	return -ENOENT;
}

static int symbols_find_at(const struct elf_image *image, const struct symbol_table *table,
			   uint64_t vaddr, struct elf_function *fn)
{
	for (size_t i = 0; table->data && i < table->count; i++) {
		GElf_Sym sym;

		if (!gelf_getsym(table->data, (int)i, &sym) || !is_defined_function(&sym))
			continue;
		if (vaddr >= sym.st_value && vaddr - sym.st_value < sym.st_size &&
		    !function_fill(image, sym.st_value, sym.st_size, fn))
			return 0;
	}
	return -ENOENT;
}

/* Entry i's offset from the text start; i == nfunc is the end of the last
 * function. The header check at open keeps both in the section. */
static uint32_t pclntab_entry(const struct go_pclntab *table, uint64_t i)
{
	return read_u32(table->bytes + table->functab + i * FUNCTAB_ENTRY_SIZE);
}

/* Function i as an elf_function, if its extent is sane. */
static int pclntab_function(const struct elf_image *image, uint64_t i, struct elf_function *fn)
{
	const struct go_pclntab *table = &image->pclntab;
	uint32_t entry = pclntab_entry(table, i);
	uint32_t next = pclntab_entry(table, i + 1);

	if (next <= entry || table->text_start > UINT64_MAX - next)
		return -ENOENT;
	return function_fill(image, table->text_start + entry, next - entry, fn);
}

/* Whether function i's name (through its _func) is name. */
static bool pclntab_name_is(const struct go_pclntab *table, uint64_t i, const char *name,
			    size_t name_len)
{
	uint64_t funcoff = read_u32(table->bytes + table->functab + i * FUNCTAB_ENTRY_SIZE + 4);
	uint64_t func = table->functab + funcoff;

	if (!range_within(func, FUNC_NAMEOFF + sizeof(uint32_t), table->size))
		return false;
	int32_t nameoff = (int32_t)read_u32(table->bytes + func + FUNC_NAMEOFF);

	if (nameoff < 0)
		return false;
	uint64_t at = table->funcnametab + (uint64_t)nameoff;

	/* The name and its NUL. */
	if (!range_within(at, name_len + 1, table->size))
		return false;
	return !memcmp(table->bytes + at, name, name_len) && table->bytes[at + name_len] == '\0';
}

static int pclntab_find(const struct elf_image *image, const char *name, struct elf_function *fn)
{
	const struct go_pclntab *table = &image->pclntab;
	size_t name_len = strlen(name);

	for (uint64_t i = 0; table->bytes && i < table->nfunc; i++)
		if (pclntab_name_is(table, i, name, name_len) && !pclntab_function(image, i, fn))
			return 0;
	return -ENOENT;
}

/* The functab is sorted by entry (the runtime's findfunc depends on it):
 * a binary search for the last entry at or before vaddr. An unsorted
 * table gives a wrong answer, checked below, not an endless one. */
static int pclntab_find_at(const struct elf_image *image, uint64_t vaddr, struct elf_function *fn)
{
	const struct go_pclntab *table = &image->pclntab;

	if (!table->bytes || table->nfunc == 0 || vaddr < table->text_start ||
	    vaddr - table->text_start > UINT32_MAX)
		return -ENOENT;
	uint32_t offset = (uint32_t)(vaddr - table->text_start);
	uint64_t low = 0, high = table->nfunc;

	if (pclntab_entry(table, 0) > offset)
		return -ENOENT;
	/* Invariant: entry(low) <= offset, and entry(high) > offset or high is nfunc. */
	while (high - low > 1) {
		uint64_t middle = low + (high - low) / 2;

		if (pclntab_entry(table, middle) <= offset)
			low = middle;
		else
			high = middle;
	}
	struct elf_function found;

	if (pclntab_function(image, low, &found) || vaddr - found.vaddr >= found.size)
		return -ENOENT;
	*fn = found;
	return 0;
}

int elf_image_function(struct elf_image *image, const char *name, struct elf_function *fn)
{
	if (!symbols_find(image, &image->symtab, name, fn))
		return 0;
	if (!symbols_find(image, &image->dynsym, name, fn))
		return 0;
	return pclntab_find(image, name, fn);
}

int elf_image_function_at(struct elf_image *image, uint64_t vaddr, struct elf_function *fn)
{
	if (!symbols_find_at(image, &image->symtab, vaddr, fn))
		return 0;
	if (!symbols_find_at(image, &image->dynsym, vaddr, fn))
		return 0;
	return pclntab_find_at(image, vaddr, fn);
}
