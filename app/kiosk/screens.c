/*
 * The screen table (screens.h) built from the screen lists, and the
 * modules' reset hooks called in turn.
 */
#include "screens.h"

#define RK_SCREEN_ROW(ID, name, flags) [KS_##ID] = {#name, scr_##name, flags},
const kiosk_screen_def kiosk_screens[KS_COUNT] = {RK_ALL_SCREENS(RK_SCREEN_ROW)};
#undef RK_SCREEN_ROW

void kiosk_modules_reset(kiosk *k, kiosk_reset why)
{
#define RK_MODULE_CALL(name) mod_##name##_reset(k, why);
    RK_ALL_MODULES(RK_MODULE_CALL)
#undef RK_MODULE_CALL
    (void)k;
    (void)why;
}
