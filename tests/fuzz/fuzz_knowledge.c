/*
 * Fuzz target for the knowledge base's parser and search
 * (domain/knowledge.h).
 *
 * Besides "no crash, no read out of bounds" it checks the contract: a
 * failure leaves no base and a message that names the input; a success
 * gives at most RK_KNOWLEDGE_MAX entries, each with its four texts
 * present, NUL-terminated and UTF-8, a unique ID, and a code that finds
 * its own entry. The input is also searched with words taken from itself:
 * hits are ranked, bounded and point into the base.
 */
#include "domain/knowledge.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void text_ok(const char *s, size_t size, int nonempty)
{
    size_t n = strnlen(s, size);
    if (n == size || (nonempty && n == 0) || !rk_utf8_valid(s, n)) abort();
}

static void search(const rk_knowledge *kb, const char *q)
{
    rk_knowledge_hit h[16];
    int n = -1;
    int rc = rk_knowledge_search(kb, q, h, 16, &n);
    if (rc && (rc != RK_EINVAL || n != 0)) abort();
    if (n < 0 || n > 16 || n > rk_knowledge_count(kb)) abort();
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int k = 0; k < rk_knowledge_count(kb); k++)
            found |= h[i].entry == rk_knowledge_get(kb, k);
        if (!found || h[i].score < 0 || (i && h[i - 1].score < h[i].score)) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rk_knowledge *kb = (rk_knowledge *)1;
    int rc = rk_knowledge_parse(&kb, (const char *)data, size, "fuzz.ini");
    if (rc) {
        if (kb != NULL || !strstr(rk_err_msg(), "fuzz.ini")) abort();
        return 0;
    }
    int n = rk_knowledge_count(kb);
    if (n < 0 || n > RK_KNOWLEDGE_MAX) abort();
    for (int i = 0; i < n; i++) {
        const rk_knowledge_entry *e = rk_knowledge_get(kb, i);
        text_ok(e->id, sizeof e->id, 1);
        text_ok(e->code, sizeof e->code, 0);
        text_ok(e->title_zh, sizeof e->title_zh, 1);
        text_ok(e->title_en, sizeof e->title_en, 1);
        text_ok(e->answer_zh, sizeof e->answer_zh, 1);
        text_ok(e->answer_en, sizeof e->answer_en, 1);
        text_ok(e->keywords, sizeof e->keywords, 0);
        if (rk_knowledge_find(kb, e->id) != e) abort();
        if (e->code[0] && !rk_knowledge_by_code(kb, e->code)) abort();
        search(kb, e->title_zh);
        search(kb, e->keywords);
    }
    /* the input's own first bytes as a query (UTF-8 or not) */
    char q[64];
    size_t qn = size < sizeof q - 1 ? size : sizeof q - 1;
    memcpy(q, data, qn);
    q[qn] = '\0';
    search(kb, q);
    search(kb, "");
    rk_knowledge_free(kb);
    return 0;
}
