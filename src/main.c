/*
 * main.c - command line: `novalid [FILE]`, `tui`, `run`, `check`,
 * `validate`, --help, --version, and --complete for the shell completion.
 */
#include <stdio.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "conductor.h"
#include "keys.h"
#include "run.h"
#include "scheduler.h"
#include "tui.h"

extern const char novalid_demo_scenario[];

static int cmd_tui(int argc, char **argv);

/* What an option's value is, for the shell completion. */
enum opt_value { OPTV_NONE, OPTV_FORMAT, OPTV_NUMBER, OPTV_RELEASE, OPTV_QUIRK, OPTV_FILE };
typedef struct cli_option {
    const char *name;
    enum opt_value value;
} cli_option;

/* The commands: dispatch, the usage lines and the shell completion
 * (novalid --complete) all read this table. */
typedef struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *operands;        /* after "novalid NAME "; the options follow */
    const char *summary;
    const char *operand;         /* "file": scenario files; "path": files and directories */
    int last_format;             /* the last run_format --format takes, -1 none */
    cli_option options[4];
} cli_command;

static const cli_command cli_commands[] = {
    {"tui", cmd_tui, "[FILE]", "the terminal UI (the same as novalid [FILE])", "file", -1, {{0}}},
    {"run", cmd_run, "FILE",
     "replay a scenario headless: trail, expectations\n"
     "                                         (--record: OUT is FILE expecting what happened)",
     "file",
     FORMAT_RUN_LAST,
     {{"--format", OPTV_FORMAT}, {"--seed", OPTV_NUMBER}, {"--record", OPTV_FILE}, {0}}},
    {"check", cmd_check, "PATH...", "run many scenarios: a line each, or JSON, TAP, JUnit XML",
     "path", FORMAT_COUNT - 1, {{"--format", OPTV_FORMAT}, {0}}},
    {"validate", cmd_validate, "FILE...", "load only, report every error", "file", -1, {{0}}},
    {"diff", cmd_diff, "A.cfg [B.cfg]",
     "replay both and show, step by step, what changed\n"
     "                                         (exit 0 same, 1 differ, 2 trouble)",
     "file", -1, {{"--release", OPTV_RELEASE}, {"--quirk", OPTV_QUIRK}, {0}}},
    {"bench", cmd_bench, "FILE",
     "time loading (against libconfig's parse), copying, each step,\n"
     "                                         its text and undo: medians, one `key value` per line",
     "file", -1, {{"--runs", OPTV_NUMBER}, {"--cpu", OPTV_NONE}, {0}}},
};
#define N_COMMANDS ((int)(sizeof cli_commands / sizeof cli_commands[0]))

static const cli_command *find_command(const char *name)
{
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(cli_commands[i].name, name))
            return &cli_commands[i];
    return NULL;
}

/*
 * novalid --complete WHAT [COMMAND [OPTION]]: the words the bash and zsh
 * completion scripts offer, one per line, read from the tables above and
 * from the release and quirk tables:
 *   commands            the commands, --help, --version
 *   options COMMAND     its options
 *   values COMMAND OPT  the values OPT takes (formats, releases, quirks; none
 *                       for a number); exit status 1 if OPT takes no value
 *   operand COMMAND     "file" or "path" (what its arguments are), or nothing
 *   releases | quirks | formats
 */
static void list_values(enum opt_value v, int last_format)
{
    switch (v) {
    case OPTV_FORMAT:
        for (int f = 0; f <= last_format; f++)
            printf("%s\n", run_format_names[f]);
        break;
    case OPTV_RELEASE:
        for (int r = REL_FIRST; r <= REL_LATEST; r++)
            printf("%s\n", release_name(r));
        break;
    case OPTV_QUIRK:
        for (int q = 0; q < Q_COUNT; q++)
            printf("%s\n!%s\n", quirk_table[q].name, quirk_table[q].name);
        break;
    default:
        break;
    }
}

static int complete(int argc, char **argv)
{
    const char *what = argc > 0 ? argv[0] : "";
    const cli_command *c = argc > 1 ? find_command(argv[1]) : NULL;
    if (!strcmp(what, "commands")) {
        for (int i = 0; i < N_COMMANDS; i++)
            printf("%s\n", cli_commands[i].name);
        printf("--empty\n--help\n--version\n");
    } else if (!strcmp(what, "options") && c) {
        for (int i = 0; c->options[i].name; i++)
            printf("%s\n", c->options[i].name);
    } else if (!strcmp(what, "values") && c && argc > 2) {
        /* exit status 1: complete as an operand (a flag, an unknown option,
         * or one whose value is a file) */
        for (int i = 0; c->options[i].name; i++)
            if (!strcmp(c->options[i].name, argv[2]) && c->options[i].value != OPTV_NONE &&
                c->options[i].value != OPTV_FILE) {
                list_values(c->options[i].value, c->last_format);
                return 0;
            }
        return 1;
    } else if (!strcmp(what, "operand") && c) {
        printf("%s\n", c->operand);
    } else if (!strcmp(what, "releases")) {
        list_values(OPTV_RELEASE, 0);
    } else if (!strcmp(what, "quirks")) {
        list_values(OPTV_QUIRK, 0);
    } else if (!strcmp(what, "formats")) {
        list_values(OPTV_FORMAT, FORMAT_COUNT - 1);
    } else {
        fprintf(stderr, "novalid --complete: commands, options CMD, values CMD OPT, operand CMD, "
                        "releases, quirks or formats\n");
        return 2;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: novalid [FILE]                    open the terminal UI (built-in demo "
               "without FILE)\n");
    for (int i = 0; i < N_COMMANDS; i++) {
        const cli_command *c = &cli_commands[i];
        int w = fprintf(f, "       novalid %s %s", c->name, c->operands);
        for (int o = 0; c->options[o].name; o++) {
            w += fprintf(f, " [%s", c->options[o].name);
            for (int v = 0; c->options[o].value == OPTV_FORMAT && v <= c->last_format; v++)
                w += fprintf(f, "%c%s", v ? '|' : ' ', run_format_names[v]);
            w += fprintf(f, "%s]", c->options[o].value == OPTV_NUMBER    ? " N"
                                   : c->options[o].value == OPTV_FILE    ? " OUT"
                                   : c->options[o].value == OPTV_RELEASE ? " RELEASE"
                                   : c->options[o].value == OPTV_QUIRK   ? " QUIRK"
                                                                         : "");
        }
        if (w < 41)
            fprintf(f, "%*s%s\n", 41 - w, "", c->summary);
        else
            fprintf(f, "\n%41s%s\n", "", c->summary);
    }
    fprintf(f,
            "       novalid --empty                   the UI on an empty cloud, to build with commands\n"
            "       novalid --help | --version\n"
            "\n"
            "novalid simulates OpenStack Nova's scheduler and conductor: place servers on\n"
            "simulated hosts, live-migrate, migrate, resize, evacuate, take hosts down, and\n"
            "see why Nova picks a host or raises NoValidHost.\n"
            "\n"
            "Exit status of run/check/validate: 0 all expectations hold, 1 some failed\n"
            "or a scenario has none (run and check alike), 2 invalid file or command\n"
            "line, 3 out of memory.  NO_COLOR disables colour in the UI.\n"
            "\n"
            "Scenario steps and : prompt commands:\n");
    for (int i = 0; i < OP_COUNT; i++) {
        sbuf u = {0};
        command_usage(i, &u);
        fprintf(f, "  %-17s %s\n      %s\n", op_names[i], op_help[i], u.s);
        sbuf_free(&u);
    }
    fprintf(f, "\nHost filters (enabled_filters):\n");
    for (int i = 0; i < filter_count; i++) {
        const filter_desc *d = &filter_table[i];
        fprintf(f, "  %-35s %s", d->name, d->summary);
        if (d->first != REL_FIRST || d->last != REL_LATEST)
            fprintf(f, " [%s..%s]", release_name(d->first), release_name(d->last));
        fprintf(f, "\n");
    }
    fprintf(f, "\nWeighers (weight_classes):\n");
    for (int i = 0; i < weigher_count; i++) {
        const weigher_desc *d = &weigher_table[i];
        fprintf(f, "  %-35s %s", d->name, d->summary);
        if (d->first != REL_FIRST || d->last != REL_LATEST)
            fprintf(f, " [%s..%s]", release_name(d->first), release_name(d->last));
        fprintf(f, "\n");
    }
    fprintf(f, "\nQuirks (historic Nova bugs; quirks = [\"bug-N\"] or [\"!bug-N\"]):\n");
    for (int q = 0; q < Q_COUNT; q++)
        fprintf(f, "  %-13s %s..%s: %s\n", quirk_table[q].name, release_name(quirk_table[q].first),
                release_name(quirk_table[q].last), quirk_table[q].summary);
    fprintf(f, "\nKeys in the UI (? shows them on screen):\n");
    for (int i = 0; i < keys_count; i++) {
        const key_binding *k = &keys_table[i];
        if (!(k->where & (KEYS_PANES | KEYS_DIALOG | KEYS_QUIRKS)))
            continue;
        /* one line per action and context (the first entry's help): every
         * key once */
        bool shown = false;
        for (int j = 0; j < i && !shown; j++)
            shown = keys_table[j].action == k->action && keys_table[j].where == k->where;
        if (shown)
            continue;
        char labels[64] = "";
        for (int j = i; j < keys_count; j++) {
            const key_binding *o = &keys_table[j];
            if (o->action != k->action || o->where != k->where)
                continue;
            bool dup = false;   /* Enter is three key codes with one label */
            for (int m = i; m < j && !dup; m++)
                dup = keys_table[m].action == k->action && keys_table[m].where == k->where &&
                      !strcmp(keys_table[m].label, o->label);
            if (dup)
                continue;
            size_t l = strlen(labels);
            snprintf(labels + l, sizeof labels - l, "%s%s", l ? "/" : "", o->label);
        }
        /* where it works, unless everywhere: "[hosts, servers]", "[move dialog]" */
        char where[64] = "";
        static const struct {
            unsigned bit;
            const char *name;
        } ctx_names[] = {{KEYS_HOSTS, "hosts"},         {KEYS_SERVERS, "servers"},
                         {KEYS_MIGRATIONS, "migrations"}, {KEYS_TRAIL, "trail"},
                         {KEYS_DIALOG, "move dialog"},  {KEYS_QUIRKS, "quirk list"}};
        if ((k->where & KEYS_PANES) != KEYS_PANES)
            for (size_t c = 0; c < sizeof ctx_names / sizeof ctx_names[0]; c++)
                if (k->where & ctx_names[c].bit)
                    snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s",
                             where[0] ? ", " : " [", ctx_names[c].name);
        if (where[0])
            snprintf(where + strlen(where), sizeof where - strlen(where), "]");
        fprintf(f, "  %-15s %s%s\n", labels, k->help, where);
    }
    fprintf(f, "\nReleases: ");
    for (int r = REL_FIRST; r <= REL_LATEST; r++)
        fprintf(f, "%s%s", release_name(r), r < REL_LATEST ? ", " : "\n");
    fprintf(f, "\nSee novalid(1) and the scenario format in docs/scenario-format.md.\n");
}

/* The start of `novalid --empty`: no hosts, no flavors, the default image. */
static const char empty_scenario[] = "name = \"empty cloud\";\n";

/* Loading a large file before the UI starts: after a quarter of a second,
 * how far it is, on one line of the terminal (Ctrl-C stops it; nothing
 * has started yet). */
typedef struct load_line {
    const char *file;
    double start, last;
    bool shown;
} load_line;

static bool load_line_show(void *arg, const char *phase, long long done, long long total)
{
    load_line *l = arg;
    double now = nv_seconds();
    if (now - l->start < 0.25 || now - l->last < 0.1)
        return true;
    l->last = now;
    l->shown = true;
    fprintf(stderr, "\rnovalid: loading %s: %s, %lld%% (%.1f s; Ctrl-C stops)\033[K", l->file,
            phase, total > 0 ? done * 100 / total : 0, now - l->start);
    fflush(stderr);
    return true;
}

static int open_ui(const char *file, bool empty)
{
    strlist errors = {0};
    load_line line = {file, nv_seconds(), 0, false};
    bool tty = isatty(STDERR_FILENO);
    scenario *sc = file && tty ? scenario_load_file_watch(file, &errors, load_line_show, &line)
                   : file  ? scenario_load_file(file, &errors)
                   : empty ? scenario_load_string(empty_scenario, "empty", &errors)
                           : scenario_load_string(novalid_demo_scenario, "demo.cfg", &errors);
    if (line.shown)
        fputs("\r\033[K", stderr);
    if (!sc) {
        print_errors(&errors);
        strlist_free(&errors);
        return 2;
    }
    strlist_free(&errors);
    return tui_main(sc, file);
}

static int cmd_tui(int argc, char **argv)
{
    return open_ui(argc > 0 ? argv[0] : NULL, false);
}

int main(int argc, char **argv)
{
    /* tests: the N-th allocation fails, to show every allocation failure
     * ends in "out of memory" and exit status 3 (tests/oom.sh) */
    const char *fail = getenv("NOVALID_FAIL_ALLOC");
    if (fail)
        nv_fail_alloc_after(atol(fail));
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* A large cloud's arrays are copied and freed over and over (what-if,
     * the clouds of the UI's fit notes, undo of cloud-building commands):
     * from glibc's own mmap, each copy faulted in
     * every page again and cost ten times the copying (a 10,000-host
     * copy 91 to 7 ms).  Blocks up to 256 MiB come from the heap and
     * freed memory stays there for the next copy. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    if (argc < 2)
        return open_ui(NULL, false);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--list-commands")) {
        /* one op per line, for shell completion scripts */
        for (int i = 0; i < OP_COUNT; i++)
            printf("%s\n", op_names[i]);
        return 0;
    }
    if (!strcmp(cmd, "--empty"))
        return open_ui(NULL, true);
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("novalid %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--complete"))
        return complete(argc - 2, argv + 2);
    const cli_command *c = find_command(cmd);
    if (c)
        return c->fn(argc - 2, argv + 2);
    if (cmd[0] == '-') {
        char *e = nv_term_escape(cmd);
        fprintf(stderr, "novalid: unknown option '%s'\n", e);
        free(e);
        usage(stderr);
        return 2;
    }
    if (argc > 2) {
        fprintf(stderr, "novalid: one scenario at a time\n");
        return 2;
    }
    return open_ui(cmd, false);
}
