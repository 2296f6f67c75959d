/*
 * Demo and test USB keys: SoftHSM2 tokens behind the p11lock module.
 *
 * The model, kept small on purpose:
 *  - one SoftHSM2 store per demo or test: <dir>/softhsm2.conf names the
 *    token folder <dir>/tokens; a process points SoftHSM at it with
 *    SOFTHSM2_CONF (set by the program, not by this file).
 *  - SoftHSM always offers one uninitialised "free" slot: that slot IS the
 *    blank key inserted in the counter's reader. Initialising it makes it an
 *    issued key with a serial, and SoftHSM offers a new free slot: the next
 *    blank key from the drawer.
 *  - p11lock keeps its state in <dir>/p11lock (its default, next to the
 *    token folder). Pulling a key writes its serial into <dir>/p11lock/pulled;
 *    plugging removes it; "blank" pulls the blank key (an empty reader).
 *  - each key's PIN limit can be set (<serial>.max) to its key model's.
 */
#ifndef RK_SOFTKEYS_H
#define RK_SOFTKEYS_H

#include <stddef.h>

/* Creates <dir>, <dir>/tokens, <dir>/p11lock and <dir>/softhsm2.conf if
 * missing; conf_out receives the path to put in SOFTHSM2_CONF. */
int rk_softkeys_prepare(char *conf_out, size_t n, const char *dir);

/* p11lock's state folder for the demo keys in dir. */
void rk_softkeys_state_dir(char *out, size_t n, const char *dir);

/* Pulls (pulled=1) or plugs (0) the key serial ("blank" for the blank key)
 * by editing <state_dir>/pulled under flock, atomically. Idempotent. */
int rk_softkeys_set_pulled(const char *state_dir, const char *serial, int pulled);

/* *out = 1 if serial is listed as pulled. */
int rk_softkeys_is_pulled(int *out, const char *state_dir, const char *serial);

/* The keys listed as pulled, up to max serials of 17 bytes into out
 * (valid serials only), their number in *n. */
int rk_softkeys_list_pulled(char (*out)[17], int max, int *n, const char *state_dir);

/* Sets the wrong-PIN limit p11lock applies to the key serial. */
int rk_softkeys_set_max_tries(const char *state_dir, const char *serial, int max);

#endif
