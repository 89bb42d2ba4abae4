/*
 * main.c - command line: `novalid [FILE]`, `tui`, `run`, `check`,
 * `validate`, --help, --version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "keys.h"
#include "run.h"
#include "scheduler.h"
#include "tui.h"

extern const char novalid_demo_scenario[];

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: novalid [FILE]                    open the terminal UI (built-in demo without FILE)\n"
            "       novalid tui [FILE]                the same\n"
            "       novalid run FILE [--format text|json] [--seed N]\n"
            "                                         replay a scenario headless: trail, expectations\n"
            "       novalid check [--format text|json|tap|junit] PATH...\n"
            "                                         run many scenarios, one line each (text),\n"
            "                                         or one JSON object, TAP, JUnit XML for CI\n"
            "       novalid validate FILE...          load only, report every error\n"
            "       novalid --help | --version\n"
            "\n"
            "novalid simulates OpenStack Nova's scheduler and conductor: place servers on\n"
            "simulated hosts, live-migrate, migrate, resize, evacuate, take hosts down, and\n"
            "see why Nova picks a host or raises NoValidHost.\n"
            "\n"
            "Exit status of run/check/validate: 0 all expectations hold, 1 some failed\n"
            "or a scenario has none (run and check alike), 2 invalid file or command\n"
            "line.  NO_COLOR disables colour in the UI.\n"
            "\n"
            "Scenario steps and : prompt commands:\n");
    for (int i = 0; i < OP_COUNT; i++)
        fprintf(f, "  %-15s %s\n", op_names[i], op_help[i]);
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
        /* one line per action and context, as the help overlay shows it */
        bool shown = false;
        for (int j = 0; j < i && !shown; j++)
            shown = keys_table[j].action == k->action && keys_table[j].where == k->where;
        if (shown)
            continue;
        char labels[64];
        keys_labels(k->action, k->where, labels, sizeof labels);
        const char *where = k->where & KEYS_PANES    ? ""
                            : k->where & KEYS_DIALOG ? " (move dialog)"
                                                     : " (quirk list)";
        fprintf(f, "  %-15s %s%s\n", labels, k->help, where);
    }
    fprintf(f, "\nReleases: ");
    for (int r = REL_FIRST; r <= REL_LATEST; r++)
        fprintf(f, "%s%s", release_name(r), r < REL_LATEST ? ", " : "\n");
    fprintf(f, "\nSee novalid(1) and the scenario format in docs/scenario-format.md.\n");
}

static int open_ui(const char *file)
{
    strlist errors = {0};
    scenario *sc = file ? scenario_load_file(file, &errors)
                        : scenario_load_string(novalid_demo_scenario, "demo.cfg", &errors);
    if (!sc) {
        print_errors(&errors);
        strlist_free(&errors);
        return 2;
    }
    strlist_free(&errors);
    return tui_main(sc, file);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return open_ui(NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("novalid %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "validate"))
        return cmd_validate(argc - 2, argv + 2);
    if (!strcmp(cmd, "tui"))
        return open_ui(argc > 2 ? argv[2] : NULL);
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
    return open_ui(cmd);
}
