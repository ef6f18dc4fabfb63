/* grow: the one growable-array step every store here uses. */
#ifndef NFP_GROW_H
#define NFP_GROW_H

#include <stddef.h>

/* Makes *p (an array of *cap elements of elem bytes, realloc'd storage)
 * hold at least need elements, doubling so appends stay amortised O(1).
 * New elements are uninitialised. -1 (errno ENOMEM) leaves *p and *cap as
 * they were; the caller still owns *p either way. */
int capture_grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
