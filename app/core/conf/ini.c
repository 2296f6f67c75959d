/*
 * INI parsing with line numbers (see ini.h).
 */
#include "ini.h"

#include <stdio.h>

typedef struct ini_stream {
    FILE *file;
    int *line;
} ini_stream;

static char *read_line(char *str, int num, void *stream)
{
    ini_stream *s = stream;
    char *r = fgets(str, num, s->file);
    if (r) (*s->line)++;
    return r;
}

int rk_ini_parse(const char *path, ini_handler handler, void *user, int *line)
{
    ini_stream s = {fopen(path, "r"), line};
    if (!s.file) return -1;
    *line = 0;
    int rc = ini_parse_stream(read_line, &s, handler, user);
    fclose(s.file);
    return rc;
}
