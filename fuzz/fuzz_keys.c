/*
 * fuzz_keys.c - libFuzzer target over the UI's key table and the `:`
 * prompt: each input byte is a key (ASCII as typed; bytes >= 0x80 pick
 * arrows, page keys, F1, Backspace, Delete, Escape, Enter, Shift-Tab and
 * control keys), fed to the UI through handle_key() with a full redraw
 * after each, on a small cloud, on a curses screen that writes to
 * /dev/null (tui_feed_keys).  The panes, overlays, dialogs, forms, search,
 * undo/redo, the quirk list and prompt lines typed key by key all run.  No
 * key sequence may crash, hang or leak.
 *
 * The process works in a temporary directory of its own (HOME and
 * XDG_STATE_HOME too), so a save or the prompt history lands there: give
 * the corpus, dictionary and -artifact_prefix as absolute paths.
 *
 *   make fuzz            # builds fuzz/fuzz-keys with clang
 *   make fuzz-run        # runs it with fuzz/keys.dict
 */
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "tui.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cloud_text[] =
    "name = \"keys\";\n"
    "hosts = ( { name = \"host1\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; az = \"az1\"; },\n"
    "          { name = \"host2\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; },\n"
    "          { name = \"host3\"; vcpus = 2; memory_mb = 2048; disk_gb = 20; disabled = true; } );\n"
    "aggregates = ( { name = \"agg\"; hosts = [\"host1\"]; metadata = [\"ssd=true\"]; } );\n"
    "flavors = ( { name = \"m1.small\"; vcpus = 1; memory_mb = 1024; root_gb = 10; },\n"
    "            { name = \"m1.big\"; vcpus = 4; memory_mb = 4096; root_gb = 40; } );\n"
    "images = ( { name = \"cirros\"; } );\n"
    "groups = ( { name = \"grp\"; policy = \"anti-affinity\"; } );\n"
    "servers = ( { name = \"vm-1\"; flavor = \"m1.small\"; host = \"host1\"; },\n"
    "            { name = \"vm-2\"; flavor = \"m1.big\"; host = \"host2\"; group = \"grp\"; } );\n"
    "steps = ( { op = \"live-migrate\"; server = \"vm-1\"; expect = { outcome = \"ok\"; }; },\n"
    "          { op = \"host\"; host = \"host2\"; set = \"down\"; },\n"
    "          { op = \"evacuate\"; server = \"vm-2\"; } );\n";

static FILE *devnull_out, *devnull_in;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[] = "/tmp/novalid-fuzz-keys.XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        abort();
    setenv("HOME", dir, 1);
    setenv("XDG_STATE_HOME", dir, 1);
    setenv("XDG_CONFIG_HOME", dir, 1);
    unsetenv("NO_COLOR");
    devnull_out = fopen("/dev/null", "w");
    devnull_in = fopen("/dev/null", "r");
    if (!devnull_out || !devnull_in)
        abort();
    return 0;
}

static const int specials[] = {
    KEY_UP, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_NPAGE, KEY_PPAGE, KEY_HOME, KEY_END,
    KEY_F(1), KEY_BTAB, KEY_BACKSPACE, KEY_DC, KEY_ENTER, KEY_RESIZE, 27, '\t', '\n', '\r',
    127, 'R' & 0x1f, 'L' & 0x1f, 'U' & 0x1f, 'K' & 0x1f, 'W' & 0x1f, 'A' & 0x1f, 'E' & 0x1f,
    'D' & 0x1f, 'C' & 0x1f};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* every key redraws the whole screen: 128 keys keep an input cheap */
    if (size > 128)
        return 0;
    int keys[128];
    for (size_t i = 0; i < size; i++)
        keys[i] = data[i] < 0x80 ? data[i]
                                 : specials[data[i] % (sizeof specials / sizeof *specials)];
    strlist errs = {0};
    scenario *sc = scenario_load_string(cloud_text, "keys.cfg", &errs);
    strlist_free(&errs);
    if (!sc)
        abort();
    if (tui_feed_keys(sc, "keys.cfg", keys, (int)size, "xterm-256color", devnull_out,
                      devnull_in) < 0)
        abort();
    return 0;
}
