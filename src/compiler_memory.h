/* Giving back the memory that compiling the BPF program took. */
#ifndef ST_COMPILER_MEMORY_H
#define ST_COMPILER_MEMORY_H

/*
 * Call once the compiled module is destroyed. Returns the heap to the
 * system, and drops this process's pages of the clang/LLVM libraries' code
 * (tens of MB touched only by the compile; they stay in the page cache and
 * fault back in should anything call them again).
 */
void compiler_memory_release(void);

#endif
