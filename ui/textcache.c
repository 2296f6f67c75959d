/*
 * The LRU cache of rendered text (see textcache.h).
 *
 * A fixed pool of entries chained into a fixed bucket array by the FNV-1a
 * hash of (key, params); each entry remembers the frame it was last used
 * in, and eviction takes the oldest entry not used in the current frame.
 * Keys are heap copies, wiped before they are freed when personal.
 */
#include "textcache.h"

#include "util/err.h"
#include "util/wipe.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;
    size_t keylen;
    uint64_t params;
    uint64_t hash;
    void *value;
    int w, h;
    size_t bytes;
    uint64_t used; /* frame of last use */
    int personal;
    int next; /* next in bucket or free list; -1 ends */
    int live;
} entry;

struct rk_textcache {
    entry *entries;
    int *buckets;
    int nbuckets, max_entries, free_head;
    size_t max_bytes;
    uint64_t frame;
    rk_textcache_free_fn free_fn;
    void *arg;
    rk_textcache_stats stats;
};

static uint64_t hash_key(const char *key, size_t n, uint64_t params)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    for (int i = 0; i < 8; i++) {
        h ^= (params >> (i * 8)) & 0xFF;
        h *= 1099511628211ULL;
    }
    return h;
}

int rk_textcache_new(rk_textcache **out, int max_entries, size_t max_bytes,
                     rk_textcache_free_fn free_fn, void *arg)
{
    rk_textcache *c;
    *out = NULL;
    if (max_entries < 1 || max_bytes < 1 || !free_fn)
        return rk_err_set(RK_EINVAL, "text cache: limits must be positive");
    if (!(c = calloc(1, sizeof *c))) return rk_err_oom();
    c->max_entries = max_entries;
    c->nbuckets = 1;
    while (c->nbuckets < max_entries * 2)
        c->nbuckets <<= 1;
    c->entries = calloc((size_t)max_entries, sizeof *c->entries);
    c->buckets = malloc((size_t)c->nbuckets * sizeof *c->buckets);
    if (!c->entries || !c->buckets) {
        free(c->entries);
        free(c->buckets);
        free(c);
        return rk_err_oom();
    }
    for (int i = 0; i < c->nbuckets; i++)
        c->buckets[i] = -1;
    for (int i = 0; i < max_entries; i++)
        c->entries[i].next = i + 1 < max_entries ? i + 1 : -1;
    c->free_head = 0;
    c->max_bytes = max_bytes;
    c->free_fn = free_fn;
    c->arg = arg;
    c->frame = 1;
    *out = c;
    return 0;
}

static void unlink_entry(rk_textcache *c, int idx)
{
    entry *e = &c->entries[idx];
    int *p = &c->buckets[e->hash & (uint64_t)(c->nbuckets - 1)];
    while (*p != -1 && *p != idx)
        p = &c->entries[*p].next;
    if (*p == idx) *p = e->next;
}

static void drop(rk_textcache *c, int idx)
{
    entry *e = &c->entries[idx];
    unlink_entry(c, idx);
    c->free_fn(c->arg, e->value, e->personal);
    if (e->personal) rk_wipe(e->key, e->keylen);
    free(e->key);
    c->stats.entries--;
    c->stats.bytes -= e->bytes;
    memset(e, 0, sizeof *e);
    e->next = c->free_head;
    c->free_head = idx;
}

void rk_textcache_clear(rk_textcache *c)
{
    if (!c) return;
    for (int i = 0; i < c->max_entries; i++)
        if (c->entries[i].live) drop(c, i);
}

void rk_textcache_free(rk_textcache *c)
{
    if (!c) return;
    rk_textcache_clear(c);
    free(c->entries);
    free(c->buckets);
    free(c);
}

void *rk_textcache_get(rk_textcache *c, const char *key, size_t keylen, uint64_t params, int *w,
                       int *h)
{
    uint64_t hash = hash_key(key, keylen, params);
    for (int i = c->buckets[hash & (uint64_t)(c->nbuckets - 1)]; i != -1; i = c->entries[i].next) {
        entry *e = &c->entries[i];
        if (e->hash == hash && e->params == params && e->keylen == keylen &&
            !memcmp(e->key, key, keylen)) {
            e->used = c->frame;
            if (w) *w = e->w;
            if (h) *h = e->h;
            c->stats.hits++;
            return e->value;
        }
    }
    c->stats.misses++;
    return NULL;
}

/* Evicts the least recently used entry not used in this frame; 0 if none. */
static int evict_one(rk_textcache *c)
{
    int best = -1;
    for (int i = 0; i < c->max_entries; i++) {
        entry *e = &c->entries[i];
        if (e->live && e->used != c->frame && (best < 0 || e->used < c->entries[best].used))
            best = i;
    }
    if (best < 0) return 0;
    drop(c, best);
    c->stats.evictions++;
    return 1;
}

int rk_textcache_put(rk_textcache *c, const char *key, size_t keylen, uint64_t params, void *value,
                     int w, int h, size_t bytes, int personal)
{
    entry *e;
    int idx;
    if (bytes > c->max_bytes) {
        c->stats.refused++;
        return rk_err_set(RK_ETOOBIG, "text cache: %zu bytes exceed the cache", bytes);
    }
    while (c->stats.bytes + bytes > c->max_bytes || c->free_head < 0) {
        if (!evict_one(c)) {
            c->stats.refused++;
            return rk_err_set(RK_ETOOBIG, "text cache: full with this frame's text");
        }
    }
    idx = c->free_head;
    e = &c->entries[idx];
    if (!(e->key = malloc(keylen ? keylen : 1))) return rk_err_oom();
    c->free_head = e->next;
    memcpy(e->key, key, keylen);
    e->keylen = keylen;
    e->params = params;
    e->hash = hash_key(key, keylen, params);
    e->value = value;
    e->w = w;
    e->h = h;
    e->bytes = bytes;
    e->used = c->frame;
    e->personal = personal;
    e->live = 1;
    int *b = &c->buckets[e->hash & (uint64_t)(c->nbuckets - 1)];
    e->next = *b;
    *b = idx;
    c->stats.entries++;
    c->stats.bytes += bytes;
    return 0;
}

void rk_textcache_frame(rk_textcache *c)
{
    c->frame++;
}

int rk_textcache_drop_personal(rk_textcache *c)
{
    int n = 0;
    for (int i = 0; i < c->max_entries; i++) {
        if (c->entries[i].live && c->entries[i].personal) {
            drop(c, i);
            n++;
        }
    }
    return n;
}

void rk_textcache_get_stats(const rk_textcache *c, rk_textcache_stats *s)
{
    *s = c->stats;
}
