/* machine_code on real instruction sequences: the RETs a Go function's
 * uprobes go on, the callee of OpenSSL's thin wrappers, and which first
 * instructions the kernel emulates; then cut and corrupted copies. */
#include <errno.h>

#include "check.h"
#include "uprobes/machine_code.h"

/* SSL_write_ex at 0x35a10 in Debian 12's libssl.so.3 (libssl3
 * 3.0.19-1~deb12u2), 0x1d bytes by its .dynsym size, from
 * `objdump -d --start-address=0x35a10 --stop-address=0x35a2d`:
 * sub $0x8,%rsp; call 355a0 (ssl_write_internal); xor; test; cmovs; add
 * $0x8,%rsp; four xors (clearing argument registers); ret at 0x1c. */
static const uint8_t ssl_write_ex[] = {
	0x48, 0x83, 0xec, 0x08, 0xe8, 0x87, 0xfb, 0xff, 0xff, 0x31, 0xd2, 0x85,
	0xc0, 0x0f, 0x48, 0xc2, 0x48, 0x83, 0xc4, 0x08, 0x31, 0xd2, 0x31, 0xc9,
	0x31, 0xf6, 0x31, 0xff, 0xc3,
};
/* Where each of its instructions starts, and its end. */
static const size_t ssl_write_ex_boundaries[] = { 0, 4, 9, 11, 13, 16, 20, 22, 24, 26, 28, 29 };

/* SSL_read_ex at 0x354c0 in the same file: the same shape, calling
 * ssl_read_internal at 0x35290. */
static const uint8_t ssl_read_ex[] = {
	0x48, 0x83, 0xec, 0x08, 0xe8, 0xc7, 0xfd, 0xff, 0xff, 0x31, 0xd2, 0x85,
	0xc0, 0x0f, 0x48, 0xc2, 0x48, 0x83, 0xc4, 0x08, 0x31, 0xd2, 0x31, 0xc9,
	0x31, 0xf6, 0x31, 0xff, 0xc3,
};

/* The first bytes of ssl_write_internal (0x355a0, same file):
 * push %r14; push %r13. */
static const uint8_t ssl_write_internal_start[] = { 0x41, 0x56, 0x41, 0x55 };

/* os.(*File).Close at 0x4b90c0 in tests/integration/tls_programs/go_client
 * built by Go 1.19.8 (Debian golang-go, CGO_ENABLED=0), from `objdump -d`:
 * its 0x58 bytes (.symtab size) and the 8 int3 of padding to the next
 * function (.gopclntab's extent). Stack check (cmp 0x10(%r14),%rsp; jbe to the morestack call
 * at the end), a call to os.(*file).close at 0x20, ret at 0x2e, the
 * os.ErrInvalid path with ret at 0x46, then call morestack_noctxt; jmp
 * back to the start. */
static const uint8_t go_file_close[] = {
	0x49, 0x3b, 0x66, 0x10, 0x76, 0x41, 0x48, 0x83, 0xec, 0x10, 0x48, 0x89,
	0x6c, 0x24, 0x08, 0x48, 0x8d, 0x6c, 0x24, 0x08, 0x48, 0x85, 0xc0, 0x74,
	0x16, 0x48, 0x8b, 0x00, 0x0f, 0x1f, 0x40, 0x00, 0xe8, 0xbb, 0x05, 0x00,
	0x00, 0x48, 0x8b, 0x6c, 0x24, 0x08, 0x48, 0x83, 0xc4, 0x10, 0xc3, 0x48,
	0x8b, 0x05, 0x8a, 0xd4, 0x3a, 0x00, 0x48, 0x8b, 0x1d, 0x8b, 0xd4, 0x3a,
	0x00, 0x48, 0x8b, 0x6c, 0x24, 0x08, 0x48, 0x83, 0xc4, 0x10, 0xc3, 0x48,
	0x89, 0x44, 0x24, 0x08, 0xe8, 0x6f, 0x8f, 0xfa, 0xff, 0x48, 0x8b, 0x44,
	0x24, 0x08, 0xeb, 0xa8, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
};
#define GO_FILE_CLOSE_SYMBOL_SIZE 0x58

static void check_returns(void)
{
	uint32_t offsets[8];

	CHECK_INT(machine_code_returns(ssl_write_ex, sizeof(ssl_write_ex), 0x35a10, offsets, 8), 1);
	CHECK_INT(offsets[0], 0x1c);

	/* The same RETs whether the padding is included or not. */
	CHECK_INT(machine_code_returns(go_file_close, sizeof(go_file_close), 0x4b90c0, offsets, 8),
		  2);
	CHECK_INT(offsets[0], 0x2e);
	CHECK_INT(offsets[1], 0x46);
	CHECK_INT(machine_code_returns(go_file_close, GO_FILE_CLOSE_SYMBOL_SIZE, 0x4b90c0, offsets,
				       8),
		  2);
	CHECK_INT(offsets[1], 0x46);
	CHECK_INT(machine_code_returns(go_file_close, sizeof(go_file_close), 0x4b90c0, offsets, 1),
		  -E2BIG);

	/* ret imm16, and repz ret (what older GCC emitted for AMD's branch
	 * predictors), and an int3 followed by code: not padding. */
	static const uint8_t forms[] = { 0xc2, 0x08, 0x00, 0xf3, 0xc3, 0xcc, 0xc3 };

	CHECK_INT(machine_code_returns(forms, sizeof(forms), 0, offsets, 8), 3);
	CHECK_INT(offsets[0], 0);
	CHECK_INT(offsets[1], 3);
	CHECK_INT(offsets[2], 6);
	/* A far return is not one a uprobe replaces a near one with. */
	static const uint8_t far_return[] = { 0xcb };

	CHECK_INT(machine_code_returns(far_return, sizeof(far_return), 0, offsets, 8), 0);

	/* ret; mov $0xcccc2211,%eax: the immediate's 0xcc bytes look like
	 * padding but belong to the instruction. */
	static const uint8_t immediate_into_padding[] = { 0xc3, 0xb8, 0x11, 0x22, 0xcc, 0xcc };

	CHECK_INT(machine_code_returns(immediate_into_padding, sizeof(immediate_into_padding), 0,
				       offsets, 8),
		  1);
	CHECK_INT(offsets[0], 0);

	CHECK_INT(machine_code_returns(ssl_write_ex, 0, 0x35a10, offsets, 8), 0);
	CHECK_INT(machine_code_returns(ssl_write_ex, sizeof(ssl_write_ex), 0, offsets, -1),
		  -EINVAL);
}

/* Cut on an instruction boundary, a prefix decodes (with the RET only if
 * it is whole); cut inside an instruction, it does not. */
static void check_returns_prefixes(void)
{
	size_t boundary = 0;

	for (size_t len = 0; len <= sizeof(ssl_write_ex); len++) {
		uint32_t offsets[4];
		int expected = -EILSEQ;

		while (ssl_write_ex_boundaries[boundary] < len)
			boundary++;
		if (ssl_write_ex_boundaries[boundary] == len)
			expected = len == sizeof(ssl_write_ex) ? 1 : 0;
		CHECK_INT(machine_code_returns(ssl_write_ex, len, 0x35a10, offsets, 4), expected);
	}
}

/* Every byte of the Go function flipped, in turn: whatever it decodes to,
 * the answer is an error or RETs inside the code, in order. */
static void check_returns_corrupted(void)
{
	uint8_t code[sizeof(go_file_close)];

	for (size_t i = 0; i < sizeof(code); i++) {
		uint32_t offsets[sizeof(code)];

		memcpy(code, go_file_close, sizeof(code));
		code[i] ^= 0xff;
		int count = machine_code_returns(code, sizeof(code), 0x4b90c0, offsets,
						 (int)sizeof(code));

		CHECK(count >= 0 || count == -EILSEQ);
		for (int r = 0; r < count; r++) {
			CHECK(offsets[r] < sizeof(code));
			CHECK(r == 0 || offsets[r] > offsets[r - 1]);
		}
	}
	/* 0x06 (push %es) does not exist in 64-bit mode. */
	static const uint8_t invalid[] = { 0x31, 0xc0, 0x06, 0xc3 };
	uint32_t offsets[4];

	CHECK_INT(machine_code_returns(invalid, sizeof(invalid), 0, offsets, 4), -EILSEQ);
}

static void check_first_call(void)
{
	uint64_t target = 0;

	CHECK_INT(machine_code_first_call(ssl_write_ex, sizeof(ssl_write_ex), 0x35a10, 8, &target),
		  0);
	CHECK_INT(target, 0x355a0);
	CHECK_INT(machine_code_first_call(ssl_read_ex, sizeof(ssl_read_ex), 0x354c0, 8, &target),
		  0);
	CHECK_INT(target, 0x35290);
	/* The call is the second instruction. */
	CHECK_INT(machine_code_first_call(ssl_write_ex, sizeof(ssl_write_ex), 0x35a10, 1, &target),
		  -ENOENT);
	/* Cut inside the call. */
	CHECK_INT(machine_code_first_call(ssl_write_ex, 8, 0x35a10, 8, &target), -ENOENT);

	/* Go's stack check branches to the stack growth before any call: the
	 * fall-through path goes on to the body's call. */
	CHECK_INT(machine_code_first_call(go_file_close, sizeof(go_file_close), 0x4b90c0, 16,
					  &target),
		  0);
	CHECK_INT(target, 0x4b96a0);

	/* SSL_write in Debian's libssl.so.3 (OpenSSL 3.0.19, objdump at
	 * 0x35980): sub; mov %fs:0x28; mov; xor; test %edx; js (num < 0);
	 * mov; movslq; call ssl_write_internal (0x355a0). */
	static const uint8_t ssl_write[] = {
		0x48, 0x83, 0xec, 0x18, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00,
		0x00, 0x48, 0x89, 0x44, 0x24, 0x08, 0x31, 0xc0, 0x85, 0xd2, 0x78, 0x2f,
		0x48, 0x89, 0xe1, 0x48, 0x63, 0xd2, 0xe8, 0xfd, 0xfb, 0xff, 0xff,
	};
	CHECK_INT(machine_code_first_call(ssl_write, sizeof(ssl_write), 0x35980, 16, &target), 0);
	CHECK_INT(target, 0x355a0);
	/* From 0x19, past the branches: mov; nopl; call os.(*file).close. */
	CHECK_INT(machine_code_first_call(go_file_close + 0x19, sizeof(go_file_close) - 0x19,
					  0x4b90d9, 3, &target),
		  0);
	CHECK_INT(target, 0x4b96a0);
	CHECK_INT(machine_code_first_call(go_file_close + 0x19, sizeof(go_file_close) - 0x19,
					  0x4b90d9, 2, &target),
		  -ENOENT);

	/* call *%rax; an unconditional jmp first; a ret first. */
	static const uint8_t indirect[] = { 0xff, 0xd0, 0xe8, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t jump_first[] = { 0xeb, 0x00, 0xe8, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t ret_first[] = { 0xc3, 0xe8, 0x00, 0x00, 0x00, 0x00 };

	CHECK_INT(machine_code_first_call(indirect, sizeof(indirect), 0, 8, &target), -ENOENT);
	CHECK_INT(machine_code_first_call(jump_first, sizeof(jump_first), 0, 8, &target), -ENOENT);
	CHECK_INT(machine_code_first_call(ret_first, sizeof(ret_first), 0, 8, &target), -ENOENT);
	CHECK_INT(machine_code_first_call(jump_first + 2, 5, 0x1000, 8, &target), 0);
	CHECK_INT(target, 0x1005);
}

static void check_cheap_probe(void)
{
	CHECK_INT(machine_code_cheap_probe(ssl_write_internal_start,
					   sizeof(ssl_write_internal_start)),
		  1);
	/* sub $0x8,%rsp is single-stepped; so is Go's stack check. */
	CHECK_INT(machine_code_cheap_probe(ssl_write_ex, sizeof(ssl_write_ex)), 0);
	CHECK_INT(machine_code_cheap_probe(go_file_close, sizeof(go_file_close)), 0);

	static const uint8_t push_rbp[] = { 0x55 };
	static const uint8_t nop[] = { 0x90 };
	static const uint8_t nopl[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	static const uint8_t jmp_rel32[] = { 0xe9, 0x10, 0x00, 0x00, 0x00 };
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 };
	static const uint8_t push_ax[] = { 0x66, 0x50 };
	static const uint8_t push_imm[] = { 0x6a, 0x01 };
	static const uint8_t jmp_rax[] = { 0xff, 0xe0 };

	CHECK_INT(machine_code_cheap_probe(push_rbp, sizeof(push_rbp)), 1);
	CHECK_INT(machine_code_cheap_probe(nop, sizeof(nop)), 1);
	CHECK_INT(machine_code_cheap_probe(nopl, sizeof(nopl)), 1);
	CHECK_INT(machine_code_cheap_probe(jmp_rel32, sizeof(jmp_rel32)), 1);
	CHECK_INT(machine_code_cheap_probe(endbr64, sizeof(endbr64)), 0);
	CHECK_INT(machine_code_cheap_probe(push_ax, sizeof(push_ax)), 0);
	CHECK_INT(machine_code_cheap_probe(push_imm, sizeof(push_imm)), 0);
	CHECK_INT(machine_code_cheap_probe(jmp_rax, sizeof(jmp_rax)), 0);
	/* Cut: nothing decodes. */
	CHECK_INT(machine_code_cheap_probe(jmp_rel32, 3), 0);
	CHECK_INT(machine_code_cheap_probe(jmp_rel32, 0), 0);
}

int main(void)
{
	check_returns();
	check_returns_prefixes();
	check_returns_corrupted();
	check_first_call();
	check_cheap_probe();
	return check_report("test_machine_code");
}
