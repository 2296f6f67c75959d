/*
 * SAM frames: the wire format of second-generation ID card readers.
 *
 * A frame is the preamble AA AA AA 96 69, a 2-byte big-endian length that
 * counts every byte after it (checksum included), a body and a 1-byte XOR
 * checksum over the length bytes and the body. A command's body is the
 * command byte, a parameter byte and optional data; a reply's body is the
 * status SW1 SW2 SW3 (00 00 90 on success) followed by data.
 *
 * This module is pure: it encodes frames into caller buffers and judges a
 * byte stream (rk_sam_parse) without any I/O, so it serves the tty reader,
 * the simulator and the fuzz target alike.
 */
#ifndef RK_SAM_FRAME_H
#define RK_SAM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define RK_SAM_PREAMBLE_LEN 5
/* Largest length field accepted: a read-with-fingerprint reply is 2 314;
 * anything above this is judged corrupt rather than waited for. */
#define RK_SAM_MAX_LEN 4096
/* Largest whole frame: preamble + length field + RK_SAM_MAX_LEN. */
#define RK_SAM_MAX_FRAME (RK_SAM_PREAMBLE_LEN + 2 + RK_SAM_MAX_LEN)
/* Smallest length field: a command's cmd + para + checksum. */
#define RK_SAM_MIN_LEN 3

/* Commands: (command << 8) | parameter. */
enum {
    RK_SAM_CMD_RESET = 0x10FF,      /* reset the SAM */
    RK_SAM_CMD_STATUS = 0x11FF,     /* SAM self-check status */
    RK_SAM_CMD_SAM_ID = 0x12FF,     /* read the SAM's management id (16 bytes) */
    RK_SAM_CMD_FIND = 0x2001,       /* find a card in the field: 9F found, 80 none */
    RK_SAM_CMD_SELECT = 0x2002,     /* select the found card */
    RK_SAM_CMD_READ = 0x3001,       /* read the text block and the photo */
    RK_SAM_CMD_READ_ADDR = 0x3003,  /* read the appended (newer) address */
    RK_SAM_CMD_READ_FINGER = 0x3010 /* read text, photo and fingerprint data */
};

/* SW3 status codes of replies. */
enum {
    RK_SAM_SW_OK = 0x90,
    RK_SAM_SW_NO_CONTENT = 0x91,
    RK_SAM_SW_FOUND = 0x9F,
    RK_SAM_SW_CHECKSUM = 0x10,
    RK_SAM_SW_LENGTH = 0x11,
    RK_SAM_SW_COMMAND = 0x21,
    RK_SAM_SW_UNAUTHORISED = 0x23,
    RK_SAM_SW_UNKNOWN_ERROR = 0x24,
    RK_SAM_SW_CARD_AUTH_SAM = 0x31,
    RK_SAM_SW_SAM_AUTH_CARD = 0x32,
    RK_SAM_SW_VERIFY = 0x33,
    RK_SAM_SW_CARD_TYPE = 0x40,
    RK_SAM_SW_READ_FAILED = 0x41,
    RK_SAM_SW_RANDOM = 0x47,
    RK_SAM_SW_SELF_CHECK = 0x60,
    RK_SAM_SW_NOT_AUTHORISED = 0x66,
    RK_SAM_SW_FIND_FAILED = 0x80,
    RK_SAM_SW_SELECT_FAILED = 0x81,
    RK_SAM_SW_UNDEFINED = 0xFF
};

/* One judged frame: body points into the caller's stream buffer and is
 * valid as long as that buffer is unchanged; body_len excludes checksum. */
typedef struct rk_sam_frame {
    const uint8_t *body;
    size_t body_len;
} rk_sam_frame;

/* A reply frame's body split into status and data. */
typedef struct rk_sam_reply {
    uint8_t sw1, sw2, sw3;
    const uint8_t *data;
    size_t data_len;
} rk_sam_reply;

/* A command frame's body split into command, parameter and data. */
typedef struct rk_sam_cmd {
    uint8_t cmd, para;
    const uint8_t *data;
    size_t data_len;
} rk_sam_cmd;

/* rk_sam_parse's result besides errors: more bytes are needed. */
#define RK_SAM_MORE 1

/* Encodes a command frame (cmd, para, data) into out. *out_len gets the
 * frame's size. RK_ETOOBIG if it does not fit cap or RK_SAM_MAX_LEN. */
int rk_sam_encode_cmd(uint8_t *out, size_t cap, size_t *out_len, uint8_t cmd, uint8_t para,
                      const uint8_t *data, size_t data_len);

/* Encodes a reply frame with status 00 00 sw3 and data. */
int rk_sam_encode_reply(uint8_t *out, size_t cap, size_t *out_len, uint8_t sw3, const uint8_t *data,
                        size_t data_len);

/* Judges the start of a byte stream buf[0..len). Sets *consumed to the
 * number of leading bytes the caller must drop before calling again, and
 * returns:
 *   0            a good frame in *out (then *consumed covers garbage before
 *                it and the frame itself);
 *   RK_SAM_MORE  no complete frame yet: garbage before a (possible) preamble
 *                is in *consumed, keep the rest and append more bytes;
 *   RK_EFORMAT   a frame with a bad checksum: only its preamble is consumed,
 *                so the scan resynchronises on the next preamble;
 *   RK_ETOOBIG   a length field above RK_SAM_MAX_LEN (or RK_EFORMAT below
 *                RK_SAM_MIN_LEN): the preamble is consumed likewise.
 * Errors carry a message (rk_err_msg). Never reads past buf[len). */
int rk_sam_parse(rk_sam_frame *out, size_t *consumed, const uint8_t *buf, size_t len);

/* Splits a frame body as a reply; RK_EFORMAT if shorter than 3 bytes. */
int rk_sam_reply_view(rk_sam_reply *out, const rk_sam_frame *f);

/* Splits a frame body as a command; RK_EFORMAT if shorter than 2 bytes. */
int rk_sam_cmd_view(rk_sam_cmd *out, const rk_sam_frame *f);

/* The XOR checksum over p[0..n). */
uint8_t rk_sam_checksum(const uint8_t *p, size_t n);

/* The English meaning of an SW3 status; *zh (if not NULL) gets the Chinese.
 * Unknown codes give a generic sentence, never NULL. */
const char *rk_sam_status_text(uint8_t sw3, const char **zh);

/* A short name for a command code ("find card", ...); "unknown command". */
const char *rk_sam_cmd_name(unsigned cmd_para);

#endif
