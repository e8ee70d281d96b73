/* Decoding x86-64 instructions (with capstone) where a probe needs it: the
 * returns of a Go function (a uretprobe would crash the Go runtime, so each
 * RET gets a uprobe of its own) and the callee a thin wrapper calls first
 * (OpenSSL's SSL_write_ex calling ssl_write_internal; a tail call, a jmp,
 * is not followed). */
#ifndef ST_MACHINE_CODE_H
#define ST_MACHINE_CODE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes code (loaded at vaddr) instruction by instruction to its end or
 * up to the first undecodable byte run that is not padding, and writes
 * the offset from vaddr of every RET instruction (ret, ret imm16) in
 * order. Returns how many (at most max; -E2BIG past it), or -EILSEQ
 * when code does not decode (a probe on a wrong boundary would corrupt
 * the program: nothing is attached then). */
int machine_code_returns(const uint8_t *code, size_t len, uint64_t vaddr, uint32_t *offsets,
			 int max);

/* The target of the first direct CALL among the first max_insns
 * instructions of code (loaded at vaddr), on the path that falls through
 * every conditional branch. Returns 0, or -ENOENT when there is none (or
 * an instruction before it is not decodable, or an unconditional jump,
 * an indirect call or a return comes first). */
int machine_code_first_call(const uint8_t *code, size_t len, uint64_t vaddr, int max_insns,
			    uint64_t *target);

/* Whether the first instruction of code is one the kernel emulates for a
 * uprobe (push, nop, a direct jmp: about 1 us a hit here) rather than
 * single-steps (10-13 us a hit in this VM). */
int machine_code_cheap_probe(const uint8_t *code, size_t len);

#endif
