/*
 * numa.c - see numa.h.
 *
 * Instance topology (hardware.numa_get_constraints): hw:numa_nodes (or the
 * image's hw_numa_nodes) cells; hw:numa_cpus.N / hw:numa_mem.N give each
 * cell's CPUs and memory, else they are split evenly.  A dedicated CPU
 * policy without hw:numa_nodes means one cell.
 *
 * Cell fit (hardware._numa_fit_instance_cell, simplified):
 *   shared:    cell vcpus <= host cell cpus and
 *              cpu_used + vcpus <= cpus * cpu_allocation_ratio;
 *              mem_used + mem <= memory * ram_allocation_ratio
 *   dedicated: pcpus - pcpu_used >= vcpus (+1 with emulator isolate);
 *              mem_used + mem <= memory (no overcommit);
 *              thread policy require needs threads_per_core > 1
 * Host cells are tried in permutations, in order; the first fit wins.
 */
#include "numa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

static const char *spec_or_prop(const cloud *c, int fl, int img, const char *spec,
                                const char *prop)
{
    const char *v = kvlist_get(&c->flavors.v[fl].extra_specs, spec);
    if (!v && img >= 0)
        v = kvlist_get(&c->images.v[img].properties, prop);
    return v;
}

/* "0-3,6" -> number of CPUs (ranges and '^' exclusions) */
static int count_cpus(const char *s)
{
    int n = 0;
    char *copy = nv_strdup(s);
    for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
        while (*t == ' ')
            t++;
        if (*t == '^') {
            n--;
            continue;
        }
        int a, b;
        if (sscanf(t, "%d-%d", &a, &b) == 2 && b >= a)
            n += b - a + 1;
        else if (sscanf(t, "%d", &a) == 1)
            n++;
    }
    free(copy);
    return n;
}

bool numa_request(const cloud *c, int fl, int img, numa_req *out, char *err, size_t errlen)
{
    const flavor *f = &c->flavors.v[fl];
    memset(out, 0, sizeof *out);
    const char *pol = spec_or_prop(c, fl, img, "hw:cpu_policy", "hw_cpu_policy");
    const char *thr = spec_or_prop(c, fl, img, "hw:cpu_thread_policy", "hw_cpu_thread_policy");
    const char *emu = kvlist_get(&f->extra_specs, "hw:emulator_threads_policy");
    const char *nodes = spec_or_prop(c, fl, img, "hw:numa_nodes", "hw_numa_nodes");
    out->dedicated = pol && !strcmp(pol, "dedicated");
    out->require_smt = thr && !strcmp(thr, "require");
    out->emulator_isolate = out->dedicated && emu && !strcmp(emu, "isolate");
    int n = nodes ? atoi(nodes) : (out->dedicated ? 1 : 0);
    if (n <= 0)
        return !nodes || (snprintf(err, errlen, "hw:numa_nodes must be a positive integer, got '%s'",
                                   nodes),
                          false);
    if (n > NUMA_MAX_CELLS) {
        snprintf(err, errlen, "hw:numa_nodes %d: at most %d cells are modelled", n, NUMA_MAX_CELLS);
        return false;
    }
    out->n = n;
    int cpus_left = f->vcpus;
    int64_t mem_left = f->memory_mb;
    bool explicit_cpus = false, explicit_mem = false;
    for (int i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "hw:numa_cpus.%d", i);
        const char *cs = kvlist_get(&f->extra_specs, key);
        snprintf(key, sizeof key, "hw:numa_mem.%d", i);
        const char *ms = kvlist_get(&f->extra_specs, key);
        if (cs) {
            out->cpus[i] = count_cpus(cs);
            explicit_cpus = true;
        }
        if (ms) {
            out->mem[i] = atoll(ms);
            explicit_mem = true;
        }
    }
    if (!explicit_cpus) {
        if (f->vcpus % n) {
            snprintf(err, errlen, "flavor %s: %d vCPUs cannot be split evenly over %d NUMA nodes",
                     f->name, f->vcpus, n);
            return false;
        }
        for (int i = 0; i < n; i++)
            out->cpus[i] = f->vcpus / n;
    } else {
        for (int i = 0; i < n; i++)
            cpus_left -= out->cpus[i];
        if (cpus_left) {
            snprintf(err, errlen, "flavor %s: hw:numa_cpus.N do not add up to %d vCPUs", f->name,
                     f->vcpus);
            return false;
        }
    }
    if (!explicit_mem) {
        if (f->memory_mb % n) {
            snprintf(err, errlen, "flavor %s: %lld MB cannot be split evenly over %d NUMA nodes",
                     f->name, (long long)f->memory_mb, n);
            return false;
        }
        for (int i = 0; i < n; i++)
            out->mem[i] = f->memory_mb / n;
    } else {
        for (int i = 0; i < n; i++)
            mem_left -= out->mem[i];
        if (mem_left) {
            snprintf(err, errlen, "flavor %s: hw:numa_mem.N do not add up to %lld MB", f->name,
                     (long long)f->memory_mb);
            return false;
        }
    }
    return true;
}

static bool cell_fits(const cloud *c, int h, const cell_usage *u, const numa_req *r, int ic,
                      int hc, bool first, sbuf *why)
{
    const numa_cell *cell = &c->hosts.v[h].cells[hc];
    const cell_usage *cu = &u[hc];
    int want = r->cpus[ic] + (r->emulator_isolate && first ? 1 : 0);
    if (r->dedicated) {
        if (r->require_smt && cell->threads_per_core < 2) {
            sbuf_addf(why, "cell %d: thread policy require, host cell has no SMT", hc);
            return false;
        }
        if (cell->pcpus - cu->pcpu_used < want) {
            sbuf_addf(why, "cell %d: free pinned CPUs %d < requested %d", hc,
                      cell->pcpus - cu->pcpu_used, want);
            return false;
        }
        if (cu->mem_used + r->mem[ic] > cell->memory_mb) {
            sbuf_addf(why, "cell %d: free memory %lld MB < requested %lld MB", hc,
                      (long long)(cell->memory_mb - cu->mem_used), (long long)r->mem[ic]);
            return false;
        }
        return true;
    }
    double cr = host_ratio(c, h, RC_VCPU), rr = host_ratio(c, h, RC_MEMORY_MB);
    if (r->cpus[ic] > cell->cpus) {
        sbuf_addf(why, "cell %d: %d vCPUs > %d host CPUs", hc, r->cpus[ic], cell->cpus);
        return false;
    }
    if ((double)(cu->cpu_used + r->cpus[ic]) > cell->cpus * cr) {
        sbuf_addf(why, "cell %d: used %d + requested %d vCPUs > %d CPUs * ratio %g", hc,
                  cu->cpu_used, r->cpus[ic], cell->cpus, cr);
        return false;
    }
    if ((double)(cu->mem_used + r->mem[ic]) > (double)cell->memory_mb * rr) {
        sbuf_addf(why, "cell %d: used %lld + requested %lld MB > %lld MB * ratio %g", hc,
                  (long long)cu->mem_used, (long long)r->mem[ic], (long long)cell->memory_mb, rr);
        return false;
    }
    return true;
}

/* Depth-first over permutations of host cells, in order. */
static bool permute(const cloud *c, int h, const cell_usage *u, const numa_req *r, int ic,
                    int *assign, bool *used, sbuf *why)
{
    if (ic == r->n)
        return true;
    const host *ho = &c->hosts.v[h];
    for (int hc = 0; hc < ho->n_cells; hc++) {
        if (used[hc])
            continue;
        sbuf tmp = {0};
        bool ok = cell_fits(c, h, u, r, ic, hc, ic == 0, &tmp);
        if (!ok && !why->len && tmp.s)
            sbuf_addf(why, "instance cell %d: %s", ic, tmp.s);
        sbuf_free(&tmp);
        if (!ok)
            continue;
        used[hc] = true;
        assign[ic] = hc;
        if (permute(c, h, u, r, ic + 1, assign, used, why))
            return true;
        used[hc] = false;
    }
    return false;
}

bool numa_fit(const cloud *c, int h, const cell_usage *u, const numa_req *r, int *assign,
              sbuf *why)
{
    const host *ho = &c->hosts.v[h];
    if (!r->n)
        return true;
    if (!ho->n_cells) {
        sbuf_add(why, "instance asks for a NUMA topology, host reports none");
        return false;
    }
    if (r->n > ho->n_cells) {
        sbuf_addf(why, "instance needs %d NUMA cells, host has %d", r->n, ho->n_cells);
        return false;
    }
    bool used[NUMA_MAX_CELLS * 8] = {false};
    if (ho->n_cells > (int)(sizeof used / sizeof used[0])) {
        sbuf_add(why, "too many host NUMA cells");
        return false;
    }
    sbuf first = {0};
    bool ok = permute(c, h, u, r, 0, assign, used, &first);
    if (!ok)
        sbuf_add(why, first.s ? first.s : "no NUMA cell fits");
    sbuf_free(&first);
    return ok;
}

void numa_consume(cell_usage *u, const numa_req *r, const int *assign)
{
    for (int i = 0; i < r->n; i++) {
        cell_usage *cu = &u[assign[i]];
        if (r->dedicated)
            cu->pcpu_used += r->cpus[i] + (r->emulator_isolate && i == 0 ? 1 : 0);
        else
            cu->cpu_used += r->cpus[i];
        cu->mem_used += r->mem[i];
    }
}

void numa_host_usage(const cloud *c, int h, cell_usage *u)
{
    const host *ho = &c->hosts.v[h];
    memset(u, 0, (size_t)ho->n_cells * sizeof *u);
    if (!ho->n_cells)
        return;
    const intvec *sv = &c->host_servers[h];
    for (int i = 0; i < sv->n; i++) {
        const server *s = &c->servers.v[sv->v[i]];
        numa_req r;
        char err[160];
        if (!numa_request(c, s->flavor, s->image, &r, err, sizeof err) || !r.n)
            continue;
        int assign[NUMA_MAX_CELLS];
        sbuf why = {0};
        if (numa_fit(c, h, u, &r, assign, &why))
            numa_consume(u, &r, assign);
        sbuf_free(&why);
    }
}

/* ---- PCI ----------------------------------------------------------------- */

void pci_requests_free(pci_req *r, int n)
{
    for (int i = 0; i < n; i++) {
        free(r[i].alias);
        free(r[i].vendor_id);
        free(r[i].product_id);
    }
}

int pci_requests(const cloud *c, int fl, pci_req *out, int max, char *err, size_t errlen)
{
    const char *spec = kvlist_get(&c->flavors.v[fl].extra_specs, "pci_passthrough:alias");
    if (!spec)
        return 0;
    int n = 0;
    char *copy = nv_strdup(spec);
    for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
        while (*t == ' ')
            t++;
        char *colon = strchr(t, ':');
        int count = colon ? atoi(colon + 1) : 1;
        if (colon)
            *colon = '\0';
        if (count <= 0 || n >= max) {
            snprintf(err, errlen, "pci_passthrough:alias '%s': bad count", spec);
            pci_requests_free(out, n);
            free(copy);
            return -1;
        }
        /* find the alias in [pci] alias */
        bool found = false;
        for (int a = 0; a < c->conf.pci_alias.n && !found; a++) {
            char jerr[96];
            jval *j = json_parse(c->conf.pci_alias.v[a], jerr, sizeof jerr);
            if (!j)
                continue;
            const jval *nm = json_get(j, "name");
            if (nm && nm->t == J_STRING && !strcmp(nm->s, t)) {
                const jval *ven = json_get(j, "vendor_id"), *prod = json_get(j, "product_id");
                out[n].alias = nv_strdup(t);
                out[n].vendor_id = nv_strdup(ven && ven->t == J_STRING ? ven->s : "");
                out[n].product_id = nv_strdup(prod && prod->t == J_STRING ? prod->s : "");
                out[n].count = count;
                n++;
                found = true;
            }
            json_free(j);
        }
        if (!found) {
            snprintf(err, errlen, "PCI alias %s is not defined", t);
            pci_requests_free(out, n);
            free(copy);
            return -1;
        }
    }
    free(copy);
    return n;
}

static bool pool_matches(const pci_pool *p, const pci_req *r)
{
    return (!*r->vendor_id || !strcasecmp(p->vendor_id, r->vendor_id)) &&
           (!*r->product_id || !strcasecmp(p->product_id, r->product_id));
}

bool pci_fit(const cloud *c, int h, int *free_per_pool, const pci_req *r, int n, bool take,
             sbuf *why)
{
    const host *ho = &c->hosts.v[h];
    int *trial = nv_malloc((size_t)(ho->n_pci ? ho->n_pci : 1) * sizeof *trial);
    memcpy(trial, free_per_pool, (size_t)ho->n_pci * sizeof *trial);
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        int need = r[i].count, have = 0;
        for (int p = 0; p < ho->n_pci; p++)
            if (pool_matches(&ho->pci[p], &r[i]))
                have += trial[p];
        if (have < need) {
            if (why)
                sbuf_addf(why, "PCI alias %s (%s:%s): %d free device(s) < requested %d", r[i].alias,
                          r[i].vendor_id, r[i].product_id, have, need);
            ok = false;
            break;
        }
        for (int p = 0; p < ho->n_pci && need; p++)
            if (pool_matches(&ho->pci[p], &r[i])) {
                int k = trial[p] < need ? trial[p] : need;
                trial[p] -= k;
                need -= k;
            }
    }
    if (ok && take)
        memcpy(free_per_pool, trial, (size_t)ho->n_pci * sizeof *trial);
    free(trial);
    return ok;
}

void pci_host_free(const cloud *c, int h, int *free_per_pool)
{
    const host *ho = &c->hosts.v[h];
    for (int p = 0; p < ho->n_pci; p++)
        free_per_pool[p] = ho->pci[p].count;
    const intvec *sv = &c->host_servers[h];
    for (int i = 0; i < sv->n; i++) {
        pci_req r[PCI_MAX_REQUESTS];
        char err[128];
        int n = pci_requests(c, c->servers.v[sv->v[i]].flavor, r, PCI_MAX_REQUESTS, err, sizeof err);
        if (n > 0)
            pci_fit(c, h, free_per_pool, r, n, true, NULL);
        if (n > 0)
            pci_requests_free(r, n);
    }
}
