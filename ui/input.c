/*
 * Per-frame input bookkeeping and key names (see input.h).
 */
#include "input.h"

#include "utf8.h"

#include <string.h>
#include <strings.h>

static const char *const key_names[RK_KEY_COUNT] = {
    "",   "BackSpace", "Delete", "Return",   "Escape", "Tab", "space", "Left", "Right",
    "Up", "Down",      "PageUp", "PageDown", "Home",   "End", "F1",    "F2",   "F3",
    "F4", "F5",        "F6",     "F7",       "F8",     "F9",  "F10",   "F11",  "F12",
};

void rk_input_next(rk_input *in)
{
    in->pressed = in->released = in->moved = 0;
    in->wheel = 0;
    in->quit = 0;
    in->wakes = in->events = in->more = 0;
    memset(in->keys, 0, sizeof in->keys);
    memset(in->text, 0, in->text_len);
    in->text_len = 0;
    in->text[0] = '\0';
}

void rk_input_add_text(rk_input *in, const char *s, size_t n)
{
    size_t room = sizeof in->text - 1 - in->text_len;
    n = rk_utf8_fit(s, n, room);
    memcpy(in->text + in->text_len, s, n);
    in->text_len += n;
    in->text[in->text_len] = '\0';
}

rk_key rk_input_key_from_name(const char *name)
{
    for (int k = 1; k < RK_KEY_COUNT; k++)
        if (!strcasecmp(name, key_names[k])) return (rk_key)k;
    if (!strcasecmp(name, "Enter")) return RK_KEY_ENTER;
    if (!strcasecmp(name, "Esc")) return RK_KEY_ESCAPE;
    return RK_KEY_NONE;
}

const char *rk_input_key_name(rk_key key)
{
    return key > 0 && key < RK_KEY_COUNT ? key_names[key] : "";
}
