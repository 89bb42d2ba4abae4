/*
 * model.h - the simulated cloud: plain structs in arrays with integer ids.
 *
 * A `cloud` owns every object.  Objects refer to each other by index into
 * the cloud's arrays (host 3, flavor 0); -1 means "none".  Hosts, flavors,
 * images, groups and aggregates are never removed once loaded, so their ids
 * are stable; servers are marked deleted rather than removed, and
 * migrations only grow.  That makes a cloud cheap to copy (undo, "what if")
 * and to compare in tests, and lets it scale to 100,000 hosts.
 *
 * Nova's vocabulary is kept: a host is a nova-compute service with one
 * compute node (libvirt: 1 host : 1 node), whose node name equals the host
 * name; its Placement resource provider carries its inventory.
 *
 * No I/O here: loading lives in scenario.c, rendering in the front ends.
 */
#ifndef NOVALID_MODEL_H
#define NOVALID_MODEL_H

#include "config.h"
#include "reason.h"
#include "util.h"

/* Placement resource classes the model knows. */
enum rc {
    RC_VCPU,
    RC_MEMORY_MB,
    RC_DISK_GB,
    RC_PCPU,
    RC_COUNT
};
extern const char *const rc_names[RC_COUNT];
int rc_from_name(const char *name);   /* -1 if unknown */

/* A host NUMA cell (libvirt reports one per socket/node). */
typedef struct numa_cell {
    int cpus;                  /* CPUs for shared (unpinned) guests */
    int pcpus;                 /* CPUs of cpu_dedicated_set in this cell */
    int64_t memory_mb;
    int threads_per_core;      /* SMT siblings; 1 = no hyperthreading */
} numa_cell;

/* A PCI device pool (PciDeviceStats): identical devices on one NUMA node. */
typedef struct pci_pool {
    char *vendor_id, *product_id;
    int count;
    int numa_node;             /* -1: unknown */
} pci_pool;

/* Placement inventory fields an operator set directly (0: what
 * nova-compute reports: min_unit 1, max_unit total, step_size 1). */
typedef struct host_units {
    int64_t min_unit[RC_COUNT], max_unit[RC_COUNT], step_size[RC_COUNT];
} host_units;

typedef struct host {
    /* What the scheduler reads of every host comes first, packed into two
     * cache lines: a decision on a large cloud is bound by memory, not by
     * arithmetic, so it touches these and (rarely) nothing else. */
    int vcpus;
    int pcpus;                 /* cpu_dedicated_set size (PCPU inventory) */
    int64_t memory_mb;
    int64_t disk_gb;
    /* cpu_arch, hypervisor_type and cell are interned (nv_intern): hosts
     * share one copy of each value, and equal values are equal pointers */
    const char *cpu_arch;
    const char *hypervisor_type;
    bool up;                   /* service heartbeat within service_down_time */
    bool disabled;
    bool forced_down;
    /* Placement's COMPUTE_STATUS_DISABLED trait lags `disabled`: the API
     * syncs it only through a running compute, else the compute does on
     * its restart (nova/compute/api.py _update_compute_provider_status) */
    bool status_trait_stale;
    int failed_builds;
    int io_workload;           /* compute node stats io_workload as last saved
                                * (resource tracker), see cloud_refresh_view */
    int n_cells;
    int n_pci;
    int maxphysaddr_bits;      /* cpu_info maxphysaddr bits; 0: not reported */
    /* Per-host overrides of [DEFAULT] options; < 0 means "not set". */
    double cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio;
    int64_t reserved_host_memory_mb, reserved_host_disk_mb, reserved_host_cpus;
    strlist traits;            /* as given; COMPUTE_STATUS_DISABLED is implied by disabled */
    /* The rest: read when shown, saved, or asked for by a rarer filter. */
    host_units *units;         /* NULL: none set (host_units_of() adds them) */
    char *name;
    const char *cell;
    int64_t hypervisor_version;
    char *host_ip;
    char *disabled_reason;
    numa_cell *cells;          /* NULL: the host reports no NUMA topology */
    pci_pool *pci;             /* passthrough-capable devices */
    kvlist metrics;            /* monitor metrics, "name" -> value */
    int line;                  /* where it was defined, for messages */
} host;

/* What a decision reads of every host, one record per host in a dense
 * array the cloud keeps (cloud_hot()): the host loop of a decision reads
 * these two cache lines instead of the host's own and its usage row, and
 * what nova.conf's ratios and reserved and the host's usage make of its
 * numbers is worked out once, not per request.  The first line is what
 * Placement and the inline filters ask of every host, the second what a
 * candidate's host state and weights add. */
typedef struct host_hot {
    /* first line: what Placement and the inline filters ask of every host */
    /* Placement (HOT_EXACT): an amount a > 0 of class rc fits a host
     * without units iff a <= room[rc], where room is the least of
     * max_unit (its total) and (total - reserved) * ratio - used, rounded
     * down: the float compare Placement makes, since used + a is a whole
     * number (a room below INT32_MIN is INT32_MIN: nothing fits) */
    int32_t room[RC_COUNT];
    unsigned char flags;        /* HOT_* */
    int vcpus_total;            /* vcpus + pcpus */
    double cpu_ratio;           /* VCPU allocation ratio (CPUWeigher) */
    const char *cpu_arch;       /* interned, as the host's */
    const char *hypervisor_type;
    const char *cell;
    int failed_builds;
    int io_workload;
    /* second line: the host state (the scheduler's build_host_state()),
     * reserved and the host's Placement usage taken off */
    int64_t free_ram_mb;        /* memory_mb - reserved - used */
    int64_t free_disk_mb;       /* disk_gb * 1024 - reserved (MB) - used */
    int64_t vcpus_used;         /* reserved + VCPU and PCPU used */
    /* and why Placement refuses the host (HOT_REASON): its totals and
     * usage per class, its ratios and reserved being nova.conf's */
    int32_t total[RC_COUNT];
    int32_t used[RC_COUNT];
} host_hot;
_Static_assert(sizeof(host_hot) <= 128, "a hot record is two cache lines");
enum {
    HOT_UP = 1,                 /* enabled, not forced down, up: ComputeFilter passes */
    HOT_NO_TRAITS = 2,          /* Placement sees no trait on it, not even
                                 * COMPUTE_STATUS_DISABLED */
    HOT_DEVICES = 4,            /* NUMA cells or PCI devices */
    HOT_EXACT = 8,              /* room[] is exact (every total at most INT32_MAX,
                                 * usage and capacity well inside a double's whole
                                 * numbers): the record's fit is the host's, a
                                 * refusal too */
    HOT_STATUS_DISABLED = 16,   /* Placement sees COMPUTE_STATUS_DISABLED on it
                                 * (`disabled` and its trait in step) */
    HOT_REASON = 32,            /* total[] and used[] are the host's (each within
                                 * 32 bits) and it sets no ratio or reserved of
                                 * its own: the record says why its resources
                                 * are refused (placement_refusal_hot()) */
};

typedef struct aggregate {
    char *name;
    intvec hosts;              /* host ids */
    kvlist metadata;
} aggregate;

typedef struct flavor {
    char *name;
    int vcpus;
    int64_t memory_mb;
    int64_t root_gb, ephemeral_gb;
    int64_t swap;              /* MB, as in Nova */
    kvlist extra_specs;
} flavor;

typedef struct image {
    char *name;
    char *disk_format;
    kvlist properties;
    int64_t min_disk;          /* Glance min_disk (GB), 0: none */
    int64_t min_ram;           /* Glance min_ram (MB), 0: none */
} image;

enum group_policy {
    POLICY_AFFINITY,
    POLICY_ANTI_AFFINITY,
    POLICY_SOFT_AFFINITY,
    POLICY_SOFT_ANTI_AFFINITY
};
extern const char *const group_policy_names[4];

typedef struct group {
    char *name;
    enum group_policy policy;
    int max_server_per_host;   /* anti-affinity rule; 1 by default */
} group;

/*
 * The RequestSpec Nova persisted for a server (API database).  Fields Nova
 * does not persist (ignore_hosts, requested_destination since the fixes of
 * bugs 1669054 and 1797580) live in struct request_spec only.
 */
typedef struct persisted_spec {
    int num_instances;
    char *availability_zone;   /* what the user asked, NULL if nothing */
    kvlist hints;              /* same_host=..., different_host=..., query=... */
    strlist force_hosts;       /* legacy az:host */
    strlist force_nodes;
    strlist ignore_hosts;      /* persisted only while quirk bug-1669054 is on */
    char *requested_host;      /* persisted only while quirk bug-1797580 is on */
    strlist retry_hosts;       /* RequestSpec.retry hosts, persisted only while quirk
                                * bug-1718512 is on (not a scenario key) */
} persisted_spec;

typedef struct server {
    char *name;
    int flavor;
    int image;                 /* -1 when booted from volume without image */
    int host;                  /* -1 when not on a host (cell0 / ERROR) */
    int group;                 /* -1 if none */
    const char *project;       /* interned (nv_intern), as the states below */
    /* "active", "building", "error", ...; and the task state, NULL for
     * none.  Both interned (nv_intern): set them only through nv_intern,
     * so a state is compared by its pointer where it matters (the I/O
     * count over every server) and copying a cloud copies no state text. */
    const char *vm_state;
    const char *task_state;
    bool boot_from_volume;
    bool deleted;
    bool locked;
    char *fault;               /* latest instance fault message, NULL if none */
    const char *availability_zone;   /* instance.availability_zone; interned */
    /* Its RequestSpec as persisted; NULL for what a plain boot persists
     * (num_instances 1, nothing else), as most servers of a large cloud
     * have.  Read it through server_spec(), write through server_spec_w()
     * (on a server taken through the write barrier). */
    persisted_spec *spec;
    int old_flavor;            /* during resize: flavor before (else -1) */
    /* system_metadata image_min_disk (GB): max(image min_disk, root_gb of
     * the flavor the server was booted with), kept across resizes
     * (nova/utils.py get_system_metadata_from_image) */
    int64_t image_min_disk;
    int64_t image_min_ram;     /* system_metadata image_min_ram (MB) */
    /* The resource tracker's and the scheduler's view of this server, as
     * the compute last reported it: the host whose io_workload counts it
     * (-1: none), and a host whose HostState.instances still lists it
     * after it left (-1: none). */
    int rt_io_host;
    int sched_ghost;
    bool view_dirty;           /* in cloud.view_dirty: the view may differ from it */
    int alloc;                 /* its first allocation (derived: see placement.c), -1 none */
    int line;
} server;

typedef struct migration {
    int id;                    /* 1-based, as printed */
    int server;
    char *type;                /* "live-migration", "migration", "resize", "evacuation" */
    char *status;
    int source, dest;          /* host ids, dest -1 while unknown */
    int old_flavor, new_flavor;
    char *old_vm_state;        /* vm_state before a resize/migration */
    int alloc;                 /* its first allocation (derived: see placement.c), -1 none */
} migration;

/* An injected compute-side failure (scenario op `fault`). */
typedef struct fault_rule {
    int host;
    char *point;               /* build, prep_resize, check_can_live_migrate_destination, ... */
    int times;                 /* calls still to fail */
    char *message;
} fault_rule;

/* Placement consumers: an instance or a migration record. */
enum consumer_kind { CONSUMER_SERVER, CONSUMER_MIGRATION };

/* Allocations are kept in no particular order (a removal moves the last
 * one into the hole); each consumer's allocations form a chain from its
 * `alloc` through `next`, and `seq` says which was written first. */
typedef struct allocation {
    enum consumer_kind kind;
    int consumer;              /* server id or migration index */
    int host;                  /* resource provider = the host's node */
    int next;                  /* the consumer's next allocation, -1 none */
    uint32_t seq;              /* order of writing (what describe lists by) */
    int64_t amount[RC_COUNT];
} allocation;

/* A server's persisted RequestSpec (never NULL), and the same to write. */
extern const persisted_spec persisted_spec_plain;
static inline const persisted_spec *server_spec(const server *s)
{
    return s->spec ? s->spec : &persisted_spec_plain;
}
persisted_spec *server_spec_w(server *s);
/* The server's spec becomes a copy of p (none kept when p is a plain boot's). */
void server_spec_set(server *s, const persisted_spec *p);

typedef struct server_vec { server *v; int n, cap; } server_vec;
typedef struct host_vec { host *v; int n, cap; } host_vec;
typedef struct aggregate_vec { aggregate *v; int n, cap; } aggregate_vec;
typedef struct flavor_vec { flavor *v; int n, cap; } flavor_vec;
typedef struct image_vec { image *v; int n, cap; } image_vec;
typedef struct group_vec { group *v; int n, cap; } group_vec;
typedef struct migration_vec { migration *v; int n, cap; } migration_vec;
typedef struct allocation_vec { allocation *v; int n, cap; } allocation_vec;
typedef struct fault_vec { fault_rule *v; int n, cap; } fault_vec;

typedef struct cloud {
    char *name;
    char *description;
    nova_config conf;          /* release, quirks, options */
    uint64_t seed;
    host_vec hosts;
    aggregate_vec aggregates;
    flavor_vec flavors;
    image_vec images;
    group_vec groups;
    server_vec servers;
    migration_vec migrations;
    allocation_vec allocations;
    fault_vec faults;
    uint32_t alloc_seq;        /* seq of the next allocation written */
    /* false: steps follow each other with no compute periodic task in
     * between (scenario `settle = false`); the views above go stale */
    bool no_settle;
    bool view_valid;           /* the views were computed at least once */
    /* The servers whose host, states or view changed since the views were
     * last computed (cloud_view_touch()): refreshing the views redoes
     * these, not every server.  view_full: something renumbered them all
     * (a host removed), the next refresh walks every server. */
    intvec view_dirty;
    bool view_full;
    /* Some host has inventory units set (host_units_of()): without any,
     * a Placement query need not look for them host by host. */
    bool units_set;
    /* Derived, rebuilt by cloud_reindex(): */
    nv_index host_ix, flavor_ix, image_ix, group_ix, server_ix, aggregate_ix;
    int64_t *usage;            /* hosts.n * RC_COUNT, Placement usage */
    intvec *host_aggs;         /* per host: aggregate ids */
    intvec *host_servers;      /* per host: non-deleted server ids */
    uint32_t *host_fold;       /* per host: name_fold_hash() of its name */
    int host_side_cap;         /* room in usage, host_aggs, host_servers, host_fold (grows x2) */
    /* Changes whenever a host is added or removed (copies keep it): two
     * clouds with the same value have the same host names by id. */
    unsigned host_gen;
    /* Every host's hot record (cloud_hot()), NULL until built; copied
     * with the cloud */
    struct hot_cols *hot;
    /* The scheduler's work space for one decision, kept for the next so a
     * decision neither allocates nor clears per-host arrays (never copied;
     * scheduler.c) */
    struct sched_scratch *sched_scratch;
    /* The undo journal being recorded (journal.h), NULL if none; never
     * copied. */
    struct journal *jr;
} cloud;

/* Servers, migrations and allocations are what commands add: a loaded
 * cloud and a copy (a what-if, an undo entry) keep room for this many
 * more, or the first boot would copy the whole array again (20 ms and as
 * many megabytes at 100,000 servers). */
#define CLOUD_ROOM(n) ((n) / 16 + 16)

cloud *cloud_new(void);
void cloud_free(cloud *c);
/* Every host's hot record, current: built when missing or when the host
 * list or nova.conf's ratios or reserved changed since, else the hosts
 * written since through cloud_host_w() or cloud_usage_w(), or named to
 * cloud_hot_touch(), are worked out again (in place: the array stays
 * where it is). */
const host_hot *cloud_hot(cloud *c);
void cloud_hot_touch(cloud *c, int h);
/* Is host h's record what its host and the options give now? (checks) */
bool cloud_hot_current(const cloud *c, const host_hot *hot, int h);
void sched_scratch_free(struct sched_scratch *s);   /* scheduler.c */
cloud *cloud_clone(const cloud *c);
/* Whether two clouds are the same, their derived parts included (indexes,
 * usage, per-host lists, view bookkeeping; not host_gen); if not, `why`
 * (when not NULL) gets the first difference found. */
bool cloud_same(const cloud *a, const cloud *b, sbuf *why);
/* Sanitizer builds' check that work was taken back: stops the program,
 * naming `what` and the first difference, unless `c` is `before` (which
 * it frees). */
void cloud_check_same(const cloud *c, cloud *before, const char *what);

/* Deep copies and frees of one object (dst is overwritten; the undo
 * journal keeps such copies). */
void server_copy(server *dst, const server *src);
void server_done(server *s);
void host_copy(host *dst, const host *src);
void host_done(host *h);
void migration_copy(migration *dst, const migration *src);
void migration_done(migration *m);
void fault_copy(fault_rule *dst, const fault_rule *src);
void fault_done(fault_rule *f);

/* Rebuild name indexes and per-host derived lists after loading. */
void cloud_reindex(cloud *c);

int cloud_host(const cloud *c, const char *name);         /* -1 if absent */
int cloud_host_ci(const cloud *c, const char *name);      /* case-insensitive */
/* A hash of a name that two names strcasecmp() calls equal always share,
 * in any locale (ASCII letters folded, every other byte above 0x7F the
 * same): an unequal hash rules a case-insensitive match out without
 * reading the name. */
static inline uint32_t name_fold_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p >= 0x80 ? 0x80 : (*p >= 'A' && *p <= 'Z') ? (unsigned char)(*p | 0x20) : *p;
        h = (h ^ c) * 16777619u;
    }
    return h;
}
int cloud_flavor(const cloud *c, const char *name);
int cloud_image(const cloud *c, const char *name);
int cloud_group(const cloud *c, const char *name);
int cloud_server(const cloud *c, const char *name);       /* live servers only */
int cloud_aggregate(const cloud *c, const char *name);

/* Adding objects (loader and conductor); they return the new id. */
int cloud_add_host(cloud *c, const char *name);
/* A new host named `name` at host_ip (NULL: from's), otherwise a copy of
 * host `from` (its inventory, traits, devices, ...; not its servers or
 * aggregates). */
int cloud_add_host_copy(cloud *c, const char *name, int from, const char *host_ip);
int cloud_add_server(cloud *c, const char *name, int flavor);
int cloud_add_aggregate(cloud *c, const char *name);
void cloud_aggregate_add_host(cloud *c, int agg, int host);
/* Removing (the host-remove and aggregate-delete ops): later ids move
 * down one; references to the removed host become -1 (migrations, deleted
 * servers), its allocations and injected faults go with it. */
void cloud_remove_host(cloud *c, int host);
void cloud_remove_aggregate(cloud *c, int agg);
void cloud_aggregate_remove_host(cloud *c, int agg, int host);
void cloud_server_set_host(cloud *c, int server, int host);
/* Server `server`'s host, states, deletion or views changed: the next
 * cloud_refresh_view() looks at it again.  Whoever changes one of those
 * outside cloud_server_set_host() and cloud_rt_io() calls this. */
void cloud_view_touch(cloud *c, int server);
/* Host h's inventory units, added (all 0) if it has none yet. */
host_units *host_units_of(cloud *c, int h);
/* Server `server`, just marked deleted, leaves the name index (an older
 * live server of the same name, if any, is found by it again). */
void cloud_server_deleted(cloud *c, int server);
/* The image keys Nova copies into the server's system_metadata when it is
 * built or rebuilt (image_min_ram; image_min_disk = max(image min_disk,
 * the flavor's root_gb), the flavor's root_gb for a vhd image). */
void cloud_server_image_meta(cloud *c, int server);
migration *cloud_add_migration(cloud *c, int server, const char *type,
                               int source, int dest);

/* ---- derived facts ------------------------------------------------------ */

/* The host's AZ: availability_zone of one of its aggregates, else
 * [DEFAULT] default_availability_zone. Returned string is borrowed. */
const char *host_az(const cloud *c, int h);
/* True if some aggregate of the host sets availability_zone. */
bool host_has_az(const cloud *c, int h);

/* Effective allocation ratio for a class when the host sets none:
 * [DEFAULT] *_allocation_ratio if > 0, else initial_*. */
static inline double config_ratio(const nova_config *c, int rc)
{
    switch (rc) {
    case RC_VCPU:
        return c->cpu_allocation_ratio > 0 ? c->cpu_allocation_ratio
                                           : c->initial_cpu_allocation_ratio;
    case RC_MEMORY_MB:
        return c->ram_allocation_ratio > 0 ? c->ram_allocation_ratio
                                           : c->initial_ram_allocation_ratio;
    case RC_DISK_GB:
        return c->disk_allocation_ratio > 0 ? c->disk_allocation_ratio
                                            : c->initial_disk_allocation_ratio;
    default:
        return 1.0;   /* PCPU is never overcommitted */
    }
}

/* ComputeFilter's pass: the service enabled, not forced down, its
 * heartbeat recent (host_is_up()); the hot record's HOT_UP. */
static inline bool compute_filter_passes(const host *ho)
{
    return !ho->disabled && !ho->forced_down && ho->up;
}

/* Effective per-host values of DEFAULT options (inline: the scheduler asks
 * for every host): the allocation ratio and the inventory's reserved. */
static inline double host_ratio(const cloud *c, int h, int rc)
{
    const host *ho = &c->hosts.v[h];
    double v = -1;
    switch (rc) {
    case RC_VCPU: v = ho->cpu_allocation_ratio; break;
    case RC_MEMORY_MB: v = ho->ram_allocation_ratio; break;
    case RC_DISK_GB: v = ho->disk_allocation_ratio; break;
    default: return 1.0;
    }
    return v > 0 ? v : config_ratio(&c->conf, rc);
}

static inline int64_t host_reserved(const cloud *c, int h, int rc)
{
    const host *ho = &c->hosts.v[h];
    switch (rc) {
    case RC_VCPU:
        return ho->reserved_host_cpus >= 0 ? ho->reserved_host_cpus
                                           : c->conf.reserved_host_cpus;
    case RC_MEMORY_MB:
        return ho->reserved_host_memory_mb >= 0 ? ho->reserved_host_memory_mb
                                                : c->conf.reserved_host_memory_mb;
    case RC_DISK_GB: {
        int64_t mb = ho->reserved_host_disk_mb >= 0 ? ho->reserved_host_disk_mb
                                                    : c->conf.reserved_host_disk_mb;
        return (mb + 1023) / 1024;
    }
    default:
        return 0;
    }
}

/* Whether the host has trait t (COMPUTE_STATUS_DISABLED implied when disabled). */
bool host_has_trait(const cloud *c, int h, const char *t);
/* The same with t's kind worked out once (a query asks every host). */
enum trait_kind { TRAIT_PLAIN, TRAIT_STATUS_DISABLED, TRAIT_HW_ARCH };
enum trait_kind trait_kind(const char *t);
/* The part of host_has_trait_kind() that reads the trait's name. */
bool host_trait_named(const cloud *c, int h, const char *t, enum trait_kind kind);
static inline bool host_has_trait_kind(const cloud *c, int h, const char *t, enum trait_kind kind)
{
    const host *ho = &c->hosts.v[h];
    if (kind == TRAIT_STATUS_DISABLED && ho->disabled != ho->status_trait_stale)
        return true;
    if (kind != TRAIT_HW_ARCH && !ho->traits.n)   /* mostly: a host without traits */
        return false;
    return host_trait_named(c, h, t, kind);
}
/* Service up as Nova's servicegroup API says (not forced down, heartbeat). */
static inline bool host_is_up(const cloud *c, int h)
{
    const host *ho = &c->hosts.v[h];
    return !ho->forced_down && ho->up;
}

/* Resources Nova asks Placement for a flavor (DISK_GB = root unless BFV +
 * ephemeral + ceil(swap/1024); VCPU or PCPU by hw:cpu_policy; resources:
 * extra specs override). */
void flavor_resources(const cloud *c, int flavor, bool bfv, int64_t out[RC_COUNT]);
/* The same with the image's CPU policy properties taken into account. */
void resources_of(const cloud *c, int flavor, int image, bool bfv, int64_t out[RC_COUNT]);

/* Placement ---------------------------------------------------------------- */
static inline int64_t placement_total(const cloud *c, int h, int rc)
{
    const host *ho = &c->hosts.v[h];
    switch (rc) {
    case RC_VCPU: return ho->vcpus;
    case RC_MEMORY_MB: return ho->memory_mb;
    case RC_DISK_GB: return ho->disk_gb;
    case RC_PCPU: return ho->pcpus;
    default: return 0;
    }
}
int64_t placement_min_unit(const cloud *c, int h, int rc);
int64_t placement_max_unit(const cloud *c, int h, int rc);
int64_t placement_step_size(const cloud *c, int h, int rc);
double placement_capacity(const cloud *c, int h, int rc); /* (total-reserved)*ratio */
static inline int64_t placement_used(const cloud *c, int h, int rc) { return c->usage[h * RC_COUNT + rc]; }
/* Write an allocation; false (and nothing written) if it does not fit. */
bool placement_claim(cloud *c, enum consumer_kind kind, int consumer, int h,
                     const int64_t amount[RC_COUNT]);
/* Unconditionally write (loader: servers already running). */
void placement_force(cloud *c, enum consumer_kind kind, int consumer, int h,
                     const int64_t amount[RC_COUNT]);
/* Append an allocation for a consumer that has none on h yet (the loader:
 * no merge scan, so loading 100,000 servers stays linear). */
void placement_add(cloud *c, enum consumer_kind kind, int consumer, int h,
                   const int64_t amount[RC_COUNT]);
/* Remove every allocation of the consumer (on host h, or all if h < 0). */
void placement_delete(cloud *c, enum consumer_kind kind, int consumer, int h);
/* Move every allocation of one consumer to another (migration swap). */
void placement_move(cloud *c, enum consumer_kind from_kind, int from,
                    enum consumer_kind to_kind, int to);
/* Does `amount` fit on host h now? If not, write why into `why`. */
bool placement_fits(const cloud *c, int h, const int64_t amount[RC_COUNT],
                    char *why, size_t whylen);
/* The consumer's allocations, in the order they were written; returns
 * their count, `out` (caller frees) their indexes into c->allocations. */
int placement_allocations_of(const cloud *c, enum consumer_kind kind, int consumer, int **out);
/* Link every allocation into its consumer's chain again (after the array
 * was rewritten wholesale: loading, removing a host). */
void placement_relink(cloud *c);
/* The same as data: on refusal (false) `why`, when not NULL, gets the
 * reason code and numbers (reason.h). */
struct reject_reason;
bool placement_fit_reason(const cloud *c, int h, const int64_t amount[RC_COUNT],
                          struct reject_reason *why);
/* The same question asked of many hosts (a Placement query): what the
 * amounts and the options decide is worked out once, by
 * placement_fit_prepare(), so that each host costs its own numbers only. */
typedef struct fit_prep {
    int64_t amount[RC_COUNT];
    int64_t need[RC_COUNT];     /* amount, or INT64_MIN for none: what a hot
                                 * record's room[] is held against */
    double ratio[RC_COUNT];     /* a host's ratio when it sets none */
    int64_t reserved[RC_COUNT]; /* its reserved when it sets none (DISK_GB in GB) */
    const host_hot *hot;        /* the hosts' hot records, when the fit may use them */
} fit_prep;
/* p->hot is the cloud's hot records (cloud_hot()), or NULL when some host
 * has units or an amount is negative: the general rule then. */
void placement_fit_prepare(cloud *c, const int64_t amount[RC_COUNT], fit_prep *p);
/* Placement's rule for one class: `a` of class rc fits a provider with
 * `total` (max_unit, min_unit, step_size), `used`, `reserved` and
 * `ratio` iff min_unit <= a <= max_unit, a % step == 0 and used + a <=
 * (total - reserved) * ratio (a float compare).  On refusal, `why` (when
 * not NULL) gets the reason code and its numbers. */
static inline bool placement_fit_check(int rc, int64_t a, int64_t total, int64_t max_unit,
                                       int64_t min_unit, int64_t step, int64_t used,
                                       int64_t reserved, double ratio, reject_reason *why)
{
    int code = -1;
    int64_t limit = 0;
    if (total <= 0)
        code = R_PL_NO_INVENTORY;
    else if (a > max_unit)
        code = R_PL_MAX_UNIT, limit = max_unit;
    else if (a < min_unit)
        code = R_PL_MIN_UNIT, limit = min_unit;
    else if (step > 1 && a % step)
        code = R_PL_STEP, limit = step;
    if (code >= 0) {
        if (why) {
            why->code = code;
            why->i[0] = rc;
            why->i[1] = a;
            why->i[2] = limit;
        }
        return false;
    }
    double cap = (double)(total - reserved) * ratio;   /* placement_capacity() */
    if ((double)(used + a) > cap) {
        if (why) {
            why->code = R_PL_CAPACITY;
            why->i[0] = rc;
            why->i[1] = used;
            why->i[2] = a;
            why->i[3] = total;
            why->i[4] = reserved;
            why->d[0] = cap;
            why->d[1] = ratio;
        }
        return false;
    }
    return true;
}

/* One class of placement_fit_prepared() for a host without units (min_unit
 * 1, max_unit its total, step 1); rc is a constant where it is inlined,
 * so the host's fields are read directly. */
static inline bool placement_fit_class(const cloud *c, int h, const host *ho, int rc,
                                       const fit_prep *p, reject_reason *why)
{
    int64_t total, reserved;
    double ratio;
    switch (rc) {
    case RC_VCPU:
        total = ho->vcpus;
        reserved = ho->reserved_host_cpus >= 0 ? ho->reserved_host_cpus : p->reserved[rc];
        ratio = ho->cpu_allocation_ratio > 0 ? ho->cpu_allocation_ratio : p->ratio[rc];
        break;
    case RC_MEMORY_MB:
        total = ho->memory_mb;
        reserved = ho->reserved_host_memory_mb >= 0 ? ho->reserved_host_memory_mb
                                                    : p->reserved[rc];
        ratio = ho->ram_allocation_ratio > 0 ? ho->ram_allocation_ratio : p->ratio[rc];
        break;
    case RC_DISK_GB:
        total = ho->disk_gb;
        reserved = ho->reserved_host_disk_mb >= 0 ? (ho->reserved_host_disk_mb + 1023) / 1024
                                                  : p->reserved[rc];
        ratio = ho->disk_allocation_ratio > 0 ? ho->disk_allocation_ratio : p->ratio[rc];
        break;
    default:
        total = ho->pcpus;
        reserved = 0;
        ratio = 1.0;
        break;
    }
    return placement_fit_check(rc, p->amount[rc], total, total, 1, 1, placement_used(c, h, rc),
                               reserved, ratio, why);
}

/* Does p fit host h by its hot record?  True: it fits (when p->hot is
 * set, the same answer as placement_fit_reason()); false: ask
 * placement_fit_prepared(), which says why.  The host's usage row is not
 * read: the record has it. */
static inline __attribute__((always_inline)) bool placement_fit_quick(const fit_prep *p, int h)
{
    if (!p->hot)
        return false;
    _Static_assert(RC_COUNT == 4, "one compare per class");
    const int32_t *room = p->hot[h].room;
    const int64_t *need = p->need;
    return (need[0] <= room[0]) & (need[1] <= room[1]) & (need[2] <= room[2]) &
           (need[3] <= room[3]);
}

/* Why p does not fit host h, by its hot record alone: true with `why`
 * written as placement_fit_prepared() writes it (the same check on the
 * same numbers); false when the record cannot tell (no HOT_REASON) or
 * the host's resources fit. */
static inline bool placement_refusal_hot(const fit_prep *p, int h, reject_reason *why)
{
    if (!p->hot || !(p->hot[h].flags & HOT_REASON))
        return false;
    const host_hot *f = &p->hot[h];
    for (int rc = 0; rc < RC_COUNT; rc++)
        if (p->amount[rc] &&
            !placement_fit_check(rc, p->amount[rc], f->total[rc], f->total[rc], 1, 1, f->used[rc],
                                 p->reserved[rc], p->ratio[rc], why))
            return true;
    return false;
}

/* Inline: every host of the cloud comes through here for every request. */
static inline bool placement_fit_prepared(const cloud *c, int h, const fit_prep *p,
                                          reject_reason *why)
{
    if (c->units_set)   /* units are rare: the general way */
        return placement_fit_reason(c, h, p->amount, why);
    const host *ho = &c->hosts.v[h];
    return (!p->amount[RC_VCPU] || placement_fit_class(c, h, ho, RC_VCPU, p, why)) &&
           (!p->amount[RC_MEMORY_MB] || placement_fit_class(c, h, ho, RC_MEMORY_MB, p, why)) &&
           (!p->amount[RC_DISK_GB] || placement_fit_class(c, h, ho, RC_DISK_GB, p, why)) &&
           (!p->amount[RC_PCPU] || placement_fit_class(c, h, ho, RC_PCPU, p, why));
}

/* Allocations of a consumer on a host (summed); false if none. */
bool placement_consumer_on(const cloud *c, enum consumer_kind kind, int consumer,
                           int h, int64_t out[RC_COUNT]);

/* Consume one injected failure of `point` on host h; returns its message
 * (borrowed) or NULL when the call succeeds. */
const char *cloud_take_fault(cloud *c, int h, const char *point);

/* The one copy of a vm or task state's text: the same pointer for the same
 * text, for the life of the program (NULL for NULL). */
const char *nv_intern(const char *text);

/* Server-side counts the resource tracker derives (for HostState). */
bool vm_state_counts_io(const server *s);
/* The compute periodic tasks (update_available_resource,
 * _sync_scheduler_instance_info): every host's io_workload from its
 * servers' states, no stale listings left. */
void cloud_refresh_view(cloud *c);
/* The same periodic tasks on one compute only: its io_workload, and the
 * scheduler's list of its instances. */
void cloud_refresh_host_view(cloud *c, int h);
/* The resource tracker counting server sid as an I/O operation on h (-1:
 * on no host). */
void cloud_rt_io(cloud *c, int sid, int h);

#endif
