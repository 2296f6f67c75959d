/*
 * The idle wipe leaves no personal data in the process: an ID number typed
 * into the gallery's form (through SDL text events, the field, the text
 * cache and the screen) is found in memory before the idle countdown runs
 * out, and nowhere in the process's memory (every readable mapping, read
 * through /proc/self/mem) afterwards.
 */
#include "test.h"

#include "gallery.h"

#include "ui/dialog.h"

#include "util/err.h"
#include "util/wipe.h"

#include <fcntl.h>
#include <unistd.h>

/* Occurrences of needle in every readable mapping of this process. */
static int count_in_memory(const char *needle, size_t n)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    char line[512];
    int found = 0;
    static char buf[1 << 20];
    if (!maps || mem < 0) {
        if (maps) fclose(maps);
        if (mem >= 0) close(mem);
        return -1;
    }
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r') continue;
        if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]")) continue;
        /* AddressSanitizer's shadow memory: terabytes of zeros, no data. */
        if (hi - lo > (1UL << 32)) continue;
        for (unsigned long at = lo; at < hi;) {
            size_t want = hi - at < sizeof buf ? hi - at : sizeof buf;
            ssize_t got = pread(mem, buf, want, (off_t)at);
            if (got <= 0) break;
            /* The scanner's own buffer is skipped by construction: only
             * compare where a whole needle fits in this chunk. */
            for (ssize_t i = 0; i + (ssize_t)n <= got; i++)
                if (buf[i] == needle[0] && !memcmp(buf + i, needle, n)) found++;
            /* Overlap chunks so a needle across a boundary is seen. */
            at += (unsigned long)got > n ? (unsigned long)got - n : (unsigned long)got;
            if ((size_t)got < want) break;
        }
    }
    rk_wipe(buf, sizeof buf);
    fclose(maps);
    close(mem);
    return found;
}

static void frames(gallery *g, int n)
{
    for (int i = 0; i < n; i++) {
        rk_ui_wait(g->ui, 0);
        gallery_frame(g);
    }
}

int main(void)
{
    rk_ui *ui;
    rk_strings *zh, *en;
    gallery g;
    char zh_path[4200], en_path[4200];
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(zh_path, sizeof zh_path, "%s/conf/strings/zh-CN.ini", src ? src : ".");
    snprintf(en_path, sizeof en_path, "%s/conf/strings/en.ini", src ? src : ".");
    CHECK_INT(rk_strings_load(&zh, zh_path), 0);
    CHECK_INT(rk_strings_load(&en, en_path), 0);
    rk_ui_options o = {.display = {.driver = "offscreen", .width = 1920, .height = 1080}};
    CHECK_INT(rk_ui_new(&ui, &o), 0);
    rk_ui_set_strings(ui, 0, zh);
    rk_ui_set_strings(ui, 1, en);
    CHECK_INT(gallery_init(&g, ui, NULL, NULL), 0);

    /* A resident ID number made at run time (the program text must not
     * hold it): 18 characters, upper-case check letter. */
    char id[19];
    const char *parts[3] = {"350102", "19870623", "451X"};
    snprintf(id, sizeof id, "%s%s%s", parts[0], parts[1], parts[2]);
    /* A second needle that is not in any string of the program. */
    char needle[19];
    memcpy(needle, id, sizeof needle);

    gallery_show(&g, G_FORM);
    frames(&g, 2);
    rk_ui_set_focus(ui, "form.id");
    frames(&g, 1);
    rk_backend_inject_text(rk_ui_backend(ui), id);
    rk_wipe(id, sizeof id);
    frames(&g, 4);
    CHECK_STR(g.id_number, needle);
    int before = count_in_memory(needle, 18);
    CHECK(before > 1); /* the field, the text cache's key, ... (and our needle) */

    /* The idle countdown runs out: the gallery wipes as the kiosk will. */
    gallery_show(&g, G_IDLE);
    frames(&g, 2);
    rk_ui_advance_clock(ui, 31000);
    frames(&g, 4);
    CHECK_INT(g.screen, G_HOME);
    CHECK_STR(g.id_number, "");
    /* Only the needle itself is left. */
    int after = count_in_memory(needle, 18);
    if (after != 1) fprintf(stderr, "the ID number is still in memory %d times\n", after - 1);
    CHECK_INT(after, 1);

    gallery_free(&g);
    rk_ui_free(ui);
    rk_strings_free(zh);
    rk_strings_free(en);
    return rk_test_done();
}
