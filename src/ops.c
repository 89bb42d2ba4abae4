/*
 * ops.c - op names, their one-line help, and results (ops.h).
 */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

const char *const op_names[OP_COUNT] = {
#define X(e, s, h) s,
    NV_OPS(X)
#undef X
};
const char *const op_help[OP_COUNT] = {
#define X(e, s, h) h,
    NV_OPS(X)
#undef X
};

int op_from_name(const char *name)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (!strcmp(op_names[i], name))
            return i;
    return -1;
}

void cmd_result_done(cmd_result *r)
{
    free(r->message);
    intvec_free(&r->servers);
    strlist_free(&r->plan);
    memset(r, 0, sizeof *r);
}
