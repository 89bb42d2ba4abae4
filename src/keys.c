/*
 * keys.c - the key table (see keys.h).
 *
 * Order matters twice: keys_lookup() takes the first entry that matches a
 * key and context, and the help overlay and footer list entries in table
 * order, merging neighbours with the same action and context mask.  Keys
 * follow the habits of htop, tig and k9s: ? help, q quit, / n N search,
 * arrows and hjkl, Tab between panes, Enter to act, Esc to cancel, ^L
 * redraw, : command prompt.
 */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

const char *const keys_action_names[ACT_COUNT] = {
#define X(e, s) s,
    KEYS_ACTIONS(X)
#undef X
};

#define CTRL(c) ((c) & 0x1f)
#define ESC 27
#define SCROLLS (KEYS_PANES | KEYS_DIALOG | KEYS_QUIRKS | KEYS_HELP | KEYS_VIEW)

const key_binding keys_table[] = {
    /* everywhere in the main screen */
    {'?', "?", ACT_HELP, KEYS_PANES, "show this help", "help"},
    {KEY_F(1), "F1", ACT_HELP, KEYS_PANES, "show this help", NULL},
    {'q', "q", ACT_QUIT, KEYS_PANES, "quit (asks first with unsaved commands)", "quit"},
    {'\t', "Tab", ACT_NEXT_PANE, KEYS_PANES, "focus the next pane", "pane"},
    {KEY_BTAB, "S-Tab", ACT_PREV_PANE, KEYS_PANES, "focus the previous pane", NULL},
    {KEY_UP, "Up", ACT_UP, SCROLLS, "move up / scroll up", NULL},
    {'k', "k", ACT_UP, SCROLLS, "move up / scroll up", NULL},
    {KEY_DOWN, "Down", ACT_DOWN, SCROLLS, "move down / scroll down", NULL},
    {'j', "j", ACT_DOWN, SCROLLS, "move down / scroll down", NULL},
    {KEY_LEFT, "Left", ACT_PREV_PANE, KEYS_LISTS, "focus the pane on the left", NULL},
    {'h', "h", ACT_PREV_PANE, KEYS_LISTS, "focus the pane on the left", NULL},
    {KEY_RIGHT, "Right", ACT_NEXT_PANE, KEYS_LISTS, "focus the pane on the right", NULL},
    {'l', "l", ACT_NEXT_PANE, KEYS_LISTS, "focus the pane on the right", NULL},
    {KEY_LEFT, "Left", ACT_LEFT, KEYS_TRAIL, "scroll the trail left", NULL},
    {'h', "h", ACT_LEFT, KEYS_TRAIL, "scroll the trail left", NULL},
    {KEY_RIGHT, "Right", ACT_RIGHT, KEYS_TRAIL, "scroll the trail right", NULL},
    {'l', "l", ACT_RIGHT, KEYS_TRAIL, "scroll the trail right", NULL},
    {KEY_PPAGE, "PgUp", ACT_PAGE_UP, SCROLLS, "one page up", NULL},
    {KEY_NPAGE, "PgDn", ACT_PAGE_DOWN, SCROLLS, "one page down", NULL},
    {KEY_HOME, "Home", ACT_HOME, SCROLLS, "first line", NULL},
    {'g', "g", ACT_HOME, SCROLLS, "first line", NULL},
    {KEY_END, "End", ACT_END, SCROLLS, "last line", NULL},
    {'G', "G", ACT_END, SCROLLS, "last line", NULL},

    /* actions on the selected server */
    {'m', "m", ACT_LIVE_MIGRATE, KEYS_SERVERS,
     "live-migrate the selected server (pick auto or a host; f forces)", "live-migrate"},
    {'M', "M", ACT_MIGRATE, KEYS_SERVERS, "cold-migrate the selected server", "migrate"},
    {'e', "e", ACT_EVACUATE, KEYS_SERVERS,
     "evacuate the selected server (its host must be down)", "evacuate"},

    /* forms of the commands that build the cloud (hosts and servers panes) */
    {'a', "a", ACT_FORM_HOST, KEYS_HOSTS | KEYS_SERVERS,
     "add a host (a form of host-add's arguments)", NULL},
    {'b', "b", ACT_FORM_BOOT, KEYS_HOSTS | KEYS_SERVERS,
     "boot servers (a form of boot's arguments)", NULL},
    {'c', "c", ACT_FORM_GROUP, KEYS_HOSTS | KEYS_SERVERS, "create a server group (a form)",
     NULL},
    /* actions on the selected host */
    {'d', "d", ACT_HOST_DOWN, KEYS_HOSTS, "take the selected host down / bring it up",
     "down/up"},
    {'x', "x", ACT_HOST_DISABLE, KEYS_HOSTS, "disable / enable the selected host's service",
     "disable"},
    {'w', "w", ACT_WHY_NOT, KEYS_HOSTS,
     "why not this host? (its fate in the last decision, what would make it fit)", "why-not"},
    {'o', "o", ACT_HOST_SORT, KEYS_HOSTS,
     "sort the hosts: scenario order, free RAM, free vCPU, free disk, servers, name", "sort"},
    {'F', "F", ACT_HOST_FILTER, KEYS_HOSTS,
     "filter: show only one availability zone, then one aggregate, then all hosts again",
     "filter"},

    /* describe, history, past decisions */
    {'\n', "Enter", ACT_DESCRIBE, KEYS_HOSTS | KEYS_SERVERS,
     "describe the selected server (RequestSpec, allocations, migrations) or host (inventory, "
     "traits, aggregates)", "describe"},
    {'\r', "Enter", ACT_DESCRIBE, KEYS_HOSTS | KEYS_SERVERS, "describe the selected server or host",
     NULL},
    {KEY_ENTER, "Enter", ACT_DESCRIBE, KEYS_HOSTS | KEYS_SERVERS,
     "describe the selected server or host", NULL},
    {'\n', "Enter", ACT_OPEN_DECISION, KEYS_MIGRATIONS,
     "open the decision of the command that made the selected migration", "decision"},
    {'\r', "Enter", ACT_OPEN_DECISION, KEYS_MIGRATIONS,
     "open the decision of the command that made the selected migration", NULL},
    {KEY_ENTER, "Enter", ACT_OPEN_DECISION, KEYS_MIGRATIONS,
     "open the decision of the command that made the selected migration", NULL},
    {'W', "W", ACT_WHAT_IF, KEYS_SERVERS | KEYS_HOSTS,
     "what if: where could the selected server go (servers pane), or could it go to this "
     "host (hosts pane), and what would make each host fit; a dry run", "what-if"},
    {'D', "D", ACT_DRAIN, KEYS_HOSTS,
     "drain plan: could every server of this host be live-migrated away? (a dry run; "
     "Esc stops a long one)", "drain"},
    {'H', "H", ACT_HISTORY, KEYS_PANES, "history: every command, its outcome and decision", "history"},
    {'[', "[", ACT_PREV_DECISION, KEYS_TRAIL | KEYS_MIGRATIONS,
     "show the previous command's decision in the trail pane and the matrix", NULL},
    {']', "]", ACT_NEXT_DECISION, KEYS_TRAIL | KEYS_MIGRATIONS,
     "show the next command's decision (back to the last one)", NULL},

    /* the trail pane: log lines or the explain matrix */
    {'v', "v", ACT_TRAIL_VIEW, KEYS_PANES,
     "trail pane: Nova's log lines / the hosts x filters matrix of the decision", "matrix"},
    {'z', "z", ACT_ZOOM, KEYS_PANES,
     "zoom: the trail pane takes the whole screen (z again: all panes)", "zoom"},
    {'\n', "Enter", ACT_WHY_NOT, KEYS_TRAIL,
     "why not the highlighted host? (matrix view)", "why-not"},
    {'\r', "Enter", ACT_WHY_NOT, KEYS_TRAIL, "why not the highlighted host? (matrix view)", NULL},
    {KEY_ENTER, "Enter", ACT_WHY_NOT, KEYS_TRAIL, "why not the highlighted host? (matrix view)",
     NULL},
    {'w', "w", ACT_WHY_NOT, KEYS_TRAIL, "why not the highlighted host? (matrix view)", NULL},

    /* session */
    {'u', "u", ACT_UNDO, KEYS_PANES,
     "undo the last command (what it changed is put back) or quirk switch (replayed)", "undo"},
    {'U', "U", ACT_REDO, KEYS_PANES, "redo what u undid", "redo"},
    {CTRL('r'), "^R", ACT_REDO, KEYS_PANES, "redo what u undid", NULL},
    {'.', ".", ACT_STEP, KEYS_PANES,
     "run the next scripted step of the scenario and check its expectations", "step"},
    {'Q', "Q", ACT_QUIRKS, KEYS_PANES, "quirks: switch historic Nova bugs on or off", "quirks"},
    {':', ":", ACT_PROMPT, KEYS_PANES, "command prompt, e.g. :live-migrate web-1 host3", "cmd"},
    {'s', "s", ACT_SAVE, KEYS_PANES,
     "save the start state and the commands performed as a scenario", "save"},
    {'/', "/", ACT_SEARCH, KEYS_PANES, "search server and host names and the trail's lines", "search"},
    {'n', "n", ACT_SEARCH_NEXT, KEYS_PANES, "next search match", NULL},
    {'N', "N", ACT_SEARCH_PREV, KEYS_PANES, "previous search match", NULL},
    {CTRL('l'), "^L", ACT_REDRAW, KEYS_PANES | KEYS_OVERLAYS | KEYS_PROMPT, "redraw the screen",
     NULL},

    /* move dialog */
    {'\n', "Enter", ACT_PICK, KEYS_DIALOG, "move to the highlighted choice", "go"},
    {'\r', "Enter", ACT_PICK, KEYS_DIALOG, "move to the highlighted choice", NULL},
    {KEY_ENTER, "Enter", ACT_PICK, KEYS_DIALOG, "move to the highlighted choice", NULL},
    {'f', "f", ACT_FORCE, KEYS_DIALOG,
     "toggle force: skip the scheduler (needs a host; live-migrate, evacuate)", "force"},
    {ESC, "Esc", ACT_CLOSE, KEYS_DIALOG, "cancel", "cancel"},

    /* quirk list */
    {' ', "Space", ACT_TOGGLE, KEYS_QUIRKS,
     "switch the highlighted quirk on/off (replays the commands)", "toggle"},
    {'\n', "Enter", ACT_CLOSE, KEYS_QUIRKS, "close the quirk list", "close"},
    {'\r', "Enter", ACT_CLOSE, KEYS_QUIRKS, "close the quirk list", NULL},
    {KEY_ENTER, "Enter", ACT_CLOSE, KEYS_QUIRKS, "close the quirk list", NULL},
    {ESC, "Esc", ACT_CLOSE, KEYS_QUIRKS, "close the quirk list", NULL},
    {'Q', "Q", ACT_CLOSE, KEYS_QUIRKS, "close the quirk list", NULL},

    /* prompt line (other keys are typed in) */
    {'\n', "Enter", ACT_PICK, KEYS_PROMPT, "run the command / search / save", "run"},
    {'\r', "Enter", ACT_PICK, KEYS_PROMPT, "run the command / search / save", NULL},
    {KEY_ENTER, "Enter", ACT_PICK, KEYS_PROMPT, "run the command / search / save", NULL},
    {ESC, "Esc", ACT_CLOSE, KEYS_PROMPT, "cancel", "cancel"},
    {KEY_UP, "Up", ACT_UP, KEYS_PROMPT, "previous command line", "history"},
    {KEY_DOWN, "Down", ACT_DOWN, KEYS_PROMPT, "next command line", NULL},
    {KEY_BACKSPACE, "BS", ACT_BACKSPACE, KEYS_PROMPT, "delete the last character", NULL},
    {127, "BS", ACT_BACKSPACE, KEYS_PROMPT, "delete the last character", NULL},
    {CTRL('h'), "BS", ACT_BACKSPACE, KEYS_PROMPT, "delete the last character", NULL},
    {CTRL('u'), "^U", ACT_KILL_LINE, KEYS_PROMPT, "delete to the start of the line", "clear"},
    {'\t', "Tab", ACT_COMPLETE, KEYS_PROMPT,
     "complete the command, argument key or name (twice: list them)", "complete"},
    {KEY_LEFT, "Left", ACT_LEFT, KEYS_PROMPT, "cursor left", NULL},
    {KEY_RIGHT, "Right", ACT_RIGHT, KEYS_PROMPT, "cursor right", NULL},
    {KEY_HOME, "Home", ACT_LINE_START, KEYS_PROMPT, "start of the line", NULL},
    {CTRL('a'), "^A", ACT_LINE_START, KEYS_PROMPT, "start of the line", NULL},
    {KEY_END, "End", ACT_LINE_END, KEYS_PROMPT, "end of the line", NULL},
    {CTRL('e'), "^E", ACT_LINE_END, KEYS_PROMPT, "end of the line", NULL},
    {CTRL('k'), "^K", ACT_KILL_EOL, KEYS_PROMPT, "delete to the end of the line", NULL},
    {CTRL('w'), "^W", ACT_KILL_WORD, KEYS_PROMPT, "delete the word before the cursor", NULL},
    {KEY_DC, "Del", ACT_DELETE_CHAR, KEYS_PROMPT, "delete the character under the cursor", NULL},
    {CTRL('d'), "^D", ACT_DELETE_CHAR, KEYS_PROMPT, "delete the character under the cursor",
     NULL},

    /* describe view and history list */
    {'\n', "Enter", ACT_PICK, KEYS_VIEW, "history: open the highlighted command's decision; "
     "describe: close", "open"},
    {'\r', "Enter", ACT_PICK, KEYS_VIEW, "open / close", NULL},
    {KEY_ENTER, "Enter", ACT_PICK, KEYS_VIEW, "open / close", NULL},
    {ESC, "Esc", ACT_CLOSE, KEYS_VIEW, "close", "close"},
    {'q', "q", ACT_CLOSE, KEYS_VIEW, "close", NULL},
    {'H', "H", ACT_CLOSE, KEYS_VIEW, "close", NULL},

    /* help overlay */
    {ESC, "Esc", ACT_CLOSE, KEYS_HELP, "close the help", "close"},
    {'q', "q", ACT_CLOSE, KEYS_HELP, "close the help", NULL},
    {'?', "?", ACT_CLOSE, KEYS_HELP, "close the help", NULL},
    {KEY_F(1), "F1", ACT_CLOSE, KEYS_HELP, "close the help", NULL},
};
const int keys_count = (int)(sizeof keys_table / sizeof keys_table[0]);

enum keys_action keys_lookup(int key, unsigned ctx)
{
    for (int i = 0; i < keys_count; i++)
        if (keys_table[i].key == key && (keys_table[i].where & ctx))
            return keys_table[i].action;
    return ACT_NONE;
}

void keys_labels(enum keys_action action, unsigned ctx, char *out, int outlen)
{
    int len = 0;
    if (outlen <= 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < keys_count; i++) {
        const key_binding *k = &keys_table[i];
        if (k->action != action || !(k->where & ctx))
            continue;
        /* the same label twice (Enter is three key codes) shows once */
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = keys_table[j].action == action && (keys_table[j].where & ctx) &&
                   !strcmp(keys_table[j].label, k->label);
        if (seen)
            continue;
        int w = snprintf(out + len, (size_t)(outlen - len), "%s%s", len ? "/" : "", k->label);
        if (w < 0 || w >= outlen - len)
            break;
        len += w;
    }
}
