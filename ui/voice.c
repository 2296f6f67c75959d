/*
 * The espeak-ng worker, the tones and the mixer (see voice.h).
 */
#include "voice.h"

#include "util/err.h"

#include <espeak-ng/speak_lib.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_SECONDS 30
#define TEXT_MAX     1024
#define TONE_MAX     (22050 / 2) /* samples: half a second */

struct rk_voice {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t idle_cv;
    pthread_t thread;
    int quit;

    /* request */
    char text[TEXT_MAX + 1];
    char voice_name[64];
    int have_request;
    unsigned gen; /* bumped by every say/stop; synthesis of an older one stops */
    int busy;

    /* espeak */
    int rate;
    int status;
    char status_msg[256];
    int started;
    char data_path[1024];
    int wpm;

    /* output */
    int16_t *ring;
    size_t cap, head, len; /* ring of speech samples */
    const int16_t *tone;
    size_t tone_len, tone_pos;
    int16_t confirm[TONE_MAX], error[TONE_MAX];
    size_t confirm_len, error_len;
    int speak, volume;
    unsigned long synthesised;
};

static void tone_make(int16_t *out, size_t *len, int rate, const double *freq, const double *dur,
                      int parts, double amp, double third)
{
    size_t n = 0;
    for (int p = 0; p < parts; p++) {
        size_t m = (size_t)(dur[p] * rate);
        for (size_t i = 0; i < m && n < TONE_MAX; i++, n++) {
            double t = (double)i / rate;
            /* Raised-cosine attack and release of 8 ms: no clicks. */
            double edge = 0.008 * rate, env = 1.0;
            if (i < edge) env = 0.5 - 0.5 * cos(M_PI * i / edge);
            if (m - i < edge) env = 0.5 - 0.5 * cos(M_PI * (m - i) / edge);
            double s = freq[p] > 0
                           ? sin(2 * M_PI * freq[p] * t) + third * sin(2 * M_PI * 3 * freq[p] * t)
                           : 0.0;
            out[n] = (int16_t)(s * env * amp * 32767.0 / (1.0 + third));
        }
    }
    *len = n;
}

/* espeak-ng is a process-wide singleton: one rk_voice at a time. */
static atomic_int in_use;

/* espeak-ng's synthesis callback: append to the ring unless superseded. */
static rk_voice *cb_voice;
static unsigned cb_gen;

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
    rk_voice *v = cb_voice;
    (void)ev;
    if (!v || !wav || n <= 0) return 0;
    pthread_mutex_lock(&v->mu);
    int stale = v->gen != cb_gen || v->quit;
    if (!stale) {
        for (int i = 0; i < n && v->len < v->cap; i++) {
            v->ring[(v->head + v->len) % v->cap] = wav[i];
            v->len++;
        }
        v->synthesised += (unsigned long)n;
    }
    pthread_mutex_unlock(&v->mu);
    return stale; /* 1 stops espeak's synthesis */
}

static void *worker(void *arg)
{
    rk_voice *v = arg;
    char text[TEXT_MAX + 1], name[64], current[64] = "";
    int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200,
                                 v->data_path[0] ? v->data_path : NULL, espeakINITIALIZE_DONT_EXIT);
    pthread_mutex_lock(&v->mu);
    if (rate <= 0) {
        v->status = RK_EDEVICE;
        snprintf(v->status_msg, sizeof v->status_msg, "espeak-ng did not start (data %s)",
                 v->data_path[0] ? v->data_path : "default");
    } else {
        espeak_SetSynthCallback(synth_cb);
        espeak_SetParameter(espeakRATE, v->wpm, 0);
    }
    v->started = 1;
    pthread_cond_broadcast(&v->idle_cv);
    for (;;) {
        while (!v->have_request && !v->quit)
            pthread_cond_wait(&v->cv, &v->mu);
        if (v->quit) break;
        memcpy(text, v->text, sizeof text);
        memcpy(name, v->voice_name, sizeof name);
        v->have_request = 0;
        v->busy = 1;
        unsigned gen = v->gen;
        pthread_mutex_unlock(&v->mu);
        if (v->status == 0) {
            if (strcmp(name, current) != 0) {
                if (espeak_SetVoiceByName(name) == EE_OK) {
                    snprintf(current, sizeof current, "%s", name);
                } else {
                    current[0] = '\0';
                }
            }
            if (current[0]) {
                cb_voice = v;
                cb_gen = gen;
                espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL,
                             NULL);
                espeak_Synchronize();
            }
        }
        pthread_mutex_lock(&v->mu);
        v->busy = 0;
        pthread_cond_broadcast(&v->idle_cv);
    }
    pthread_mutex_unlock(&v->mu);
    if (rate > 0) espeak_Terminate();
    return NULL;
}

int rk_voice_new(rk_voice **out, const rk_voice_options *o)
{
    rk_voice *v;
    int expected = 0;
    *out = NULL;
    if (o->volume < 0 || o->volume > 100)
        return rk_err_set(RK_EINVAL, "voice: volume %d must be 0..100", o->volume);
    if (!atomic_compare_exchange_strong(&in_use, &expected, 1))
        return rk_err_set(RK_EBUSY, "voice: one voice per process (espeak-ng is global)");
    if (!(v = calloc(1, sizeof *v))) {
        atomic_store(&in_use, 0);
        return rk_err_oom();
    }
    v->rate = 22050; /* espeak-ng's output rate */
    v->cap = (size_t)v->rate * RING_SECONDS;
    if (!(v->ring = malloc(v->cap * sizeof *v->ring))) {
        free(v);
        atomic_store(&in_use, 0);
        return rk_err_oom();
    }
    v->speak = o->speak != 0;
    v->volume = o->volume;
    v->wpm = o->rate_wpm > 0 ? o->rate_wpm : 150;
    if (o->data_path) snprintf(v->data_path, sizeof v->data_path, "%s", o->data_path);
    static const double cf[] = {1046.5}, cd[] = {0.07};
    static const double ef[] = {392.0, 0.0, 293.7}, ed[] = {0.14, 0.05, 0.22};
    tone_make(v->confirm, &v->confirm_len, v->rate, cf, cd, 1, 0.22, 0.0);
    tone_make(v->error, &v->error_len, v->rate, ef, ed, 3, 0.45, 0.3);
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    pthread_cond_init(&v->idle_cv, NULL);
    if (pthread_create(&v->thread, NULL, worker, v) != 0) {
        free(v->ring);
        free(v);
        atomic_store(&in_use, 0);
        return rk_err_set(RK_EINTERNAL, "voice: cannot start the worker thread");
    }
    *out = v;
    return 0;
}

void rk_voice_free(rk_voice *v)
{
    if (!v) return;
    pthread_mutex_lock(&v->mu);
    v->quit = 1;
    v->gen++;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    pthread_join(v->thread, NULL);
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    pthread_cond_destroy(&v->idle_cv);
    cb_voice = NULL;
    free(v->ring);
    free(v);
    atomic_store(&in_use, 0);
}

int rk_voice_rate(const rk_voice *v)
{
    return v->rate;
}

int rk_voice_say(rk_voice *v, const char *voice, const char *text)
{
    size_t n = strlen(text);
    if (n > TEXT_MAX) return rk_err_set(RK_ETOOBIG, "voice: prompt over %d bytes", TEXT_MAX);
    pthread_mutex_lock(&v->mu);
    if (v->speak) {
        memcpy(v->text, text, n + 1);
        snprintf(v->voice_name, sizeof v->voice_name, "%s", voice);
        v->have_request = 1;
        v->gen++;
        v->len = 0; /* the new prompt replaces the old one */
        pthread_cond_signal(&v->cv);
    }
    pthread_mutex_unlock(&v->mu);
    return 0;
}

void rk_voice_tone(rk_voice *v, int tone)
{
    pthread_mutex_lock(&v->mu);
    if (tone == RK_VOICE_TONE_ERROR) {
        v->tone = v->error;
        v->tone_len = v->error_len;
    } else {
        v->tone = v->confirm;
        v->tone_len = v->confirm_len;
    }
    v->tone_pos = 0;
    pthread_mutex_unlock(&v->mu);
}

void rk_voice_stop(rk_voice *v)
{
    pthread_mutex_lock(&v->mu);
    v->gen++;
    v->have_request = 0;
    v->len = 0;
    pthread_mutex_unlock(&v->mu);
}

void rk_voice_set_speak(rk_voice *v, int on)
{
    if (!on) rk_voice_stop(v);
    pthread_mutex_lock(&v->mu);
    v->speak = on != 0;
    pthread_mutex_unlock(&v->mu);
}

int rk_voice_speak(const rk_voice *v)
{
    return v->speak;
}

void rk_voice_set_volume(rk_voice *v, int volume)
{
    pthread_mutex_lock(&v->mu);
    v->volume = volume < 0 ? 0 : volume > 100 ? 100 : volume;
    pthread_mutex_unlock(&v->mu);
}

int rk_voice_volume(const rk_voice *v)
{
    return v->volume;
}

size_t rk_voice_pull(rk_voice *v, int16_t *out, size_t n)
{
    size_t sounding = 0;
    pthread_mutex_lock(&v->mu);
    int vol = v->volume;
    for (size_t i = 0; i < n; i++) {
        int32_t s = 0;
        if (v->len) {
            s += v->ring[v->head];
            v->head = (v->head + 1) % v->cap;
            v->len--;
        }
        if (v->tone && v->tone_pos < v->tone_len) s += v->tone[v->tone_pos++];
        s = s * vol / 100;
        if (s > 32767) s = 32767;
        if (s < -32768) s = -32768;
        out[i] = (int16_t)s;
        if (s) sounding++;
    }
    pthread_mutex_unlock(&v->mu);
    return sounding;
}

int rk_voice_wait_idle(rk_voice *v, int timeout_ms)
{
    struct timespec ts;
    int rc = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&v->mu);
    while ((!v->started || v->busy || v->have_request) && rc == 0)
        rc = pthread_cond_timedwait(&v->idle_cv, &v->mu, &ts);
    pthread_mutex_unlock(&v->mu);
    return rc ? rk_err_set(RK_ETIMEOUT, "voice: still synthesising after %d ms", timeout_ms) : 0;
}

int rk_voice_status(rk_voice *v)
{
    pthread_mutex_lock(&v->mu);
    while (!v->started)
        pthread_cond_wait(&v->idle_cv, &v->mu);
    int st = v->status;
    pthread_mutex_unlock(&v->mu);
    return st ? rk_err_set(st, "%s", v->status_msg) : 0;
}

unsigned long rk_voice_synthesised(const rk_voice *v)
{
    return v->synthesised;
}

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int rk_voice_write_wav(const char *path, const int16_t *samples, size_t n, int rate)
{
    unsigned char h[44];
    FILE *f = fopen(path, "wb");
    if (!f) return rk_err_set(RK_EIO, "%s: %s", path, strerror(errno));
    memcpy(h, "RIFF", 4);
    le32(h + 4, 36 + n * 2);
    memcpy(h + 8, "WAVEfmt ", 8);
    le32(h + 16, 16);
    le16(h + 20, 1);
    le16(h + 22, 1);
    le32(h + 24, (unsigned long)rate);
    le32(h + 28, (unsigned long)rate * 2);
    le16(h + 32, 2);
    le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    le32(h + 40, n * 2);
    int ok = fwrite(h, 1, sizeof h, f) == sizeof h;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char b[2];
        le16(b, (unsigned)(uint16_t)samples[i]);
        ok = fwrite(b, 1, 2, f) == 2;
    }
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : rk_err_set(RK_EIO, "%s: write failed", path);
}
