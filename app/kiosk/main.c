/*
 * rakiosk: the counter program, full screen and touch first.
 *
 * main reads the options, opens the kiosk (kiosk.h: the branch through
 * rk_branch_open, the display, strings, input method, voice and job
 * runner), and runs its loop until a signal ends it; with --script it
 * plays an event script (ui/player.h) on the given driver, saving
 * screenshots into --shots, and exits when the script ends. Under systemd
 * (rakiosk.service) the loop speaks the unit's contract of util/service.h:
 * READY=1 once up, WATCHDOG=1 from the loop, and the "home-shown" health
 * marker once the attract or home screen has been drawn.
 *
 * Exit: 0 done; 1 the script failed or (--fit-check) text did not fit;
 * 2 bad usage; 3 the configuration, database or strings could not be
 * opened; 4 the display could not be opened; 10 a clerk logged in to end
 * the kiosk (rakiosk.service does not restart it then).
 */
#include "kiosk.h"

#include "util/err.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kiosk *the_kiosk;

static void on_signal(int sig)
{
    (void)sig;
    if (the_kiosk) kiosk_stop(the_kiosk);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: rakiosk [--conf FILE] [--driver NAME] [--size WxH] [--lang zh-CN|en]\n"
               "               [--large] [--contrast] [--fullscreen] [--script FILE]\n"
               "               [--shots DIR] [--fit-check] [--idle SECONDS]\n"
               "               [--countdown SECONDS] [--strings DIR] [--import-dir DIR]\n"
               "               [--no-ime] [--no-voice] [--first-frame] [--stats]\n\n"
               "The counter program of a certificate registration branch.\n"
               "  --conf FILE      branch configuration (default as for ractl)\n"
               "  --driver NAME    SDL video driver: kmsdrm, x11, wayland, offscreen\n"
               "                   (default: [display] driver, else $SDL_VIDEODRIVER)\n"
               "  --size WxH       the picture's size (default: [display], else the display's)\n"
               "  --lang L         start in zh-CN (default) or en\n"
               "  --large          start in large type\n"
               "  --contrast       start in the high-contrast theme\n"
               "  --fullscreen     a borderless full-screen window (desktop drivers)\n"
               "  --script FILE    play an event script (ui/player.h), then exit\n"
               "  --shots DIR      where the script's screenshots go\n"
               "  --fit-check      report text that does not fit and small touch targets;\n"
               "                   exit 1 if there were any\n"
               "  --idle S         seconds without a touch before the countdown\n"
               "                   (default: [kiosk] idle_seconds)\n"
               "  --countdown S    the countdown's seconds (default: [kiosk] countdown_seconds)\n"
               "  --strings DIR    the strings files (default: strings/ beside kiosk.conf)\n"
               "  --import-dir DIR where a USB stick's images are (default: [kiosk] import_dir)\n"
               "  --no-ime         no pinyin or stroke input (letters are typed as Latin)\n"
               "  --no-voice       no voice prompts and tones\n"
               "  --first-frame    print \"first-frame\" once the first frame is shown\n"
               "  --stats          at the end, print frame times and the peak RSS\n\n"
               "Exit: 0 done; 1 the script failed or text did not fit; 2 bad usage;\n"
               "3 configuration, database or strings unusable; 4 no display;\n"
               "10 a clerk ended the kiosk (held the branch name on the attract screen\n"
               "and logged in). Nothing else leaves it: the window's close button and key\n"
               "combinations are ignored; SIGTERM (systemd) stops it.\n");
}

static int number(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int print_fits(rk_ui *ui)
{
    int n = rk_ui_fit_count(ui);
    for (int i = 0; i < n && i < RK_UI_MAX_FITS; i++) {
        const rk_ui_fit *f = rk_ui_fit_get(ui, i);
        printf("FIT [%s%s%s] %s %s: %s: \"%s\" needs %dx%d, box %dx%d\n",
               rk_ui_lang(ui) ? "en" : "zh-CN", rk_ui_large(ui) ? " large" : "",
               rk_ui_contrast(ui) ? " contrast" : "", f->screen, f->id, f->why, f->text, f->need_w,
               f->need_h, f->box_w, f->box_h);
    }
    if (n > RK_UI_MAX_FITS) printf("FIT ... and %d more\n", n - RK_UI_MAX_FITS);
    return n;
}

int main(int argc, char **argv)
{
    kiosk_options o = {.idle_s = -1, .countdown_s = -1};
    const char *script_path = NULL, *shots = NULL;
    int first_frame = 0;

    setvbuf(stdout, NULL, _IOLBF, 0); /* a log or journald sees each line at once */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--conf") && v) {
            o.conf_path = v;
        } else if (!strcmp(a, "--driver") && v) {
            o.driver = v;
        } else if (!strcmp(a, "--size") && v) {
            char x;
            if (sscanf(v, "%d%c%d", &o.width, &x, &o.height) != 3 || x != 'x' || o.width < 320 ||
                o.height < 320 || o.width > 8192 || o.height > 8192) {
                fprintf(stderr, "rakiosk: --size '%s': expected WxH, 320 to 8192 each\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--lang") && v) {
            if (strcmp(v, "zh-CN") && strcmp(v, "en")) {
                fprintf(stderr, "rakiosk: --lang '%s': expected zh-CN or en\n", v);
                return 2;
            }
            o.lang = !strcmp(v, "en");
        } else if (!strcmp(a, "--script") && v) {
            script_path = v;
        } else if (!strcmp(a, "--shots") && v) {
            shots = v;
        } else if (!strcmp(a, "--strings") && v) {
            o.strings_dir = v;
        } else if (!strcmp(a, "--import-dir") && v) {
            o.import_dir = v;
        } else if (!strcmp(a, "--idle") && v) {
            if (number(v, 1, 3600, &o.idle_s)) {
                fprintf(stderr, "rakiosk: --idle '%s': expected 1 to 3600 seconds\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--countdown") && v) {
            if (number(v, 1, 60, &o.countdown_s)) {
                fprintf(stderr, "rakiosk: --countdown '%s': expected 1 to 60 seconds\n", v);
                return 2;
            }
        } else {
            takes = 0;
            if (!strcmp(a, "--large"))
                o.large = 1;
            else if (!strcmp(a, "--contrast"))
                o.contrast = 1;
            else if (!strcmp(a, "--fullscreen"))
                o.fullscreen = 1;
            else if (!strcmp(a, "--fit-check"))
                o.fit_check = 1;
            else if (!strcmp(a, "--no-ime"))
                o.no_ime = 1;
            else if (!strcmp(a, "--no-voice"))
                o.no_voice = 1;
            else if (!strcmp(a, "--stats"))
                o.stats = 1;
            else if (!strcmp(a, "--first-frame"))
                first_frame = 1;
            else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
                return usage(stdout), 0;
            else {
                fprintf(stderr, "rakiosk: unknown argument '%s' (see --help)\n", a);
                return 2;
            }
        }
        i += takes;
    }

    rk_script *script = NULL;
    if (script_path && rk_script_load(&script, script_path)) {
        fprintf(stderr, "rakiosk: %s\n", rk_err_msg());
        return 2;
    }
    kiosk *k = NULL;
    int rc = kiosk_open(&k, &o);
    if (rc) {
        fprintf(stderr, "rakiosk: %s\n", rk_err_msg());
        int code = k && !k->ui && k->strings[1] ? 4 : 3;
        kiosk_close(k);
        rk_script_free(script);
        return code;
    }
    rk_player *player = NULL;
    if (script && rk_player_new(&player, script, k->ui, shots, kiosk_app_command, k)) {
        fprintf(stderr, "rakiosk: %s\n", rk_err_msg());
        kiosk_close(k);
        rk_script_free(script);
        return 2;
    }
    /* After SDL's own handlers (installed when the display opened): a
     * signal stops the loop; SDL's quit request is no way out. */
    the_kiosk = k;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    rc = kiosk_run(k, player, first_frame);
    if (o.fit_check && print_fits(k->ui) > 0 && rc == 0) rc = 1;
    if (o.stats) kiosk_print_stats(k);
    if (player) printf("rakiosk: %d screenshots\n", rk_player_shots(player));
    the_kiosk = NULL;
    rk_player_free(player);
    rk_script_free(script);
    kiosk_close(k);
    return rc;
}
