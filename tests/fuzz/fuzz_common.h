/* Shared by the fuzz targets: libFuzzer calls LLVMFuzzerTestOneInput with
 * arbitrary bytes; each target hands them to one decoder. */
#ifndef NFP_FUZZ_COMMON_H
#define NFP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* calls fn on each line of data */
#define FOR_EACH_LINE(data, size, fn)                                                   \
	do {                                                                            \
		const char *s_ = (const char *)(data);                                  \
		size_t n_ = (size);                                                     \
		while (n_) {                                                            \
			const char *nl_ = memchr(s_, '\n', n_);                         \
			size_t l_ = nl_ ? (size_t)(nl_ - s_) : n_;                      \
			fn(s_, l_);                                                     \
			s_ += l_ + (nl_ ? 1 : 0);                                       \
			n_ -= l_ + (nl_ ? 1 : 0);                                       \
		}                                                                       \
	} while (0)

#endif
