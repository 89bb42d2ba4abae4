/*
 * fuzz_scenario.c - libFuzzer target over the scenario loader and, for
 * inputs that load, a headless replay and a save/reload round trip.
 *
 *   make fuzz            # builds fuzz/fuzz-scenario (and fuzz/fuzz-prompt) with clang
 *   make fuzz-run        # each for FUZZ_SECONDS, with fuzz/libconfig.dict and a
 *                        # seed corpus of every scenario and bad file
 *
 * Scenario files come from strangers (bug reports): no input may crash,
 * hang or grow memory without bound, and every rejection names FILE:LINE:.
 * Each input is loaded twice, in one piece and in two halves at once
 * (scenario_split_min 0): the same cloud and the same messages, or abort.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    strlist errors = {0}, halves_errors = {0};
    scenario_split_min = SIZE_MAX;
    scenario *sc = scenario_load_string(text, "fuzz.cfg", &errors);
    scenario_split_min = 0;
    scenario *halves = scenario_load_string(text, "fuzz.cfg", &halves_errors);
    free(text);
    if (!sc != !halves || errors.n != halves_errors.n)
        abort();   /* in halves, the load must say what one parse says */
    for (int i = 0; i < errors.n; i++)
        if (strcmp(errors.v[i], halves_errors.v[i]))
            abort();
    if (sc && !cloud_same(sc->c, halves->c, NULL))
        abort();
    scenario_free(halves);
    strlist_free(&halves_errors);
    if (!sc) {
        for (int i = 0; i < errors.n; i++)
            if (strncmp(errors.v[i], "fuzz.cfg:", 9) != 0)
                abort();   /* every rejection names the file */
        if (!errors.n)
            abort();       /* and says something */
        strlist_free(&errors);
        return 0;
    }
    strlist_free(&errors);
    /* replay only small clouds: boot steps may ask for many servers */
    if (sc->c->hosts.n <= 64 && sc->n_steps <= 16) {
        bool small = true;
        for (int i = 0; i < sc->n_steps; i++)
            if (sc->steps[i].max_count > 64 || sc->steps[i].min_count > 64)
                small = false;
        if (small) {
            /* the text a save writes (in memory: a file per input would
             * make the disk the fuzzer's bottleneck) must load again */
            char *saved = scenario_text(sc->c, sc->steps, sc->n_steps);
            scenario *again = scenario_load_string(saved, "saved.cfg", &errors);
            if (!again)
                abort();   /* what was saved must load */
            scenario_free(again);
            strlist_free(&errors);
            free(saved);
            FILE *devnull = fopen("/dev/null", "w");
            run_scenario(sc, FORMAT_JSON, -1, devnull, NULL, NULL);
            if (devnull)
                fclose(devnull);
        }
    }
    scenario_free(sc);
    return 0;
}
