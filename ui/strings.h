/*
 * The kiosk's words: one strings file per language (conf/strings/zh-CN.ini,
 * conf/strings/en.ini), looked up by key.
 *
 * Format (conf/strings/README.md): INI sections group keys; the key
 * "common.back" is `back = 返回` under `[common]`. `\n` in a value is a line
 * break. `{1}`..`{9}` are placeholders filled by rk_strings_format (never a
 * printf format: the files are data). A spoken prompt `prompt.X` carries its
 * spoken form in `prompt.X.say`: pinyin with tone numbers for the Chinese
 * file (espeak-ng's cmn-latn-pinyin voice reads it correctly, the cmn voice
 * does not), plain words for English. `[meta]` names the language, its
 * display name and the espeak-ng voice.
 *
 * Loading checks what it can alone (syntax, duplicate keys, valid UTF-8,
 * placeholders, every prompt with its .say); rk_strings_diff compares two
 * languages so a test can require the same keys and placeholders in both.
 */
#ifndef RK_UI_STRINGS_H
#define RK_UI_STRINGS_H

#include <stddef.h>

#define RK_STRINGS_MAX_KEYS  4096
#define RK_STRINGS_MAX_VALUE 2048
#define RK_STRINGS_MAX_BYTES (1 << 20)

typedef struct rk_strings rk_strings;

/* Reads a strings file into a new table owned by the caller. RK_ENOTFOUND,
 * RK_EIO, RK_EFORMAT with "file:line: problem", RK_ETOOBIG, RK_ENOMEM. */
int rk_strings_load(rk_strings **out, const char *path);

/* The same from memory; name is used in messages. */
int rk_strings_parse(rk_strings **out, const char *buf, size_t len, const char *name);

/* Frees a table; NULL does nothing. */
void rk_strings_free(rk_strings *s);

/* The value of key, or NULL when the file has none. */
const char *rk_strings_get(const rk_strings *s, const char *key);

/* The spoken form of key (key + ".say"), or NULL. */
const char *rk_strings_say(const rk_strings *s, const char *key);

/* [meta] language (e.g. "zh-CN"), name (e.g. "中文"), voice (espeak-ng
 * voice name); "" when missing. */
const char *rk_strings_language(const rk_strings *s);
const char *rk_strings_name(const rk_strings *s);
const char *rk_strings_voice(const rk_strings *s);

/* Number of keys and the i-th key (sorted). */
int rk_strings_count(const rk_strings *s);
const char *rk_strings_key(const rk_strings *s, int i);

/* Calls report for every key of a that b lacks or whose placeholders
 * differ from b's ([meta] keys are exempt); returns how many. */
int rk_strings_diff(const rk_strings *a, const rk_strings *b,
                    void (*report)(void *arg, const char *key, const char *why), void *arg);

/* Copies tmpl into out (n bytes, always NUL-terminated, cut at a code
 * point) with {k} replaced by args[k-1] for k <= nargs. Returns the length
 * written. */
size_t rk_strings_format(char *out, size_t n, const char *tmpl, const char *const *args, int nargs);

/* A bit set of the placeholders {1}..{9} used in s (bit k for {k}). */
unsigned rk_strings_placeholders(const char *s);

#endif
