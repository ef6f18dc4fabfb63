/* strpool: interned strings for hop fields (device, table, chain, rule text).
 *
 * Hops store 32-bit ids instead of pointers so a hop stays small and the
 * same "docker0" is held once however many hops name it. Id 0 is the empty
 * string and means "absent". Strings are byte strings (may hold any byte but
 * NUL); callers escape them on output.
 *
 * Ownership: the pool owns every string; pointers returned by
 * capture_strpool_get() live until capture_strpool_free(). */
#ifndef NFP_STRPOOL_H
#define NFP_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct capture_strpool;

struct capture_strpool *capture_strpool_new(void);
void capture_strpool_free(struct capture_strpool *p);

/* Returns the id of s[0..len), adding it if new; 0 for len == 0.
 * Returns UINT32_MAX on allocation failure (errno set). */
uint32_t capture_strpool_intern(struct capture_strpool *p, const char *s, size_t len);
/* Like intern, but first compares with the string last interned at the
 * same call site (site < NFP_STRPOOL_SITES): consecutive log lines repeat
 * their device and chain names, and a memcmp is cheaper than a hash. */
#define NFP_STRPOOL_SITES 16
uint32_t capture_strpool_intern_at(struct capture_strpool *p, unsigned site, const char *s, size_t len);
/* Looks s up without adding it: its id, or UINT32_MAX when absent. */
uint32_t capture_strpool_find(const struct capture_strpool *p, const char *s, size_t len);
const char *capture_strpool_get(const struct capture_strpool *p, uint32_t id);
size_t capture_strpool_len(const struct capture_strpool *p, uint32_t id);
size_t capture_strpool_count(const struct capture_strpool *p);

#endif
