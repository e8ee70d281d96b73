/* x86-64 decoding with capstone, for placing uprobes on instruction
 * boundaries (see machine_code.h). */
#include "uprobes/machine_code.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>

/* The compilers pad between functions with int3 (Go always, with 0xcc up
 * to its 32-byte function alignment), so a run of them at the end of a
 * function's bytes is padding, not code. */
#define INT3_PADDING 0xcc

struct decoder {
	csh handle;
	cs_insn *insn;
};

/* Opens capstone for x86-64; with_detail adds the operands, which only
 * the callers looking at them pay for. */
static int decoder_open(struct decoder *decoder, bool with_detail)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &decoder->handle) != CS_ERR_OK)
		return -ENOMEM;
	if (with_detail && cs_option(decoder->handle, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&decoder->handle);
		return -ENOMEM;
	}
	decoder->insn = cs_malloc(decoder->handle);
	if (!decoder->insn) {
		cs_close(&decoder->handle);
		return -ENOMEM;
	}
	return 0;
}

static void decoder_close(struct decoder *decoder)
{
	cs_free(decoder->insn, 1);
	cs_close(&decoder->handle);
}

/* Whether the instruction's only operand is an immediate: a direct call
 * or jump (capstone gives the absolute target as the immediate). */
static bool has_immediate_target(const cs_insn *insn)
{
	const cs_x86 *x86 = &insn->detail->x86;

	return x86->op_count == 1 && x86->operands[0].type == X86_OP_IMM;
}

int machine_code_returns(const uint8_t *code, size_t len, uint64_t vaddr, uint32_t *offsets,
			 int max)
{
	struct decoder decoder;
	size_t code_end = len;
	int count = 0;
	int err;

	if (max < 0 || len > UINT32_MAX)
		return -EINVAL;
	while (code_end > 0 && code[code_end - 1] == INT3_PADDING)
		code_end--;
	err = decoder_open(&decoder, false);
	if (err)
		return err;

	/* Each turn consumes at least one byte, so this ends within len turns.
	 * The last instruction may extend into the padding (an immediate
	 * ending in 0xcc bytes): it is decoded with all the bytes there are. */
	size_t done = 0;

	while (done < code_end) {
		const uint8_t *next = code + done;
		size_t left = len - done;
		uint64_t address = vaddr + done;

		if (!cs_disasm_iter(decoder.handle, &next, &left, &address, decoder.insn)) {
			err = -EILSEQ;
			break;
		}
		if (decoder.insn->id == X86_INS_RET) {
			if (count == max) {
				err = -E2BIG;
				break;
			}
			offsets[count++] = (uint32_t)done;
		}
		done = (size_t)(next - code);
	}
	decoder_close(&decoder);
	return err ? err : count;
}

int machine_code_first_call(const uint8_t *code, size_t len, uint64_t vaddr, int max_insns,
			    uint64_t *target)
{
	struct decoder decoder;
	const uint8_t *next = code;
	size_t left = len;
	uint64_t address = vaddr;
	int err = decoder_open(&decoder, true);

	if (err)
		return err;
	err = -ENOENT;
	for (int n = 0; n < max_insns; n++) {
		if (!cs_disasm_iter(decoder.handle, &next, &left, &address, decoder.insn))
			break;
		const cs_insn *insn = decoder.insn;

		if (insn->id == X86_INS_CALL) {
			if (has_immediate_target(insn)) {
				*target = (uint64_t)insn->detail->x86.operands[0].imm;
				err = 0;
			}
			/* An indirect call first: its callee is not known here. */
			break;
		}
		/* A conditional branch is followed on its fall-through path (a
		 * wrapper's argument check: SSL_write tests num < 0 before its
		 * call); past an unconditional jump or a return, the code read
		 * on is not this function's path. */
		if ((cs_insn_group(decoder.handle, insn, X86_GRP_JUMP) && insn->id == X86_INS_JMP) ||
		    cs_insn_group(decoder.handle, insn, X86_GRP_RET))
			break;
	}
	decoder_close(&decoder);
	return err;
}

int machine_code_cheap_probe(const uint8_t *code, size_t len)
{
	struct decoder decoder;
	const uint8_t *next = code;
	uint64_t address = 0;
	int cheap = 0;

	if (decoder_open(&decoder, true))
		return 0;
	if (cs_disasm_iter(decoder.handle, &next, &len, &address, decoder.insn)) {
		const cs_insn *insn = decoder.insn;
		const cs_x86 *x86 = &insn->detail->x86;

		switch (insn->id) {
		case X86_INS_PUSH:
			/* The kernel emulates pushing a 64-bit register only. */
			cheap = x86->op_count == 1 && x86->operands[0].type == X86_OP_REG &&
				x86->operands[0].size == 8;
			break;
		case X86_INS_NOP:
			/* endbr64 is a nop to the CPU but X86_INS_ENDBR64 to
			 * capstone, and the kernel single-steps it. */
			cheap = 1;
			break;
		case X86_INS_JMP:
			cheap = has_immediate_target(insn);
			break;
		default:
			break;
		}
	}
	decoder_close(&decoder);
	return cheap;
}
