/*
 * A bounded least-recently-used cache of rendered things: text, icons and
 * rounded corners, rendered once and kept as textures.
 *
 * Rendering a line of Chinese costs far more than drawing its texture
 * (16-50 ms a frame for a screen's text against 2-3 ms), so every string is
 * rendered once per size, colour and wrap width and then reused. The cache
 * holds at most max_entries textures and max_bytes of pixels; the ones used
 * in the current frame are never evicted (a frame that needs more gets
 * RK_ETOOBIG and draws the extra texture once without keeping it).
 *
 * Entries made from personal data (a typed name, an ID number) are marked;
 * rk_textcache_drop_personal() destroys them all and wipes the copies of
 * their text, which is what the kiosk's idle wipe calls. The values are
 * opaque to the cache: the free callback (the backend) destroys them.
 */
#ifndef RK_UI_TEXTCACHE_H
#define RK_UI_TEXTCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_textcache rk_textcache;

/* Destroys a cached value; personal says whether its pixels should be
 * wiped first. */
typedef void (*rk_textcache_free_fn)(void *arg, void *value, int personal);

typedef struct rk_textcache_stats {
    int entries;
    size_t bytes;
    unsigned long hits, misses, evictions, refused;
} rk_textcache_stats;

/* A new cache owned by the caller. RK_EINVAL for zero limits, RK_ENOMEM. */
int rk_textcache_new(rk_textcache **out, int max_entries, size_t max_bytes,
                     rk_textcache_free_fn free_fn, void *arg);

/* Destroys every value and the cache; NULL does nothing. */
void rk_textcache_free(rk_textcache *c);

/* The value kept for (key, params), marking it used in this frame, with its
 * size in *w, *h; NULL when there is none. params packs what else the
 * rendering depended on (size, colour, wrap width, flags). */
void *rk_textcache_get(rk_textcache *c, const char *key, size_t keylen, uint64_t params, int *w,
                       int *h);

/* Keeps value for (key, params); bytes is what it costs. Evicts the least
 * recently used entries not used in this frame to make room. RK_ETOOBIG when
 * it cannot be kept (then the cache does not own value), RK_ENOMEM. */
int rk_textcache_put(rk_textcache *c, const char *key, size_t keylen, uint64_t params, void *value,
                     int w, int h, size_t bytes, int personal);

/* Starts a new frame: what the last frame used may be evicted again. */
void rk_textcache_frame(rk_textcache *c);

/* Destroys every personal entry and wipes its key; returns how many. */
int rk_textcache_drop_personal(rk_textcache *c);

/* Destroys every entry. */
void rk_textcache_clear(rk_textcache *c);

void rk_textcache_get_stats(const rk_textcache *c, rk_textcache_stats *s);

#endif
