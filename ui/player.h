/*
 * The scripted-event player: plays a small text script of touches, text,
 * keys and waits against a program on the offscreen driver and saves PNG
 * screenshots at named checkpoints. The widget gallery's tests use it, and
 * so will the kiosk's (it lives in rkui, and knows nothing of any screen).
 *
 * Script lines (# starts a comment; coordinates are logical pixels):
 *   touch X Y            a finger taps at (X, Y)
 *   tap ID [N]           a finger taps the centre of the widget ID of the
 *                        last frame (N: taps in a row); fails if it is not
 *                        on screen or is disabled
 *   press X Y | move X Y | release X Y      a finger, step by step
 *   drag X1 Y1 X2 Y2 [STEPS]                a finger drags (default 8 steps)
 *   click X Y            the mouse clicks
 *   wheel N              the mouse wheel turns N steps (+ away)
 *   text TEXT            types the rest of the line (\n, \t, \s for a space,
 *                        \\ escapes)
 *   key NAME [shift|ctrl|alt]...   a key (input.h names: Return, BackSpace ...)
 *   wait MS              lets MS of the program's clock pass (no real sleep)
 *   sleep MS             really sleeps (for threads: voice, jobs)
 *   screenshot NAME      saves NAME.png (letters, digits, - _ .) in the shots folder
 *   expect ID            fails unless ID is on screen; expect-no ID the reverse
 *   app WORDS...         hands the words to the program's hook (device
 *                        doubles, demo switches: "app card-placed")
 *   quit                 ends the script
 *
 * Events go in through the backend as a device would send them (fingers
 * through the inverse touch mapping), so the mapping, the event loop and
 * the widgets are all exercised.
 */
#ifndef RK_UI_PLAYER_H
#define RK_UI_PLAYER_H

#include "ui.h"

#include <stddef.h>

#define RK_PLAYER_MAX_COMMANDS 8192
#define RK_PLAYER_MAX_LINE     1024

typedef enum rk_player_op {
    RK_OP_TOUCH = 1,
    RK_OP_TAP,
    RK_OP_PRESS,
    RK_OP_MOVE,
    RK_OP_RELEASE,
    RK_OP_DRAG,
    RK_OP_CLICK,
    RK_OP_WHEEL,
    RK_OP_TEXT,
    RK_OP_KEY,
    RK_OP_WAIT,
    RK_OP_SLEEP,
    RK_OP_SCREENSHOT,
    RK_OP_EXPECT,
    RK_OP_EXPECT_NO,
    RK_OP_APP,
    RK_OP_QUIT
} rk_player_op;

typedef struct rk_player_cmd {
    rk_player_op op;
    int line;
    int a[5];        /* numbers: coordinates, counts, ms, key and mods */
    const char *arg; /* text, id, name or app words (in the script's arena) */
} rk_player_cmd;

typedef struct rk_script rk_script;

/* Parses a script (name for messages). RK_EFORMAT "name:line: problem",
 * RK_ETOOBIG, RK_ENOMEM. The caller owns *out. */
int rk_script_parse(rk_script **out, const char *buf, size_t len, const char *name);
int rk_script_load(rk_script **out, const char *path);
void rk_script_free(rk_script *s);
int rk_script_count(const rk_script *s);
const rk_player_cmd *rk_script_cmd(const rk_script *s, int i);

typedef struct rk_player rk_player;

/* The program's hook for "app" lines: 0, or a negative RK_E* code (the
 * script fails with rk_err_msg()). */
typedef int (*rk_player_app_fn)(void *arg, const char *words);

enum { RK_PLAYER_RUNNING = 0, RK_PLAYER_DONE = 1, RK_PLAYER_FAILED = -1 };

/* A player of script (borrowed) on ui; screenshots go to shots_dir (NULL:
 * screenshot lines only settle the screen). */
int rk_player_new(rk_player **out, const rk_script *script, rk_ui *ui, const char *shots_dir,
                  rk_player_app_fn app, void *app_arg);
void rk_player_free(rk_player *p);

/* Runs the next step. Call it when the program is idle (rk_ui_wait(ui, 0)
 * returned 0: every frame the last events asked for has been drawn).
 * Returns RK_PLAYER_RUNNING, RK_PLAYER_DONE, or RK_PLAYER_FAILED (then
 * rk_player_error says which line and why). */
int rk_player_step(rk_player *p);
const char *rk_player_error(const rk_player *p);

/* Screenshots saved so far. */
int rk_player_shots(const rk_player *p);

#endif
