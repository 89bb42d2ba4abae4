/*
 * journal.c - the undo journal of one command (journal.h).
 *
 * Each before-image is kept once per journal: a small hash set of
 * (kind, id) says which objects were saved already.  Undo copies every
 * before-image back, rewinds the server name index, and drops what the
 * command added (servers, migrations, allocations past the counts saved
 * at the start).  Names stay where they are: the name indexes borrow
 * them, and no journaled command renames a server or a host.
 */
#include "journal.h"

#include <stdlib.h>
#include <string.h>

enum jkind { J_SERVER, J_HOST, J_MIGRATION, J_ALLOCATION, J_USAGE, J_HOST_SERVERS, J_FAULTS };

typedef struct j_server { int id; server s; } j_server;
typedef struct j_host { int id; host h; } j_host;
typedef struct j_migration { int id; migration m; } j_migration;
typedef struct j_allocation { int id; allocation a; } j_allocation;
typedef struct j_usage { int id; int64_t row[RC_COUNT]; } j_usage;
typedef struct j_list { int id; intvec l; } j_list;
/* The server index mapped `key` to `prev` (-1: no entry) before a change. */
typedef struct j_index { char *key; int prev; } j_index;

struct journal {
    journal *prev;              /* the journal recording when this one began */
    bool of_undo;               /* records journal_undo() (journal_begin_undo) */
    /* what the cloud had and was when the command started */
    int n_servers, n_migrations, n_allocations, n_hosts;
    uint32_t alloc_seq;
    bool no_settle, view_valid, view_full, units_set;
    unsigned host_gen;
    intvec view_dirty;
    /* before-images, in the order they were taken */
    struct { j_server *v; int n, cap; } servers;
    struct { j_host *v; int n, cap; } hosts;
    struct { j_migration *v; int n, cap; } migrations;
    struct { j_allocation *v; int n, cap; } allocations;
    struct { j_usage *v; int n, cap; } usage;
    struct { j_list *v; int n, cap; } host_servers;
    struct { j_index *v; int n, cap; } index;
    bool faults_saved;
    fault_vec faults;
    /* (kind, id) of every before-image taken: open addressing, 0 empty */
    uint64_t *seen;
    int seen_cap, seen_n;
};

static uint64_t seen_key(enum jkind k, int id) { return ((uint64_t)(k + 1) << 32) | (uint32_t)id; }

/* Whether (k, id) was saved already; marks it saved. */
static bool seen(journal *j, enum jkind k, int id)
{
    if (2 * (j->seen_n + 1) > j->seen_cap) {
        int cap = j->seen_cap ? 2 * j->seen_cap : 64;
        uint64_t *v = nv_calloc((size_t)cap, sizeof *v);
        for (int i = 0; i < j->seen_cap; i++)
            if (j->seen[i]) {
                size_t m = (size_t)cap - 1, p = (size_t)(j->seen[i] * 0x9E3779B97F4A7C15ull >> 32) & m;
                while (v[p])
                    p = (p + 1) & m;
                v[p] = j->seen[i];
            }
        free(j->seen);
        j->seen = v;
        j->seen_cap = cap;
    }
    uint64_t key = seen_key(k, id);
    size_t m = (size_t)j->seen_cap - 1, p = (size_t)(key * 0x9E3779B97F4A7C15ull >> 32) & m;
    for (; j->seen[p]; p = (p + 1) & m)
        if (j->seen[p] == key)
            return true;
    j->seen[p] = key;
    j->seen_n++;
    return false;
}

void journal_begin(cloud *c)
{
    journal *j = nv_calloc(1, sizeof *j);
    j->prev = c->jr;
    j->n_servers = c->servers.n;
    j->n_migrations = c->migrations.n;
    j->n_allocations = c->allocations.n;
    j->n_hosts = c->hosts.n;
    j->alloc_seq = c->alloc_seq;
    j->no_settle = c->no_settle;
    j->view_valid = c->view_valid;
    j->view_full = c->view_full;
    j->units_set = c->units_set;
    j->host_gen = c->host_gen;
    intvec_copy(&j->view_dirty, &c->view_dirty);
    c->jr = j;
}

void journal_begin_undo(cloud *c)
{
    journal_begin(c);
    c->jr->of_undo = true;
}

journal *journal_end(cloud *c)
{
    journal *j = c->jr;
    c->jr = j ? j->prev : NULL;
    if (j)
        j->prev = NULL;
    return j;
}

/* Move the before-images of `in` that `out` lacks into `out`: those of
 * objects that existed when `out` began and that it did not save itself
 * (it has them as they were, or they came after it and go with it). */
static void merge_into(journal *out, journal *in)
{
#define MERGE(field, kind, n0, done)                                                         for (int k = 0; k < in->field.n; k++) {                                                      if (in->field.v[k].id < out->n0 && !seen(out, kind, in->field.v[k].id)) {                    NV_GROW(out->field);                                                                     out->field.v[out->field.n++] = in->field.v[k];                                       } else {                                                                                     done;                                                                                }                                                                                    }                                                                                        in->field.n = 0;
    MERGE(servers, J_SERVER, n_servers, server_done(&in->servers.v[k].s))
    MERGE(hosts, J_HOST, n_hosts, host_done(&in->hosts.v[k].h))
    MERGE(migrations, J_MIGRATION, n_migrations, migration_done(&in->migrations.v[k].m))
    MERGE(allocations, J_ALLOCATION, n_allocations, (void)0)
    MERGE(usage, J_USAGE, n_hosts, (void)0)
    MERGE(host_servers, J_HOST_SERVERS, n_hosts, intvec_free(&in->host_servers.v[k].l))
#undef MERGE
    /* the index's changes, in the order they happened */
    for (int k = 0; k < in->index.n; k++) {
        NV_GROW(out->index);
        out->index.v[out->index.n++] = in->index.v[k];
    }
    in->index.n = 0;
    if (in->faults_saved && !out->faults_saved) {
        out->faults_saved = true;
        out->faults = in->faults;
        memset(&in->faults, 0, sizeof in->faults);
    }
}

void journal_commit(cloud *c)
{
    journal *j = journal_end(c);
    if (j && c->jr)
        merge_into(c->jr, j);
    journal_free(j);
}

/* ---- the barriers' slow path ------------------------------------------------------ */

void journal_server(cloud *c, int sid)
{
    journal *j = c->jr;
    if (sid >= j->n_servers || seen(j, J_SERVER, sid))
        return;
    NV_GROW(j->servers);
    j_server *e = &j->servers.v[j->servers.n++];
    e->id = sid;
    server_copy(&e->s, &c->servers.v[sid]);
}

void journal_host(cloud *c, int h)
{
    journal *j = c->jr;
    if (h >= j->n_hosts || seen(j, J_HOST, h))
        return;
    NV_GROW(j->hosts);
    j_host *e = &j->hosts.v[j->hosts.n++];
    e->id = h;
    host_copy(&e->h, &c->hosts.v[h]);
}

void journal_migration(cloud *c, int i)
{
    journal *j = c->jr;
    if (i >= j->n_migrations || seen(j, J_MIGRATION, i))
        return;
    NV_GROW(j->migrations);
    j_migration *e = &j->migrations.v[j->migrations.n++];
    e->id = i;
    migration_copy(&e->m, &c->migrations.v[i]);
}

void journal_allocation(cloud *c, int i)
{
    journal *j = c->jr;
    /* a slot below the starting count is saved when it is written and
     * when a removal leaves it past the end (placement.c) */
    if (i >= j->n_allocations || seen(j, J_ALLOCATION, i))
        return;
    NV_GROW(j->allocations);
    j->allocations.v[j->allocations.n++] = (j_allocation){i, c->allocations.v[i]};
}

void journal_usage(cloud *c, int h)
{
    journal *j = c->jr;
    if (h >= j->n_hosts || seen(j, J_USAGE, h))
        return;
    NV_GROW(j->usage);
    j_usage *e = &j->usage.v[j->usage.n++];
    e->id = h;
    memcpy(e->row, c->usage + (size_t)h * RC_COUNT, sizeof e->row);
}

void journal_host_servers(cloud *c, int h)
{
    journal *j = c->jr;
    if (h >= j->n_hosts || seen(j, J_HOST_SERVERS, h))
        return;
    NV_GROW(j->host_servers);
    j_list *e = &j->host_servers.v[j->host_servers.n++];
    e->id = h;
    memset(&e->l, 0, sizeof e->l);
    intvec_copy(&e->l, &c->host_servers[h]);
}

void journal_faults(cloud *c)
{
    journal *j = c->jr;
    if (j->faults_saved)
        return;
    j->faults_saved = true;
    j->faults.n = j->faults.cap = c->faults.n;
    j->faults.v = nv_malloc((size_t)(c->faults.n ? c->faults.n : 1) * sizeof *j->faults.v);
    for (int i = 0; i < c->faults.n; i++)
        fault_copy(&j->faults.v[i], &c->faults.v[i]);
}

void journal_server_index(cloud *c, const char *name)
{
    journal *j = c->jr;
    if (!j)
        return;
    NV_GROW(j->index);
    j->index.v[j->index.n++] = (j_index){nv_strdup(name), nv_index_get(&c->server_ix, name)};
}

/* ---- undo ------------------------------------------------------------------------- */

/* vec grows to n elements, the new ones zeroed (objects an undo dropped,
 * coming back when that undo is undone). */
#define GROW_ZEROED(vec, nn)                                                             \
    do {                                                                                 \
        if ((vec).n < (nn)) {                                                            \
            if ((vec).cap < (nn)) {                                                      \
                (vec).cap = (nn);                                                        \
                (vec).v = nv_realloc((vec).v, (size_t)(vec).cap * sizeof *(vec).v);      \
            }                                                                            \
            memset((vec).v + (vec).n, 0, (size_t)((nn) - (vec).n) * sizeof *(vec).v);    \
            (vec).n = (nn);                                                              \
        }                                                                                \
    } while (0)

/* The object gets its before-image; its name stays where it is when it
 * has one (the name indexes borrow it, and names never change). */
static void put_back_server(server *s, const server *img)
{
    char *name = s->name;
    s->name = NULL;
    server_done(s);
    server_copy(s, img);
    if (name) {
        free(s->name);
        s->name = name;
    }
}

static void put_back_host(host *h, const host *img)
{
    char *name = h->name;
    h->name = NULL;
    host_done(h);
    host_copy(h, img);
    if (name) {
        free(h->name);
        h->name = name;
    }
}

/* Every write goes through the barriers, so that a journal begun with
 * journal_begin_undo() can undo the undo in turn. */
void journal_undo(cloud *c, const journal *j)
{
    if (c->hosts.n != j->n_hosts)
        nv_fatal("journal_undo: the command added or removed a host (it is undone from a copy)");
    /* only a journal begun for it records the undo */
    journal *outer = c->jr;
    if (outer && !outer->of_undo)
        c->jr = NULL;
    /* objects an undo being undone dropped come back first */
    GROW_ZEROED(c->servers, j->n_servers);
    GROW_ZEROED(c->migrations, j->n_migrations);
    for (int k = 0; k < j->servers.n; k++)
        put_back_server(cloud_server_w(c, j->servers.v[k].id), &j->servers.v[k].s);
    /* the index, while the names of the servers added still exist */
    for (int k = j->index.n - 1; k >= 0; k--) {
        const j_index *e = &j->index.v[k];
        journal_server_index(c, e->key);
        int now = nv_index_get(&c->server_ix, e->key);
        if (now >= 0)
            nv_index_del(&c->server_ix, e->key, now);
        if (e->prev >= 0)
            nv_index_put(&c->server_ix, c->servers.v[e->prev].name, e->prev);
    }
    for (int i = j->n_servers; i < c->servers.n; i++)
        server_done(cloud_server_w(c, i));
    c->servers.n = j->n_servers;
    for (int k = 0; k < j->migrations.n; k++) {
        migration *m = cloud_migration_w(c, j->migrations.v[k].id);
        migration_done(m);
        migration_copy(m, &j->migrations.v[k].m);
    }
    for (int i = j->n_migrations; i < c->migrations.n; i++)
        migration_done(cloud_migration_w(c, i));
    c->migrations.n = j->n_migrations;
    /* slots are only ever overwritten or left past the end, and both are
     * saved: the count and the slots saved are the whole array as it was */
    for (int i = j->n_allocations; i < c->allocations.n; i++)
        (void)cloud_allocation_w(c, i);
    if (c->allocations.cap < j->n_allocations) {
        c->allocations.cap = j->n_allocations;
        c->allocations.v = nv_realloc(c->allocations.v,
                                      (size_t)c->allocations.cap * sizeof *c->allocations.v);
    }
    c->allocations.n = j->n_allocations;
    for (int k = 0; k < j->allocations.n; k++)
        *cloud_allocation_w(c, j->allocations.v[k].id) = j->allocations.v[k].a;
    for (int k = 0; k < j->usage.n; k++)
        memcpy(cloud_usage_w(c, j->usage.v[k].id), j->usage.v[k].row, sizeof j->usage.v[k].row);
    for (int k = 0; k < j->host_servers.n; k++) {
        intvec *l = cloud_host_servers_w(c, j->host_servers.v[k].id);
        l->n = 0;
        for (int i = 0; i < j->host_servers.v[k].l.n; i++)
            intvec_push(l, j->host_servers.v[k].l.v[i]);
    }
    for (int k = 0; k < j->hosts.n; k++)
        put_back_host(cloud_host_w(c, j->hosts.v[k].id), &j->hosts.v[k].h);
    if (j->faults_saved) {
        fault_vec *f = cloud_faults_w(c);
        for (int i = 0; i < f->n; i++)
            fault_done(&f->v[i]);
        f->n = 0;
        for (int i = 0; i < j->faults.n; i++) {
            NV_GROW(*f);
            fault_copy(&f->v[f->n++], &j->faults.v[i]);
        }
    }
    /* (a journal recording this saved these when it began) */
    c->alloc_seq = j->alloc_seq;
    c->no_settle = j->no_settle;
    c->view_valid = j->view_valid;
    c->view_full = j->view_full;
    c->units_set = j->units_set;
    c->host_gen = j->host_gen;
    c->view_dirty.n = 0;
    for (int i = 0; i < j->view_dirty.n; i++)
        intvec_push(&c->view_dirty, j->view_dirty.v[i]);
    c->jr = outer;
}

void journal_free(journal *j)
{
    if (!j)
        return;
    intvec_free(&j->view_dirty);
    for (int k = 0; k < j->servers.n; k++)
        server_done(&j->servers.v[k].s);
    free(j->servers.v);
    for (int k = 0; k < j->hosts.n; k++)
        host_done(&j->hosts.v[k].h);
    free(j->hosts.v);
    for (int k = 0; k < j->migrations.n; k++)
        migration_done(&j->migrations.v[k].m);
    free(j->migrations.v);
    free(j->allocations.v);
    free(j->usage.v);
    for (int k = 0; k < j->host_servers.n; k++)
        intvec_free(&j->host_servers.v[k].l);
    free(j->host_servers.v);
    for (int k = 0; k < j->index.n; k++)
        free(j->index.v[k].key);
    free(j->index.v);
    for (int i = 0; i < j->faults.n; i++)
        fault_done(&j->faults.v[i]);
    free(j->faults.v);
    free(j->seen);
    free(j);
}

size_t journal_bytes(const journal *j)
{
    if (!j)
        return 0;
    /* the arrays, and a guess at what each copied object owns */
    return sizeof *j + (size_t)j->view_dirty.cap * sizeof(int) +
           (size_t)j->servers.cap * (sizeof(j_server) + 128) +
           (size_t)j->hosts.cap * (sizeof(j_host) + 256) +
           (size_t)j->migrations.cap * (sizeof(j_migration) + 64) +
           (size_t)j->allocations.cap * sizeof(j_allocation) +
           (size_t)j->usage.cap * sizeof(j_usage) +
           (size_t)j->host_servers.cap * (sizeof(j_list) + 64) +
           (size_t)j->index.cap * (sizeof(j_index) + 32) +
           (size_t)j->faults.cap * (sizeof(fault_rule) + 64) +
           (size_t)j->seen_cap * sizeof(uint64_t);
}
