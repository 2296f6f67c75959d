/*
 * The branch's USB keys: which PKCS#11 module a key is reached through,
 * the token contexts (one per module per process, as token.h requires),
 * the branch secret that SO PINs are derived from, and the demo keys.
 *
 * One process, one context per module: a branch opened with keys_of
 * (rk_branch_opts: a job runner's worker) uses that branch's contexts,
 * one branch at a time, instead of loading the module again.
 *
 * The module of a key is RAKIOSK_TOKEN_MODULE when set, else its key
 * model's module ([key_model] module, by serial prefix), else [token]
 * module. With SoftHSM2 or the p11lock wrapper over it (the demo and the
 * tests) and no SOFTHSM2_CONF, the demo keys' store <data_dir>/softkeys is
 * prepared and used (demo/softkeys.h); the appliance HSM's demo token
 * lives in the same store, since one process loads SoftHSM once.
 *
 * The branch secret is <data_dir>/branch.secret (32 random bytes, 0600),
 * made on the first key initialisation and never replaced, or on the
 * appliance the TPM-sealed credential rakiosk-branch-secret (conf/secret.h).
 */
#ifndef RK_BRANCH_KEYS_H
#define RK_BRANCH_KEYS_H

#include "branch/branch.h"
#include "token/token.h"

#include <stddef.h>

#define RK_BRANCH_SECRET_LEN 32

/* 1 if module is SoftHSM2 or p11lock (a module over SoftHSM2). */
int rk_branch_module_is_soft(const char *module);

/* The module path for the key serial (NULL: the default key module) into
 * out. RK_ECONF if no configuration loads. */
int rk_branch_token_module(rk_branch *b, const char *serial, char *out, size_t n);

/* Points SoftHSM2 at the demo store when module is SoftHSM-based and no
 * SOFTHSM2_CONF was given (creating the store if missing); nothing
 * otherwise. The device openers call it before loading a module. */
int rk_branch_softhsm_prepare(rk_branch *b, const char *module);

/* The token context for serial's module (NULL: the default), loaded on
 * first use and kept by the branch, or by the branch it shares them with
 * (rk_branch_opts.keys_of). RK_EDEVICE if the module does not load.
 * Borrowed: keys opened from it must be closed before the branch.
 *
 * The contexts are used by one branch at a time: the first call takes
 * their lock, which b holds until rk_branch_keys_release or its close (a
 * branch alone never waits; one sharing waits while another uses them). */
int rk_branch_tokens(rk_branch *b, const char *serial, rk_token_ctx **out);

/* Lets go of the contexts rk_branch_tokens took (keys opened from them
 * closed): a branch sharing them calls it after each piece of work (the
 * job runner's job_end hook); nothing when b holds none. */
void rk_branch_keys_release(rk_branch *b);

/* p11lock's state folder (the demo keys' plug state and PIN limits) as the
 * module itself finds it, into out. */
int rk_branch_p11lock_state(rk_branch *b, char *out, size_t n);

/* Reads the branch secret into out; with create, makes it first when it
 * does not exist. RK_ECONF when it is missing (keys initialised here
 * cannot be unlocked without it) or damaged. The caller wipes out. */
int rk_branch_secret(rk_branch *b, unsigned char out[RK_BRANCH_SECRET_LEN], int create);

/* For a demo key (a SoftHSM-based module), gives the key serial the PIN
 * limit of its key model, as a real key of that model has; nothing for a
 * real module or a serial without a model. */
int rk_branch_demo_key_limit(rk_branch *b, const char *serial);

/* Plugs in (pulled 0) or pulls out (1) a demo key; RK_ESTATE, naming the
 * module, when the branch's keys are not demo keys (module p11lock). */
int rk_branch_demo_key_plug(rk_branch *b, const char *serial, int pulled);

/* The demo keys pulled now (p11lock's plug state), up to max serials into
 * out, their number in *n; RK_ESTATE as rk_branch_demo_key_plug when the
 * keys are not demo keys. */
int rk_branch_demo_keys_pulled(rk_branch *b, char (*out)[RK_TOKEN_SERIAL_MAX], int max, int *n);

#endif
