/*
 * Reading INI files with inih while counting lines.
 *
 * Every rule file of the branch (kiosk.conf, forms, fees, calendar ...) must
 * name the line of a mistake. inih tells the first line it cannot parse, but
 * not which line a handler is looking at; rk_ini_parse() keeps *line up to
 * date while the handler runs, so the handler can record it.
 */
#ifndef RK_INI_H
#define RK_INI_H

#include <ini.h>

/* Parses path, calling handler(user, section, name, value) for each entry
 * with *line set to its line number. Returns 0, inih's first line it could
 * not parse, or -1 (errno set) when the file cannot be opened. */
int rk_ini_parse(const char *path, ini_handler handler, void *user, int *line);

#endif
