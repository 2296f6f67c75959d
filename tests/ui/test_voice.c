/*
 * Voice and tones, with the mixer as the audio sink (no device): a pinyin
 * prompt with the cmn-latn-pinyin voice produces seconds of speech off the
 * caller's thread, volume scales it, speaking off stays silent, a new
 * prompt replaces the old, the confirmation tone is short and high and the
 * error tone long and low, and the samples are written to a WAV file.
 */
#include "test.h"

#include "ui/voice.h"

#include "util/err.h"

#include <math.h>

static int16_t buf[22050 * 40];

/* Pulls everything there is (until a long run of silence). */
static size_t drain(rk_voice *v, size_t *sounding, int16_t *peak)
{
    size_t total = 0, quiet = 0;
    *sounding = 0;
    *peak = 0;
    while (total + 1024 <= sizeof buf / sizeof buf[0]) {
        size_t s = rk_voice_pull(v, buf + total, 1024);
        for (size_t i = 0; i < 1024; i++) {
            int a = abs(buf[total + i]);
            if (a > *peak) *peak = (int16_t)a;
        }
        *sounding += s;
        total += 1024;
        quiet = s ? 0 : quiet + 1024;
        if (quiet > 22050) break;
    }
    return total;
}

/* Zero crossings per second of the non-silent part: a pitch estimate. */
static double crossings(const int16_t *x, size_t n, int rate, size_t *len)
{
    size_t first = 0, last = 0, c = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i]) {
            if (!first) first = i;
            last = i;
        }
    for (size_t i = first + 1; i <= last; i++)
        if ((x[i - 1] < 0) != (x[i] < 0)) c++;
    *len = last > first ? last - first : 0;
    return *len ? c / 2.0 / ((double)*len / rate) : 0;
}

int main(void)
{
    rk_voice *v;
    size_t sounding, len;
    int16_t peak;
    rk_voice_options o = {.speak = 1, .volume = 100};
    rk_voice_options bad = {.speak = 1, .volume = 101};
    CHECK_INT(rk_voice_new(&v, &bad), RK_EINVAL);
    CHECK_INT(rk_voice_new(&v, &o), 0);
    CHECK_INT(rk_voice_status(v), 0);
    int rate = rk_voice_rate(v);
    CHECK_INT(rate, 22050);

    /* A prompt in pinyin: seconds of speech, made on the worker thread. */
    CHECK_INT(
        rk_voice_say(v, "cmn-latn-pinyin", "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1"),
        0);
    CHECK_INT(rk_voice_wait_idle(v, 10000), 0);
    CHECK(rk_voice_synthesised(v) > (unsigned long)rate); /* over a second */
    size_t n = drain(v, &sounding, &peak);
    CHECK(sounding > (size_t)rate);
    CHECK(peak > 3000);
    char dir[4096], wav[4200];
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(wav, sizeof wav, "%s/prompt.wav", dir);
    CHECK_INT(rk_voice_write_wav(wav, buf, n, rate), 0);
    FILE *f = fopen(wav, "rb");
    char head[12] = {0};
    CHECK(f && fread(head, 1, 12, f) == 12);
    if (f) fclose(f);
    CHECK(!memcmp(head, "RIFF", 4) && !memcmp(head + 8, "WAVE", 4));

    /* Half the volume: about half the peak. */
    rk_voice_set_volume(v, 50);
    rk_voice_say(v, "cmn-latn-pinyin", "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1");
    rk_voice_wait_idle(v, 10000);
    int16_t peak50;
    drain(v, &sounding, &peak50);
    CHECK(peak50 < peak * 6 / 10 && peak50 > peak * 4 / 10);
    rk_voice_set_volume(v, 100);

    /* A new prompt replaces the one not yet heard. */
    rk_voice_say(v, "cmn-latn-pinyin", "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1");
    rk_voice_wait_idle(v, 10000);
    rk_voice_say(v, "cmn-latn-pinyin", "hao3");
    rk_voice_wait_idle(v, 10000);
    drain(v, &sounding, &peak);
    CHECK(sounding < (size_t)rate); /* just the short word */
    CHECK(sounding > 0);

    /* Speaking off: prompts are dropped, tones still play. */
    rk_voice_set_speak(v, 0);
    CHECK(!rk_voice_speak(v));
    rk_voice_say(v, "cmn-latn-pinyin", "qing3 cha1 ru4");
    rk_voice_wait_idle(v, 10000);
    drain(v, &sounding, &peak);
    CHECK_INT(sounding, 0);

    /* The tones: confirmation short and high, error longer and lower. */
    rk_voice_tone(v, RK_VOICE_TONE_CONFIRM);
    n = drain(v, &sounding, &peak);
    double f_ok = crossings(buf, n, rate, &len);
    size_t len_ok = len;
    CHECK(f_ok > 900 && f_ok < 1200);
    CHECK(len_ok < (size_t)rate / 10);
    CHECK(peak > 2000 && peak < 12000); /* soft */
    rk_voice_tone(v, RK_VOICE_TONE_ERROR);
    n = drain(v, &sounding, &peak);
    double f_err = crossings(buf, n, rate, &len);
    CHECK(len > (size_t)rate * 3 / 10);
    CHECK(f_err < f_ok / 1.5);
    /* Volume 0 silences everything. */
    rk_voice_set_volume(v, 0);
    rk_voice_tone(v, RK_VOICE_TONE_ERROR);
    drain(v, &sounding, &peak);
    CHECK_INT(sounding, 0);

    rk_voice *other;
    CHECK_INT(rk_voice_new(&other, &o), RK_EBUSY);
    CHECK_INT(rk_voice_say(v, "en", "x"), 0);
    char big[1100];
    memset(big, 'a', sizeof big);
    big[sizeof big - 1] = '\0';
    CHECK_INT(rk_voice_say(v, "en", big), RK_ETOOBIG);
    rk_voice_free(v);
    rk_voice_free(NULL);
    rk_test_rmtree(dir);
    return rk_test_done();
}
