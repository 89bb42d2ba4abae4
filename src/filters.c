/*
 * filters.c - Nova's host filters (nova/scheduler/filters/), one function
 * each, and the table that names them.
 *
 * Each filter answers host_passes() as Nova's class does and, when it
 * rejects, writes one line naming the numbers that decided.  Filters read
 * only the sched_ctx (request, group state) and the host_state.
 */
#include <ctype.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hoststate.h"
#include "json.h"
#include "scheduler.h"

/* ---- shared helpers ------------------------------------------------------ */

static const flavor *req_flavor(const sched_ctx *x) { return &x->c->flavors.v[x->spec->flavor]; }

/* Values of `key` over the host's aggregates, each split on ',' and
 * stripped (utils.aggregate_metadata_get_by_host). */
static void agg_meta_set(const cloud *c, int h, const char *key, strlist *out)
{
    const intvec *aggs = &c->host_aggs[h];
    for (int i = 0; i < aggs->n; i++) {
        const kvlist *md = &c->aggregates.v[aggs->v[i]].metadata;
        for (int k = 0; k < md->n; k++)
            if (strcmp(md->v[k].key, key) == 0) {
                strlist parts = {0};
                nv_split_strip(&parts, md->v[k].value, ',');
                for (int p = 0; p < parts.n; p++)
                    if (strlist_find(out, parts.v[p]) < 0)
                        strlist_push(out, parts.v[p]);
                strlist_free(&parts);
            }
    }
}

/* Raw values (no split) of `key` over the host's aggregates
 * (utils.aggregate_values_from_key). */
void host_agg_values(const cloud *c, int h, const char *key, strlist *out)
{
    const intvec *aggs = &c->host_aggs[h];
    for (int i = 0; i < aggs->n; i++) {
        const char *v = kvlist_get(&c->aggregates.v[aggs->v[i]].metadata, key);
        if (v && strlist_find(out, v) < 0)
            strlist_push(out, v);
    }
}

static void join(sbuf *b, const strlist *l)
{
    for (int i = 0; i < l->n; i++) {
        if (i)
            sbuf_add(b, ", ");
        sbuf_add(b, l->v[i]);
    }
}

const char *image_prop(const cloud *c, int img, const char *key)
{
    if (img < 0)
        return NULL;
    return kvlist_get(&c->images.v[img].properties, key);
}

/* Python float(): accepts surrounding blanks, inf, nan. */
static bool pyfloat(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

/*
 * extra_specs_ops.match(value, req).  A numeric operator on a non-number
 * raises ValueError in Nova (the request errors out); novalid treats it as
 * a mismatch.
 */
static bool spec_match(const char *value, const char *req)
{
    char *copy = nv_strdup(req);
    char *words[64];
    int n = 0;
    for (char *t = strtok(copy, " \t\n\r\f\v"); t && n < 64; t = strtok(NULL, " \t\n\r\f\v"))
        words[n++] = t;
    bool result = false;
    const char *op = n ? words[0] : NULL;
    static const char *const known[] = {"=", "<in>", "<all-in>", "==", "!=", ">=", "<=",
                                        "s==", "s!=", "s<", "s<=", "s>", "s>=", "<or>"};
    bool isop = false;
    for (size_t i = 0; op && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(op, known[i]) == 0)
            isop = true;
    if (!isop) {
        result = strcmp(value, req) == 0;
    } else if (strcmp(op, "<or>") == 0) {
        for (int i = 1; i < n; i += 2)
            if (strcmp(words[i], value) == 0) {
                result = true;
                break;
            }
    } else if (n < 2) {
        result = false;
    } else if (strcmp(op, "<all-in>") == 0) {
        result = true;
        for (int i = 1; i < n; i++)
            if (!strstr(value, words[i]))
                result = false;
    } else if (strcmp(op, "<in>") == 0) {
        result = strstr(value, words[1]) != NULL;
    } else if (op[0] == 's') {
        int cmp = strcmp(value, words[1]);
        const char *o = op + 1;
        result = !strcmp(o, "==") ? cmp == 0 : !strcmp(o, "!=") ? cmp != 0
               : !strcmp(o, "<")  ? cmp < 0  : !strcmp(o, "<=") ? cmp <= 0
               : !strcmp(o, ">")  ? cmp > 0  : cmp >= 0;
    } else {
        double a, b;
        if (pyfloat(value, &a) && pyfloat(words[1], &b))
            result = !strcmp(op, "=") ? a >= b : !strcmp(op, "==") ? a == b
                   : !strcmp(op, "!=") ? a != b : !strcmp(op, ">=") ? a >= b : a <= b;
    }
    free(copy);
    return result;
}

/* Exposed for unit tests. */
bool filters_spec_match(const char *value, const char *req);
bool filters_spec_match(const char *value, const char *req) { return spec_match(value, req); }

/* ---- ComputeFilter ------------------------------------------------------- */

static bool compute_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    const host *ho = &x->c->hosts.v[h->host];
    if (compute_filter_passes(ho))
        return true;
    if (ho->disabled) {
        why->code = R_DISABLED;
        why->s[0] = ho->disabled_reason && *ho->disabled_reason ? ho->disabled_reason : "None";
        return false;
    }
    if (!host_is_up(x->c, h->host)) {
        why->code = ho->forced_down ? R_FORCED_DOWN : R_DOWN;
        return false;
    }
    return true;
}

/* ---- ComputeCapabilitiesFilter ------------------------------------------- */

static bool caps_lookup(const sched_ctx *x, const host_state *h, char **scope, int n, jval *out)
{
    jval cur;
    bool at_host = true;
    memset(&cur, 0, sizeof cur);
    for (int i = 0; i < n; i++) {
        if (!at_host && cur.t == J_STRING) {
            char err[64];
            jval *dec = json_parse(cur.s, err, sizeof err);
            json_done(&cur);
            if (!dec)
                return false;
            cur = *dec;
            free(dec);
        }
        if (at_host) {
            jval v;
            if (!hs_attr(x, h, scope[i], &v) || v.t == J_NULL) {
                json_done(&v);
                if (!hs_stat(x, h, scope[i], &v))
                    return false;
            }
            cur = v;
            at_host = false;
        } else if (cur.t == J_OBJECT) {
            const jval *e = json_get(&cur, scope[i]);
            if (!e || e->t == J_NULL) {
                json_done(&cur);
                return false;
            }
            jval copy;
            json_copy(&copy, e);
            json_done(&cur);
            cur = copy;
        } else {
            /* an attribute of a plain value: Python getattr finds nothing */
            json_done(&cur);
            return false;
        }
    }
    *out = cur;
    return true;
}

static bool compute_capabilities_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const flavor *f = req_flavor(x);
    for (int i = 0; i < f->extra_specs.n; i++) {
        const char *key = f->extra_specs.v[i].key;
        const char *req = f->extra_specs.v[i].value;
        /* from 2024.1 hw:maxphysaddr_bits=N is checked as
         * capabilities:cpu_info:maxphysaddr:bits >= N */
        char rewritten[64];
        if (!strcmp(key, "hw:maxphysaddr_bits")) {
            if (x->c->conf.release < REL_2024_1)
                continue;
            key = "capabilities:cpu_info:maxphysaddr:bits";
            snprintf(rewritten, sizeof rewritten, ">= %s", req);
            req = rewritten;
        }
        char *copy = nv_strdup(key);
        char *scope[32];
        int n = 0;
        for (char *p = copy, *q; n < 32; p = q + 1) {
            q = strchr(p, ':');
            scope[n++] = p;
            if (!q)
                break;
            *q = '\0';
        }
        char **path = scope;
        if (n == 1) {
            jval tmp;
            bool has = hs_has_attr(key) || hs_stat(x, h, key, &tmp);
            if (!has) {
                free(copy);
                continue;
            }
        } else {
            if (strcmp(scope[0], "capabilities") != 0) {
                free(copy);
                continue;
            }
            path = scope + 1;
            n--;
        }
        jval v;
        if (!caps_lookup(x, h, path, n, &v)) {
            sbuf_addf(why, "host has no value for %s", key);
            free(copy);
            return false;
        }
        sbuf s = {0};
        jval_pystr(&v, &s);
        json_done(&v);
        bool ok = spec_match(s.s ? s.s : "", req);
        if (!ok)
            sbuf_addf(why, "extra spec %s='%s' does not match host value '%s'", key, req,
                      s.s ? s.s : "");
        sbuf_free(&s);
        free(copy);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- ImagePropertiesFilter ----------------------------------------------- */

static char *canon_arch(const char *a)
{
    if (!a)
        return NULL;
    char *s = nv_strdup(a);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!strcmp(s, "i386") || !strcmp(s, "i486") || !strcmp(s, "i586") ||
        !strcmp(s, "x86_32") || !strcmp(s, "x86_32p")) {
        free(s);
        return nv_strdup("i686");
    }
    if (!strcmp(s, "amd64")) {
        free(s);
        return nv_strdup("x86_64");
    }
    return s;
}

static char *canon_hv(const char *a)
{
    if (!a)
        return NULL;
    char *s = nv_strdup(a);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!strcmp(s, "xapi")) {
        free(s);
        return nv_strdup("xen");
    }
    return s;
}

static char *canon_mode(const char *a)
{
    if (!a)
        return NULL;
    char *s = nv_strdup(a);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!strcmp(s, "pv")) {
        free(s);
        return nv_strdup("xen");
    }
    if (!strcmp(s, "hv") || !strcmp(s, "baremetal")) {
        free(s);
        return nv_strdup("hvm");
    }
    return s;
}

/* The (arch, hv_type, vm_mode) triples the libvirt driver advertises. */
static int supported_instances(const host *ho, const char *out[4][3])
{
    const char *hv = ho->hypervisor_type;
    if (!strcasecmp(hv, "QEMU")) {
        out[0][1] = "qemu", out[0][2] = "hvm";
        out[1][1] = "kvm", out[1][2] = "hvm";
    } else if (!strcasecmp(hv, "Xen")) {
        out[0][1] = "xen", out[0][2] = "xen";
        out[1][1] = "xen", out[1][2] = "hvm";
    } else {
        return 0;
    }
    out[0][0] = out[1][0] = ho->cpu_arch;
    return 2;
}

/* Compare dotted versions numerically: <0, 0, >0. */
static int vercmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if (*a && !isdigit((unsigned char)*a))
            break;
        if (*b && !isdigit((unsigned char)*b))
            break;
    }
    return 0;
}

/* VersionPredicate "(>=6.0, <7.0)" satisfied by a dotted version. */
static bool version_satisfies(const char *pred, const char *ver)
{
    char *copy = nv_strdup(pred);
    bool ok = true;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        while (isspace((unsigned char)*tok))
            tok++;
        char op[3] = {0};
        int k = 0;
        while (k < 2 && tok[k] && strchr("<>=!", tok[k])) {
            op[k] = tok[k];
            k++;
        }
        const char *v = tok + k;
        while (isspace((unsigned char)*v))
            v++;
        int c = vercmp(ver, v);
        bool r = !strcmp(op, ">=") ? c >= 0 : !strcmp(op, "<=") ? c <= 0
               : !strcmp(op, ">") ? c > 0 : !strcmp(op, "<") ? c < 0
               : !strcmp(op, "!=") ? c != 0 : c == 0;
        if (!r)
            ok = false;
    }
    free(copy);
    return ok;
}

/* The request's side of ImagePropertiesFilter: the same for every host. */
static void image_wishes(const cloud *c, int img, sched_memo *m)
{
    const char *arch_p = image_prop(c, img, "hw_architecture");
    if (!arch_p)
        arch_p = c->conf.image_properties_default_architecture;
    m->want[0] = canon_arch(arch_p);
    m->want[1] = canon_hv(image_prop(c, img, "img_hv_type"));
    m->want[2] = canon_mode(image_prop(c, img, "hw_vm_mode"));
    m->req_ver = image_prop(c, img, "img_hv_requested_version");
    m->bits = image_prop(c, img, "hw_maxphysaddr_bits");
    m->image_ready = true;
    sched_memo_settle(m);
}

void sched_memo_done(sched_memo *m)
{
    for (int k = 0; k < 3; k++)
        free(m->want[k]);
    free(m->wish_text);
    free(m->refused_text);
    memset(m, 0, sizeof *m);
}

static bool image_properties_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    const cloud *c = x->c;
    sched_memo *memo = x->memo;
    if (!memo->image_ready)
        image_wishes(c, x->spec->image, memo);
    char *const *want = memo->want;
    const char *req_ver = memo->req_ver, *bits = memo->bits;
    bool pass = false;
    if (!want[0] && !want[1] && !want[2]) {
        pass = true;
        goto out;
    }
    const host *ho = &c->hosts.v[h->host];
    /* hosts mostly repeat their (arch, hypervisor) pair: without a
     * requested version, its answer is the last host's (interned strings:
     * equal values are equal pointers), told by the host's hot record
     * (the host itself is not read) */
    const host_hot *hh = &x->hot[h->host];
    if (!req_ver && memo->seen_arch && memo->seen_arch == hh->cpu_arch &&
        memo->seen_hv == hh->hypervisor_type && memo->seen_pass) {
        pass = true;
        goto bits;
    }
    /* and the last refused pair's, with its words (a few hosts of another
     * architecture among many that pass: each pair keeps its answer) */
    if (!req_ver && memo->refused_arch && memo->refused_arch == hh->cpu_arch &&
        memo->refused_hv == hh->hypervisor_type) {
        why->code = R_IMAGE;
        why->s[0] = memo->wish_text;
        why->s[1] = memo->refused_text;
        goto out;
    }
    const char *sup[4][3];
    int ns = supported_instances(ho, sup);
    char verstr[64] = "";
    int64_t hv = ho->hypervisor_version;
    if (req_ver)   /* only a requested version reads the host's */
        snprintf(verstr, sizeof verstr, "%lld.%lld.%lld", (long long)(hv / 1000000),
                 (long long)(hv / 1000 % 1000), (long long)(hv % 1000));
    for (int i = 0; i < ns && !pass; i++) {
        bool m = true;
        for (int k = 0; k < 3; k++)
            if (want[k] && *want[k]) {
                /* membership in the triple, not position */
                bool in = false;
                for (int j = 0; j < 3; j++)
                    if (!strcmp(sup[i][j], want[k]))
                        in = true;
                if (!in)
                    m = false;
            }
        if (!m)
            continue;
        if (!hv || !req_ver || version_satisfies(req_ver, verstr))
            pass = true;
    }
    if (!req_ver && pass) {   /* a refused pair is kept below */
        memo->seen_arch = ho->cpu_arch;
        memo->seen_hv = ho->hypervisor_type;
        memo->seen_pass = true;
        sched_memo_settle(memo);
    }
bits:
    /* hw_maxphysaddr_bits: host bits unknown passes (2024.1+) */
    if (pass && bits && c->conf.release >= REL_2024_1 && ho->maxphysaddr_bits &&
        ho->maxphysaddr_bits < atoi(bits)) {
        why->code = R_MAXPHYSADDR;
        why->s[0] = bits;
        why->i[0] = ho->maxphysaddr_bits;
        pass = false;
        goto out;
    }
    if (!pass) {
        /* the image's side once per request, the host's side per host */
        if (!memo->wish_text)
            memo->wish_text = nv_printf("(arch=%s, hv_type=%s, vm_mode=%s%s%s)",
                                        want[0] ? want[0] : "None", want[1] ? want[1] : "None",
                                        want[2] ? want[2] : "None",
                                        req_ver ? ", hv version " : "", req_ver ? req_ver : "");
        why->code = R_IMAGE;
        why->s[0] = memo->wish_text;
        sbuf *hb = &why->buf[1];
        if (ns == 0)
            sbuf_add(hb, " (no supported_instances)");
        for (int i = 0; i < ns; i++)
            sbuf_addf(hb, "%s(%s, %s, %s)", i ? ", " : " ", sup[i][0], sup[i][1], sup[i][2]);
        if (req_ver)
            sbuf_addf(hb, " version %s", verstr);
        else {
            free(memo->refused_text);
            memo->refused_text = nv_strdup(hb->s ? hb->s : "");
            memo->refused_arch = ho->cpu_arch;
            memo->refused_hv = ho->hypervisor_type;
        }
    }
out:
    return pass;
}

/* ---- server groups --------------------------------------------------------- */

static int group_policy_of(const sched_ctx *x)
{
    return x->spec->group >= 0 ? (int)x->c->groups.v[x->spec->group].policy : -1;
}

static bool anti_affinity_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    if (group_policy_of(x) != POLICY_ANTI_AFFINITY)
        return true;
    if (intvec_find(&h->instances, x->instance) >= 0)
        return true;
    int count = 0;
    for (int i = 0; i < h->instances.n; i++)
        if (sched_is_member(x, h->instances.v[i]))
            count++;
    const group *g = &x->c->groups.v[x->spec->group];
    int max = g->max_server_per_host > 0 ? g->max_server_per_host : 1;
    if (count < max)
        return true;
    why->code = R_ANTI_AFFINITY;
    why->i[0] = count;
    why->s[0] = g->name;
    why->i[1] = max;
    return false;
}

static bool affinity_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    if (group_policy_of(x) != POLICY_AFFINITY)
        return true;
    if (!x->group_hosts.n)
        return true;
    if (intvec_find(&x->group_hosts, h->host) >= 0)
        return true;
    const group *g = &x->c->groups.v[x->spec->group];
    sbuf_addf(why, "not a host of group %s (", g->name);
    for (int i = 0; i < x->group_hosts.n; i++)
        sbuf_addf(why, "%s%s", i ? ", " : "", x->c->hosts.v[x->group_hosts.v[i]].name);
    sbuf_add(why, ")");
    return false;
}

/* ---- hints ----------------------------------------------------------------- */

static bool hint_overlap(const sched_ctx *x, const host_state *h, const char *hint,
                         bool *has_hint, strlist *names)
{
    bool overlap = false;
    *has_hint = false;
    for (int i = 0; i < x->spec->hints.n; i++) {
        if (strcmp(x->spec->hints.v[i].key, hint) != 0)
            continue;
        *has_hint = true;
        const char *v = x->spec->hints.v[i].value;
        int sid = cloud_server(x->c, v);
        if (sid >= 0 && intvec_find(&h->instances, sid) >= 0) {
            overlap = true;
            if (names)
                strlist_push(names, v);
        }
    }
    return overlap;
}

static bool same_host_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    bool has;
    bool ov = hint_overlap(x, h, "same_host", &has, NULL);
    if (!has || ov)
        return true;
    sbuf_add(why, "runs none of the same_host servers (");
    bool first = true;
    for (int i = 0; i < x->spec->hints.n; i++)
        if (!strcmp(x->spec->hints.v[i].key, "same_host")) {
            sbuf_addf(why, "%s%s", first ? "" : ", ", x->spec->hints.v[i].value);
            first = false;
        }
    sbuf_add(why, ")");
    return false;
}

static bool different_host_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    bool has;
    strlist names = {0};
    bool ov = hint_overlap(x, h, "different_host", &has, &names);
    if (ov) {
        sbuf_add(why, "runs different_host server(s) ");
        join(why, &names);
    }
    strlist_free(&names);
    return !ov;
}

/* ---- SimpleCIDRAffinityFilter ------------------------------------------------ */

static bool parse_ipv4(const char *s, unsigned *out)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return false;
    *out = a << 24 | b << 16 | c << 8 | d;
    return true;
}

static bool simple_cidr_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const char *near = kvlist_get(&x->spec->hints, "build_near_host_ip");
    if (!near)
        return true;
    const char *cidr = kvlist_get(&x->spec->hints, "cidr");
    if (!cidr)
        cidr = "/24";
    /* netaddr.IPNetwork(near + cidr): a cidr without its '/' runs into
     * the address ("24" makes 192.0.2.124, a /32) */
    char *net = nv_printf("%s%s", near, cidr);
    char *slash = strchr(net, '/');
    long bits = 32;
    bool ok = true;
    if (slash) {
        char *end;
        *slash = '\0';
        bits = strtol(slash + 1, &end, 10);
        ok = end != slash + 1 && !*end && bits >= 0 && bits <= 32;
    }
    unsigned want, have;
    const host *ho = &x->c->hosts.v[h->host];
    ok = ok && parse_ipv4(net, &want) && parse_ipv4(ho->host_ip, &have);
    free(net);
    if (!ok) {
        sbuf_addf(why, "cannot compare %s with %s%s", ho->host_ip, near, cidr);
        return false;
    }
    unsigned mask = bits ? 0xFFFFFFFFu << (32 - bits) : 0;
    if ((want & mask) == (have & mask))
        return true;
    sbuf_addf(why, "host_ip %s not in %s%s", ho->host_ip, near, cidr);
    return false;
}

/* ---- aggregate filters ------------------------------------------------------- */

static bool agg_instance_extra_specs_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const flavor *f = req_flavor(x);
    for (int i = 0; i < f->extra_specs.n; i++) {
        const char *key = f->extra_specs.v[i].key;
        const char *req = f->extra_specs.v[i].value;
        const char *colon = strchr(key, ':');
        if (colon) {
            if ((size_t)(colon - key) != strlen("aggregate_instance_extra_specs") ||
                strncmp(key, "aggregate_instance_extra_specs", (size_t)(colon - key)) != 0)
                continue;
            key = colon + 1;
        }
        strlist vals = {0};
        agg_meta_set(x->c, h->host, key, &vals);
        if (!vals.n) {
            sbuf_addf(why, "extra spec %s: no aggregate of the host sets it", key);
            strlist_free(&vals);
            return false;
        }
        bool any = false;
        for (int k = 0; k < vals.n && !any; k++)
            any = spec_match(vals.v[k], req);
        if (!any) {
            sbuf_addf(why, "extra spec %s='%s' not matched by aggregate value(s) ", key, req);
            join(why, &vals);
        }
        strlist_free(&vals);
        if (!any)
            return false;
    }
    return true;
}

/* ImageMetaProps field names: aggregate keys outside this list are never
 * compared by AggregateImagePropertiesIsolation (ImageMetaProps.get raises
 * AttributeError, which the filter skips). */
static const char *const image_meta_props[] = {
    "hw_architecture", "hw_auto_disk_config", "hw_boot_menu", "hw_cdrom_bus", "hw_cpu_cores",
    "hw_cpu_max_cores", "hw_cpu_max_sockets", "hw_cpu_max_threads", "hw_cpu_policy",
    "hw_cpu_realtime_mask", "hw_cpu_sockets", "hw_cpu_thread_policy", "hw_cpu_threads",
    "hw_device_id", "hw_disk_bus", "hw_disk_type", "hw_emulation_architecture",
    "hw_ephemeral_encryption", "hw_ephemeral_encryption_format",
    "hw_ephemeral_encryption_secret_uuid", "hw_firmware_stateless", "hw_firmware_type",
    "hw_floppy_bus", "hw_input_bus", "hw_ipxe_boot", "hw_locked_memory", "hw_machine_type",
    "hw_maxphysaddr_bits", "hw_maxphysaddr_mode", "hw_mem_encryption",
    "hw_mem_encryption_model", "hw_mem_page_size", "hw_numa_cpus", "hw_numa_mem",
    "hw_numa_nodes", "hw_pci_numa_affinity_policy", "hw_pmu", "hw_pointer_model",
    "hw_qemu_guest_agent", "hw_redirected_usb_ports", "hw_rescue_bus", "hw_rescue_device",
    "hw_rng_model", "hw_scsi_model", "hw_serial_port_count", "hw_sound_model",
    "hw_time_hpet", "hw_tpm_model", "hw_tpm_version", "hw_usb_model", "hw_video_model",
    "hw_video_ram", "hw_vif_model", "hw_vif_multiqueue_enabled", "hw_viommu_model",
    "hw_virtio_packed_ring", "hw_vm_mode", "hw_watchdog_action", "img_bdm_v2",
    "img_bittorrent", "img_block_device_mapping", "img_cache_in_nova",
    "img_compression_level", "img_config_drive", "img_hide_hypervisor_id",
    "img_hv_requested_version", "img_hv_type", "img_linked_clone", "img_mappings",
    "img_owner_id", "img_root_device_name", "img_signature",
    "img_signature_certificate_uuid", "img_signature_hash_method", "img_signature_key_type",
    "img_use_agent", "img_version", "os_admin_user", "os_command_line", "os_distro",
    "os_require_quiesce", "os_secure_boot", "os_skip_agent_inject_files_at_boot",
    "os_skip_agent_inject_ssh", "os_type", "traits_required"};

/* ImageMetaProps FlexibleBooleanField and IntegerField members: their
 * values are coerced before the filter compares str(value). */
static const char *const image_bool_props[] = {
    "hw_boot_menu", "hw_ephemeral_encryption", "hw_ipxe_boot", "hw_locked_memory",
    "hw_mem_encryption", "hw_pmu", "hw_qemu_guest_agent", "hw_time_hpet",
    "hw_vif_multiqueue_enabled", "img_bdm_v2", "img_bittorrent", "img_cache_in_nova",
    "img_hide_hypervisor_id", "img_linked_clone", "img_use_agent", "os_require_quiesce",
    "os_skip_agent_inject_files_at_boot", "os_skip_agent_inject_ssh", "hw_firmware_stateless",
    "hw_virtio_packed_ring", NULL};
static const char *const image_int_props[] = {
    "hw_cpu_cores", "hw_cpu_max_cores", "hw_cpu_max_sockets", "hw_cpu_max_threads",
    "hw_cpu_sockets", "hw_cpu_threads", "hw_device_id", "hw_numa_nodes", "hw_serial_port_count",
    "hw_video_ram", "img_compression_level", "img_version", "hw_maxphysaddr_bits", NULL};

static bool in_list(const char *const *l, const char *k)
{
    for (; *l; l++)
        if (!strcmp(*l, k))
            return true;
    return false;
}

/* str() of the coerced property, or NULL when it is falsy (never compared). */
static char *image_prop_str(const char *key, const char *raw)
{
    if (in_list(image_bool_props, key)) {
        static const char *const yes[] = {"1", "t", "true", "on", "y", "yes"};
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
            if (!strcasecmp(raw, yes[i]))
                return nv_strdup("True");
        return NULL;   /* False */
    }
    if (in_list(image_int_props, key)) {
        char *end;
        long long v = strtoll(raw, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || !v)
            return NULL;
        return nv_printf("%lld", v);
    }
    if (!strcmp(key, "hw_architecture"))
        return canon_arch(raw);
    if (!strcmp(key, "img_hv_type"))
        return canon_hv(raw);
    if (!strcmp(key, "hw_vm_mode"))
        return canon_mode(raw);
    return nv_strdup(raw);
}

static bool is_image_meta_prop(const char *k)
{
    for (size_t i = 0; i < sizeof image_meta_props / sizeof image_meta_props[0]; i++)
        if (!strcmp(image_meta_props[i], k))
            return true;
    return false;
}

static bool agg_image_props_isolation(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const cloud *c = x->c;
    const char *ns = c->conf.aggregate_image_properties_isolation_namespace;
    const char *sep = c->conf.aggregate_image_properties_isolation_separator;
    /* every key of every aggregate of the host, values as sets */
    strlist keys = {0};
    const intvec *aggs = &c->host_aggs[h->host];
    for (int i = 0; i < aggs->n; i++) {
        const kvlist *md = &c->aggregates.v[aggs->v[i]].metadata;
        for (int k = 0; k < md->n; k++)
            if (strlist_find(&keys, md->v[k].key) < 0)
                strlist_push(&keys, md->v[k].key);
    }
    bool pass = true;
    for (int k = 0; k < keys.n && pass; k++) {
        const char *key = keys.v[k];
        if (ns && *ns) {
            char *prefix = nv_printf("%s%s", ns, sep ? sep : "");
            bool in = strncmp(key, prefix, strlen(prefix)) == 0;
            free(prefix);
            if (!in)
                continue;
        }
        if (!is_image_meta_prop(key))
            continue;
        const char *raw = image_prop(c, x->spec->image, key);
        if (!raw || !*raw)
            continue;
        char *prop = image_prop_str(key, raw);
        if (!prop)
            continue;
        strlist opts = {0};
        agg_meta_set(c, h->host, key, &opts);
        if (strlist_find(&opts, prop) < 0) {
            sbuf_addf(why, "image %s=%s not in aggregate value(s) ", key, prop);
            join(why, &opts);
            pass = false;
        }
        strlist_free(&opts);
        free(prop);
    }
    strlist_free(&keys);
    return pass;
}

static bool agg_multitenancy_isolation(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const cloud *c = x->c;
    strlist tenants = {0};
    const intvec *aggs = &c->host_aggs[h->host];
    bool prefix = c->conf.release >= REL_2024_2;
    for (int i = 0; i < aggs->n; i++) {
        const kvlist *md = &c->aggregates.v[aggs->v[i]].metadata;
        for (int k = 0; k < md->n; k++) {
            const char *key = md->v[k].key;
            bool match = prefix ? strncmp(key, "filter_tenant_id", 16) == 0
                                : strcmp(key, "filter_tenant_id") == 0;
            if (match) {
                strlist parts = {0};
                nv_split_strip(&parts, md->v[k].value, ',');
                for (int p = 0; p < parts.n; p++)
                    if (strlist_find(&tenants, parts.v[p]) < 0)
                        strlist_push(&tenants, parts.v[p]);
                strlist_free(&parts);
            }
        }
    }
    bool pass = !tenants.n || strlist_find(&tenants, x->spec->project ? x->spec->project : "") >= 0;
    if (!pass) {
        sbuf_addf(why, "project %s not in filter_tenant_id ", x->spec->project);
        join(why, &tenants);
    }
    strlist_free(&tenants);
    return pass;
}

static bool agg_type_affinity(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    strlist vals = {0};
    host_agg_values(x->c, h->host, "instance_type", &vals);
    const char *fname = req_flavor(x)->name;
    bool pass = !vals.n;
    for (int i = 0; i < vals.n && !pass; i++) {
        strlist parts = {0};
        nv_split_strip(&parts, vals.v[i], ',');
        if (strlist_find(&parts, fname) >= 0)
            pass = true;
        strlist_free(&parts);
    }
    if (!pass) {
        sbuf_addf(why, "flavor %s not in instance_type ", fname);
        join(why, &vals);
    }
    strlist_free(&vals);
    return pass;
}

/* min over aggregate values of `key` (ints), else the option */
static int64_t agg_min_int(const sched_ctx *x, int h, const char *key, int64_t dflt)
{
    strlist vals = {0};
    host_agg_values(x->c, h, key, &vals);
    int64_t best = dflt;
    bool any = false, bad = false;
    for (int i = 0; i < vals.n; i++) {
        char *end;
        const char *s = vals.v[i];
        while (isspace((unsigned char)*s))
            s++;
        long long v = strtoll(s, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (end == s || *end) {
            bad = true;
            break;
        }
        if (!any || v < best)
            best = v;
        any = true;
    }
    strlist_free(&vals);
    return bad ? dflt : best;   /* unparsable: warning + the option */
}

static bool io_ops_check(const sched_ctx *x, const host_state *h, int64_t max, reject_reason *why)
{
    if (h->num_io_ops < max)
        return true;
    why->code = R_IO_OPS;
    why->i[0] = h->num_io_ops;
    why->i[1] = max;
    return false;
}

static bool io_ops_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return io_ops_check(x, h, x->c->conf.max_io_ops_per_host, why);
}

static bool agg_io_ops_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return io_ops_check(x, h,
                        agg_min_int(x, h->host, "max_io_ops_per_host",
                                    x->c->conf.max_io_ops_per_host),
                        why);
}

static bool num_instances_check(const host_state *h, int64_t max, reject_reason *why)
{
    if (h->num_instances < max)
        return true;
    why->code = R_NUM_INSTANCES;
    why->i[0] = h->num_instances;
    why->i[1] = max;
    return false;
}

static bool num_instances_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return num_instances_check(h, x->c->conf.max_instances_per_host, why);
}

static bool agg_num_instances_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return num_instances_check(h,
                               agg_min_int(x, h->host, "max_instances_per_host",
                                           x->c->conf.max_instances_per_host),
                               why);
}

static bool isolated_hosts_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const nova_config *cf = &x->c->conf;
    const char *hn = x->c->hosts.v[h->host].name;
    bool host_iso = strlist_find(&cf->isolated_hosts, hn) >= 0;
    bool restrict_ = cf->restrict_isolated_hosts_to_isolated_images;
    bool pass;
    bool img_iso = false;
    if (!cf->isolated_images.n) {
        pass = !restrict_ || !host_iso;
    } else {
        int img = x->spec->image;
        img_iso = img >= 0 && strlist_find(&cf->isolated_images, x->c->images.v[img].name) >= 0;
        pass = restrict_ ? img_iso == host_iso : (!img_iso || host_iso);
    }
    if (!pass)
        sbuf_addf(why, "%s host, %s image (restrict_isolated_hosts_to_isolated_images=%s)",
                  host_iso ? "isolated" : "non-isolated", img_iso ? "isolated" : "non-isolated",
                  restrict_ ? "True" : "False");
    return pass;
}

static bool all_hosts_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    (void)x, (void)h, (void)why;
    return true;
}

/* ---- JsonFilter ------------------------------------------------------------- */

/* Python truthiness */
static bool jtruthy(const jval *v)
{
    switch (v->t) {
    case J_NULL: return false;
    case J_BOOL: return v->b;
    case J_INT: return v->i != 0;
    case J_FLOAT: return v->d != 0;
    case J_STRING: return v->s[0] != '\0';
    default: return v->n > 0;
    }
}

static bool jnumeric(const jval *v) { return v->t == J_INT || v->t == J_FLOAT || v->t == J_BOOL; }
static double jnum(const jval *v) { return v->t == J_BOOL ? (v->b ? 1 : 0) : v->t == J_INT ? (double)v->i : v->d; }

/* Python comparison; *err on a TypeError (mixed types with < >). */
static bool jcompare(const jval *a, const jval *b, const char *op, bool *err)
{
    int cmp;
    if (jnumeric(a) && jnumeric(b)) {
        double x = jnum(a), y = jnum(b);
        cmp = x < y ? -1 : x > y ? 1 : 0;
    } else if (a->t == J_STRING && b->t == J_STRING) {
        cmp = strcmp(a->s, b->s);
    } else {
        if (!strcmp(op, "="))
            return false;   /* different types are never equal */
        *err = true;
        return false;
    }
    if (!strcmp(op, "="))
        return cmp == 0;
    if (!strcmp(op, "<"))
        return cmp < 0;
    if (!strcmp(op, ">"))
        return cmp > 0;
    if (!strcmp(op, "<="))
        return cmp <= 0;
    return cmp >= 0;
}

static bool jeq(const jval *a, const jval *b)
{
    bool err = false;
    return jcompare(a, b, "=", &err);
}

/* Evaluate a query; result in *out.  false on an error Nova would raise. */
static bool json_eval(const sched_ctx *x, const host_state *h, const jval *q, jval *out,
                      int depth)
{
    memset(out, 0, sizeof *out);
    if (q->t != J_LIST || q->n == 0) {
        out->t = J_BOOL;
        out->b = true;
        return q->t == J_LIST;
    }
    if (depth > 32 || q->items[0].t != J_STRING)
        return false;
    const char *cmd = q->items[0].s;
    static const char *const cmds[] = {"=", "<", ">", "in", "<=", ">=", "not", "or", "and"};
    bool known = false;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i]))
            known = true;
    if (!known)
        return false;   /* KeyError in Nova */
    jval *args = nv_calloc((size_t)q->n, sizeof *args);
    int n = 0;
    bool ok = true;
    for (int i = 1; i < q->n && ok; i++) {
        const jval *a = &q->items[i];
        jval v;
        memset(&v, 0, sizeof v);
        if (a->t == J_LIST) {
            ok = json_eval(x, h, a, &v, depth + 1);
        } else if (a->t == J_STRING) {
            if (!a->s[0]) {
                continue;   /* empty string -> None -> dropped */
            } else if (a->s[0] != '$') {
                v.t = J_STRING;
                v.s = nv_strdup(a->s);
            } else {
                char *path = nv_strdup(a->s + 1);
                char *dot = strchr(path, '.');
                if (dot)
                    *dot = '\0';
                jval cur;
                if (!hs_attr(x, h, path, &cur)) {
                    free(path);
                    continue;
                }
                char *rest = dot ? dot + 1 : NULL;
                bool found = true;
                while (rest && found) {
                    char *nd = strchr(rest, '.');
                    if (nd)
                        *nd = '\0';
                    const jval *e = cur.t == J_OBJECT ? json_get(&cur, rest) : NULL;
                    if (!e || e->t == J_NULL) {
                        found = false;
                    } else {
                        jval copy = *e;
                        if (e->t == J_STRING)
                            copy.s = nv_strdup(e->s);
                        else if (e->t == J_OBJECT || e->t == J_LIST)
                            found = false;   /* nested containers: not modelled */
                        if (found) {
                            ((jval *)e)->s = e->t == J_STRING ? e->s : NULL;
                            json_done(&cur);
                            cur = copy;
                        }
                    }
                    rest = nd ? nd + 1 : NULL;
                }
                free(path);
                if (!found) {
                    json_done(&cur);
                    continue;
                }
                v = cur;
            }
        } else {
            v = *a;
            v.s = NULL;
            v.items = NULL;
            v.keys = NULL;
            v.n = 0;
            if (a->t == J_OBJECT)
                ok = false;
        }
        if (v.t == J_NULL && a->t != J_LIST)
            continue;
        args[n++] = v;
    }
    if (ok) {
        if (!strcmp(cmd, "not")) {
            out->t = J_LIST;
            out->items = nv_calloc((size_t)n, sizeof *out->items);
            out->n = n;
            for (int i = 0; i < n; i++) {
                out->items[i].t = J_BOOL;
                out->items[i].b = !jtruthy(&args[i]);
            }
        } else if (!strcmp(cmd, "or") || !strcmp(cmd, "and")) {
            bool is_or = cmd[0] == 'o';
            bool r = !is_or;
            for (int i = 0; i < n; i++)
                if (jtruthy(&args[i]) == is_or) {
                    r = is_or;
                    break;
                }
            out->t = J_BOOL;
            out->b = r;
        } else if (!strcmp(cmd, "in")) {
            out->t = J_BOOL;
            out->b = false;
            if (n >= 2)
                for (int i = 1; i < n; i++)
                    if (jeq(&args[0], &args[i]))
                        out->b = true;
        } else {
            out->t = J_BOOL;
            out->b = n >= 2;
            bool err = false;
            for (int i = 1; i < n; i++)
                if (!jcompare(&args[0], &args[i], cmd, &err))
                    out->b = false;
            if (err)
                ok = false;
        }
    }
    for (int i = 0; i < n; i++)
        json_done(&args[i]);
    free(args);
    return ok;
}

static bool json_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const char *query = kvlist_get(&x->spec->hints, "query");
    if (!query || !*query)
        return true;
    char err[128];
    jval *q = json_parse(query, err, sizeof err);
    if (!q) {
        sbuf_addf(why, "query hint is not JSON: %s", err);
        return false;
    }
    if (!jtruthy(q)) {
        /* _process_filter: "if not query: return True" (0, null, "", {}, []) */
        json_free(q);
        return true;
    }
    jval r;
    bool ok = json_eval(x, h, q, &r, 0);
    bool pass = ok && jtruthy(&r);
    if (ok && r.t == J_LIST) {
        pass = false;
        for (int i = 0; i < r.n; i++)
            if (jtruthy(&r.items[i]))
                pass = true;
    }
    if (!pass)
        sbuf_addf(why, ok ? "query %s is false for this host" : "query %s cannot be evaluated",
                  query);
    json_done(&r);
    json_free(q);
    return pass;
}

/* ---- MetricsFilter ------------------------------------------------------------- */

static bool metrics_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const strlist *ws = &x->c->conf.metrics_weight_setting;
    const host *ho = &x->c->hosts.v[h->host];
    bool pass = true;
    for (int i = 0; i < ws->n; i++) {
        char *name, *r;
        if (!kv_split(ws->v[i], &name, &r))
            continue;
        char *end;
        strtod(r, &end);
        bool valid = end != r && !*end && *name;
        if (valid && !kvlist_get(&ho->metrics, name)) {
            sbuf_addf(why, "%s%s", pass ? "host does not report metric(s) " : ", ", name);
            pass = false;
        }
        free(name);
        free(r);
    }
    return pass;
}

/* ---- AvailabilityZoneFilter (until 2023.1) ------------------------------------- */

static bool availability_zone_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    const char *az = x->spec->availability_zone;
    if (!az || !*az)
        return true;
    strlist zones = {0};
    agg_meta_set(x->c, h->host, "availability_zone", &zones);
    bool pass;
    if (zones.n)
        pass = strlist_find(&zones, az) >= 0;
    else
        pass = strcmp(az, x->c->conf.default_availability_zone) == 0;
    if (!pass) {
        sbuf_addf(why, "availability zone '%s' requested, host has ", az);
        if (zones.n)
            join(why, &zones);
        else
            sbuf_add(why, x->c->conf.default_availability_zone);
    }
    strlist_free(&zones);
    return pass;
}

/* ---- RetryFilter, RamFilter, CoreFilter, DiskFilter (until Ussuri) ------------- */

static bool retry_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    const char *hn = x->c->hosts.v[h->host].name;
    if (strlist_find(&x->spec->retry_hosts, hn) < 0)
        return true;
    why->code = R_RETRY;
    return false;
}

static double agg_min_float(const sched_ctx *x, int h, const char *key, double dflt)
{
    strlist vals = {0};
    host_agg_values(x->c, h, key, &vals);
    double best = dflt;
    bool any = false;
    for (int i = 0; i < vals.n; i++) {
        double v;
        if (!pyfloat(vals.v[i], &v)) {
            strlist_free(&vals);
            return dflt;
        }
        if (!any || v < best)
            best = v;
        any = true;
    }
    strlist_free(&vals);
    return best;
}

static bool ram_check(const sched_ctx *x, const host_state *h, double ratio, reject_reason *why)
{
    int64_t want = req_flavor(x)->memory_mb;
    double limit = (double)hs_total_ram_mb(x, h) * ratio;
    double used = (double)(hs_total_ram_mb(x, h) - h->free_ram_mb);
    double usable = limit - used;
    if (usable >= (double)want)
        return true;
    why->code = R_RAM;
    why->d[0] = usable;
    why->i[0] = want;
    why->i[1] = hs_total_ram_mb(x, h);
    why->d[1] = ratio;
    why->i[2] = hs_total_ram_mb(x, h) - h->free_ram_mb;   /* `used`, exactly */
    return false;
}

static bool ram_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return ram_check(x, h, hs_ratio(x, h, RC_MEMORY_MB), why);
}

static bool agg_ram_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return ram_check(x, h, agg_min_float(x, h->host, "ram_allocation_ratio",
                                         hs_ratio(x, h, RC_MEMORY_MB)), why);
}

static bool core_check(const sched_ctx *x, const host_state *h, double ratio, reject_reason *why)
{
    int want = req_flavor(x)->vcpus;
    if (!h->vcpus_total)
        return true;   /* Nova: "Fail safe" when the host reports no vcpus */
    double limit = (double)h->vcpus_total * ratio;
    if (want > h->vcpus_total) {
        why->code = R_CORE_PHYSICAL;
        why->i[0] = want;
        why->i[1] = h->vcpus_total;
        return false;
    }
    double free_ = limit - (double)h->vcpus_used;
    if (free_ >= want)
        return true;
    why->code = R_CORE;
    why->d[0] = free_;
    why->i[0] = want;
    return false;
}

static bool core_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return core_check(x, h, hs_ratio(x, h, RC_VCPU), why);
}

static bool agg_core_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return core_check(x, h, agg_min_float(x, h->host, "cpu_allocation_ratio",
                                          hs_ratio(x, h, RC_VCPU)), why);
}

static bool disk_check(const sched_ctx *x, const host_state *h, double ratio, reject_reason *why)
{
    const flavor *f = req_flavor(x);
    int64_t want = 1024 * ((x->spec->is_bfv ? 0 : f->root_gb) + f->ephemeral_gb) + f->swap;
    double total = (double)hs_total_disk_gb(x, h) * 1024;
    double used = total - (double)h->free_disk_mb;
    double usable = total * ratio - used;
    if (usable >= (double)want)
        return true;
    why->code = R_DISK;
    why->d[0] = usable;
    why->i[0] = want;
    return false;
}

static bool disk_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return disk_check(x, h, hs_ratio(x, h, RC_DISK_GB), why);
}

static bool agg_disk_filter(const sched_ctx *x, const host_state *h, reject_reason *why)
{
    return disk_check(x, h, agg_min_float(x, h->host, "disk_allocation_ratio",
                                          hs_ratio(x, h, RC_DISK_GB)), why);
}

/* ---- NUMATopologyFilter / PciPassthroughFilter ----------------------------------- */

static bool numa_topology_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    if (x->numa_invalid) {
        sbuf_add(why, x->numa_error);
        return false;
    }
    const host *ho = &x->c->hosts.v[h->host];
    /* thread policy require on a host without SMT (any cell) */
    if (ho->n_cells && x->numa.dedicated && x->numa.require_smt) {
        bool smt = false;
        for (int i = 0; i < ho->n_cells; i++)
            if (ho->cells[i].threads_per_core > 1)
                smt = true;
        if (!smt) {
            sbuf_add(why, "hw:cpu_thread_policy=require, host has no SMT");
            return false;
        }
    }
    if (!x->numa.n)
        return true;
    int assign[NUMA_MAX_CELLS];
    return numa_fit(x->c, h->host, hs_cells(x, h), &x->numa, assign, why);
}

static bool pci_passthrough_filter(const sched_ctx *x, const host_state *h, reject_reason *rw)
{
    sbuf *why = reason_text(rw);
    if (x->n_pci == 0)
        return true;
    if (x->n_pci < 0) {
        sbuf_add(why, x->pci_error);
        return false;
    }
    const host *ho = &x->c->hosts.v[h->host];
    if (!ho->n_pci) {
        sbuf_add(why, "host has no PCI devices");
        return false;
    }
    return pci_fit(x->c, h->host, hs_pci_free(x, h), x->pci, x->n_pci, false, why);
}

/* ---- idle filters: the request alone says every host passes -------------------- */

static bool idle_always(const sched_ctx *x) { (void)x; return true; }
static bool idle_no_extra_specs(const sched_ctx *x) { return req_flavor(x)->extra_specs.n == 0; }
static bool idle_no_anti_affinity(const sched_ctx *x)
{
    return group_policy_of(x) != POLICY_ANTI_AFFINITY;
}
static bool idle_no_affinity(const sched_ctx *x)
{
    return group_policy_of(x) != POLICY_AFFINITY || !x->group_hosts.n;
}
static bool idle_no_image_wish(const sched_ctx *x)
{
    if (!x->memo->image_ready)
        image_wishes(x->c, x->spec->image, x->memo);
    return !x->memo->want[0] && !x->memo->want[1] && !x->memo->want[2];
}
static bool idle_no_az(const sched_ctx *x)
{
    return !x->spec->availability_zone || !*x->spec->availability_zone;
}
static bool idle_no_query(const sched_ctx *x)
{
    const char *q = kvlist_get(&x->spec->hints, "query");
    return !q || !*q;
}
static bool idle_no_retry(const sched_ctx *x) { return x->spec->retry_hosts.n == 0; }
static bool idle_no_pci(const sched_ctx *x) { return x->n_pci == 0; }
static bool idle_no_numa(const sched_ctx *x)
{
    return !x->numa_invalid && !(x->numa.dedicated && x->numa.require_smt) && !x->numa.n;
}

/* ---- the table -------------------------------------------------------------------- */

#define R_ALL REL_FIRST, REL_LATEST
const filter_desc filter_table[] = {
    {"AllHostsFilter", F_ONCE, R_ALL, all_hosts_filter, "passes every host", idle_always, FF_NONE},
    {"ComputeFilter", F_ONCE, R_ALL, compute_filter,
     "service enabled and up (heartbeat within service_down_time, not forced down)", NULL,
     FF_COMPUTE},
    {"ComputeCapabilitiesFilter", F_ONCE, R_ALL, compute_capabilities_filter,
     "flavor capabilities:* extra specs match the host", idle_no_extra_specs, FF_NONE},
    {"ImagePropertiesFilter", F_ONCE | F_REBUILD, R_ALL, image_properties_filter,
     "host supports the image's architecture, hypervisor type, vm mode and version",
     idle_no_image_wish, FF_IMAGE},
    {"ServerGroupAntiAffinityFilter", 0, R_ALL, anti_affinity_filter,
     "anti-affinity: fewer than max_server_per_host group members on the host",
     idle_no_anti_affinity, FF_NONE},
    {"ServerGroupAffinityFilter", 0, R_ALL, affinity_filter,
     "affinity: the host already runs a group member (or none runs anywhere)", idle_no_affinity, FF_NONE},
    {"SameHostFilter", F_ONCE, R_ALL, same_host_filter,
     "host runs one of the same_host servers", NULL, FF_NONE},
    {"DifferentHostFilter", F_ONCE, R_ALL, different_host_filter,
     "host runs none of the different_host servers", NULL, FF_NONE},
    {"SimpleCIDRAffinityFilter", F_ONCE, R_ALL, simple_cidr_filter,
     "host_ip inside build_near_host_ip/cidr", NULL, FF_NONE},
    {"AggregateInstanceExtraSpecsFilter", F_ONCE, R_ALL, agg_instance_extra_specs_filter,
     "flavor extra specs matched by the host's aggregate metadata", NULL, FF_NONE},
    {"AggregateImagePropertiesIsolation", F_ONCE | F_REBUILD, R_ALL, agg_image_props_isolation,
     "image properties agree with the host's aggregate metadata", NULL, FF_NONE},
    {"AggregateMultiTenancyIsolation", F_ONCE, R_ALL, agg_multitenancy_isolation,
     "project listed in the host's filter_tenant_id (or none set)", NULL, FF_NONE},
    {"AggregateTypeAffinityFilter", F_ONCE, R_ALL, agg_type_affinity,
     "flavor listed in the host's instance_type (or none set)", NULL, FF_NONE},
    {"IoOpsFilter", 0, R_ALL, io_ops_filter, "num_io_ops < max_io_ops_per_host", NULL, FF_NONE},
    {"AggregateIoOpsFilter", 0, R_ALL, agg_io_ops_filter,
     "num_io_ops < aggregate max_io_ops_per_host (minimum) or the option", NULL, FF_NONE},
    {"NumInstancesFilter", 0, R_ALL, num_instances_filter,
     "num_instances < max_instances_per_host", NULL, FF_NONE},
    {"AggregateNumInstancesFilter", 0, R_ALL, agg_num_instances_filter,
     "num_instances < aggregate max_instances_per_host (minimum) or the option", NULL, FF_NONE},
    {"IsolatedHostsFilter", F_ONCE | F_REBUILD, R_ALL, isolated_hosts_filter,
     "isolated images on isolated hosts only", NULL, FF_NONE},
    {"JsonFilter", 0, R_ALL, json_filter, "the query hint holds for the host", idle_no_query, FF_NONE},
    {"MetricsFilter", 0, R_ALL, metrics_filter,
     "host reports every metric of [metrics] weight_setting", NULL, FF_NONE},
    {"NUMATopologyFilter", 0, R_ALL, numa_topology_filter, "instance NUMA topology fits",
     idle_no_numa, FF_NONE},
    {"PciPassthroughFilter", 0, R_ALL, pci_passthrough_filter, "PCI requests satisfiable",
     idle_no_pci, FF_NONE},
    {"AvailabilityZoneFilter", F_ONCE, REL_FIRST, REL_2023_1, availability_zone_filter,
     "host in the requested availability zone", idle_no_az, FF_NONE},
    {"RetryFilter", 0, REL_FIRST, REL_USSURI, retry_filter,
     "host not already tried for this request", idle_no_retry, FF_NONE},
    {"RamFilter", 0, REL_FIRST, REL_USSURI, ram_filter,
     "total RAM * ram_allocation_ratio - used >= requested", NULL, FF_NONE},
    {"AggregateRamFilter", 0, REL_FIRST, REL_USSURI, agg_ram_filter,
     "RamFilter with aggregate ram_allocation_ratio", NULL, FF_NONE},
    {"CoreFilter", 0, REL_FIRST, REL_USSURI, core_filter,
     "vcpus * cpu_allocation_ratio - used >= requested", NULL, FF_NONE},
    {"AggregateCoreFilter", 0, REL_FIRST, REL_USSURI, agg_core_filter,
     "CoreFilter with aggregate cpu_allocation_ratio", NULL, FF_NONE},
    {"DiskFilter", 0, REL_FIRST, REL_USSURI, disk_filter,
     "disk * disk_allocation_ratio - used >= requested", NULL, FF_NONE},
    {"AggregateDiskFilter", 0, REL_FIRST, REL_USSURI, agg_disk_filter,
     "DiskFilter with aggregate disk_allocation_ratio", NULL, FF_NONE},
};
const int filter_count = sizeof filter_table / sizeof filter_table[0];

int filter_lookup(const char *name)
{
    /* nova.conf may spell them with their module path */
    const char *dot = strrchr(name, '.');
    if (dot)
        name = dot + 1;
    for (int i = 0; i < filter_count; i++)
        if (!strcmp(filter_table[i].name, name))
            return i;
    return -1;
}
