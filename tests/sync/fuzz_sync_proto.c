/*
 * Fuzz target: every parser of the sync protocol's outside input, on the
 * same bytes (docs/SYNC-PROTOCOL.md): push requests, acknowledgements,
 * audit pushes, HQ's changes, hello, digests and a day's orders, receipts,
 * error bodies, the tus Upload-Metadata header and days, the update
 * announcement and the Range / Content-Range headers of its bundle. Invariants: a parser that
 * succeeds gives fields within their sizes, ascending sequences and cursors, and what it wrote
 * reads back the same; the input is copied to an exact-size buffer so a read past its end is caught
 * by ASan.
 */
#include "branch/sync_proto.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    rk_buf out;
    rk_buf_init(&out, RK_SYNC_PROTO_MAX_BODY * 2);

    rk_sync_proto_events ev;
    if (rk_sync_proto_events_parse(&ev, copy, size) == 0) {
        if (ev.n < 1 || ev.n > RK_SYNC_PROTO_MAX_BATCH) abort();
        for (int i = 1; i < ev.n; i++)
            if (ev.ev[i].seq <= ev.ev[i - 1].seq) abort();
        /* What was read writes back, and reads back the same. */
        if (rk_sync_proto_events_write(&out, ev.branch, ev.ev, ev.n, ev.pending) == 0) {
            rk_sync_proto_events again;
            if (rk_sync_proto_events_parse(&again, out.data, out.len) != 0) abort();
            if (again.n != ev.n || strcmp(again.ev[0].payload, ev.ev[0].payload)) abort();
            rk_sync_proto_events_free(&again);
        }
        rk_sync_proto_events_free(&ev);
    }
    rk_sync_proto_ack ack;
    rk_sync_proto_ack_parse(&ack, copy, size, 0);
    rk_sync_proto_ack_parse(&ack, copy, size, 1);
    rk_sync_proto_audits au;
    if (rk_sync_proto_audits_parse(&au, copy, size) == 0) {
        for (int i = 1; i < au.n; i++)
            if (au.e[i].seq != au.e[i - 1].seq + 1) abort();
        rk_sync_proto_audits_write(&out, &au);
        rk_sync_proto_audits_free(&au);
    }
    rk_sync_proto_changes ch;
    if (rk_sync_proto_changes_parse(&ch, copy, size) == 0) {
        for (int i = 0; i < ch.n; i++)
            if (ch.c[i].cursor <= 0 || (i && ch.c[i].cursor <= ch.c[i - 1].cursor)) abort();
        if (ch.n && ch.next < ch.c[ch.n - 1].cursor) abort();
        rk_sync_proto_changes_free(&ch);
    }
    rk_sync_proto_hello h;
    if (rk_sync_proto_hello_parse(&h, copy, size) == 0)
        if (h.max_batch < 1 || h.max_batch > RK_SYNC_PROTO_MAX_BATCH) abort();
    rk_sync_proto_day *days = NULL;
    int n = 0;
    if (rk_sync_proto_days_parse(&days, &n, copy, size) == 0)
        for (int i = 0; i < n; i++)
            if (strlen(days[i].day) != 10 || !rk_sync_proto_sha256_ok(days[i].digest)) abort();
    free(days);
    rk_sync_proto_digest_order *orders = NULL;
    if (rk_sync_proto_day_orders_parse(&orders, &n, copy, size) == 0) {
        char digest[65];
        rk_sync_proto_digest(digest, orders, n);
    }
    free(orders);
    rk_sync_proto_receipt r;
    if (rk_sync_proto_receipt_parse(&r, copy, size) == 0 && r.complete &&
        !rk_sync_proto_sha256_ok(r.sha256))
        abort();
    rk_sync_proto_update up;
    if (rk_sync_proto_update_parse(&up, copy, size) == 0) {
        if (up.size < 1 || up.size > RK_SYNC_PROTO_UPDATE_MAX ||
            !rk_sync_proto_sha256_ok(up.sha256) ||
            strncmp(up.url, RK_SYNC_PROTO_UPDATE_PATH, strlen(RK_SYNC_PROTO_UPDATE_PATH)) ||
            strstr(up.url, ".."))
            abort();
        rk_sync_proto_update again;
        if (rk_sync_proto_update_write(&out, &up) != 0 ||
            rk_sync_proto_update_parse(&again, out.data, out.len) != 0 ||
            memcmp(&again, &up, sizeof up) != 0)
            abort();
    }
    char token[32], msg[128];
    int64_t extra = 0;
    rk_sync_proto_error_parse(token, sizeof token, msg, sizeof msg, "expected", &extra, copy, size);

    /* Header-like input: NUL-terminated. */
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        char v[256];
        if (rk_sync_proto_meta_get(v, sizeof v, text, "sha256") == 0 && strlen(v) >= sizeof v)
            abort();
        int64_t t;
        rk_sync_proto_day_start(&t, text);
        int64_t a, b, total;
        if (rk_sync_proto_content_range(&a, &b, &total, text) == 0 &&
            !(0 <= a && a <= b && b < total))
            abort();
        for (int64_t file = 0; file < 3; file++)
            if (rk_sync_proto_range(&a, &b, text, file * 1000) == 0 &&
                !(0 <= a && a <= b && b < file * 1000))
                abort();
        free(text);
    }
    rk_buf_free(&out);
    free(copy);
    return 0;
}
