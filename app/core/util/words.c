/*
 * English plurals and articles for messages (see words.h).
 */
#include "util/words.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *rk_plural(long long n, const char *one, const char *many)
{
    return n == 1 || n == -1 ? one : many;
}

const char *rk_article(const char *word)
{
    if (!word) return "a";
    int c = tolower((unsigned char)word[0]);
    if (c == 'a' || c == 'e' || c == 'i') return "an";
    if (c == 'o') return strncasecmp(word, "one", 3) && strncasecmp(word, "once", 4) ? "an" : "a";
    if (c == 'u') return !strncasecmp(word, "un", 2) && strncasecmp(word, "uni", 3) ? "an" : "a";
    return "a";
}
