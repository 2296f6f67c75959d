/*
 * The self-help knowledge base (conf/knowledge.ini): the FAQ and the error
 * codes subscribers meet (DOMAIN.md: -10101011 ...), each with what to do,
 * in Chinese and English. The kiosk's help screen and the key self-check
 * look articles up here.
 *
 * The file is outside input (HQ sends it in the config bundle), so it is
 * read bounded (RK_KNOWLEDGE_FILE_MAX bytes, RK_KNOWLEDGE_MAX entries,
 * fixed field sizes) by a small pure parser with a fuzz target. Its own
 * parser rather than inih: answers are paragraphs longer than inih's
 * 200-byte line, and a cut line must be an error that names the line, not
 * a silently shortened answer.
 *
 * Format: `[entry ID]` sections; keys title_zh, title_en, answer_zh,
 * answer_en (all four required), keywords (comma-separated, optional),
 * code (optional; an ID that is an error code such as -10101011 is its
 * code). `;` or `#` starts a comment line; `\n` in a value is a line
 * break, `\\` a backslash. Values are strict UTF-8. Any mistake (unknown
 * key, duplicate entry or key, a value over its size, a missing field)
 * fails the whole load with RK_ECONF naming file:line.
 *
 * Search: by words, in either language whatever the screen shows. The
 * query is cut into terms at spaces and punctuation (ASCII and full-width);
 * each term is looked for as a substring (ASCII letters in any case) in
 * the keywords, the titles and the answers, weighted in that order; a
 * Chinese term found nowhere whole counts the pairs of its characters
 * that are found ("证书过期" finds "证书已过期"). A term that is an error
 * code (-10101011, or its digits alone) finds its entry first. Hits are
 * ranked by score, then by their order in the file. Pure functions; a
 * loaded base is read-only and may be shared between threads.
 */
#ifndef RK_KNOWLEDGE_H
#define RK_KNOWLEDGE_H

#include <stddef.h>

#define RK_KNOWLEDGE_FILE_MAX     (256 * 1024)
#define RK_KNOWLEDGE_MAX          256
#define RK_KNOWLEDGE_ID_MAX       64
#define RK_KNOWLEDGE_CODE_MAX     24
#define RK_KNOWLEDGE_TITLE_MAX    256
#define RK_KNOWLEDGE_KEYWORDS_MAX 512
#define RK_KNOWLEDGE_ANSWER_MAX   2048
#define RK_KNOWLEDGE_QUERY_MAX    256 /* bytes of a query looked at */

typedef struct rk_knowledge_entry {
    char id[RK_KNOWLEDGE_ID_MAX];
    char code[RK_KNOWLEDGE_CODE_MAX]; /* "-10101011", or "" */
    char title_zh[RK_KNOWLEDGE_TITLE_MAX];
    char title_en[RK_KNOWLEDGE_TITLE_MAX];
    char keywords[RK_KNOWLEDGE_KEYWORDS_MAX];
    char answer_zh[RK_KNOWLEDGE_ANSWER_MAX];
    char answer_en[RK_KNOWLEDGE_ANSWER_MAX];
} rk_knowledge_entry;

typedef struct rk_knowledge rk_knowledge;

/* Reads and parses the file at path (at most RK_KNOWLEDGE_FILE_MAX bytes).
 * The new base is the caller's (rk_knowledge_free). RK_ENOTFOUND, RK_EIO,
 * RK_ETOOBIG naming the file; RK_ECONF naming file:line. */
int rk_knowledge_load(rk_knowledge **out, const char *path);

/* Parses text[0..len) (no NUL needed); name is used in messages. Same
 * errors as rk_knowledge_load; *out is NULL on failure. */
int rk_knowledge_parse(rk_knowledge **out, const char *text, size_t len, const char *name);

/* NULL does nothing. */
void rk_knowledge_free(rk_knowledge *kb);

/* The number of entries, and entry i (0 <= i < count) in file order. */
int rk_knowledge_count(const rk_knowledge *kb);
const rk_knowledge_entry *rk_knowledge_get(const rk_knowledge *kb, int i);

/* The entry with this ID, or NULL. */
const rk_knowledge_entry *rk_knowledge_find(const rk_knowledge *kb, const char *id);

/* The entry for an error code ("-10101011" or "10101011"), or NULL. */
const rk_knowledge_entry *rk_knowledge_by_code(const rk_knowledge *kb, const char *code);

typedef struct rk_knowledge_hit {
    const rk_knowledge_entry *entry;
    int score; /* higher is better; an error code's own entry scores 1000 */
} rk_knowledge_hit;

/* Searches for query (see above) and fills at most max hits, best first;
 * *n receives their number (0: nothing matched). A query with no terms
 * (empty, only spaces or punctuation) lists every entry in file order with
 * score 0. Only the first RK_KNOWLEDGE_QUERY_MAX bytes of the query and
 * its first 8 terms count. Returns 0, or RK_EINVAL for a query that is
 * not UTF-8. */
int rk_knowledge_search(const rk_knowledge *kb, const char *query, rk_knowledge_hit *hits, int max,
                        int *n);

#endif
