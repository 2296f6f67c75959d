/*
 * Fuzz target: the SAM frame stream parser (and the simulator answering the
 * same bytes). Invariants: the parser never reads outside the input, always
 * makes progress on errors and frames, and a frame it accepts re-encodes to
 * the very bytes it came from.
 */
#include "demo/idsim.h"
#include "scan/sam_frame.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[RK_SAM_MAX_FRAME + 64];
    size_t off = 0;
    while (off < size) {
        rk_sam_frame f;
        size_t used = 0;
        int rc = rk_sam_parse(&f, &used, data + off, size - off);
        if (used > size - off) abort();
        if (rc == RK_SAM_MORE) break;
        if (used == 0) abort(); /* no progress on a judged frame */
        if (rc == 0) {
            rk_sam_cmd c;
            size_t n;
            if (f.body < data + off || f.body + f.body_len > data + size) abort();
            if (rk_sam_cmd_view(&c, &f) == 0 &&
                rk_sam_encode_cmd(out, sizeof out, &n, c.cmd, c.para, c.data, c.data_len) == 0 &&
                memcmp(out + 7, f.body, f.body_len) != 0)
                abort();
        }
        off += used;
    }
    /* The simulator must answer any stream without overrunning. */
    rk_idsim sim;
    rk_idsim_init(&sim);
    int sl;
    rk_idsim_control(&sim, "place", &sl);
    off = 0;
    while (off < size) {
        size_t used = 0;
        rk_idsim_action act;
        int rc = rk_idsim_feed(&sim, data + off, size - off, &used, out, sizeof out, &act);
        if (used > size - off || act.len > sizeof out) abort();
        if (rc == RK_SAM_MORE || used == 0) break;
        off += used;
    }
    return 0;
}
