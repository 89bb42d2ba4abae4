/*
 * config.h - Nova releases, nova.conf options and historic-bug quirks.
 *
 * One table (nova_options[], config.c) describes every nova.conf option
 * novalid understands: section, name, type, where it lives in
 * struct nova_config, and its help line.  The scenario loader, --help
 * and the docs read that table; nothing else lists options.
 *
 * Releases are Nova's major version numbers (16 = Pike ... 33 = 2026.1);
 * REL_LATEST (34) is Nova master.  nova_config_init() fills a nova_config with
 * a release's defaults; scenario values then override field by field.
 *
 * Quirks are historic Nova bugs (quirk_table[]), each with the releases it
 * lived in.  A release stands for its first version (16.0.0 for pike):
 * fixes backported to later point releases are not applied, so a quirk is
 * on for every release whose .0.0 had the bug.  Core code asks quirk_on(conf, Q_...) at the exact point where
 * Nova's behaviour differed.
 */
#ifndef NOVALID_CONFIG_H
#define NOVALID_CONFIG_H

#include "util.h"

enum {
    REL_PIKE = 16, REL_QUEENS, REL_ROCKY, REL_STEIN, REL_TRAIN, REL_USSURI,
    REL_VICTORIA, REL_WALLABY, REL_XENA, REL_YOGA, REL_ZED,
    REL_2023_1, REL_2023_2, REL_2024_1, REL_2024_2, REL_2025_1, REL_2025_2,
    REL_2026_1, REL_LATEST
};
#define REL_FIRST REL_PIKE

const char *release_name(int rel);          /* "pike", ..., "latest" */
int release_from_name(const char *name);    /* -1 if unknown */
/* Newest API microversion of a release ("2.104" -> 104). */
int release_max_microversion(int rel);
/* Whether the release's scheduler returns alternate hosts with each
 * selection (Selection objects, 17.0.0 Queens); without them a reschedule
 * calls select_destinations again. */
bool release_has_alternates(int rel);

/* Historic bugs that can be reproduced. */
enum quirk_id {
    Q_BUG_1718455,          /* moves of a multi-create server use persisted num_instances */
    Q_BUG_1669054,          /* ignore_hosts persisted in the RequestSpec */
    Q_BUG_1797580,          /* requested_destination persisted in the RequestSpec */
    Q_BUG_1827628,          /* Placement limit kept with group / same_host / different_host */
    Q_BUG_1777591,          /* Placement limit kept with a forced host */
    Q_BUG_1713783,          /* failed evacuation leaves the instance's vm_state alone */
    Q_BUG_1823370,          /* evacuation not restricted to the instance's cell */
    Q_BUG_1845291,          /* a server booted az:host never reschedules a cold migration */
    Q_BUG_1978983,          /* evacuate refused while the server has a task_state */
    Q_BUG_1922053,          /* unforce-down accepted while `done` evacuations remain */
    Q_BUG_1856925,          /* resize/migrate accepted from a down source host */
    Q_BUG_1938326,          /* resize/migrate accepted from a disabled and down source host */
    Q_BUG_1837955,          /* build reschedule with no claimable alternate leaves the server building */
    Q_BUG_1746483,          /* IsolatedHostsFilter fails on a volume-backed request */
    Q_BUG_1718512,          /* RequestSpec.retry of a rescheduled resize persisted */
    Q_BUG_1825020,          /* volume-backed resize to a smaller-disk flavor refused */
    Q_BUG_1702454,          /* evacuation drops its requested destination */
    Q_BUG_1719730,          /* a build reschedule of a server group member fails */
    Q_BUG_1735407,          /* no late server group check on evacuation */
    Q_BUG_1996732,          /* a late group check failure counts as a failed build */
    Q_BUG_1679750,          /* delete on a down compute leaves the allocations */
    Q_BUG_1794996,          /* a compute restart dies on a deleted evacuated server */
    Q_BUG_1983753,          /* a resize schedules with the old flavor's PCI requests */
    Q_BUG_2044235,          /* a failed source pre-check puts the server in ERROR */
    Q_BUG_2125052,          /* ImagePropertiesWeigher raises AttributeError */
    Q_BUG_1825537,          /* a failed finish_resize reverts the allocations to the source */
    Q_BUG_1784353,          /* a rescheduled volume-backed build fails on its volume */
    Q_BUG_2007968,          /* a volume-backed resize skips the image's min_ram */
    Q_BUG_1628606,          /* a failed _post_live_migration leaves instance.host on the source */
    Q_BUG_2062425,          /* computes report no HW_ARCH_* trait for the image prefilter */
    Q_BUG_MAX_RETRIES_NOTIFICATION, /* an unraised MaxRetriesExceeded breaks the error notification */
    Q_COUNT
};

typedef struct quirk_desc {
    const char *name;       /* "bug-1718455" */
    int first, last;        /* releases whose default has it on */
    const char *summary;
} quirk_desc;
extern const quirk_desc quirk_table[Q_COUNT];
#define QUIRK_BIT(q) ((uint64_t)1 << (q))
_Static_assert(Q_COUNT <= 64, "nova_config.quirks holds 64 quirks");
int quirk_from_name(const char *name);      /* -1 if unknown */

#define MAX_FILTERS 64
#define MAX_WEIGHERS 32

typedef struct nova_config {
    int release;
    uint64_t quirks;            /* bit per enum quirk_id (QUIRK_BIT) */

    /* [DEFAULT] */
    double cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio; /* <= 0: unset */
    double initial_cpu_allocation_ratio, initial_ram_allocation_ratio,
        initial_disk_allocation_ratio;
    int64_t reserved_host_memory_mb, reserved_host_disk_mb, reserved_host_cpus;
    int64_t migrate_max_retries;
    bool allow_resize_to_same_host;
    char *default_availability_zone;
    char *default_schedule_zone;            /* NULL: unset */
    int64_t service_down_time, report_interval;
    int64_t shelved_offload_time;           /* 0: offload at once; -1: never */
    char *multi_instance_display_name_template;

    /* [filter_scheduler] */
    intvec enabled_filters;                 /* filter ids, configured order */
    intvec weight_classes;                  /* weigher ids */
    int64_t host_subset_size;
    bool shuffle_best_same_weighed_hosts;
    double ram_weight_multiplier, cpu_weight_multiplier, disk_weight_multiplier,
        io_ops_weight_multiplier, soft_affinity_weight_multiplier,
        soft_anti_affinity_weight_multiplier, build_failure_weight_multiplier,
        cross_cell_move_weight_multiplier, pci_weight_multiplier,
        hypervisor_version_weight_multiplier, num_instances_weight_multiplier,
        image_props_weight_multiplier;
    int64_t max_io_ops_per_host, max_instances_per_host;
    strlist isolated_hosts, isolated_images;
    bool restrict_isolated_hosts_to_isolated_images;
    char *image_properties_default_architecture;
    char *aggregate_image_properties_isolation_namespace;
    char *aggregate_image_properties_isolation_separator;

    /* [scheduler] */
    int64_t max_attempts, max_placement_results;
    bool query_placement_for_availability_zone;
    bool limit_tenants_to_placement_aggregate;
    bool placement_aggregate_required_for_tenants;
    bool query_placement_for_image_type_support;
    bool enable_isolated_aggregate_filtering;
    bool image_metadata_prefilter;

    /* [workarounds] */
    bool skip_hypervisor_version_check_on_lm;
    bool disable_fallback_pcpu_query;
    bool disable_group_policy_check_upcall;

    /* [metrics] */
    strlist metrics_weight_setting;         /* "name=ratio" */
    bool metrics_required;
    double metrics_weight_of_unavailable;
    double metrics_weight_multiplier;

    /* [pci] */
    strlist pci_alias;                      /* JSON objects, as nova.conf spells them */

    /* [compute] */
    int64_t consecutive_build_service_disable_threshold;

    /* [notifications] */
    char *notification_format;              /* "unversioned", "versioned" or "both" */
} nova_config;

enum opt_type {
    OPT_BOOL, OPT_INT, OPT_FLOAT, OPT_STRING, OPT_STRLIST,
    OPT_FILTERS, OPT_WEIGHERS
};

typedef struct nova_option {
    const char *section, *name;
    enum opt_type type;
    size_t off;                 /* offsetof(nova_config, field) */
    int first, last;            /* releases that have the option */
    double min;                 /* smallest valid value (ints/floats); -1e300 none */
    const char *help;
    const char *choices;        /* strings: the values allowed, '|'-separated; NULL any */
} nova_option;

extern const nova_option nova_options[];
extern const int nova_option_count;
const nova_option *nova_option_find(const char *section, const char *name);
/* Whether `value` is one of a string option's choices (any, if it has none). */
bool nova_option_choice_ok(const nova_option *o, const char *value);
/* The option spelled `spec` ("filter_scheduler.host_subset_size", or a bare
 * option name that is unique), or NULL. */
const nova_option *nova_option_lookup(const char *spec);
/* Whether versioned notifications are emitted (rpc.if_notifications_enabled). */
bool config_versioned_notifications(const nova_config *c);

/* Fill `c` with the defaults of `release` (quirks included). */
void nova_config_init(nova_config *c, int release);
void nova_config_done(nova_config *c);
void nova_config_copy(nova_config *dst, const nova_config *src);
/* Act as another release from here on: options still at the old release's
 * default take the new one's, quirks switched relative to the old
 * release's defaults stay switched (release-set, and the UI's switch). */
void config_switch_release(nova_config *conf, int release);

static inline bool quirk_on(const nova_config *c, enum quirk_id q)
{
    return (c->quirks >> q) & 1u;
}

#endif
