/* strpool: open-addressing hash of interned byte strings, see strpool.h. */
#include "strpool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint32_t off;
	uint32_t len;
};

struct capture_strpool {
	char *bytes;
	size_t nbytes, capbytes;
	struct entry *ents;
	size_t nents, capents;
	uint32_t *slots; /* entry index + 1, 0 = empty */
	size_t nslots;
	/* the last few ids interned at each site: log lines cycle through a
	 * handful of tables, chains and devices */
	uint32_t last[NFP_STRPOOL_SITES][4];
	uint8_t next[NFP_STRPOOL_SITES];
};

/* 8 bytes per step: names are short but rule texts are not */
static uint32_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	memcpy(&w, s + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)h;
}

struct capture_strpool *capture_strpool_new(void)
{
	struct capture_strpool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->nslots = 256;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->capents = 64;
	p->ents = malloc(p->capents * sizeof(*p->ents));
	p->capbytes = 4096;
	p->bytes = malloc(p->capbytes);
	if (!p->slots || !p->ents || !p->bytes) {
		capture_strpool_free(p);
		return NULL;
	}
	/* id 0: the empty string */
	p->bytes[0] = '\0';
	p->nbytes = 1;
	p->ents[0] = (struct entry){ 0, 0 };
	p->nents = 1;
	return p;
}

void capture_strpool_free(struct capture_strpool *p)
{
	if (!p)
		return;
	free(p->bytes);
	free(p->ents);
	free(p->slots);
	free(p);
}

static size_t slot_of(const struct capture_strpool *p, const char *s, size_t len, int *found)
{
	size_t mask = p->nslots - 1;
	size_t i = hash_bytes(s, len) & mask;
	for (;;) {
		uint32_t v = p->slots[i];
		if (!v) {
			*found = 0;
			return i;
		}
		const struct entry *e = &p->ents[v - 1];
		if (e->len == len && memcmp(p->bytes + e->off, s, len) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int grow_slots(struct capture_strpool *p)
{
	size_t n = p->nslots * 2;
	uint32_t *ns = calloc(n, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t e = 1; e < p->nents; e++) {
		const struct entry *en = &p->ents[e];
		size_t i = hash_bytes(p->bytes + en->off, en->len) & (n - 1);
		while (ns[i])
			i = (i + 1) & (n - 1);
		ns[i] = (uint32_t)e + 1;
	}
	free(p->slots);
	p->slots = ns;
	p->nslots = n;
	return 0;
}

uint32_t capture_strpool_find(const struct capture_strpool *p, const char *s, size_t len)
{
	if (len == 0)
		return 0;
	int found;
	size_t i = slot_of(p, s, len, &found);
	return found ? p->slots[i] - 1 : UINT32_MAX;
}

uint32_t capture_strpool_intern(struct capture_strpool *p, const char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (len > UINT32_MAX / 2 || memchr(s, '\0', len)) {
		errno = EINVAL;
		return UINT32_MAX;
	}
	int found;
	size_t i = slot_of(p, s, len, &found);
	if (found)
		return p->slots[i] - 1;
	if ((p->nents + 1) * 2 > p->nslots) {
		if (grow_slots(p) < 0)
			return UINT32_MAX;
		i = slot_of(p, s, len, &found);
	}
	if (p->nents == p->capents) {
		struct entry *ne = realloc(p->ents, p->capents * 2 * sizeof(*ne));
		if (!ne)
			return UINT32_MAX;
		p->ents = ne;
		p->capents *= 2;
	}
	if (p->nbytes + len + 1 > p->capbytes) {
		size_t nc = p->capbytes;
		while (p->nbytes + len + 1 > nc)
			nc *= 2;
		if (nc > UINT32_MAX) {
			errno = ENOMEM;
			return UINT32_MAX;
		}
		char *nb = realloc(p->bytes, nc);
		if (!nb)
			return UINT32_MAX;
		p->bytes = nb;
		p->capbytes = nc;
	}
	memcpy(p->bytes + p->nbytes, s, len);
	p->bytes[p->nbytes + len] = '\0';
	p->ents[p->nents] = (struct entry){ (uint32_t)p->nbytes, (uint32_t)len };
	p->nbytes += len + 1;
	p->slots[i] = (uint32_t)p->nents + 1;
	return (uint32_t)p->nents++;
}

uint32_t capture_strpool_intern_at(struct capture_strpool *p, unsigned site, const char *s, size_t len)
{
	if (site >= NFP_STRPOOL_SITES)
		return capture_strpool_intern(p, s, len);
	uint32_t *last = p->last[site];
	for (int k = 0; k < 4; k++) {
		uint32_t id = last[k];
		if (id && p->ents[id].len == len && memcmp(p->bytes + p->ents[id].off, s, len) == 0)
			return id;
	}
	uint32_t id = capture_strpool_intern(p, s, len);
	if (id != UINT32_MAX && id) {
		last[p->next[site]] = id;
		p->next[site] = (uint8_t)((p->next[site] + 1) & 3);
	}
	return id;
}

const char *capture_strpool_get(const struct capture_strpool *p, uint32_t id)
{
	if (id >= p->nents)
		return "";
	return p->bytes + p->ents[id].off;
}

size_t capture_strpool_len(const struct capture_strpool *p, uint32_t id)
{
	return id < p->nents ? p->ents[id].len : 0;
}

size_t capture_strpool_count(const struct capture_strpool *p)
{
	return p->nents;
}
