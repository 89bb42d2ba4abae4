/*
 * textfile.h - reading the libconfig files strangers send (scenarios,
 * themes): bounded reads, and the lines libconfig would act on but a
 * self-contained file must not have (@include, NUL bytes).
 */
#ifndef NOVALID_TEXTFILE_H
#define NOVALID_TEXTFILE_H

#include <stddef.h>

/* Read at most `max` bytes of `path` (NUL-terminated).  NULL with a
 * message ("cannot open: ...", "file too large ...") in err. */
char *textfile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);

enum textfile_problem { TEXTFILE_INCLUDE, TEXTFILE_NUL };

/* Call `report` for each line with an @include directive or a NUL byte. */
void textfile_scan(const char *text, size_t len,
                   void (*report)(void *ctx, int line, enum textfile_problem what), void *ctx);

#endif
