/*
 * textfile.c - see textfile.h.
 */
#include "textfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

char *textfile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        snprintf(err, errlen, "is a directory");
        return NULL;
    }
    sbuf b = {0};
    char chunk[65536];
    size_t got;
    bool too_big = false;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + got > max) {
            too_big = true;
            break;
        }
        sbuf_addn(&b, chunk, got);
    }
    bool failed = ferror(f) != 0;
    int e = errno;
    fclose(f);
    if (too_big || failed) {
        if (too_big)
            snprintf(err, errlen, "file too large (more than %zu bytes)", max);
        else
            snprintf(err, errlen, "cannot read: %s", strerror(e));
        sbuf_free(&b);
        return NULL;
    }
    if (!b.s)
        sbuf_add(&b, "");
    *len = b.len;
    return sbuf_take(&b);
}

void textfile_scan(const char *text, size_t len,
                   void (*report)(void *ctx, int line, enum textfile_problem what), void *ctx)
{
    const char *p = text, *end = text + len;
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t'))
            q++;
        if (eol - q >= 8 && memcmp(q, "@include", 8) == 0)
            report(ctx, line, TEXTFILE_INCLUDE);
        if (memchr(p, '\0', (size_t)(eol - p)))
            report(ctx, line, TEXTFILE_NUL);
        if (!nl)
            break;
        p = nl + 1;
    }
}
