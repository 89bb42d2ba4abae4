/*
 * scheduler.h - Nova's select_destinations: request filters, Placement
 * allocation candidates, host narrowing, host filters, weighers,
 * host_subset_size choice, claims, alternates, NoValidHost.
 *
 * Pipeline (nova/scheduler/manager.py, host_manager.py):
 *   request filters -> placement candidates -> requested destination /
 *   ignore_hosts / force_hosts -> enabled filters (in order; once-per-request
 *   filters skipped for later instances) -> weighers (normalised, multiplied,
 *   summed) -> random pick among the top host_subset_size -> claim ->
 *   consume -> next instance -> alternates.
 *
 * Filters and weighers are tables (filter_table[], weigher_table[]) of
 * const descriptors: Nova class name, flags, function, one-line summary.
 *
 * Determinism: Nova iterates host states in Python set order, so ties break
 * arbitrarily there.  novalid keeps hosts in scenario order (host id) and
 * ranks by weight, then host id, so equal weights keep scenario order
 * (the best few at once, the rest only when something walks further);
 * host_subset_size and shuffle_best_same_weighed_hosts draw from the run's
 * seeded RNG.  Placement returns candidates in provider creation order.
 */
#ifndef NOVALID_SCHEDULER_H
#define NOVALID_SCHEDULER_H

#include "model.h"
#include "numa.h"
#include "reason.h"
#include "trail.h"

/* The in-memory RequestSpec of one scheduling call. */
typedef struct request_spec {
    int flavor;
    int pci_flavor;             /* flavor of RequestSpec.pci_requests; -1: flavor (a resize
                                 * before 26.0.0 kept the old one: bug 1983753) */
    int image;                  /* -1: none (BFV without image) */
    bool is_bfv;
    const char *project;
    int num_instances;          /* what Nova's spec says (persisted value) */
    const char *availability_zone;
    kvlist hints;
    int group;                  /* -1: none */
    strlist ignore_hosts, force_hosts, force_nodes;
    char *dest_host, *dest_node, *dest_cell;   /* requested_destination */
    bool allow_cross_cell_move;
    bool rebuild;               /* _nova_check_type == rebuild */
    bool return_alternates;
    strlist retry_hosts;        /* RetryFilter: hosts already tried (<= Ussuri) */
    intvec instances;           /* server ids being scheduled (instance_uuids) */
} request_spec;

void request_spec_init(request_spec *rs);
void request_spec_done(request_spec *rs);

/* What the scheduler sees of one host (HostState), rebuilt per request:
 * what changes within the request.  One cache line (a decision builds one
 * per candidate of a large cloud); what is the host's own (its totals and
 * allocation ratios) is read from the host (hs_total_ram_mb() ... below),
 * NUMA cell usage and free PCI devices from the request's side table
 * (hs_cells(), hs_pci_free()). */
typedef struct host_state {
    int host;
    int vcpus_total;
    int num_instances, num_io_ops, failed_builds;
    bool own_instances;         /* `instances` is a copy (else borrowed, never freed) */
    int64_t free_ram_mb, free_disk_mb;
    int64_t vcpus_used;
    intvec instances;           /* server ids on the host, plus those placed in this request:
                                 * the cloud's list, borrowed until this request adds one */
} host_state;
_Static_assert(sizeof(host_state) <= 64, "a host state is one cache line");

/* A host state's NUMA cell usage and free devices per PCI pool (hosts
 * with cells or devices only). */
typedef struct hs_devices {
    cell_usage *cells;
    int *pci_free;
} hs_devices;

typedef struct sched_ctx {
    cloud *c;
    const request_spec *spec;
    int index;                  /* instance index in the request */
    int instance;               /* server id being scheduled now */
    /* server group as setup_instance_group loaded it, plus consumption */
    intvec group_hosts;
    intvec group_members;
    unsigned char *is_member;   /* per server id: in group_members */
    host_state *hs;             /* indexed by host id */
    const host_hot *hot;        /* the cloud's hot records (cloud_hot()), by host id */
    int64_t resources[RC_COUNT];
    nv_rng *rng;
    numa_req numa;              /* the instance NUMA topology asked for */
    bool numa_invalid;          /* flavor/image topology Nova would refuse */
    char numa_error[160];
    pci_req pci[PCI_MAX_REQUESTS];
    int n_pci;                  /* PCI requests; -1: an undefined alias */
    char pci_error[160];
    char *fatal;                /* a filter or weigher raised: its message */
    const char *fatal_exc;      /* and exception (NULL: ComputeHostMetricNotFound) */
    const char *fatal_quirk;    /* the quirk that raised it, if any ("bug-N") */
    /* What filters work out from the request alone, once per request
     * instead of once per host (filled by the first host that needs it). */
    struct sched_memo *memo;
    /* The last weighing: per host id its weight, and how many of the list
     * are ranked (the list's first `ranked` hosts are the best, in order;
     * the rest follow unranked until someone needs them). */
    double *wt;
    int ranked;
    intvec owning;              /* hosts whose state owns memory (cells, devices, a copied
                                 * server list): the only ones freed after the decision */
    hs_devices *dev;            /* per host id: what hs_cells() and hs_pci_free() return */
    bool prefiltered;           /* the first pass's filters ran as Placement returned hosts */
    bool narrowed_out;          /* or did not: ignore_hosts had left no host */
    double *early_raw;          /* and the weighers' raw values of the hosts they left (n x k,
                                 * the list's order; the weigh event takes them), or NULL */
    int early_n, early_cap;     /* rows used, rows room (the lowest and highest values follow) */
    /* Host states built when first asked for (hs_of()), not for every
     * candidate: a one-instance request whose filters and weighers all
     * read the hot records reads the state of the host it claims only.
     * It is built before the claim changes the host's usage. */
    bool hs_lazy;
    unsigned char *hs_built;    /* per host id, with hs_lazy: its state is built */
    bool claimed;               /* a claim was made: no state is built after it */
} sched_ctx;

/* The host's own numbers, as HostState copies them from the compute node. */
static inline int64_t hs_total_ram_mb(const sched_ctx *x, const host_state *h)
{
    return x->c->hosts.v[h->host].memory_mb;
}
static inline int64_t hs_total_disk_gb(const sched_ctx *x, const host_state *h)
{
    return x->c->hosts.v[h->host].disk_gb;
}
static inline double hs_ratio(const sched_ctx *x, const host_state *h, int rc)
{
    return host_ratio(x->c, h->host, rc);
}
/* The lowest and highest of each column of n >= 1 rows of three raw
 * weigher values (raw: n x 3), as weigh_block_default() finds them row
 * by row from the first (`r < l ? r : l`, `r > u ? r : u`): the same
 * bits whatever the values, NaN and -0.0 included. */
void weigh_bounds3(const double *raw, int n, double lo[3], double hi[3]);

/* The raw values of RAMWeigher, CPUWeigher and DiskWeigher, from the
 * numbers they read: free RAM, free disk, and free vCPUs (total times
 * the VCPU allocation ratio, less used). */
static inline double ram_raw_of(int64_t free_ram_mb) { return (double)free_ram_mb; }
static inline double disk_raw_of(int64_t free_disk_mb) { return (double)free_disk_mb; }
static inline double cpu_raw_of(int64_t total, double ratio, int64_t used)
{
    return (double)total * ratio - (double)used;
}
/* ... of a host state (the ratio, hs_ratio(x, h, RC_VCPU), from the
 * host's hot record, whose numbers the state copies) */
static inline double weigh_ram_raw(const host_state *h) { return ram_raw_of(h->free_ram_mb); }
static inline double weigh_disk_raw(const host_state *h) { return disk_raw_of(h->free_disk_mb); }
static inline double weigh_cpu_raw(const sched_ctx *x, const host_state *h)
{
    return cpu_raw_of(h->vcpus_total, x->hot[h->host].cpu_ratio, h->vcpus_used);
}
/* NULL when the host reports no NUMA topology / no PCI devices. */
static inline cell_usage *hs_cells(const sched_ctx *x, const host_state *h)
{
    return x->c->hosts.v[h->host].n_cells ? x->dev[h->host].cells : NULL;
}
static inline int *hs_pci_free(const sched_ctx *x, const host_state *h)
{
    return x->c->hosts.v[h->host].n_pci ? x->dev[h->host].pci_free : NULL;
}

/* The image's wishes as ImagePropertiesFilter compares them. */
typedef struct sched_memo {
    bool image_ready;
    char *want[3];              /* canonical arch, hv_type, vm_mode; NULL: not asked */
    const char *req_ver;        /* img_hv_requested_version, borrowed */
    const char *bits;           /* hw_maxphysaddr_bits, borrowed */
    /* the (cpu_arch, hypervisor_type) of the last host whose supported
     * instances matched (no requested version), and seen_pass once there
     * is one */
    const char *seen_arch, *seen_hv;
    bool seen_pass;
    /* a host with the pair seen passes: the image ready, no version or
     * maxphysaddr asked, the pair seen passed (sched_memo_settle) */
    bool fast_pass;
    /* the pair of the last host whose supported instances did not
     * match (no requested version) and its side of the words */
    const char *refused_arch, *refused_hv;
    char *refused_text;
    char *wish_text;            /* "(arch=x86_64, hv_type=None, vm_mode=None)" for reasons */
} sched_memo;
void sched_memo_done(sched_memo *m);

enum filter_flags {
    F_ONCE = 1,                 /* run_filter_once_per_request */
    F_REBUILD = 2,              /* RUN_ON_REBUILD */
};

/* Filters whose passing hosts filter_run_host() tells inline. */
enum filter_fast { FF_NONE, FF_COMPUTE, FF_IMAGE };

typedef struct filter_desc {
    const char *name;
    unsigned flags;
    int first, last;            /* releases that have it */
    /* true if the host passes; on rejection set `why` (reason.h): a code
     * and the numbers that decided, or free text (reason_text) */
    bool (*pass)(const sched_ctx *x, const host_state *h, reject_reason *why);
    const char *summary;
    /* NULL, or true when the request alone says every host passes (no
     * group, no hint, nothing asked): the filter then visits no host */
    bool (*idle)(const sched_ctx *x);
    enum filter_fast fast;      /* a host that passes is told inline (below), else FF_NONE */
} filter_desc;

/* fast_pass after the memo's fields changed */
static inline void sched_memo_settle(sched_memo *m)
{
    m->fast_pass = m->image_ready && !m->req_ver && !m->bits && m->seen_pass && m->seen_arch;
}
/* ImagePropertiesFilter's pass for a host of the (cpu_arch,
 * hypervisor_type) pair it last passed (no version or maxphysaddr
 * asked), by its hot record; filter_run_host() asks it before the call
 * through the table, as it asks the record's HOT_UP for ComputeFilter
 * (compute_filter_passes(), model.h). */
static inline bool image_filter_passes_as_last(const sched_memo *m, const host_hot *hh)
{
    return m->fast_pass && m->seen_arch == hh->cpu_arch && m->seen_hv == hh->hypervisor_type;
}

extern const filter_desc filter_table[];
extern const int filter_count;
int filter_lookup(const char *name);        /* -1 if unknown */

/* Weighers whose raw value weigh_row() computes inline, without the
 * call through weigher_desc.raw (every host, every weighing). */
enum weigher_fast { WF_NONE, WF_RAM, WF_CPU, WF_DISK };

typedef struct weigher_desc {
    const char *name;           /* class name: "RAMWeigher" */
    const char *path;           /* nova.scheduler.weights.ram.RAMWeigher */
    const char *multiplier;     /* option and aggregate metadata key */
    size_t off;                 /* offsetof(nova_config, <multiplier>) */
    bool minval0;               /* minval = 0 (RAM, Disk, CPU, IoOps) */
    bool negate;                /* BuildFailureWeigher: -1 * multiplier */
    int first, last;
    double (*raw)(const sched_ctx *x, const host_state *h);
    const char *summary;
    enum weigher_fast fast;     /* raw is one of the inline ones below (else WF_NONE) */
} weigher_desc;

extern const weigher_desc weigher_table[];
extern const int weigher_count;
/* Dotted path or bare class name; -1 if unknown.  all_weighers -> -2. */
int weigher_lookup(const char *name);
/* Append the ids of nova.scheduler.weights.all_weighers for a release. */
void weigher_all(int release, intvec *out);

/* Per-host multiplier (aggregate override = minimum of aggregate values). */
double weigher_multiplier(const cloud *c, int weigher, int host);
/* true, with the multiplier, when it is the same for every host (no
 * aggregate sets it, or the release reads no aggregate override). */
bool weigher_uniform(const cloud *c, int weigher, double *multiplier);

/* The scheduler's answer. */
typedef struct sched_result {
    bool ok;
    const char *exception;      /* "NoValidHost", ... (static) */
    char *message;              /* exact Nova text */
    intvec hosts;               /* selected host per instance */
    intvec *alternates;         /* per instance */
    int n_alternates;
} sched_result;

void sched_result_done(sched_result *r);

/*
 * Run select_destinations for spec->instances.  Claims are written to
 * Placement for each instance consumer (undone on failure).  Every decision
 * is appended to `t`.
 */
void scheduler_select(cloud *c, request_spec *spec, nv_rng *rng, trail *t,
                      sched_result *out);

/* Build the resource amounts Nova requests for the spec's flavor. */
void spec_resources(const cloud *c, const request_spec *spec, int64_t out[RC_COUNT]);

/* Helpers shared with filters/weighers. */
bool sched_is_member(const sched_ctx *x, int sid);
const char *image_prop(const cloud *c, int image, const char *key);
void host_agg_values(const cloud *c, int h, const char *key, strlist *out);

#endif
