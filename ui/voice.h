/*
 * Voice guidance and tones: espeak-ng speaks the prompts, and a soft tone
 * confirms every accepted touch (a distinct, lower one marks errors).
 *
 * Chinese prompts are spoken from their pinyin (the strings file's .say
 * form) with espeak-ng's cmn-latn-pinyin voice: Debian 12's cmn voice reads
 * characters as English words plus tone numbers. Synthesis runs on a worker
 * thread that owns espeak-ng (which is not thread-safe), never on the UI
 * thread; a new prompt replaces the one being spoken.
 *
 * Output is pulled: rk_voice_pull mixes the speech and the tone at the set
 * volume into the buffer the audio device asks for (the backend's SDL audio
 * callback calls it), or into whatever a test reads (a WAV file, a count of
 * samples). The speech buffer is bounded (30 s of audio). One rk_voice per
 * process (espeak-ng is global).
 */
#ifndef RK_UI_VOICE_H
#define RK_UI_VOICE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rk_voice rk_voice;

enum { RK_VOICE_TONE_CONFIRM = 1, RK_VOICE_TONE_ERROR = 2 };

typedef struct rk_voice_options {
    int speak;             /* voice prompts on (tones are governed by volume alone) */
    int volume;            /* 0..100 */
    const char *data_path; /* espeak-ng data; NULL = its default */
    int rate_wpm;          /* speaking rate, 0 = 150 words a minute */
} rk_voice_options;

/* Starts the worker (which starts espeak-ng); the caller owns *out.
 * RK_EINVAL for a volume outside 0..100, RK_ENOMEM, RK_EINTERNAL. */
int rk_voice_new(rk_voice **out, const rk_voice_options *opts);

/* Stops the worker; NULL does nothing. */
void rk_voice_free(rk_voice *v);

/* Samples per second of the output (mono, signed 16 bit). */
int rk_voice_rate(const rk_voice *v);

/* Speaks text with the espeak-ng voice (e.g. "cmn-latn-pinyin", "en"),
 * replacing what is being spoken. Does nothing while speaking is off.
 * RK_ETOOBIG for a text over 1 KB. */
int rk_voice_say(rk_voice *v, const char *voice, const char *text);

/* Plays a tone (RK_VOICE_TONE_*), mixed over any speech. */
void rk_voice_tone(rk_voice *v, int tone);

/* Silences the speech now. */
void rk_voice_stop(rk_voice *v);

void rk_voice_set_speak(rk_voice *v, int on);
int rk_voice_speak(const rk_voice *v);
void rk_voice_set_volume(rk_voice *v, int volume);
int rk_voice_volume(const rk_voice *v);

/* Fills out with the next n samples (silence when nothing plays) and
 * returns how many of them carried sound. Called from the audio thread. */
size_t rk_voice_pull(rk_voice *v, int16_t *out, size_t n);

/* Waits until everything asked for has been synthesised (tests). 0, or
 * RK_ETIMEOUT. */
int rk_voice_wait_idle(rk_voice *v, int timeout_ms);

/* 0 when espeak-ng started, else its error (the message says why); the
 * tones work either way. Waits for the worker's start. */
int rk_voice_status(rk_voice *v);

/* Samples synthesised since the start (tests). */
unsigned long rk_voice_synthesised(const rk_voice *v);

/* Writes n samples at rate as a mono 16-bit WAV file (a file sink for
 * tests). RK_EIO. */
int rk_voice_write_wav(const char *path, const int16_t *samples, size_t n, int rate);

#endif
