/*
 * theme.h - colours and attributes of the terminal UI.
 *
 * Every element of the screen that has a look of its own is listed once,
 * in THEME_ELEMENTS below: its enum id, its name in theme files, the
 * built-in foreground and background, the attributes used with colour,
 * the attributes used without colour (NO_COLOR, a terminal without
 * colours), and what it is.  The built-in default theme, the theme file
 * reader and the colour-pair setup all expand that one list.
 *
 * A theme file is a libconfig file (themes/NAME.cfg):
 *
 *     colors = { title = ["white", "blue"]; selected = ["black", "cyan"]; };
 *     attrs  = { title = ["bold"]; };
 *
 * Colours are names ("default", "black" ... "white", "bright-red" ...,
 * "grey") or numbers 0-255 ("color208" or 208); attributes are bold,
 * reverse, underline, dim, standout, italic, none.  An element a file does
 * not mention keeps the built-in value.  Any error rejects the whole file
 * ("FILE:LINE: message") and the built-in theme is used.
 *
 * Colour numbers the terminal lacks are mapped down: 8-15 to 0-7 in bold,
 * the 256-colour cube and grey ramp to the nearest of the eight.
 *
 * This header does not include curses: attributes are THEME_A_* bits here
 * and curses attributes (an int for attron/attrset) out of theme_attr().
 */
#ifndef NOVALID_THEME_H
#define NOVALID_THEME_H

#include <stdbool.h>

#include "util.h"

enum theme_attr_bits {
    THEME_A_BOLD = 1u << 0,
    THEME_A_REVERSE = 1u << 1,
    THEME_A_UNDERLINE = 1u << 2,
    THEME_A_DIM = 1u << 3,
    THEME_A_STANDOUT = 1u << 4,
    THEME_A_ITALIC = 1u << 5,
};
/* shorthands for the table below */
#define THB THEME_A_BOLD
#define THR THEME_A_REVERSE
#define THU THEME_A_UNDERLINE
#define THD THEME_A_DIM

/* X(id, name, fg, bg, attrs with colour, attrs without colour, what) */
#define THEME_ELEMENTS(X)                                                                      \
    X(TH_NORMAL, "normal", "default", "default", 0, 0, "ordinary text")                        \
    X(TH_TITLE, "title", "white", "blue", THB, THR | THB, "title bar")                         \
    X(TH_PANE_TITLE, "pane_title", "black", "white", 0, THU, "pane heading")                   \
    X(TH_PANE_FOCUS, "pane_focus", "black", "cyan", THB, THR | THB,                            \
      "heading of the focused pane")                                                           \
    X(TH_BORDER, "border", "blue", "default", 0, 0, "lines between panes")                     \
    X(TH_SELECTED, "selected", "black", "cyan", 0, THR, "selected row, focused pane")          \
    X(TH_SELECTED_DIM, "selected_dim", "black", "white", 0, THU,                               \
      "selected row, other panes")                                                             \
    X(TH_MATCH, "match", "black", "yellow", 0, THB | THU, "search match")                      \
    X(TH_DIM, "dim", "default", "default", THD, THD, "secondary text")                         \
    X(TH_OK, "ok", "green", "default", 0, THB, "good: host up, success")                       \
    X(TH_WARN, "warn", "yellow", "default", 0, THU, "caution: host disabled")                  \
    X(TH_ERROR, "error", "red", "default", THB, THB, "bad: host down, failure")                \
    X(TH_BAR_LOW, "bar_low", "green", "default", 0, 0, "capacity bar, < 60% used")             \
    X(TH_BAR_MID, "bar_mid", "yellow", "default", 0, THB, "capacity bar, 60-85% used")         \
    X(TH_BAR_HIGH, "bar_high", "red", "default", THB, THB, "capacity bar, > 85% used")         \
    X(TH_BAR_EMPTY, "bar_empty", "default", "default", THD, THD, "free part of a bar")         \
    X(TH_TRAIL_HEAD, "trail_head", "default", "default", THB, THB,                             \
      "trail: request, placement")                                                             \
    X(TH_TRAIL_FILTER, "trail_filter", "cyan", "default", 0, 0, "trail: filter lines")         \
    X(TH_TRAIL_REJECT, "trail_reject", "yellow", "default", 0, 0,                              \
      "trail: a host rejected")                                                                \
    X(TH_TRAIL_SELECT, "trail_select", "green", "default", THB, THB,                           \
      "trail: host selected, check passed")                                                    \
    X(TH_TRAIL_ERROR, "trail_error", "red", "default", THB, THB,                               \
      "trail: errors, failed checks")                                                          \
    X(TH_TRAIL_QUIRK, "trail_quirk", "magenta", "default", THB, THU,                           \
      "trail: a historic bug acted here")                                                      \
    X(TH_SUMMARY, "summary", "cyan", "default", 0, THB, "one-line decision summary")           \
    X(TH_STATUS, "status", "default", "default", 0, 0, "status line")                          \
    X(TH_STATUS_OK, "status_ok", "green", "default", THB, THB, "status line: success")         \
    X(TH_STATUS_ERROR, "status_error", "white", "red", THB, THR | THB,                         \
      "status line: failure")                                                                  \
    X(TH_FOOTER, "footer", "default", "default", 0, 0, "key hints")                            \
    X(TH_FOOTER_KEY, "footer_key", "black", "cyan", 0, THR, "key in the key hints")            \
    X(TH_DIALOG, "dialog", "white", "blue", 0, 0, "dialogs and the help overlay")              \
    X(TH_DIALOG_SELECTED, "dialog_selected", "black", "cyan", 0, THR,                          \
      "highlighted choice in a dialog")                                                        \
    X(TH_DIALOG_TITLE, "dialog_title", "yellow", "blue", THB, THB, "dialog heading")           \
    X(TH_PROMPT, "prompt", "default", "default", THB, THB, ": and / prompts")

enum theme_elem {
#define X(id, name, fg, bg, a, m, what) id,
    THEME_ELEMENTS(X)
#undef X
    TH_COUNT
};

typedef struct theme_element_desc {
    const char *name;
    const char *fg, *bg;        /* built-in colours */
    unsigned attrs, mono;       /* THEME_A_* */
    const char *what;
} theme_element_desc;
extern const theme_element_desc theme_elements[TH_COUNT];

/* A theme: colours are -1 (terminal default) or 0-255. */
typedef struct theme {
    char *origin;               /* file it came from; NULL: built in */
    short fg[TH_COUNT], bg[TH_COUNT];
    unsigned attrs[TH_COUNT];
} theme;

/* The compiled-in default. */
void theme_builtin(theme *t);
void theme_done(theme *t);

/* Read one theme file into `t`.  On any error `t` is the built-in theme,
 * one "FILE:LINE: message" per problem is appended to `errors`, and the
 * result is false. */
bool theme_load_file(theme *t, const char *path, strlist *errors);

/* Find and read theme `name` (NULL: $NOVALID_THEME, else "default") in
 * $XDG_CONFIG_HOME/novalid/themes (or ~/.config/novalid/themes), then
 * NOVALID_DATADIR/themes; the built-in theme if none is found.  False,
 * with messages in `errors`, if a file was bad or a theme asked for by
 * name does not exist; `t` is usable either way. */
bool theme_load(theme *t, const char *name, strlist *errors);

/* After initscr(): set up colour pairs for `t`, or attributes only when
 * `color` is false.  Returns whether colour is in use. */
bool theme_start(const theme *t, bool color);

/* The curses attributes (pair included) of an element. */
int theme_attr(enum theme_elem e);

/* Parse a colour name; -1 is "default"; -2: not a colour. */
int theme_color(const char *name);

#endif
