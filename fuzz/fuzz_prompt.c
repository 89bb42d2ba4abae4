/*
 * fuzz_prompt.c - libFuzzer target over the `:` prompt: each input line is
 * parsed as a prompt command (command_parse) and, when it parses, run on a
 * small cloud through the session (the same path a key, a dialog and a
 * scenario step take), with undo now and then.  No line may crash, hang
 * or leak; a line that does not parse must say why.
 *
 *   make fuzz            # builds fuzz/fuzz-prompt with clang
 *   make fuzz-run        # runs it with fuzz/prompt.dict
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cloud_text[] =
    "name = \"prompt\";\n"
    "hosts = ( { name = \"host1\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; az = \"az1\"; },\n"
    "          { name = \"host2\"; vcpus = 8; memory_mb = 8192; disk_gb = 80; },\n"
    "          { name = \"host3\"; vcpus = 2; memory_mb = 2048; disk_gb = 20; disabled = true; } );\n"
    "aggregates = ( { name = \"agg\"; hosts = [\"host1\"]; metadata = [\"ssd=true\"]; } );\n"
    "flavors = ( { name = \"m1.small\"; vcpus = 1; memory_mb = 1024; root_gb = 10; },\n"
    "            { name = \"m1.big\"; vcpus = 4; memory_mb = 4096; root_gb = 40; } );\n"
    "images = ( { name = \"cirros\"; } );\n"
    "groups = ( { name = \"grp\"; policy = \"anti-affinity\"; } );\n"
    "servers = ( { name = \"vm-1\"; flavor = \"m1.small\"; host = \"host1\"; },\n"
    "            { name = \"vm-2\"; flavor = \"m1.big\"; host = \"host2\"; group = \"grp\"; } );\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    /* the cloud is parsed once; each input starts from a copy of it */
    static cloud *start;
    if (!start) {
        strlist errs = {0};
        scenario *sc = scenario_load_string(cloud_text, "prompt.cfg", &errs);
        strlist_free(&errs);
        if (!sc)
            abort();
        start = sc->c;
        sc->c = NULL;
        scenario_free(sc);
    }
    session *ss = session_new(cloud_clone(start));
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    int lines = 0;
    for (char *line = text, *next; line && lines < 32; line = next, lines++) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        command cmd;
        char err[256] = "";
        if (!command_parse(line, &cmd, err, sizeof err)) {
            if (!err[0])
                abort();   /* a refusal says why */
            continue;
        }
        /* the prompt bounds counts; a fuzzer line must not boot millions */
        if (cmd.min_count <= 64 && cmd.max_count <= 64)
            session_exec(ss, &cmd);
        command_done(&cmd);
        if ((unsigned char)line[0] % 7 == 0)
            session_undo(ss);
    }
    free(text);
    session_free(ss);
    return 0;
}
