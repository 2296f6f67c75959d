/*
 * The kiosk's screen table: every screen rakiosk can show, one line each.
 *
 * A screen is one function `void scr_NAME(kiosk *k)` that draws the
 * current state with the ui/ widgets, once per frame, and acts on what was
 * pressed: it changes the state and picks the next screen with kiosk_go()
 * (kiosk.h). It never blocks: a device, the network or a long database
 * operation goes on the job runner (kiosk_submit) and the screen shows its
 * progress. kiosk_entering(k) is 1 on a screen's first frame after
 * kiosk_go (set the focus, say the voice prompt there).
 *
 * HOW A MODULE ADDS ITS SCREENS (without touching the kiosk's own files):
 *   1. Its list is in its own header, already included below:
 *      desk_screens.h (the clerks' desk), self_screens.h (status query,
 *      help, key self-check, PIN change), demo_screens.h (the demo panel).
 *      Add one line per screen to that header's list:
 *          X(DESK_LOGIN, desk_login, KF_CLERK)
 *      which makes the enum value KS_DESK_LOGIN, declares
 *      `void scr_desk_login(kiosk *k);` and names the screen "desk_login"
 *      (in screenshots, fit reports and kiosk_find_screen).
 *   2. Write scr_desk_login in one of the module's own desk_*.c files
 *      (CMake builds every .c file of app/kiosk).
 *   3. A module that keeps state of its own (personal data above all) adds
 *      one line to its header's module list: M(desk), and defines
 *      `void mod_desk_reset(kiosk *k, kiosk_reset why)`: the kiosk calls
 *      it at start, at "start over", at the idle wipe and at close (a desk
 *      module also whenever the clerk's session ends: KIOSK_RESET_LOGOUT);
 *      it must wipe (rk_wipe) what it holds and free its personal images.
 *   Flags: KF_SUBSCRIBER (a subscriber screen: idle countdown then the
 *   wipe back to attract; use kiosk_chrome for the fixed bars), KF_CLERK
 *   (a clerk screen: the same idle rule, which ends the clerk's visit),
 *   KF_ATTRACT (the resting screen: no idle countdown).
 *   The home screen shows a tile for "query", "selfcheck" and "faq" when a
 *   screen of that name exists (kiosk_find_screen), and the attract
 *   screen a staff entry when "desk_login" exists: name them so.
 */
#ifndef RK_KIOSK_SCREENS_H
#define RK_KIOSK_SCREENS_H

#include "demo_screens.h"
#include "desk_screens.h"
#include "self_screens.h"

typedef struct kiosk kiosk;

/* Screen flags (KF_*). */
enum {
    KF_ATTRACT = 1,    /* the resting screen: no idle countdown */
    KF_SUBSCRIBER = 2, /* a subscriber screen */
    KF_CLERK = 4       /* a clerk screen */
};

/* The kiosk's own screens. */
#define RK_KIOSK_SCREENS(X)                                                                        \
    X(ATTRACT, attract, KF_ATTRACT)                                                                \
    X(HOME, home, KF_SUBSCRIBER)                                                                   \
    X(KIND, kind, KF_SUBSCRIBER)                                                                   \
    X(IDENTITY, identity, KF_SUBSCRIBER)                                                           \
    X(FORM, form, KF_SUBSCRIBER)                                                                   \
    X(DOCUMENTS, documents, KF_SUBSCRIBER)                                                         \
    X(FEES, fees, KF_SUBSCRIBER)                                                                   \
    X(PAY, pay, KF_SUBSCRIBER)                                                                     \
    X(RECEIPT, receipt, KF_SUBSCRIBER)                                                             \
    X(RATING, rating, KF_SUBSCRIBER)                                                               \
    X(CLERK_EXIT, clerk_exit, KF_CLERK)

/* The kiosk's own modules with state to reset. */
#define RK_KIOSK_MODULES(M) M(clerk_exit) M(flow)

/* Every screen: the kiosk's, then each module's list. */
#define RK_ALL_SCREENS(X)                                                                          \
    RK_KIOSK_SCREENS(X)                                                                            \
    RK_DESK_SCREENS(X)                                                                             \
    RK_SELF_SCREENS(X)                                                                             \
    RK_DEMO_SCREENS(X)

/* Every module with state to reset. */
#define RK_ALL_MODULES(M)                                                                          \
    RK_KIOSK_MODULES(M)                                                                            \
    RK_DESK_MODULES(M)                                                                             \
    RK_SELF_MODULES(M)                                                                             \
    RK_DEMO_MODULES(M)

#define RK_SCREEN_ENUM(ID, name, flags) KS_##ID,
typedef enum kiosk_screen { RK_ALL_SCREENS(RK_SCREEN_ENUM) KS_COUNT } kiosk_screen;
#undef RK_SCREEN_ENUM

/* Why the modules are reset. */
typedef enum kiosk_reset {
    KIOSK_RESET_START = 0, /* the program starts */
    KIOSK_RESET_OVER,      /* the subscriber chose "start over" (or finished) */
    KIOSK_RESET_IDLE,      /* the idle countdown ran out */
    KIOSK_RESET_CLOSE,     /* the program ends */
    KIOSK_RESET_LOGOUT     /* the clerk's session ended (desk modules only, see desk.h) */
} kiosk_reset;

#define RK_SCREEN_DECL(ID, name, flags) void scr_##name(kiosk *k);
RK_ALL_SCREENS(RK_SCREEN_DECL)
#undef RK_SCREEN_DECL

#define RK_MODULE_DECL(name) void mod_##name##_reset(kiosk *k, kiosk_reset why);
RK_ALL_MODULES(RK_MODULE_DECL)
#undef RK_MODULE_DECL

typedef struct kiosk_screen_def {
    const char *name;
    void (*draw)(kiosk *k);
    int flags; /* KF_* */
} kiosk_screen_def;

/* The table, indexed by kiosk_screen. */
extern const kiosk_screen_def kiosk_screens[KS_COUNT];

/* Calls every module's reset hook. */
void kiosk_modules_reset(kiosk *k, kiosk_reset why);

#endif
