/*
 * Fuzz target: the strings file parser (ui/strings.c) and the placeholder
 * formatter over whatever it loaded.
 */
#include "ui/strings.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_strings *s = NULL;
    if (rk_strings_parse(&s, (const char *)data, size, "fuzz") == 0) {
        char out[64];
        const char *args[2] = {"30", "张三"};
        for (int i = 0; i < rk_strings_count(s); i++) {
            const char *v = rk_strings_get(s, rk_strings_key(s, i));
            if (v) rk_strings_format(out, sizeof out, v, args, 2);
        }
        rk_strings_diff(s, s, NULL, NULL);
    }
    rk_strings_free(s);
    return 0;
}
