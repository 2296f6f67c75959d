/*
 * Lenient reads of the JSON payloads branches pushed (their events, as HQ
 * stores them): a member that is absent or of another type reads as "" or 0,
 * since an older branch may not send it. For HQ's views of those events
 * (incidents, reconciliation), never for checking a request: requests are
 * parsed strictly by the protocol (branch/sync_proto.h).
 */
#ifndef RK_HQ_PAYLOAD_H
#define RK_HQ_PAYLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Member key of o as text into out[n] (cut on a character boundary). */
void rk_hq_payload_text(char *out, size_t n, json_t *o, const char *key);

/* Member key of o as an integer. */
int64_t rk_hq_payload_num(json_t *o, const char *key);

#endif
