/*
 * The screens and module hooks of the demo panel (demo_*.c, demo mode only: [kiosk] demo):
 * ID card, USB key, paper and network switches.
 *
 * Add a line per screen to RK_DEMO_SCREENS as X(ID, name, KF_FLAGS) and,
 * if the module keeps state to wipe, M(name) to RK_DEMO_MODULES; how it
 * all fits is explained at the top of screens.h.
 */
#ifndef RK_KIOSK_DEMO_SCREENS_H
#define RK_KIOSK_DEMO_SCREENS_H

#define RK_DEMO_SCREENS(X) X(DEMO, demo, KF_CLERK)

#define RK_DEMO_MODULES(M) M(demo)

#endif
