/*
 * Fuzz target: the MRZ parser on arbitrary text. Invariant: whatever it
 * accepts has the shape of a TD1 or TD3 zone and check digits that verify.
 */
#include "scan/mrz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    rk_mrz m;
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (rk_mrz_parse(&m, text, 1717200000) == 0) {
        if (m.format == RK_MRZ_TD3) {
            if (m.nlines != 2 || strlen(m.lines[0]) != 44 || strlen(m.lines[1]) != 44) abort();
            if (rk_mrz_check_digit(m.lines[1], 9) != m.lines[1][9] - '0') abort();
        } else {
            if (m.nlines != 3 || strlen(m.lines[2]) != 30) abort();
            if (rk_mrz_check_digit(m.lines[1], 6) != m.lines[1][6] - '0') abort();
        }
        if (m.sex != 'M' && m.sex != 'F' && m.sex != 'X') abort();
        if (strlen(m.birth) != 10 || strlen(m.expiry) != 10) abort();
    }
    free(text);
    return 0;
}
