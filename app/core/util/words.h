/*
 * English words in the messages every program prints: the plural that
 * goes with a count ("1 entry", "2 entries") and the article that goes
 * with a word ("a revocation", "an organisation", "an unlock"), so no
 * message says "1 tries left" or "a individual". The kiosk's own words
 * come from its strings files; these are for ractl, logs and errors.
 */
#ifndef RK_UTIL_WORDS_H
#define RK_UTIL_WORDS_H

/* one when n is 1 (or -1), else many: printf("%d %s", n, rk_plural(n, "entry", "entries")). */
const char *rk_plural(long long n, const char *one, const char *many);

/* "an" before a word that starts with a vowel sound, else "a": the vowels
 * a, e, i, o and "un" (an unlock, an undo), not "uni", "usa", "use", "one"
 * (a unit, a usable key, a user, a one-time code). NULL or "" gives "a". */
const char *rk_article(const char *word);

#endif
