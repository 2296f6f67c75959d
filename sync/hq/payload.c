/*
 * Lenient reads of pushed payloads (see payload.h).
 */
#include "hq/payload.h"

#include "util/utf8.h"

void rk_hq_payload_text(char *out, size_t n, json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    rk_utf8_copy(out, n, v ? v : "");
}

int64_t rk_hq_payload_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}
