/* libFuzzer target: the dump reader on flat input. The input is written to a
 * file (the reader works on files) and opened, described, and its first pages
 * read and verified; damaged input must fail cleanly. */
#include <stdint.h>
#include <stddef.h>

#include "fuzz_dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_dump_one(data, size, "flat");
}
