/*
 * textfile.h - reading the libconfig files strangers send (scenarios,
 * themes): bounded reads, and the lines libconfig would act on but a
 * self-contained file must not have (@include, NUL bytes).
 */
#ifndef NOVALID_TEXTFILE_H
#define NOVALID_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Read at most `max` bytes of `path` (NUL-terminated).  NULL with a
 * message ("cannot open: ...", "file too large ...") in err. */
char *textfile_read(const char *path, size_t max, size_t *len, char *err, size_t errlen);

enum textfile_problem {
    TEXTFILE_INCLUDE,       /* an @include directive */
    TEXTFILE_NUL,           /* a NUL byte */
    TEXTFILE_INT_RANGE,     /* an integer literal beyond 64 bits (detail: the literal) */
    TEXTFILE_GROUP_SIZE,    /* a group with more than TEXTFILE_MAX_SETTINGS settings */
};

/* Settings one group may hold.  libconfig looks for a duplicate name among
 * a group's settings each time it adds one, so a group of n settings costs
 * n*n/2 comparisons (200,000 settings: minutes).  256 keeps the parse
 * within a few times its linear cost (the largest group a scenario needs,
 * a host or a nova.conf section, has about 40); the scan refuses a larger
 * group before libconfig sees it. */
#define TEXTFILE_MAX_SETTINGS 256

/* Call `report` for each line with an @include directive or a NUL byte,
 * each integer literal that does not fit in 64 bits, and each group with
 * too many settings.  One linear pass over libconfig's tokens.  Returns
 * whether textfile_widen() has something to do (a file without such a
 * literal is not lexed a second time). */
bool textfile_scan(const char *text, size_t len,
                   void (*report)(void *ctx, int line, enum textfile_problem what,
                                  const char *detail),
                   void *ctx);

/* Where a large file can be parsed in two halves at once: the largest
 * top-level list of groups named in `names` (NULL-terminated),
 * `NAME = ( {...}, {...}, ... )`, cut between
 * two of its elements so that the second half holds about `share`
 * (0 to 1) of the file's bytes.  The first half is text[0..cut) and the
 * list's closing bracket onward; the second half is the elements in
 * text[resume..close).  Only between elements the scan saw as groups
 * separated by a comma; none when the list is smaller than `min` bytes. */
typedef struct textfile_split {
    bool found;
    char name[32];      /* the list's setting (a name longer than 31: none) */
    size_t open;        /* its '(' */
    size_t cut;         /* just after the last element of the first half */
    size_t resume;      /* just after the comma that follows it */
    size_t close;       /* the list's ')' */
    int cut_line;       /* the lines text[cut] ... */
    int resume_line;    /* ... text[resume] ... */
    int close_line;     /* ... and text[close] are on */
} textfile_split;

/* textfile_scan(), also finding a split (out->found false: none). */
bool textfile_scan_split(const char *text, size_t len,
                         void (*report)(void *ctx, int line, enum textfile_problem what,
                                        const char *detail),
                         void *ctx, const char *const *names, size_t min, double share,
                         textfile_split *out);

/* libconfig 1.5 reads an integer literal without the L suffix as 32 bits,
 * silently truncated (4294967304 becomes 8, 2^63 becomes -1).  Returns a
 * copy of `text` in which every such literal beyond 32 bits carries the L
 * suffix, so libconfig reads it whole and the loader can range-check it;
 * NULL when there is none (parse `text` itself).  Lines do not move. */
char *textfile_widen(const char *text, size_t len);

/* Replace the file at `path` with `len` bytes of `data`, atomically and
 * durably: a fresh temporary file made by mkstemp() in the target's
 * directory (so a name planted there is never written through), written,
 * fsync()ed, given the original file's mode (and owner, where allowed; a
 * new file gets 0666 less the umask), renamed over the target, and the
 * directory fsync()ed.  A symbolic link is followed on purpose: the file
 * it finally names is replaced and the link stays a link; a link to a
 * missing file, or a target that is not a regular file, is refused.
 * False with the reason ("cannot write PATH: No space left on device") in
 * err; the original file is then untouched and no temporary file is left. */
bool textfile_write(const char *path, const char *data, size_t len, char *err, size_t errlen);
/* The same, atomic but not durable: nothing is fsync()ed.  A program that
 * stops (a crash, a lost terminal) leaves the old file or the new one; an
 * operating system that stops may leave neither.  For files rewritten
 * after every command (the UI's autosave), where syncing megabytes each
 * time would be most of the wait. */
bool textfile_replace(const char *path, const char *data, size_t len, char *err, size_t errlen);

#endif
