/* Replays files through a fuzz target without libFuzzer, so `make check`
 * runs every seed and every past crash (tests/fuzz/regress) through it. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f)
			continue;
		size_t cap = 1 << 16, len = 0;
		unsigned char *b = malloc(cap);
		size_t r;
		while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
			len += r;
			if (len == cap) {
				unsigned char *nb = realloc(b, cap * 2);
				if (!nb)
					break;
				b = nb;
				cap *= 2;
			}
		}
		fclose(f);
		if (b)
			LLVMFuzzerTestOneInput(b, len);
		free(b);
		n++;
	}
	printf("%s: %d inputs replayed\n", argv[0], n);
	return 0;
}
