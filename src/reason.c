/*
 * reason.c - the reason table and the one function that renders a reason
 * (see reason.h).
 */
#include "reason.h"

#include <string.h>

#include "model.h"

const reason_desc reason_table[R_COUNT] = {
#define REASON_DESC(code, fmt) {#code, fmt},
    REASON_TABLE(REASON_DESC)
#undef REASON_DESC
};

void reason_done(reject_reason *r)
{
    for (int k = 0; k < REASON_NS; k++)
        sbuf_free(&r->buf[k]);
    memset(r, 0, sizeof *r);
}

sbuf *reason_text(reject_reason *r)
{
    r->code = R_TEXT;
    r->s[0] = NULL;
    return &r->buf[0];
}

const char *reason_name(const reject_reason *r, int k)
{
    if (r->s[k])
        return r->s[k];
    return r->buf[k].s ? r->buf[k].s : "";
}

static void fmt_double(sbuf *out, double d)
{
    char tmp[64];
    nv_fmt_double(tmp, sizeof tmp, d);
    sbuf_add(out, tmp);
}

void reason_format(int code, const int64_t *i, const double *d, const char *hostname,
                   const char *const *names, sbuf *out)
{
    if (code < 0 || code >= R_COUNT) {
        sbuf_addf(out, "(reason %d)", code);
        return;
    }
    const char *p = reason_table[code].format;
    while (*p) {
        const char *brace = strchr(p, '{');
        if (!brace) {
            sbuf_add(out, p);
            return;
        }
        sbuf_addn(out, p, (size_t)(brace - p));
        const char *f = brace + 1;
        if (f[0] == 'h') {
            sbuf_add(out, hostname ? hostname : "");
            p = f + 2;
        } else if (f[0] == 's') {
            int k = f[1] - '0';
            const char *s = names ? names[k] : NULL;
            sbuf_add(out, s ? s : "");
            p = f + 3;
        } else if (f[0] == 'i') {
            sbuf_addf(out, "%lld", (long long)i[f[1] - '0']);
            p = f + 3;
        } else if (f[0] == 'd') {
            fmt_double(out, d[f[1] - '0']);
            p = f + 3;
        } else {   /* {rcN} */
            int64_t rc = i[f[2] - '0'];
            sbuf_add(out, rc >= 0 && rc < RC_COUNT ? rc_names[rc] : "?");
            p = f + 4;
        }
    }
}

void reason_render(const reject_reason *r, const char *hostname, sbuf *out)
{
    const char *names[REASON_NS];
    for (int k = 0; k < REASON_NS; k++)
        names[k] = reason_name(r, k);
    reason_format(r->code, r->i, r->d, hostname, names, out);
}
