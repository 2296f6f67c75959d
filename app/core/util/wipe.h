/*
 * Secure wiping of secrets (PINs, passwords, derived keys).
 *
 * rk_wipe() clears memory in a way the compiler may not optimise away; every
 * buffer that held a secret is wiped before it is freed or goes out of scope.
 */
#ifndef RK_WIPE_H
#define RK_WIPE_H

#include <stddef.h>

void rk_wipe(void *p, size_t n);

/* Wipes a NUL-terminated string in place (NULL does nothing). */
void rk_wipe_str(char *s);

#endif
