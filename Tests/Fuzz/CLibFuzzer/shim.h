#ifndef PGW_CLIBFUZZER_SHIM_H
#define PGW_CLIBFUZZER_SHIM_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, LLVM 11 and later), linked in by `-sanitize=fuzzer`.
/// Called from the executable's own entry point when SwiftPM renames `main` (Linux).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
