/*
 * SAM frame encoder and stream parser (see sam_frame.h). Pure functions: no
 * I/O, no allocation, no global state.
 */
#include "scan/sam_frame.h"

#include "util/err.h"

#include <string.h>

static const uint8_t preamble[RK_SAM_PREAMBLE_LEN] = {0xAA, 0xAA, 0xAA, 0x96, 0x69};

uint8_t rk_sam_checksum(const uint8_t *p, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= p[i];
    return x;
}

/* Writes preamble, length, head[0..nh), data, checksum. */
static int encode(uint8_t *out, size_t cap, size_t *out_len, const uint8_t *head, size_t nh,
                  const uint8_t *data, size_t data_len)
{
    size_t flen = nh + data_len + 1;
    if (data_len > RK_SAM_MAX_LEN || flen > RK_SAM_MAX_LEN)
        return rk_err_set(RK_ETOOBIG, "SAM frame of %zu bytes is over the limit of %d", flen,
                          RK_SAM_MAX_LEN);
    size_t total = RK_SAM_PREAMBLE_LEN + 2 + flen;
    if (total > cap)
        return rk_err_set(RK_ETOOBIG, "SAM frame of %zu bytes does not fit a %zu-byte buffer",
                          total, cap);
    memcpy(out, preamble, RK_SAM_PREAMBLE_LEN);
    out[5] = (uint8_t)(flen >> 8);
    out[6] = (uint8_t)flen;
    memcpy(out + 7, head, nh);
    if (data_len) memcpy(out + 7 + nh, data, data_len);
    out[total - 1] = rk_sam_checksum(out + 5, total - 1 - 5);
    *out_len = total;
    return 0;
}

int rk_sam_encode_cmd(uint8_t *out, size_t cap, size_t *out_len, uint8_t cmd, uint8_t para,
                      const uint8_t *data, size_t data_len)
{
    uint8_t head[2] = {cmd, para};
    return encode(out, cap, out_len, head, 2, data, data_len);
}

int rk_sam_encode_reply(uint8_t *out, size_t cap, size_t *out_len, uint8_t sw3, const uint8_t *data,
                        size_t data_len)
{
    uint8_t head[3] = {0, 0, sw3};
    return encode(out, cap, out_len, head, 3, data, data_len);
}

/* Offset of the first byte that could begin a preamble: a full match, or a
 * partial match running to the end of the buffer. len if none. */
static size_t find_preamble(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        size_t k = 0;
        while (k < RK_SAM_PREAMBLE_LEN && i + k < len && buf[i + k] == preamble[k])
            k++;
        if (k == RK_SAM_PREAMBLE_LEN || i + k == len) return i;
    }
    return len;
}

int rk_sam_parse(rk_sam_frame *out, size_t *consumed, const uint8_t *buf, size_t len)
{
    out->body = NULL;
    out->body_len = 0;
    size_t at = find_preamble(buf, len);
    *consumed = at;
    if (len - at < RK_SAM_PREAMBLE_LEN + 2) return RK_SAM_MORE;
    const uint8_t *f = buf + at;
    size_t flen = ((size_t)f[5] << 8) | f[6];
    if (flen > RK_SAM_MAX_LEN) {
        *consumed = at + RK_SAM_PREAMBLE_LEN;
        return rk_err_set(RK_ETOOBIG,
                          "SAM frame announces %zu bytes, over the limit of %d: "
                          "skipped, looking for the next frame",
                          flen, RK_SAM_MAX_LEN);
    }
    if (flen < RK_SAM_MIN_LEN) {
        *consumed = at + RK_SAM_PREAMBLE_LEN;
        return rk_err_set(RK_EFORMAT,
                          "SAM frame announces %zu bytes, too short to hold a command or a "
                          "status: skipped",
                          flen);
    }
    if (len - at < RK_SAM_PREAMBLE_LEN + 2 + flen) return RK_SAM_MORE;
    uint8_t want = rk_sam_checksum(f + 5, 2 + flen - 1);
    uint8_t got = f[RK_SAM_PREAMBLE_LEN + 2 + flen - 1];
    if (want != got) {
        *consumed = at + RK_SAM_PREAMBLE_LEN;
        return rk_err_set(RK_EFORMAT,
                          "SAM frame of %zu bytes has checksum %02X, expected %02X: the "
                          "line is noisy or the frame was cut; skipped",
                          flen, got, want);
    }
    out->body = f + RK_SAM_PREAMBLE_LEN + 2;
    out->body_len = flen - 1;
    *consumed = at + RK_SAM_PREAMBLE_LEN + 2 + flen;
    return 0;
}

int rk_sam_reply_view(rk_sam_reply *out, const rk_sam_frame *f)
{
    memset(out, 0, sizeof *out);
    if (f->body_len < 3)
        return rk_err_set(RK_EFORMAT, "SAM reply of %zu bytes is too short for a status",
                          f->body_len);
    out->sw1 = f->body[0];
    out->sw2 = f->body[1];
    out->sw3 = f->body[2];
    out->data = f->body + 3;
    out->data_len = f->body_len - 3;
    return 0;
}

int rk_sam_cmd_view(rk_sam_cmd *out, const rk_sam_frame *f)
{
    memset(out, 0, sizeof *out);
    if (f->body_len < 2)
        return rk_err_set(RK_EFORMAT, "SAM command of %zu bytes is too short", f->body_len);
    out->cmd = f->body[0];
    out->para = f->body[1];
    out->data = f->body + 2;
    out->data_len = f->body_len - 2;
    return 0;
}

static const struct {
    uint8_t code;
    const char *en, *zh;
} statuses[] = {
    {0x90, "success", "操作成功"},
    {0x91, "the card holds no content for this item", "居民身份证中此项无内容"},
    {0x9F, "card found", "寻找居民身份证成功"},
    {0x10, "the reader received a frame with a bad checksum", "接收业务终端数据的校验和错"},
    {0x11, "the reader received a frame with a wrong length", "接收业务终端数据的长度错"},
    {0x21, "the reader refused the command (wrong command, value or order)",
     "接收业务终端的命令错误"},
    {0x23, "operation not authorised (beyond the reader's rights)", "越权操作"},
    {0x24, "the reader cannot execute this (unrecognised error)", "无法识别的错误"},
    {0x31, "the card failed to authenticate the SAM", "居民身份证认证SAM失败"},
    {0x32, "the SAM failed to authenticate the card", "SAM认证居民身份证失败"},
    {0x33, "information verification failed", "信息验证错误"},
    {0x40, "unknown card type", "无法识别的卡类型"},
    {0x41, "reading the card failed: hold the card still on the reader", "读居民身份证操作失败"},
    {0x47, "could not get a random number from the card", "取随机数失败"},
    {0x60, "the SAM self-check failed: it cannot take commands", "SAM自检失败，不能接收命令"},
    {0x66, "the SAM is not authorised and cannot be used", "SAM没经过授权，无法使用"},
    {0x80, "no card found on the reader", "寻找居民身份证失败"},
    {0x81, "selecting the card failed", "选取居民身份证失败"},
    {0xFF, "the reader reported an undefined error", "未定义的错误"},
};

const char *rk_sam_status_text(uint8_t sw3, const char **zh)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (statuses[i].code == sw3) {
            if (zh) *zh = statuses[i].zh;
            return statuses[i].en;
        }
    if (zh) *zh = "未知的状态码";
    return "unknown status code";
}

const char *rk_sam_cmd_name(unsigned cmd_para)
{
    switch (cmd_para) {
    case RK_SAM_CMD_RESET: return "reset SAM";
    case RK_SAM_CMD_STATUS: return "SAM status";
    case RK_SAM_CMD_SAM_ID: return "read SAM id";
    case RK_SAM_CMD_FIND: return "find card";
    case RK_SAM_CMD_SELECT: return "select card";
    case RK_SAM_CMD_READ: return "read text and photo";
    case RK_SAM_CMD_READ_ADDR: return "read appended address";
    case RK_SAM_CMD_READ_FINGER: return "read text, photo and fingerprint";
    default: return "unknown command";
    }
}
