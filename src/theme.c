/*
 * theme.c - theme files and colour pairs (see theme.h).
 *
 * Data
 *   theme_elements[] is THEME_ELEMENTS expanded: the built-in look of every
 *   element.  A `theme` holds resolved numbers (colour -1..255, THEME_A_*
 *   bits) per element; current[] holds the curses attributes that
 *   theme_start() computed for the terminal at hand, one colour pair per
 *   element (pair = element + 1).
 *
 * Reading a file
 *   Theme files come from strangers as much as scenarios do.  The text is
 *   read with a size limit, checked for `@include` and NUL bytes, then
 *   parsed from memory by libconfig; every problem is reported with the
 *   file and line, the reader goes on to find the others, and any problem
 *   at all leaves the built-in theme in place.
 */
#include "theme.h"

#include "textfile.h"

#include <curses.h>
#include <libconfig.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef NOVALID_SRCDIR
#define NOVALID_SRCDIR "."
#endif
#define ND 3   /* theme directories searched */
#ifndef NOVALID_DATADIR
#define NOVALID_DATADIR "/usr/local/share/novalid"
#endif

#define THEME_MAX_BYTES (256 * 1024)
#define THEME_MAX_ERRORS 50

const theme_element_desc theme_elements[TH_COUNT] = {
#define X(id, name, fg, bg, a, m, what) [id] = {name, fg, bg, a, m, what},
    THEME_ELEMENTS(X)
#undef X
};

static int current[TH_COUNT];

/* ---- names ------------------------------------------------------------------- */

static const char *const color_names[8] = {"black", "red", "green", "yellow",
                                           "blue", "magenta", "cyan", "white"};

static const struct {
    const char *name;
    unsigned bit;
} attr_names[] = {
    {"bold", THEME_A_BOLD},         {"reverse", THEME_A_REVERSE},
    {"underline", THEME_A_UNDERLINE}, {"dim", THEME_A_DIM},
    {"standout", THEME_A_STANDOUT}, {"italic", THEME_A_ITALIC},
    {"none", 0},                    {"normal", 0},
};

int theme_color(const char *name)
{
    if (!name || !*name)
        return -2;
    if (!strcmp(name, "default"))
        return -1;
    if (!strcmp(name, "grey") || !strcmp(name, "gray"))
        return 8;
    const char *base = name;
    int off = 0;
    if (!strncmp(name, "bright-", 7)) {
        base = name + 7;
        off = 8;
    } else if (!strncmp(name, "bright", 6)) {
        base = name + 6;
        off = 8;
    }
    for (int i = 0; i < 8; i++)
        if (!strcmp(base, color_names[i]))
            return i + off;
    const char *num = !strncmp(name, "color", 5) ? name + 5 : name;
    if (*num < '0' || *num > '9')
        return -2;
    char *end;
    long v = strtol(num, &end, 10);
    if (*end || v < 0 || v > 255)
        return -2;
    return (int)v;
}

static int element_lookup(const char *name)
{
    for (int i = 0; i < TH_COUNT; i++)
        if (!strcmp(theme_elements[i].name, name))
            return i;
    return -1;
}

static const char *element_suggest(const char *name)
{
    const char *best = NULL;
    int bestd = 4;
    for (int i = 0; i < TH_COUNT; i++) {
        int d = nv_levenshtein(name, theme_elements[i].name);
        if (d < bestd) {
            bestd = d;
            best = theme_elements[i].name;
        }
    }
    return best;
}

/* ---- built-in ---------------------------------------------------------------- */

void theme_builtin(theme *t)
{
    free(t->origin);
    memset(t, 0, sizeof *t);
    for (int i = 0; i < TH_COUNT; i++) {
        t->fg[i] = (short)theme_color(theme_elements[i].fg);
        t->bg[i] = (short)theme_color(theme_elements[i].bg);
        t->attrs[i] = theme_elements[i].attrs;
    }
}

void theme_done(theme *t)
{
    free(t->origin);
    t->origin = NULL;
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct reader {
    const char *path;
    strlist *errors;
    int n_errors;
} reader;

static void rerr(reader *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rerr(reader *r, int line, const char *fmt, ...)
{
    if (++r->n_errors > THEME_MAX_ERRORS)
        return;
    sbuf b = {0};
    if (line > 0)
        sbuf_addf(&b, "%s:%d: ", r->path, line);
    else
        sbuf_addf(&b, "%s: ", r->path);
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    if (r->n_errors == THEME_MAX_ERRORS)
        sbuf_add(&b, " (further errors not shown)");
    strlist_push(r->errors, b.s);
    sbuf_free(&b);
}

static int line_of(const config_setting_t *s) { return (int)config_setting_source_line(s); }

/* One colour value of a `colors` entry: a name, "colorN" or an integer. */
static bool read_color(reader *r, const config_setting_t *v, const char *where, short *out)
{
    int type = config_setting_type(v);
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
        long long n = config_setting_get_int64(v);
        if (n < 0 || n > 255) {
            rerr(r, line_of(v), "%s: colour number %lld is not in 0-255", where, n);
            return false;
        }
        *out = (short)n;
        return true;
    }
    if (type != CONFIG_TYPE_STRING) {
        rerr(r, line_of(v), "%s: a colour is a name like \"red\" or a number 0-255", where);
        return false;
    }
    const char *s = config_setting_get_string(v);
    int c = theme_color(s);
    if (c == -2) {
        rerr(r, line_of(v),
             "%s: unknown colour '%s' (default, black, red, green, yellow, blue, magenta, "
             "cyan, white, bright-<colour>, grey, color0-color255)",
             where, s);
        return false;
    }
    *out = (short)c;
    return true;
}

/* The element a theme setting names; -1 (reported) if unknown. */
static int find_element(reader *r, const config_setting_t *e, const char *section)
{
    const char *name = config_setting_name(e);
    int id = element_lookup(name);
    if (id < 0) {
        const char *s = element_suggest(name);
        if (s)
            rerr(r, line_of(e), "%s: unknown element '%s' (did you mean '%s'?)", section, name, s);
        else
            rerr(r, line_of(e), "%s: unknown element '%s'", section, name);
    }
    return id;
}

static void read_colors(reader *r, const config_setting_t *g, theme *t)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        rerr(r, line_of(g), "colors: expected a group { element = [\"fg\", \"bg\"]; ... }");
        return;
    }
    for (int i = 0, n = config_setting_length(g); i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        int id = find_element(r, e, "colors");
        if (id < 0)
            continue;
        char where[96];
        snprintf(where, sizeof where, "colors.%s", name);
        int type = config_setting_type(e);
        if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST) {
            rerr(r, line_of(e), "%s: expected [\"foreground\", \"background\"]", where);
            continue;
        }
        int len = config_setting_length(e);
        if (len < 1 || len > 2) {
            rerr(r, line_of(e), "%s: expected [\"foreground\", \"background\"], got %d value(s)",
                 where, len);
            continue;
        }
        short fg = t->fg[id], bg = t->bg[id];
        bool ok = read_color(r, config_setting_get_elem(e, 0), where, &fg);
        if (len == 2)
            ok = read_color(r, config_setting_get_elem(e, 1), where, &bg) && ok;
        if (ok) {
            t->fg[id] = fg;
            t->bg[id] = bg;
        }
    }
}

static bool read_attr_name(reader *r, const config_setting_t *v, const char *where,
                           unsigned *bits)
{
    if (config_setting_type(v) != CONFIG_TYPE_STRING) {
        rerr(r, line_of(v), "%s: an attribute is a string like \"bold\"", where);
        return false;
    }
    const char *s = config_setting_get_string(v);
    for (size_t k = 0; k < sizeof attr_names / sizeof attr_names[0]; k++)
        if (!strcmp(s, attr_names[k].name)) {
            *bits |= attr_names[k].bit;
            return true;
        }
    rerr(r, line_of(v),
         "%s: unknown attribute '%s' (bold, reverse, underline, dim, standout, italic, none)",
         where, s);
    return false;
}

static void read_attrs(reader *r, const config_setting_t *g, theme *t)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        rerr(r, line_of(g), "attrs: expected a group { element = [\"bold\"]; ... }");
        return;
    }
    for (int i = 0, n = config_setting_length(g); i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        int id = find_element(r, e, "attrs");
        if (id < 0)
            continue;
        char where[96];
        snprintf(where, sizeof where, "attrs.%s", name);
        unsigned bits = 0;
        bool ok = true;
        int type = config_setting_type(e);
        if (type == CONFIG_TYPE_STRING) {
            ok = read_attr_name(r, e, where, &bits);
        } else if (type == CONFIG_TYPE_ARRAY || type == CONFIG_TYPE_LIST) {
            for (int k = 0, m = config_setting_length(e); k < m; k++)
                ok = read_attr_name(r, config_setting_get_elem(e, (unsigned)k), where, &bits) &&
                     ok;
        } else {
            rerr(r, line_of(e), "%s: expected [\"bold\", ...]", where);
            ok = false;
        }
        if (ok)
            t->attrs[id] = bits;
    }
}

static char *slurp(reader *r, size_t *len)
{
    char err[256];
    char *text = textfile_read(r->path, THEME_MAX_BYTES, len, err, sizeof err);
    if (!text)
        rerr(r, 0, "%s", err);
    return text;
}

static void prescan_report(void *ctx, int line, enum textfile_problem what, const char *detail)
{
    if (what == TEXTFILE_INCLUDE)
        rerr(ctx, line, "@include is not allowed in a theme");
    else if (what == TEXTFILE_INT_RANGE)
        rerr(ctx, line, "integer %s does not fit in 64 bits", detail);
    else if (what == TEXTFILE_GROUP_SIZE)
        rerr(ctx, line, "more than %d settings in one group", TEXTFILE_MAX_SETTINGS);
    else
        rerr(ctx, line, "NUL byte in the file (not a text file?)");
}

/* Lines libconfig would act on but a theme must not have. */
static bool prescan(reader *r, const char *text, size_t len)
{
    return textfile_scan(text, len, prescan_report, r);
}

bool theme_load_file(theme *t, const char *path, strlist *errors)
{
    reader r = {path, errors, 0};
    theme_builtin(t);
    size_t len = 0;
    char *text = slurp(&r, &len);
    if (!text)
        return false;
    bool widen = prescan(&r, text, len);
    if (r.n_errors) {
        free(text);
        return false;
    }
    config_t cf;
    config_init(&cf);
    char *wide = widen ? textfile_widen(text, len) : NULL;
    int parsed = config_read_string(&cf, wide ? wide : text);
    free(wide);
    if (parsed != CONFIG_TRUE) {
        const char *msg = config_error_text(&cf);
        rerr(&r, config_error_line(&cf), "%s", msg ? msg : "syntax error");
        config_destroy(&cf);
        free(text);
        return false;
    }
    free(text);
    theme nt = {0};
    theme_builtin(&nt);
    const config_setting_t *root = config_root_setting(&cf);
    for (int i = 0, n = config_setting_length(root); i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!strcmp(name, "colors")) {
            read_colors(&r, s, &nt);
        } else if (!strcmp(name, "attrs")) {
            read_attrs(&r, s, &nt);
        } else if (!strcmp(name, "name") || !strcmp(name, "description")) {
            if (config_setting_type(s) != CONFIG_TYPE_STRING)
                rerr(&r, line_of(s), "%s: expected a string", name);
        } else {
            const char *keys[] = {"colors", "attrs", "name", "description"};
            const char *best = NULL;
            int bestd = 3;
            for (int k = 0; k < 4; k++) {
                int d = nv_levenshtein(name, keys[k]);
                if (d < bestd) {
                    bestd = d;
                    best = keys[k];
                }
            }
            if (best)
                rerr(&r, line_of(s), "unknown key '%s' (did you mean '%s'?)", name, best);
            else
                rerr(&r, line_of(s), "unknown key '%s' (colors, attrs, name, description)", name);
        }
    }
    config_destroy(&cf);
    if (r.n_errors)
        return false;
    *t = nt;
    t->origin = nv_strdup(path);
    return true;
}

/* ---- finding ----------------------------------------------------------------- */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 64 || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool theme_load(theme *t, const char *name, strlist *errors)
{
    theme_builtin(t);
    bool asked = true;
    if (!name) {
        name = getenv("NOVALID_THEME");
        if (!name || !*name) {
            name = "default";
            asked = false;
        }
    }
    if (!valid_name(name)) {
        sbuf b = {0};
        sbuf_addf(&b, "NOVALID_THEME: '%s' is not a theme name (letters, digits, '.', '_', '-')",
                  name);
        strlist_push(errors, b.s);
        sbuf_free(&b);
        return false;
    }
    /* the user's, the installed ones, then the source tree's (so a build
     * that is not installed finds the themes it ships) */
    char *dirs[ND] = {NULL, NULL, NULL};
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        dirs[0] = nv_printf("%s/novalid/themes", xdg);
    else if (home && home[0] == '/')
        dirs[0] = nv_printf("%s/.config/novalid/themes", home);
    dirs[1] = nv_strdup(NOVALID_DATADIR "/themes");
    dirs[2] = nv_strdup(NOVALID_SRCDIR "/themes");
    bool ok = true, found = false;
    for (int i = 0; i < ND && !found; i++) {
        if (!dirs[i])
            continue;
        char *path = nv_printf("%s/%s.cfg", dirs[i], name);
        if (is_file(path)) {
            found = true;
            ok = theme_load_file(t, path, errors);
        }
        free(path);
    }
    if (!found && asked) {
        sbuf b = {0};
        sbuf_addf(&b, "theme '%s' not found (looked in", name);
        for (int i = 0; i < ND; i++)
            if (dirs[i])
                sbuf_addf(&b, " %s", dirs[i]);
        sbuf_add(&b, "); using the built-in theme");
        strlist_push(errors, b.s);
        sbuf_free(&b);
        ok = false;
    }
    for (int i = 0; i < ND; i++)
        free(dirs[i]);
    return ok;
}

/* ---- curses ------------------------------------------------------------------ */

static int curses_attrs(unsigned bits)
{
    int a = A_NORMAL;
    if (bits & THEME_A_BOLD)
        a |= A_BOLD;
    if (bits & THEME_A_REVERSE)
        a |= A_REVERSE;
    if (bits & THEME_A_UNDERLINE)
        a |= A_UNDERLINE;
    if (bits & THEME_A_DIM)
        a |= A_DIM;
    if (bits & THEME_A_STANDOUT)
        a |= A_STANDOUT;
#ifdef A_ITALIC
    if (bits & THEME_A_ITALIC)
        a |= A_ITALIC;
#endif
    return a;
}

/* A colour the terminal has: 8-15 become 0-7 (in bold for a foreground),
 * the 6x6x6 cube and the grey ramp the nearest of the basic eight. */
static short fit_color(int c, bool *bold)
{
    if (c < 0 || c < COLORS)
        return (short)c;
    if (c < 16) {
        *bold = true;
        return (short)(c - 8);
    }
    if (c >= 232) {
        int level = c - 232;   /* 0..23, dark to light */
        if (level >= 18)
            *bold = true;
        if (level >= 12)
            return COLOR_WHITE;
        if (level >= 6)
            *bold = true;
        return COLOR_BLACK;
    }
    int v = c - 16, r = v / 36, g = (v / 6) % 6, b = v % 6;
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    if (mx == 0)
        return COLOR_BLACK;
    int cut = mx > 2 ? mx - 1 : mx;
    short out = (short)((r >= cut ? COLOR_RED : 0) | (g >= cut ? COLOR_GREEN : 0) |
                        (b >= cut ? COLOR_BLUE : 0));
    if (mx >= 4)
        *bold = true;
    return out;
}

bool theme_start(const theme *t, bool color)
{
    if (color && (!has_colors() || start_color() == ERR || COLOR_PAIRS <= TH_COUNT))
        color = false;
    if (!color) {
        for (int i = 0; i < TH_COUNT; i++)
            current[i] = curses_attrs(theme_elements[i].mono | t->attrs[i]);
        return false;
    }
    bool defaults = use_default_colors() == OK;
    for (int i = 0; i < TH_COUNT; i++) {
        bool bold = false;
        short fg = fit_color(t->fg[i], &bold);
        bool ignored = false;
        short bg = fit_color(t->bg[i], &ignored);
        if (!defaults) {
            if (fg < 0)
                fg = COLOR_WHITE;
            if (bg < 0)
                bg = COLOR_BLACK;
        }
        init_pair((short)(i + 1), fg, bg);
        current[i] = (int)COLOR_PAIR(i + 1) | curses_attrs(t->attrs[i]) | (bold ? A_BOLD : 0);
    }
    return true;
}

int theme_attr(enum theme_elem e) { return current[e]; }
