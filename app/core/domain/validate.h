/*
 * Validators for identifiers that come from outside: resident ID numbers,
 * unified social credit codes, organisation codes, mobile numbers, e-mail
 * addresses, dates and units' social-security numbers.
 *
 * Every validator is a pure function of its input (the ID number's
 * "not born in the future" rule reads rk_clock_now(), the injectable clock):
 * it fills an rk_valid with the verdict, a stable machine reason code, an
 * English message that says which problem it found and a Chinese one for
 * subscribers, and on success the normalised value and, for ID numbers, the
 * birth date, sex and region. Nothing is allocated, printed or logged, and no
 * state is kept: the functions may run on any thread at once.
 *
 * Input rules common to all: surrounding white space (ASCII, the ideographic
 * space U+3000 and the no-break space U+00A0) is trimmed; a NUL byte (through
 * the _n variant) or a control character inside is rejected; more than
 * RK_VALID_INPUT_MAX bytes after trimming (RK_VALID_EMAIL_MAX for e-mail) is
 * rejected; no byte past the terminating NUL, or past len, is ever read.
 *
 * Return values: 0 when the value is acceptable, possibly with out->warning
 * set (a clerk must look and record why they accept it); RK_EINVAL when it is
 * not, and then rk_err_msg() holds the same sentence as out->message.
 *
 * Reason codes (out->reason), stable for forms and scripts:
 *   ""                 valid, no remark
 *   "empty"            nothing but white space
 *   "too_long"         over the input cap
 *   "control"          a NUL or control character inside
 *   "length"           wrong number of characters
 *   "charset"          a character not allowed at that position
 *   "region"           region / province code not a real one (ID, credit code)
 *   "nationality"      foreigner's permanent residence ID: nationality code 000
 *   "birth_date"       ID: the birth date is not a calendar date
 *   "birth_future"     ID: the birth date is after today
 *   "birth_range"      ID: the birth date is before 1900
 *   "checksum"         ID / credit code: the check character does not match
 *   "org_code_checksum" organisation code check character does not match
 *                      (as a warning inside a credit code whose own check holds)
 *   "pilot_code"       credit code: its own check fails but the embedded
 *                      organisation code holds and its region (characters
 *                      3-8) is one of the configured pilot regions: an early
 *                      pilot code (warning; a clerk may accept it with a
 *                      recorded reason). Outside those regions the same code
 *                      is "checksum".
 *   "category"         credit code: characters 1-2 are no registration
 *                      authority + category pair of GB 32100
 *   "country"          mobile: a country code other than +86
 *   "prefix"           mobile: does not start with 13..19
 *   "missing_at", "multiple_at", "space", "local_part", "domain", "tld"
 *                      e-mail problems
 *   "format"           date: not YYYY-MM-DD
 *   "date"             date: not a calendar date
 *   "range"            date: outside 1900..2199
 *   "unknown_kind"     rk_validate_by_name() was given no known kind
 */
#ifndef RK_VALIDATE_H
#define RK_VALIDATE_H

#include <stddef.h>

#define RK_VALID_INPUT_MAX 64   /* bytes after trimming, all kinds but e-mail */
#define RK_VALID_EMAIL_MAX 254  /* RFC 5321 path limit */
#define RK_VALID_SCAN_MAX  1024 /* longer raw input is refused without a full scan */

/* What an ID number turned out to be (rk_valid.kind; 0 for other validators). */
enum {
    RK_ID_RESIDENT = 1,   /* 18-character resident ID number, GB 11643-1999 */
    RK_ID_RESIDENT15 = 2, /* old 15-digit number, converted to 18 in normalized */
    RK_ID_PERMIT_HMT = 3, /* Hong Kong / Macau / Taiwan residents' residence permit
                             (810000 / 820000 / 830000 ...), same algorithm */
    RK_ID_FOREIGN_PR = 4  /* foreigner's permanent residence ID, 2023 format ('9...') */
};

typedef struct rk_valid {
    int ok;               /* 1: acceptable (maybe with warning) */
    int warning;          /* 1: acceptable only after a clerk's look */
    char reason[24];      /* machine reason code, see above */
    char message[200];    /* English, names the problem ("invalid ID number: ...") */
    char message_zh[200]; /* Chinese for subscribers (UTF-8) */
    char normalized[RK_VALID_EMAIL_MAX + 2]; /* canonical form when ok */
    /* ID numbers only: */
    int kind;             /* RK_ID_* */
    int year, month, day; /* birth date */
    char sex;             /* 'M' or 'F' */
    char region[7];       /* 6-digit region code (foreigners: province + "0000") */
    char nationality[4];  /* foreigners: 3-digit nationality code */
} rk_valid;

/* Resident ID number (18 characters, GB 11643-1999, or the old 15 digits),
 * Hong Kong/Macau/Taiwan residence permits and foreigners' permanent residence
 * IDs. A lower-case x check character is accepted and normalised to X. An
 * individual's social-security number is their ID number: validate it here. */
int rk_validate_id(rk_valid *out, const char *s);

/* The branch's rules that come from configuration: the regions whose early
 * pilot credit codes fail the check character (kiosk.conf [validate]
 * uscc_pilot_regions; borrowed, n six-digit codes). */
typedef struct rk_validate_rules {
    const char (*uscc_pilot_regions)[7];
    int n_uscc_pilot_regions;
} rk_validate_rules;

/* Unified social credit code, GB 32100-2015 (lower case accepted,
 * upper-cased), with no pilot region: a failing check character is always
 * an error. */
int rk_validate_uscc(rk_valid *out, const char *s);

/* The same under rules (NULL: none): a code whose check character fails
 * while its organisation code holds is a "pilot_code" warning when its
 * region is a pilot region, else "checksum". */
int rk_validate_uscc_in(rk_valid *out, const char *s, const rk_validate_rules *rules);

/* Organisation code, GB 11714: 9 characters, with or without the hyphen
 * before the check character; normalised to the 9 characters without it. */
int rk_validate_orgcode(rk_valid *out, const char *s);

/* Mainland mobile number: 11 digits starting 13..19; an optional +86 or 0086
 * prefix and spaces or hyphens are allowed; normalised to the 11 digits. */
int rk_validate_mobile(rk_valid *out, const char *s);

/* E-mail address, a pragmatic RFC 5321 check (no quoted local parts, no IP
 * literals, ASCII only); the domain is normalised to lower case. */
int rk_validate_email(rk_valid *out, const char *s);

/* A date "YYYY-MM-DD": a real calendar date between 1900-01-01 and 2199-12-31. */
int rk_validate_date(rk_valid *out, const char *s);

/* A unit's social-security number (单位社保编号). Branch rule, since regions
 * differ: 6 to 20 characters, digits and upper-case letters (lower case is
 * accepted and upper-cased). An individual's number: use rk_validate_id(). */
int rk_validate_ssn(rk_valid *out, const char *s);

/* Picks the validator by name: "id", "uscc", "orgcode", "mobile", "email",
 * "date", "ssn" (a unit's), "ssn_person" (= "id"). The forms choose a field's
 * validator from configuration with this. RK_EINVAL with reason
 * "unknown_kind" for a name not in the list. */
int rk_validate_by_name(rk_valid *out, const char *kind, const char *value);

/* The same for len bytes that need not be NUL-terminated; a NUL byte among
 * them is rejected as reason "control". */
int rk_validate_by_name_n(rk_valid *out, const char *kind, const char *value, size_t len);

/* rk_validate_by_name under the branch's rules (NULL: none). */
int rk_validate_by_name_in(rk_valid *out, const char *kind, const char *value,
                           const rk_validate_rules *rules);

/* 1 if kind names a validator of rk_validate_by_name(), else 0 (for checking
 * configuration when it is loaded). */
int rk_validate_kind_known(const char *kind);

/* The GB 11643 / ISO 7064 MOD 11-2 check character ('0'..'9' or 'X') of the
 * first 17 characters, which must be digits; RK_EINVAL if they are not (reads
 * no further than a NUL). For tests and generators. */
int rk_id_check_char(const char *first17);

/* The GB 32100 check character of the first 17 characters of a credit code
 * (each from "0123456789ABCDEFGHJKLMNPQRTUWXY"); RK_EINVAL otherwise. */
int rk_uscc_check_char(const char *first17);

/* The GB 11714 check character ('0'..'9' or 'X') of the first 8 characters of
 * an organisation code (each [0-9A-Z]); RK_EINVAL otherwise. */
int rk_orgcode_check_char(const char *first8);

#endif
