/*
 * Fuzz target for the virtual printer's ESC/POS interpreter
 * (rk_escview_parse): bytes from any TCP client must never crash it, read
 * out of bounds or allocate past its limits; the command splitter the
 * printer uses on its input stream must agree with the parser's bounds.
 */
#include "print/escview.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_escview *v;
    if (rk_escview_parse(&v, data, size) == 0) {
        /* touch everything that was produced */
        volatile size_t sum = v->text.len;
        for (int i = 0; i < v->n_items; i++) {
            const rk_escview_item *it = &v->items[i];
            for (int k = 0; k < it->n_runs; k++)
                sum += (size_t)it->runs[k].text[0];
            if (it->kind == RK_ESCVIEW_IMAGE)
                sum += it->bits[((size_t)it->width + 7) / 8 * (size_t)it->height - 1];
        }
        (void)sum;
        rk_escview_free(v);
    }
    size_t at = 0;
    while (at < size) {
        size_t len = rk_escview_command_length(data + at, size - at);
        if (len == 0) break;
        if (len > size - at) __builtin_trap();
        at += len;
    }
    return 0;
}
