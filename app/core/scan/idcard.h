/*
 * Decoding what an ID card reader reads from a card: the reply of the
 * "read text and photo" commands, the 256-byte UCS-2LE text block of the
 * resident identity card (居民身份证), the foreigner's permanent residence
 * card (外国人永久居留身份证, type flag 'I') and the residence permit for
 * Hong Kong, Macau and Taiwan residents (港澳台居民居住证, type flag 'J'),
 * and the code tables of sex (GB/T 2261.1) and nation (GB 3304).
 *
 * The photo is 1 024 bytes in the WLT format that only the reader vendor's
 * licensed library decodes. We keep those bytes untouched; a decoder plugs
 * in through rk_wlt_decoder, e.g. a wrapper loaded at run time with dlopen:
 *
 *     void *so = dlopen("libwlt.so", RTLD_NOW);       // vendor library
 *     // Linux builds usually export  int unpack(char *wlt, char *bgr, int save)
 *     // (1 on success, 102x126 pixels, 38 556 bytes of BGR, bottom-up);
 *     // Windows-era ones export      int GetBmp(char *wlt_file, int intf)
 *     // which reads a .wlt file and writes a .bmp beside it.
 *     static int my_decoder(uint8_t *out, size_t cap, size_t *out_len,
 *                           const uint8_t wlt[RK_IDCARD_PHOTO_LEN], void *arg)
 *     {   // call the vendor function found with dlsym(so, "unpack"),
 *         // wrap the pixels as BMP or PNG into out, set *out_len, return 0
 *     }
 *     rk_idcard_photo_decode(&img, &img_len, &card, my_decoder, so);
 *
 * Without a decoder rk_idcard_photo_decode says so (RK_ENOTFOUND) and the
 * program shows no photo; the raw WLT bytes stay available in the card.
 * Nothing here is global: the decoder is passed per call.
 */
#ifndef RK_IDCARD_H
#define RK_IDCARD_H

#include <stddef.h>
#include <stdint.h>

#define RK_IDCARD_TEXT_LEN   256
#define RK_IDCARD_PHOTO_LEN  1024
#define RK_IDCARD_FINGER_MAX 1024
#define RK_IDCARD_ADDR_LEN   70 /* appended address reply: 35 UCS-2 chars */

typedef enum rk_idcard_type {
    RK_IDCARD_RESIDENT = 0, /* 居民身份证: type flag blank */
    RK_IDCARD_FOREIGN = 1,  /* 外国人永久居留身份证 (2017 version): flag 'I' */
    RK_IDCARD_GAT = 2       /* 港澳台居民居住证: flag 'J' */
} rk_idcard_type;

/* A decoded card. Text fields are UTF-8, trailing spaces trimmed; a field
 * absent from a card type is "". Dates are "YYYYMMDD" as on the card. */
typedef struct rk_idcard {
    rk_idcard_type type;
    char name[96];              /* Chinese name (for 'I' the Chinese name, may be "") */
    char name_en[192];          /* 'I': English name */
    char sex_code[4];           /* "0", "1", "2", "9" */
    char nation_code[8];        /* resident: "01".."56", "97", "98" */
    char birth[32];             /* YYYYMMDD */
    char address[224];          /* resident and 'J' */
    char id_number[64];         /* resident/'J': 18 chars; 'I': permanent residence number */
    char authority[96];         /* issuing authority; 'I': its code */
    char valid_from[32];        /* YYYYMMDD */
    char valid_until[32];       /* YYYYMMDD, or "长期" */
    int long_term;              /* 1 if valid_until is 长期 */
    char nationality[12];       /* 'I': ISO 3166 alpha-3; resident: "CHN" */
    char card_version[8];       /* 'I' */
    char pass_number[32];       /* 'J': the Hong Kong/Macau/Taiwan pass number */
    char issue_count[8];        /* 'J': how many times issued */
    char appended_address[224]; /* from RK_SAM_CMD_READ_ADDR, "" if none */
    uint8_t photo_wlt[RK_IDCARD_PHOTO_LEN];
    size_t photo_len; /* 0 if the reply had no photo */
    uint8_t finger[RK_IDCARD_FINGER_MAX];
    size_t finger_len; /* 0 unless read with fingerprints */
} rk_idcard;

/* Decodes the data of a successful read reply (after SW1..SW3): the 2-byte
 * big-endian text length, photo length, for with_finger also the
 * fingerprint length, then the blocks. RK_EFORMAT with a message naming the
 * field if lengths disagree with the data; RK_EINVAL for bad text. */
int rk_idcard_decode_reply(rk_idcard *out, const uint8_t *data, size_t len, int with_finger);

/* Decodes the 256-byte text block (len must be RK_IDCARD_TEXT_LEN) into
 * out's text fields, leaving photo and fingerprint alone. */
int rk_idcard_decode_text(rk_idcard *out, const uint8_t *text, size_t len);

/* Decodes a 70-byte appended-address reply into out->appended_address. */
int rk_idcard_decode_address(rk_idcard *out, const uint8_t *data, size_t len);

/* Encodes out's text fields into a 256-byte text block (the inverse of
 * rk_idcard_decode_text; used by the simulator). RK_ETOOBIG naming the
 * field that does not fit, RK_EINVAL for characters outside the BMP. */
int rk_idcard_encode_text(uint8_t out[RK_IDCARD_TEXT_LEN], const rk_idcard *card);

/* Converts n bytes of UCS-2LE to NUL-terminated UTF-8 in out (cap bytes),
 * stopping at a NUL character and trimming trailing spaces. RK_EINVAL for
 * odd n or a surrogate (the card holds BMP characters only); RK_ETOOBIG if
 * out is too small. */
int rk_idcard_ucs2_to_utf8(char *out, size_t cap, const uint8_t *in, size_t n);

/* Converts UTF-8 to UCS-2LE padded with spaces to exactly n bytes.
 * RK_ETOOBIG if it does not fit, RK_EINVAL for bad UTF-8 or non-BMP. */
int rk_idcard_utf8_to_ucs2(uint8_t *out, size_t n, const char *in);

/* The nation's Chinese name for a GB 3304 code ("01" -> "汉族"), or NULL.
 * en (if not NULL) gets the English name. */
const char *rk_idcard_nation_name(const char *code, const char **en);

/* The meaning of a GB/T 2261.1 sex code ("1" -> "男"), or NULL; en as above. */
const char *rk_idcard_sex_name(const char *code, const char **en);

/* The card type's name ("resident identity card", ...). */
const char *rk_idcard_type_name(rk_idcard_type t);

/* Plug-in point for a vendor WLT decoder (see the top of this file): turns
 * the 1 024 WLT bytes into an image in out (cap bytes), sets *out_len,
 * returns 0 or a negative RK_E* code with rk_err_set. */
typedef int (*rk_wlt_decoder)(uint8_t *out, size_t cap, size_t *out_len,
                              const uint8_t wlt[RK_IDCARD_PHOTO_LEN], void *arg);

/* Decodes the card's photo with dec into a malloc'd *img (caller frees).
 * RK_ENOTFOUND "no WLT decoder installed: photo left undecoded" if dec is
 * NULL; RK_ENOTFOUND if the card has no photo; the decoder's error else. */
int rk_idcard_photo_decode(uint8_t **img, size_t *img_len, const rk_idcard *card,
                           rk_wlt_decoder dec, void *arg);

#endif
