/*
 * json.h - a small JSON reader for the values Nova's filters evaluate
 * (JsonFilter queries, cpu_info).  Values form a tree owned by the root.
 * Depth and size are bounded: hints come from scenario files written by
 * strangers.
 */
#ifndef NOVALID_JSON_H
#define NOVALID_JSON_H

#include <stdbool.h>

enum jtype { J_NULL, J_BOOL, J_INT, J_FLOAT, J_STRING, J_LIST, J_OBJECT };

typedef struct jval {
    enum jtype t;
    bool b;
    long long i;
    double d;
    char *s;                  /* J_STRING */
    struct jval *items;       /* J_LIST / J_OBJECT values */
    char **keys;              /* J_OBJECT keys */
    int n;
} jval;

/* Parse `text`; NULL on error (err gets a message). */
jval *json_parse(const char *text, char *err, int errlen);
void json_free(jval *v);
void json_done(jval *v);       /* free the contents of an embedded value */
const jval *json_get(const jval *obj, const char *key);
void json_copy(jval *dst, const jval *src);   /* deep */

#endif
