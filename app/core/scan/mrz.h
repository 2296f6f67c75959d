/*
 * Machine-readable zones (ICAO Doc 9303) read by the counter's MRZ scanner:
 * TD3 (passports, 2 lines of 44), TD1 (ID cards, 3 lines of 30) and the
 * Mainland Travel Permit for Hong Kong and Macau Residents (港澳居民来往内地
 * 通行证, document code "CR", 3 lines of 30).
 *
 * Input is what an OCR scanner sends: lines separated by CR/LF, possibly in
 * lower case or with stray spaces (both are forgiven), or the whole zone as
 * one run of 88 (TD3) or 90 (TD1) characters. Every check digit is verified
 * (weights 7, 3, 1; '<' = 0, A = 10 .. Z = 35): document number, birth
 * date, expiry date, optional/personal number where it has one, composite.
 * A failure names the check digit and both values.
 *
 * Two-digit years: the birth year is the latest one not in the future; the
 * expiry year is 20YY unless that lies more than 50 years ahead (then 19YY),
 * and `expired` tells whether it has passed.
 *
 * Assumption for "CR": no public specification of this permit's MRZ was at
 * hand, so it is read with the TD1 structure: line 1 = "CR", issuing state
 * (3), document number (9, e.g. H12345678) + check digit, optional data
 * (15); line 2 = birth date + check, sex, expiry + check, nationality (3),
 * optional data (11), composite check over the same ranges as TD1; line 3 =
 * name (surname<<given names). If a real permit differs, only the CR branch
 * of rk_mrz_parse needs changing; tests/unit/test_mrz.c pins the layout.
 */
#ifndef RK_MRZ_H
#define RK_MRZ_H

#include <stddef.h>
#include <stdint.h>

typedef enum rk_mrz_format {
    RK_MRZ_TD1 = 1,   /* 3 x 30 */
    RK_MRZ_TD3 = 3,   /* 2 x 44 */
    RK_MRZ_PERMIT = 4 /* 3 x 30, document code CR */
} rk_mrz_format;

typedef struct rk_mrz {
    rk_mrz_format format;
    char doc_code[3];    /* "P", "I", "ID", "CR" ... (fillers removed) */
    char issuer[4];      /* issuing state or organisation, e.g. "CHN" */
    char doc_number[32]; /* without fillers; TD1 long numbers joined */
    char surname[48];    /* fillers as spaces */
    char given[48];
    char nationality[4];
    char birth[11]; /* YYYY-MM-DD */
    char sex;       /* 'M', 'F' or 'X' (unspecified) */
    char expiry[11];
    int expired;        /* the expiry date is before now */
    char optional[32];  /* TD3 personal number, TD1 line-1 optional data */
    char optional2[16]; /* TD1 line-2 optional data */
    char lines[3][45];  /* the normalised lines */
    int nlines;
} rk_mrz;

/* Parses a machine-readable zone from text (see above); now is the current
 * Unix time for the century rules. RK_EFORMAT for wrong line counts,
 * lengths or characters (naming line and column), RK_EINVAL for impossible
 * dates, RK_EVERIFY naming the failed check digit. *out is filled as far as
 * it could be read even on failure. */
int rk_mrz_parse(rk_mrz *out, const char *text, int64_t now);

/* The ICAO check digit of s[0..n): 0..9, or -1 if s holds a character
 * outside A-Z, 0-9 and '<'. */
int rk_mrz_check_digit(const char *s, size_t n);

/* A name for the format ("TD3 passport", ...). */
const char *rk_mrz_format_name(rk_mrz_format f);

#endif
