/*
 * The text cache: hits, LRU eviction within the byte and entry limits,
 * textures used in the current frame never evicted, personal entries
 * dropped (and their keys wiped) by the idle wipe.
 */
#include "test.h"

#include "ui/textcache.h"

#include "util/err.h"

static int freed, freed_personal;

static void on_free(void *arg, void *value, int personal)
{
    (void)arg;
    (void)value;
    freed++;
    freed_personal += personal;
}

int main(void)
{
    rk_textcache *c;
    rk_textcache_stats st;
    int w, h, vals[16];
    CHECK_INT(rk_textcache_new(&c, 0, 10, on_free, NULL), RK_EINVAL);
    CHECK_INT(rk_textcache_new(&c, 4, 1000, on_free, NULL), 0);

    CHECK(rk_textcache_get(c, "a", 1, 1, &w, &h) == NULL);
    CHECK_INT(rk_textcache_put(c, "a", 1, 1, &vals[0], 10, 20, 100, 0), 0);
    CHECK(rk_textcache_get(c, "a", 1, 1, &w, &h) == &vals[0]);
    CHECK_INT(w, 10);
    CHECK_INT(h, 20);
    /* Same text, other parameters (size, colour): another entry. */
    CHECK(rk_textcache_get(c, "a", 1, 2, NULL, NULL) == NULL);
    CHECK_INT(rk_textcache_put(c, "a", 1, 2, &vals[1], 1, 1, 100, 0), 0);
    CHECK_INT(rk_textcache_put(c, "b", 1, 1, &vals[2], 1, 1, 100, 1), 0);
    CHECK_INT(rk_textcache_put(c, "c", 1, 1, &vals[3], 1, 1, 100, 0), 0);

    /* Full (4 entries) and everything used this frame: refused, nothing lost. */
    CHECK_INT(rk_textcache_put(c, "d", 1, 1, &vals[4], 1, 1, 100, 0), RK_ETOOBIG);
    CHECK_INT(freed, 0);

    /* Next frame: "a"/1 is used again, so the oldest unused one goes. */
    rk_textcache_frame(c);
    CHECK(rk_textcache_get(c, "a", 1, 1, NULL, NULL) == &vals[0]);
    CHECK_INT(rk_textcache_put(c, "d", 1, 1, &vals[4], 1, 1, 100, 0), 0);
    CHECK_INT(freed, 1);
    CHECK(rk_textcache_get(c, "a", 1, 1, NULL, NULL) == &vals[0]);
    rk_textcache_get_stats(c, &st);
    CHECK_INT(st.entries, 4);
    CHECK_INT(st.evictions, 1);

    /* The byte budget: a big entry evicts as many as it needs. */
    rk_textcache_frame(c);
    CHECK_INT(rk_textcache_put(c, "big", 3, 1, &vals[5], 1, 1, 900, 0), 0);
    rk_textcache_get_stats(c, &st);
    CHECK(st.bytes <= 1000);
    CHECK_INT(rk_textcache_put(c, "huge", 4, 1, &vals[6], 1, 1, 1001, 0), RK_ETOOBIG);

    /* Personal entries go at the idle wipe; the others stay. */
    rk_textcache_frame(c);
    freed_personal = 0;
    CHECK_INT(rk_textcache_put(c, "110105194912310021", 18, 1, &vals[7], 1, 1, 50, 1), 0);
    int before = freed;
    CHECK_INT(rk_textcache_drop_personal(c), 1);
    CHECK_INT(freed - before, 1);
    CHECK_INT(freed_personal, 1);
    CHECK(rk_textcache_get(c, "110105194912310021", 18, 1, NULL, NULL) == NULL);
    CHECK(rk_textcache_get(c, "big", 3, 1, NULL, NULL) == &vals[5]);

    /* Many entries through a small cache: bounded all along. */
    for (int i = 0; i < 1000; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "k%d", i);
        rk_textcache_frame(c);
        rk_textcache_put(c, k, (size_t)n, 1, &vals[8], 1, 1, 10, 0);
        rk_textcache_get_stats(c, &st);
        CHECK(st.entries <= 4 && st.bytes <= 1000);
    }
    rk_textcache_free(c);
    rk_textcache_free(NULL);
    return rk_test_done();
}
