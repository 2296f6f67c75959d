/*
 * Fuzz target for the identifier validators (domain/validate.h).
 *
 * Feeds the bytes to every validator twice: raw with their length (NUL bytes
 * and all) and as a NUL-terminated copy. Besides "no crash, no read out of
 * bounds" it checks the contract: every verdict carries a reason and a
 * message, and a value that is accepted is accepted again, unchanged, in its
 * normalised form (normalising is idempotent).
 */
#include "domain/validate.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"id",    "uscc", "orgcode", "mobile",
                                    "email", "date", "ssn",     "ssn_person"};

static void check(const rk_valid *v, int rc)
{
    if (strnlen(v->message, sizeof v->message) == sizeof v->message ||
        strnlen(v->message_zh, sizeof v->message_zh) == sizeof v->message_zh ||
        strnlen(v->normalized, sizeof v->normalized) == sizeof v->normalized ||
        strnlen(v->reason, sizeof v->reason) == sizeof v->reason)
        abort();
    if (!v->message[0] || (rc == 0) != (v->ok == 1)) abort();
    if (rc && (!v->reason[0] || strcmp(rk_err_msg(), v->message))) abort();
    if (v->warning && !v->ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rk_valid v, again;
        int rc = rk_validate_by_name_n(&v, kinds[k], (const char *)data, size);
        check(&v, rc);
        rc = rk_validate_by_name(&v, kinds[k], copy);
        check(&v, rc);
        if (rc == 0) {
            int rc2 = rk_validate_by_name(&again, kinds[k], v.normalized);
            check(&again, rc2);
            if (rc2 != 0 || again.warning != v.warning || strcmp(again.normalized, v.normalized))
                abort();
        }
    }
    rk_valid v;
    check(&v, rk_validate_id(&v, copy));
    check(&v, rk_validate_uscc(&v, copy));
    check(&v, rk_validate_orgcode(&v, copy));
    check(&v, rk_validate_mobile(&v, copy));
    check(&v, rk_validate_email(&v, copy));
    check(&v, rk_validate_date(&v, copy));
    check(&v, rk_validate_ssn(&v, copy));
    if (size >= 17) {
        (void)rk_id_check_char(copy);
        (void)rk_uscc_check_char(copy);
    }
    if (size >= 8) (void)rk_orgcode_check_char(copy);
    free(copy);
    return 0;
}
