/*
 * Fuzz target: the event player's script parser (ui/player.c), fed any
 * bytes; every parsed command is read back, so a bad offset would show.
 */
#include "ui/player.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_script *s = NULL;
    if (rk_script_parse(&s, (const char *)data, size, "fuzz") == 0) {
        size_t total = 0;
        for (int i = 0; i < rk_script_count(s); i++) {
            const rk_player_cmd *c = rk_script_cmd(s, i);
            if (c->arg) total += strlen(c->arg);
            total += (size_t)c->line;
        }
        (void)total;
    }
    rk_script_free(s);
    return 0;
}
