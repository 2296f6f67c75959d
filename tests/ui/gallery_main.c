/*
 * ui_gallery: the widget gallery program. Plays an event script against the
 * gallery on any SDL driver (offscreen in tests), saves screenshots, and
 * reports text that does not fit (--fit-check).
 *
 *   ui_gallery [--lang zh-CN|en] [--large] [--contrast] [--size WxH]
 *              [--rotation DEG] [--touch-rotation DEG] [--flip-x] [--flip-y]
 *              [--driver NAME] [--screen NAME] [--script FILE] [--shots DIR]
 *              [--fit-check] [--all-screens] [--first-frame] [--idle SECONDS]
 *              [--voice] [--audio] [--no-ime] [--strings DIR] [--print-rss]
 *
 * Exit: 0 done; 1 the script failed or text did not fit; 2 bad usage;
 * 3 the display, strings or input method could not start.
 */
#define _XOPEN_SOURCE 700
#include "gallery.h"

#include "ui/player.h"
#include "ui/strings.h"
#include "ui/widgets.h"

#include "util/err.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tone(void *arg, int sound)
{
    rk_voice_tone(arg, sound == RK_UI_SOUND_ERROR ? RK_VOICE_TONE_ERROR : RK_VOICE_TONE_CONFIRM);
}

static void pull(void *arg, int16_t *out, size_t n)
{
    rk_voice_pull(arg, out, n);
}

static int print_fits(rk_ui *ui, const char *label)
{
    int n = rk_ui_fit_count(ui);
    for (int i = 0; i < n && i < RK_UI_MAX_FITS; i++) {
        const rk_ui_fit *f = rk_ui_fit_get(ui, i);
        printf("FIT [%s] %s %s: %s: \"%s\" needs %dx%d, box %dx%d\n", label, f->screen, f->id,
               f->why, f->text, f->need_w, f->need_h, f->box_w, f->box_h);
    }
    if (n > RK_UI_MAX_FITS) printf("FIT [%s] ... and %d more\n", label, n - RK_UI_MAX_FITS);
    return n;
}

static void usage(void)
{
    printf("usage: ui_gallery [--lang zh-CN|en] [--large] [--contrast] [--size WxH]\n"
           "  [--rotation DEG] [--touch-rotation DEG] [--flip-x] [--flip-y] [--driver NAME]\n"
           "  [--screen NAME] [--script FILE] [--shots DIR] [--fit-check] [--all-screens]\n"
           "  [--first-frame] [--idle SECONDS] [--voice] [--audio] [--no-ime] [--strings DIR] "
           "[--print-rss]\n");
}

int main(int argc, char **argv)
{
    rk_ui_options o;
    const char *script_path = NULL, *shots = NULL, *screen = NULL, *strings_dir = NULL;
    int fit = 0, all = 0, first_frame = 0, idle_s = -1, voice_on = 0, audio = 0, no_ime = 0;
    int rc = 0, touch_rot = -1, print_rss = 0;
    memset(&o, 0, sizeof o);
    o.display.width = 1920;
    o.display.height = 1080;
    o.display.driver = getenv("SDL_VIDEODRIVER") ? NULL : "offscreen";
    o.display.title = "rkui gallery";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--lang") && v) {
            o.lang = !strcmp(v, "en");
            i++;
        } else if (!strcmp(a, "--large")) {
            o.large = 1;
        } else if (!strcmp(a, "--contrast")) {
            o.contrast = 1;
        } else if (!strcmp(a, "--size") && v) {
            if (sscanf(v, "%dx%d", &o.display.width, &o.display.height) != 2) return usage(), 2;
            i++;
        } else if (!strcmp(a, "--rotation") && v) {
            o.display.rotation = atoi(v);
            i++;
        } else if (!strcmp(a, "--touch-rotation") && v) {
            touch_rot = atoi(v);
            i++;
        } else if (!strcmp(a, "--flip-x")) {
            o.display.touch_flip_x = 1;
        } else if (!strcmp(a, "--flip-y")) {
            o.display.touch_flip_y = 1;
        } else if (!strcmp(a, "--driver") && v) {
            o.display.driver = v;
            i++;
        } else if (!strcmp(a, "--screen") && v) {
            screen = v;
            i++;
        } else if (!strcmp(a, "--script") && v) {
            script_path = v;
            i++;
        } else if (!strcmp(a, "--shots") && v) {
            shots = v;
            i++;
        } else if (!strcmp(a, "--strings") && v) {
            strings_dir = v;
            i++;
        } else if (!strcmp(a, "--fit-check")) {
            fit = 1;
        } else if (!strcmp(a, "--all-screens")) {
            all = 1;
        } else if (!strcmp(a, "--first-frame")) {
            first_frame = 1;
        } else if (!strcmp(a, "--idle") && v) {
            idle_s = atoi(v);
            i++;
        } else if (!strcmp(a, "--voice")) {
            voice_on = 1;
        } else if (!strcmp(a, "--audio")) {
            audio = 1;
        } else if (!strcmp(a, "--print-rss")) {
            print_rss = 1;
        } else if (!strcmp(a, "--no-ime")) {
            no_ime = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "ui_gallery: unknown argument '%s'\n", a);
            usage();
            return 2;
        }
    }
    /* The touch panel follows the display unless told otherwise: touch
     * rotation is relative to the picture's panel. */
    o.display.touch_rotation = touch_rot < 0 ? 0 : touch_rot;
    o.fit_check = fit;

    char zh_path[4200], en_path[4200];
    const char *dir = strings_dir ? strings_dir : RK_STRINGS_SOURCE_DIR;
    snprintf(zh_path, sizeof zh_path, "%s/zh-CN.ini", dir);
    snprintf(en_path, sizeof en_path, "%s/en.ini", dir);
    rk_strings *zh = NULL, *en = NULL;
    if (rk_strings_load(&zh, zh_path) || rk_strings_load(&en, en_path)) {
        fprintf(stderr, "ui_gallery: %s\n", rk_err_msg());
        rk_strings_free(zh);
        return 3;
    }

    rk_ui *ui;
    if (rk_ui_new(&ui, &o)) {
        fprintf(stderr, "ui_gallery: %s\n", rk_err_msg());
        return 3;
    }
    rk_ui_set_strings(ui, 0, zh);
    rk_ui_set_strings(ui, 1, en);

    rk_ime *ime = NULL;
    char user_dir[4200] = "";
    if (!no_ime) {
        const char *tmp = getenv("TMPDIR");
        snprintf(user_dir, sizeof user_dir, "%s/rkui-rime.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        char staging[4200];
        rk_ime_find_cache(staging, sizeof staging);
        rk_ime_paths p = {NULL, staging, user_dir};
        if (!mkdtemp(user_dir) || rk_ime_open(&ime, &p)) {
            fprintf(stderr, "ui_gallery: input method: %s\n", rk_err_msg());
            return 3;
        }
    }
    rk_voice *voice = NULL;
    if (voice_on || audio) {
        rk_voice_options vo = {.speak = voice_on, .volume = 70};
        if (rk_voice_new(&voice, &vo) == 0) {
            rk_ui_set_sound(ui, tone, voice);
            if (audio &&
                rk_backend_audio_open(rk_ui_backend(ui), rk_voice_rate(voice), pull, voice))
                fprintf(stderr, "ui_gallery: %s (no sound)\n", rk_err_msg());
        }
    }

    gallery g;
    if (gallery_init(&g, ui, ime, voice)) {
        fprintf(stderr, "ui_gallery: %s\n", rk_err_msg());
        return 3;
    }
    if (screen) {
        int s = gallery_screen_by_name(screen);
        if (s < 0) {
            fprintf(stderr, "ui_gallery: no screen %s\n", screen);
            return 2;
        }
        gallery_show(&g, (gallery_screen)s);
    }

    rk_script *script = NULL;
    rk_player *player = NULL;
    if (script_path) {
        if (rk_script_load(&script, script_path) ||
            rk_player_new(&player, script, ui, shots, gallery_app, &g)) {
            fprintf(stderr, "ui_gallery: %s\n", rk_err_msg());
            return 2;
        }
    }

    if (all) {
        /* Every screen, and the form with every keyboard layout, each in the
         * language and type size given. */
        for (int s = 0; s < G_SCREENS; s++) {
            gallery_show(&g, (gallery_screen)s);
            for (int f = 0; f < 3; f++)
                gallery_frame(&g);
            if (s == G_FORM) {
                static const rk_kb_mode modes[] = {RK_KB_LATIN, RK_KB_DIGITS, RK_KB_ID, RK_KB_PUNCT,
                                                   RK_KB_STROKE};
                for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
                    rk_keyboard_set_mode(&g.kb, modes[m]);
                    g.kb.modes = RK_KB_TEXT_MODES;
                    for (int f = 0; f < 2; f++)
                        gallery_frame(&g);
                }
            }
        }
    } else {
        uint64_t idle_until = 0;
        int frames = 0;
        for (;;) {
            int timeout = player ? 0 : -1;
            if (!player && idle_until) {
                uint64_t now = rk_ui_now(ui);
                timeout = now < idle_until ? (int)(idle_until - now) : 0;
            }
            int draw = rk_ui_wait(ui, timeout);
            if (rk_ui_input(ui)->quit) break;
            if (draw) {
                gallery_frame(&g);
                if (frames++ == 0 && first_frame) {
                    printf("first-frame\n");
                    fflush(stdout);
                    if (idle_s < 0) break;
                    idle_until = rk_ui_now(ui) + (uint64_t)idle_s * 1000;
                }
                continue;
            }
            if (player) {
                int st = rk_player_step(player);
                if (st == RK_PLAYER_DONE) break;
                if (st == RK_PLAYER_FAILED) {
                    fprintf(stderr, "ui_gallery: %s\n", rk_player_error(player));
                    rc = 1;
                    break;
                }
            } else if (idle_s >= 0 && idle_until && rk_ui_now(ui) >= idle_until) {
                break;
            }
        }
    }
    char label[64];
    snprintf(label, sizeof label, "%s%s%s", o.lang ? "en" : "zh-CN",
             rk_ui_large(ui) ? " large" : "", rk_ui_contrast(ui) ? " contrast" : "");
    if (fit && print_fits(ui, label) > 0) rc = 1;
    if (player) printf("ui_gallery: %d screenshots\n", rk_player_shots(player));
    if (print_rss) {
        /* The peak of this process image (VmHWM; rusage's maxrss carries the
         * spawning process's size across exec). */
        FILE *st = fopen("/proc/self/status", "r");
        char line[256];
        while (st && fgets(line, sizeof line, st))
            if (!strncmp(line, "VmHWM:", 6)) printf("peak-rss %s", line + 6);
        if (st) fclose(st);
    }

    rk_player_free(player);
    rk_script_free(script);
    gallery_free(&g);
    rk_backend_audio_close(rk_ui_backend(ui));
    rk_voice_free(voice);
    rk_ime_free(ime);
    rk_ui_free(ui);
    rk_strings_free(zh);
    rk_strings_free(en);
    if (user_dir[0] && strstr(user_dir, "rkui-rime."))
        nftw(user_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return rc;
}
