/*
 * config.c - releases, the nova.conf option table and the quirk registry.
 *
 * Per-release defaults (nova-model.md §12):
 *   enabled_filters  16-19 RetryFilter, AvailabilityZoneFilter + the five;
 *                    20-23 AvailabilityZoneFilter + the five; >= 24 the five
 *                    (ComputeFilter, ComputeCapabilitiesFilter,
 *                    ImagePropertiesFilter, ServerGroupAntiAffinityFilter,
 *                    ServerGroupAffinityFilter).
 *   initial_*_allocation_ratio  16.0 / 1.5 / 1.0 up to Zed, 4.0 / 1.0 / 1.0
 *                    from 2023.1 (before Stein the *_allocation_ratio
 *                    options defaulted to 0.0 meaning the same 16/1.5/1).
 *   query_placement_for_availability_zone  False up to Wallaby, True from
 *                    Xena; removed in 2023.2 (the AZ prefilter always runs).
 *   weight_classes   all_weighers = the weighers the release ships.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scheduler.h"

/* One row per release, Pike (16) first. */
static const struct release_desc {
    const char *name;
    int max_microversion;   /* newest API microversion (nova/api/openstack/
                             * api_version_request.py) */
    bool alternates;        /* select_destinations returns Selection objects with
                             * alternate hosts, which the conductor reschedules to
                             * (17.0.0); before, a reschedule asks the scheduler again */
} releases[] = {
    {"pike", 53, false},     {"queens", 60, true},    {"rocky", 65, true},
    {"stein", 72, true},     {"train", 79, true},     {"ussuri", 87, true},
    {"victoria", 87, true},  {"wallaby", 88, true},   {"xena", 90, true},
    {"yoga", 90, true},      {"zed", 93, true},       {"2023.1", 95, true},
    {"2023.2", 96, true},    {"2024.1", 96, true},    {"2024.2", 100, true},
    {"2025.1", 100, true},   {"2025.2", 102, true},   {"2026.1", 103, true},
    {"latest", 104, true}};
_Static_assert(sizeof releases / sizeof releases[0] == REL_LATEST - REL_FIRST + 1,
               "one row per release");

const char *release_name(int rel)
{
    if (rel < REL_FIRST || rel > REL_LATEST)
        return "?";
    return releases[rel - REL_FIRST].name;
}

int release_max_microversion(int rel)
{
    if (rel < REL_FIRST || rel > REL_LATEST)
        return 1;
    return releases[rel - REL_FIRST].max_microversion;
}

bool release_has_alternates(int rel)
{
    return rel >= REL_FIRST && rel <= REL_LATEST && releases[rel - REL_FIRST].alternates;
}

int release_from_name(const char *name)
{
    for (int r = REL_FIRST; r <= REL_LATEST; r++)
        if (strcmp(releases[r - REL_FIRST].name, name) == 0)
            return r;
    /* Nova's own spellings of the dated releases' code names */
    static const struct { const char *n; int r; } alias[] = {
        {"master", REL_LATEST}, {"antelope", REL_2023_1},
        {"bobcat", REL_2023_2}, {"caracal", REL_2024_1},
        {"dalmatian", REL_2024_2}, {"epoxy", REL_2025_1},
        {"flamingo", REL_2025_2}, {"gazpacho", REL_2026_1}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(alias[i].n, name) == 0)
            return alias[i].r;
    return -1;
}

const quirk_desc quirk_table[Q_COUNT] = {
    [Q_BUG_1718455] = {"bug-1718455", REL_PIKE, REL_PIKE,
                       "a move of one server of a multi-create request asks "
                       "the scheduler for the persisted num_instances"},
    [Q_BUG_1669054] = {"bug-1669054", REL_PIKE, REL_STEIN,
                       "ignore_hosts of a resize/migration is persisted in the "
                       "RequestSpec and excludes that host from later moves"},
    [Q_BUG_1797580] = {"bug-1797580", REL_PIKE, REL_ROCKY,
                       "requested_destination is persisted in the RequestSpec "
                       "and pins later moves to an old target"},
    [Q_BUG_1827628] = {"bug-1827628", REL_QUEENS, REL_STEIN,
                       "max_placement_results still limits candidates for requests with a "
                       "server group or same_host/different_host hints, hiding hosts they need"},
    [Q_BUG_1777591] = {"bug-1777591", REL_QUEENS, REL_QUEENS,
                       "max_placement_results still limits candidates when a host is forced, "
                       "so the forced host may never be returned"},
    [Q_BUG_1713783] = {"bug-1713783", REL_PIKE, REL_PIKE,
                       "an evacuation that finds no host leaves the server's vm_state as it was "
                       "instead of ERROR"},
    [Q_BUG_1823370] = {"bug-1823370", REL_PIKE, REL_TRAIN,
                       "evacuation is not restricted to the server's cell"},
    [Q_BUG_1845291] = {"bug-1845291", REL_PIKE, REL_TRAIN,
                       "a server booted with az:host keeps force_hosts when the retry is set "
                       "up, so its cold migration or resize never reschedules"},
    [Q_BUG_1978983] = {"bug-1978983", REL_PIKE, REL_YOGA,
                       "evacuate is refused while the server has a task_state (e.g. powering-off "
                       "queued for its down host), though only an evacuation can recover it"},
    [Q_BUG_1922053] = {"bug-1922053", REL_PIKE, REL_WALLABY,
                       "a compute can be unforced down while `done` evacuations remain, so its "
                       "evacuated servers are never cleaned up"},
    [Q_BUG_1856925] = {"bug-1856925", REL_PIKE, REL_TRAIN,
                       "resize and cold migration are accepted from a down source host; the "
                       "destination's call to it waits and the move hangs in pre-migrating"},
    [Q_BUG_1938326] = {"bug-1938326", REL_USSURI, REL_WALLABY,
                       "resize and cold migration are accepted from a source host that is disabled "
                       "and down (its status is MAINTENANCE); the move hangs in pre-migrating"},
    [Q_BUG_1837955] = {"bug-1837955", REL_QUEENS, REL_STEIN,
                       "a build reschedule whose alternates all fail their Placement claim raises "
                       "MaxRetriesExceeded without cleanup: the server stays building forever"},
    [Q_BUG_1746483] = {"bug-1746483", REL_PIKE, REL_PIKE,
                       "IsolatedHostsFilter with isolated_images set fails every volume-backed boot "
                       "(\"Cannot load 'id' in the base class\")"},
    [Q_BUG_1718512] = {"bug-1718512", REL_PIKE, REL_QUEENS,
                       "a resize rescheduled away from a failing host persists RequestSpec.retry, "
                       "so RetryFilter rejects that host for the server's later live migrations"},
    [Q_BUG_1825020] = {"bug-1825020", REL_STEIN, REL_STEIN,
                       "a volume-backed server cannot be resized to a flavor with a smaller disk "
                       "than its boot flavor's (FlavorDiskSmallerThanMinDisk, HTTP 500)"},
    [Q_BUG_1702454] = {"bug-1702454", REL_PIKE, REL_PIKE,
                       "an evacuation to a named host (not forced) loses requested_destination on "
                       "its way to the scheduler, which may pick any host"},
    [Q_BUG_1719730] = {"bug-1719730", REL_PIKE, REL_PIKE,
                       "a build reschedule of a server group member fails in the conductor "
                       "(\"'NoneType' object is not iterable\"): the server goes to ERROR"},
    [Q_BUG_1735407] = {"bug-1735407", REL_PIKE, REL_PIKE,
                       "an evacuation has no late server group check on the destination, so a "
                       "forced or racing evacuation breaks anti-affinity"},
    [Q_BUG_1996732] = {"bug-1996732", REL_PIKE, REL_2023_1,
                       "a build rescheduled by the late server group check counts as a failed "
                       "build of that host for BuildFailureWeigher"},
    [Q_BUG_1679750] = {"bug-1679750", REL_PIKE, REL_QUEENS,
                       "deleting a server whose compute is down leaves its Placement allocations "
                       "until that compute restarts"},
    [Q_BUG_1794996] = {"bug-1794996", REL_PIKE, REL_ROCKY,
                       "a compute whose evacuated server was deleted meanwhile fails to start "
                       "again (InstanceNotFound in _destroy_evacuated_instances)"},
    [Q_BUG_1983753] = {"bug-1983753", REL_PIKE, REL_YOGA,
                       "a resize is scheduled with the PCI requests of the old flavor, not the "
                       "new one's pci_passthrough:alias"},
    [Q_BUG_2044235] = {"bug-2044235", REL_PIKE, REL_2025_2,
                       "a live migration whose source pre-check fails (check_can_live_migrate_source) "
                       "puts the server in ERROR instead of trying another host"},
    [Q_BUG_2125052] = {"bug-2125052", REL_2025_1, REL_2025_2,
                       "ImagePropertiesWeigher with a non-zero multiplier raises AttributeError when "
                       "a weighed host runs servers: the boot fails"},
    [Q_BUG_1825537] = {"bug-1825537", REL_ROCKY, REL_STEIN,
                       "a finish_resize failure on the destination reverts the allocations to "
                       "the old flavor on the source, where the server no longer is"},
    [Q_BUG_1784353] = {"bug-1784353", REL_QUEENS, REL_ROCKY,
                       "a rescheduled volume-backed build fails on the alternate host (\"Failure "
                       "prepping block device.\"): the first host deleted its volume attachment"},
    [Q_BUG_2007968] = {"bug-2007968", REL_TRAIN, REL_2024_1,
                       "a volume-backed server can be resized to a flavor with less memory than "
                       "its image's min_ram"},
    [Q_BUG_1628606] = {"bug-1628606", REL_PIKE, REL_ZED,
                       "a live migration failing in _post_live_migration leaves the server in ERROR "
                       "pointing at its source, though the guest runs on the destination"},
    [Q_BUG_2062425] = {"bug-2062425", REL_YOGA, REL_2024_2,
                       "with image_metadata_prefilter, an image's hw_architecture requires a "
                       "HW_ARCH_* trait that no compute reports: NoValidHost"},
    [Q_BUG_MAX_RETRIES_NOTIFICATION] = {"bug-max-retries-notification", REL_TRAIN, REL_LATEST,
                       "a build reschedule with no claimable alternate sets the server to ERROR, "
                       "then the versioned error notification of its never-raised "
                       "MaxRetriesExceeded raises (IndexError; AttributeError from Victoria)"},
};

int quirk_from_name(const char *name)
{
    for (int q = 0; q < Q_COUNT; q++)
        if (strcmp(quirk_table[q].name, name) == 0)
            return q;
    return -1;
}

#define O(sec, nm, ty, field, f, l, mn, help)                                    \
    {sec, nm, ty, offsetof(nova_config, field), f, l, mn, help, NULL}
#define NOMIN (-1e300)
/* a string option with a fixed set of values */
#define OC(sec, nm, field, f, l, choices, help)                                  \
    {sec, nm, OPT_STRING, offsetof(nova_config, field), f, l, NOMIN, help, choices}

const nova_option nova_options[] = {
    O("DEFAULT", "cpu_allocation_ratio", OPT_FLOAT, cpu_allocation_ratio, REL_FIRST, REL_LATEST, 0.0,
      "VCPU allocation ratio; unset or 0.0 falls back to initial_cpu_allocation_ratio"),
    O("DEFAULT", "ram_allocation_ratio", OPT_FLOAT, ram_allocation_ratio, REL_FIRST, REL_LATEST, 0.0,
      "MEMORY_MB allocation ratio; unset or 0.0 falls back to the initial ratio"),
    O("DEFAULT", "disk_allocation_ratio", OPT_FLOAT, disk_allocation_ratio, REL_FIRST, REL_LATEST, 0.0,
      "DISK_GB allocation ratio; unset or 0.0 falls back to the initial ratio"),
    O("DEFAULT", "initial_cpu_allocation_ratio", OPT_FLOAT, initial_cpu_allocation_ratio,
      REL_STEIN, REL_LATEST, 0.0, "VCPU ratio of a new compute node (16.0; 4.0 from 2023.1)"),
    O("DEFAULT", "initial_ram_allocation_ratio", OPT_FLOAT, initial_ram_allocation_ratio,
      REL_STEIN, REL_LATEST, 0.0, "MEMORY_MB ratio of a new compute node (1.5; 1.0 from 2023.1)"),
    O("DEFAULT", "initial_disk_allocation_ratio", OPT_FLOAT, initial_disk_allocation_ratio,
      REL_STEIN, REL_LATEST, 0.0, "DISK_GB ratio of a new compute node (1.0)"),
    O("DEFAULT", "reserved_host_memory_mb", OPT_INT, reserved_host_memory_mb, REL_FIRST, REL_LATEST, 0,
      "MEMORY_MB reserved for the host (512)"),
    O("DEFAULT", "reserved_host_disk_mb", OPT_INT, reserved_host_disk_mb, REL_FIRST, REL_LATEST, 0,
      "disk reserved for the host, in MB (0); DISK_GB reserved = ceil(MB/1024)"),
    O("DEFAULT", "reserved_host_cpus", OPT_INT, reserved_host_cpus, REL_FIRST, REL_LATEST, 0,
      "VCPU reserved for the host (0)"),
    O("DEFAULT", "migrate_max_retries", OPT_INT, migrate_max_retries, REL_FIRST, REL_LATEST, -1,
      "live-migration destinations to retry after pre-check failures (-1: no limit)"),
    O("DEFAULT", "allow_resize_to_same_host", OPT_BOOL, allow_resize_to_same_host, REL_FIRST, REL_LATEST, NOMIN,
      "a resize may pick the server's own host (false)"),
    O("DEFAULT", "default_availability_zone", OPT_STRING, default_availability_zone, REL_FIRST, REL_LATEST, NOMIN,
      "AZ of hosts in no AZ aggregate (\"nova\")"),
    O("DEFAULT", "default_schedule_zone", OPT_STRING, default_schedule_zone, REL_FIRST, REL_LATEST, NOMIN,
      "AZ given to a boot that names none (unset)"),
    O("DEFAULT", "service_down_time", OPT_INT, service_down_time, REL_FIRST, REL_LATEST, 1,
      "seconds without a heartbeat before a service is down (60)"),
    O("DEFAULT", "report_interval", OPT_INT, report_interval, REL_FIRST, REL_LATEST, 1,
      "seconds between heartbeats (10)"),
    O("DEFAULT", "shelved_offload_time", OPT_INT, shelved_offload_time, REL_FIRST, REL_LATEST, -1,
      "seconds a shelved server stays on its host (0: offloaded at once; -1: never)"),
    O("DEFAULT", "multi_instance_display_name_template", OPT_STRING,
      multi_instance_display_name_template, REL_FIRST, REL_LATEST, NOMIN,
      "names of multi-create servers (\"%(name)s-%(count)d\")"),

    O("filter_scheduler", "enabled_filters", OPT_FILTERS, enabled_filters, REL_FIRST, REL_LATEST, NOMIN,
      "host filters, in the order they run"),
    O("filter_scheduler", "weight_classes", OPT_WEIGHERS, weight_classes, REL_FIRST, REL_LATEST, NOMIN,
      "weighers (dotted paths or class names; all_weighers)"),
    O("filter_scheduler", "host_subset_size", OPT_INT, host_subset_size, REL_FIRST, REL_LATEST, 1,
      "pick at random among the best N hosts (1)"),
    O("filter_scheduler", "shuffle_best_same_weighed_hosts", OPT_BOOL,
      shuffle_best_same_weighed_hosts, REL_QUEENS, REL_LATEST, NOMIN,
      "shuffle the hosts tied for the best weight (false)"),
    O("filter_scheduler", "ram_weight_multiplier", OPT_FLOAT, ram_weight_multiplier, REL_FIRST, REL_LATEST, NOMIN,
      "RAMWeigher multiplier (1.0)"),
    O("filter_scheduler", "cpu_weight_multiplier", OPT_FLOAT, cpu_weight_multiplier,
      REL_ROCKY, REL_LATEST, NOMIN, "CPUWeigher multiplier (1.0)"),
    O("filter_scheduler", "disk_weight_multiplier", OPT_FLOAT, disk_weight_multiplier, REL_FIRST, REL_LATEST, NOMIN,
      "DiskWeigher multiplier (1.0)"),
    O("filter_scheduler", "io_ops_weight_multiplier", OPT_FLOAT, io_ops_weight_multiplier, REL_FIRST, REL_LATEST,
      NOMIN, "IoOpsWeigher multiplier (-1.0)"),
    O("filter_scheduler", "soft_affinity_weight_multiplier", OPT_FLOAT,
      soft_affinity_weight_multiplier, REL_FIRST, REL_LATEST, 0.0, "ServerGroupSoftAffinityWeigher multiplier (1.0)"),
    O("filter_scheduler", "soft_anti_affinity_weight_multiplier", OPT_FLOAT,
      soft_anti_affinity_weight_multiplier, REL_FIRST, REL_LATEST, 0.0,
      "ServerGroupSoftAntiAffinityWeigher multiplier (1.0)"),
    O("filter_scheduler", "build_failure_weight_multiplier", OPT_FLOAT,
      build_failure_weight_multiplier, REL_FIRST, REL_LATEST, NOMIN, "BuildFailureWeigher multiplier (1000000.0)"),
    O("filter_scheduler", "cross_cell_move_weight_multiplier", OPT_FLOAT,
      cross_cell_move_weight_multiplier, REL_USSURI, REL_LATEST, NOMIN,
      "CrossCellWeigher multiplier (1000000.0)"),
    O("filter_scheduler", "pci_weight_multiplier", OPT_FLOAT, pci_weight_multiplier,
      REL_QUEENS, REL_LATEST, 0.0, "PCIWeigher multiplier (1.0)"),
    O("filter_scheduler", "hypervisor_version_weight_multiplier", OPT_FLOAT,
      hypervisor_version_weight_multiplier, REL_2023_2, REL_LATEST, NOMIN,
      "HypervisorVersionWeigher multiplier (1.0)"),
    O("filter_scheduler", "num_instances_weight_multiplier", OPT_FLOAT,
      num_instances_weight_multiplier, REL_2023_2, REL_LATEST, NOMIN,
      "NumInstancesWeigher multiplier (0.0)"),
    O("filter_scheduler", "image_props_weight_multiplier", OPT_FLOAT,
      image_props_weight_multiplier, REL_2025_1, REL_LATEST, NOMIN,
      "ImagePropertiesWeigher multiplier (0.0)"),
    O("filter_scheduler", "max_io_ops_per_host", OPT_INT, max_io_ops_per_host, REL_FIRST, REL_LATEST, 0,
      "IoOpsFilter limit (8)"),
    O("filter_scheduler", "max_instances_per_host", OPT_INT, max_instances_per_host, REL_FIRST, REL_LATEST, 1,
      "NumInstancesFilter limit (50)"),
    O("filter_scheduler", "isolated_hosts", OPT_STRLIST, isolated_hosts, REL_FIRST, REL_LATEST, NOMIN,
      "hosts reserved for isolated images (IsolatedHostsFilter)"),
    O("filter_scheduler", "isolated_images", OPT_STRLIST, isolated_images, REL_FIRST, REL_LATEST, NOMIN,
      "images (by name) that run only on isolated hosts"),
    O("filter_scheduler", "restrict_isolated_hosts_to_isolated_images", OPT_BOOL,
      restrict_isolated_hosts_to_isolated_images, REL_FIRST, REL_LATEST, NOMIN,
      "isolated hosts take only isolated images (true)"),
    O("filter_scheduler", "image_properties_default_architecture", OPT_STRING,
      image_properties_default_architecture, REL_STEIN, REL_LATEST, NOMIN,
      "architecture assumed for images without hw_architecture (unset)"),
    O("filter_scheduler", "aggregate_image_properties_isolation_namespace", OPT_STRING,
      aggregate_image_properties_isolation_namespace, REL_FIRST, REL_LATEST, NOMIN,
      "only aggregate keys in this namespace are compared (unset)"),
    O("filter_scheduler", "aggregate_image_properties_isolation_separator", OPT_STRING,
      aggregate_image_properties_isolation_separator, REL_FIRST, REL_LATEST, NOMIN,
      "namespace separator (\".\")"),

    O("scheduler", "max_attempts", OPT_INT, max_attempts, REL_FIRST, REL_LATEST, 1,
      "hosts tried per build: selected + max_attempts-1 alternates (3)"),
    O("scheduler", "max_placement_results", OPT_INT, max_placement_results, REL_QUEENS, REL_LATEST, 1,
      "allocation candidates asked of Placement (1000)"),
    O("scheduler", "query_placement_for_availability_zone", OPT_BOOL,
      query_placement_for_availability_zone, REL_ROCKY, REL_2023_1, NOMIN,
      "map the requested AZ to a Placement aggregate (False until Wallaby, True after)"),
    O("scheduler", "limit_tenants_to_placement_aggregate", OPT_BOOL,
      limit_tenants_to_placement_aggregate, REL_ROCKY, REL_LATEST, NOMIN,
      "restrict projects to aggregates with filter_tenant_id (false)"),
    O("scheduler", "placement_aggregate_required_for_tenants", OPT_BOOL,
      placement_aggregate_required_for_tenants, REL_ROCKY, REL_LATEST, NOMIN,
      "projects with no tenant aggregate get no host (false)"),
    O("scheduler", "query_placement_for_image_type_support", OPT_BOOL,
      query_placement_for_image_type_support, REL_TRAIN, REL_LATEST, NOMIN,
      "require COMPUTE_IMAGE_TYPE_<disk_format> (false)"),
    O("scheduler", "enable_isolated_aggregate_filtering", OPT_BOOL,
      enable_isolated_aggregate_filtering, REL_TRAIN, REL_LATEST, NOMIN,
      "forbid aggregates whose trait:X=required the request lacks (false)"),
    O("scheduler", "image_metadata_prefilter", OPT_BOOL, image_metadata_prefilter,
      REL_WALLABY, REL_LATEST, NOMIN, "image properties -> required traits (false)"),

    O("workarounds", "skip_hypervisor_version_check_on_lm", OPT_BOOL,
      skip_hypervisor_version_check_on_lm, REL_ZED, REL_LATEST, NOMIN,
      "live migration to an older hypervisor is allowed (false)"),
    O("workarounds", "disable_fallback_pcpu_query", OPT_BOOL, disable_fallback_pcpu_query,
      REL_TRAIN, REL_LATEST, NOMIN, "no VCPU fallback query for pinned flavors (false)"),
    O("workarounds", "disable_group_policy_check_upcall", OPT_BOOL,
      disable_group_policy_check_upcall, REL_FIRST, REL_LATEST, NOMIN,
      "the compute skips its late server group policy check (false)"),

    O("metrics", "weight_setting", OPT_STRLIST, metrics_weight_setting, REL_FIRST, REL_LATEST, NOMIN,
      "host metrics and their ratios for MetricsWeigher/MetricsFilter (\"name=ratio\")"),
    O("metrics", "required", OPT_BOOL, metrics_required, REL_FIRST, REL_LATEST, NOMIN,
      "a weighed host lacking a metric fails the request (true)"),
    O("metrics", "weight_of_unavailable", OPT_FLOAT, metrics_weight_of_unavailable, REL_FIRST,
      REL_LATEST, NOMIN, "weight of a host lacking a metric when not required (-10000.0)"),
    O("metrics", "weight_multiplier", OPT_FLOAT, metrics_weight_multiplier, REL_FIRST, REL_LATEST,
      NOMIN, "MetricsWeigher multiplier (1.0)"),
    O("pci", "alias", OPT_STRLIST, pci_alias, REL_FIRST, REL_LATEST, NOMIN,
      "PCI aliases, each a JSON object {\"name\", \"vendor_id\", \"product_id\"}"),

    O("compute", "consecutive_build_service_disable_threshold", OPT_INT,
      consecutive_build_service_disable_threshold, REL_FIRST, REL_LATEST, 0,
      "failed builds counted for BuildFailureWeigher unless 0 (10)"),

    OC("notifications", "notification_format", notification_format, REL_FIRST, REL_LATEST,
       "unversioned|versioned|both",
       "notifications emitted: unversioned, versioned or both (both until Stein, unversioned from Train)"),
};
const int nova_option_count = sizeof nova_options / sizeof nova_options[0];

bool nova_option_choice_ok(const nova_option *o, const char *value)
{
    if (!o->choices)
        return true;
    size_t n = strlen(value);
    for (const char *p = o->choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return true;
        p += len + (bar != NULL);
    }
    return false;
}

/* nova/rpc.py init: with "unversioned" the versioned NOTIFIER's driver is
 * noop, so is_enabled() is false and if_notifications_enabled skips the
 * notify_about_* functions. */
bool config_versioned_notifications(const nova_config *c)
{
    return c->notification_format && strcmp(c->notification_format, "unversioned") != 0;
}

const nova_option *nova_option_find(const char *section, const char *name)
{
    for (int i = 0; i < nova_option_count; i++)
        if (strcmp(nova_options[i].section, section) == 0 &&
            strcmp(nova_options[i].name, name) == 0)
            return &nova_options[i];
    return NULL;
}

static void push_filter(nova_config *c, const char *name)
{
    int id = filter_lookup(name);
    if (id < 0)
        nv_fatal("filter table lacks %s", name);
    intvec_push(&c->enabled_filters, id);
}

void nova_config_init(nova_config *c, int release)
{
    memset(c, 0, sizeof *c);
    c->release = release;
    for (int q = 0; q < Q_COUNT; q++)
        if (release >= quirk_table[q].first && release <= quirk_table[q].last)
            c->quirks |= QUIRK_BIT(q);

    c->cpu_allocation_ratio = c->ram_allocation_ratio = c->disk_allocation_ratio = 0.0;
    if (release >= REL_2023_1) {
        c->initial_cpu_allocation_ratio = 4.0;
        c->initial_ram_allocation_ratio = 1.0;
    } else {
        c->initial_cpu_allocation_ratio = 16.0;
        c->initial_ram_allocation_ratio = 1.5;
    }
    c->initial_disk_allocation_ratio = 1.0;
    c->reserved_host_memory_mb = 512;
    c->reserved_host_disk_mb = 0;
    c->reserved_host_cpus = 0;
    c->migrate_max_retries = -1;
    c->allow_resize_to_same_host = false;
    c->shelved_offload_time = 0;
    c->default_availability_zone = nv_strdup("nova");
    c->default_schedule_zone = NULL;
    c->service_down_time = 60;
    c->report_interval = 10;
    c->multi_instance_display_name_template = nv_strdup("%(name)s-%(count)d");

    if (release <= REL_STEIN)
        push_filter(c, "RetryFilter");
    if (release <= REL_WALLABY)
        push_filter(c, "AvailabilityZoneFilter");
    push_filter(c, "ComputeFilter");
    push_filter(c, "ComputeCapabilitiesFilter");
    push_filter(c, "ImagePropertiesFilter");
    push_filter(c, "ServerGroupAntiAffinityFilter");
    push_filter(c, "ServerGroupAffinityFilter");
    weigher_all(release, &c->weight_classes);

    c->host_subset_size = 1;
    c->shuffle_best_same_weighed_hosts = false;
    c->ram_weight_multiplier = 1.0;
    c->cpu_weight_multiplier = 1.0;
    c->disk_weight_multiplier = 1.0;
    c->io_ops_weight_multiplier = -1.0;
    c->soft_affinity_weight_multiplier = 1.0;
    c->soft_anti_affinity_weight_multiplier = 1.0;
    c->build_failure_weight_multiplier = 1000000.0;
    c->cross_cell_move_weight_multiplier = 1000000.0;
    c->pci_weight_multiplier = 1.0;
    c->hypervisor_version_weight_multiplier = 1.0;
    c->num_instances_weight_multiplier = 0.0;
    c->image_props_weight_multiplier = 0.0;
    c->max_io_ops_per_host = 8;
    c->max_instances_per_host = 50;
    c->restrict_isolated_hosts_to_isolated_images = true;
    c->aggregate_image_properties_isolation_separator = nv_strdup(".");

    c->max_attempts = 3;
    c->max_placement_results = 1000;
    c->query_placement_for_availability_zone = release >= REL_XENA;

    c->consecutive_build_service_disable_threshold = 10;
    /* the default became "unversioned" in 20.0.0 (ed613aa66f) */
    c->notification_format = nv_strdup(release >= REL_TRAIN ? "unversioned" : "both");
    c->metrics_required = true;
    c->metrics_weight_of_unavailable = -10000.0;
    c->metrics_weight_multiplier = 1.0;
}

void nova_config_done(nova_config *c)
{
    for (int i = 0; i < nova_option_count; i++) {
        void *p = (char *)c + nova_options[i].off;
        switch (nova_options[i].type) {
        case OPT_STRING:
            free(*(char **)p);
            *(char **)p = NULL;
            break;
        case OPT_STRLIST:
            strlist_free(p);
            break;
        case OPT_FILTERS:
        case OPT_WEIGHERS:
            intvec_free(p);
            break;
        default:
            break;
        }
    }
}

void nova_config_copy(nova_config *dst, const nova_config *src)
{
    *dst = *src;
    for (int i = 0; i < nova_option_count; i++) {
        size_t off = nova_options[i].off;
        void *d = (char *)dst + off;
        const void *s = (const char *)src + off;
        switch (nova_options[i].type) {
        case OPT_STRING:
            *(char **)d = nv_strdup(*(char *const *)s);
            break;
        case OPT_STRLIST:
            strlist_copy(d, s);
            break;
        case OPT_FILTERS:
        case OPT_WEIGHERS:
            intvec_copy(d, s);
            break;
        default:
            break;
        }
    }
}

const nova_option *nova_option_lookup(const char *spec)
{
    const char *dot = strchr(spec, '.');
    if (dot) {
        char sec[64];
        size_t n = (size_t)(dot - spec);
        if (n >= sizeof sec)
            return NULL;
        memcpy(sec, spec, n);
        sec[n] = '\0';
        return nova_option_find(sec, dot + 1);
    }
    const nova_option *found = NULL;
    for (int i = 0; i < nova_option_count; i++)
        if (!strcmp(nova_options[i].name, spec)) {
            if (found)
                return NULL;    /* ambiguous: the section is needed */
            found = &nova_options[i];
        }
    return found;
}

void config_switch_release(nova_config *conf, int release)
{
    nova_config olddef, newdef;
    nova_config_init(&olddef, conf->release);
    nova_config_init(&newdef, release);
    for (int i = 0; i < nova_option_count; i++) {
        const nova_option *o = &nova_options[i];
        char *cur = (char *)conf + o->off;
        const char *od = (const char *)&olddef + o->off, *nd = (const char *)&newdef + o->off;
        bool same = false;
        switch (o->type) {
        case OPT_BOOL: same = *(bool *)cur == *(const bool *)od; break;
        case OPT_INT: same = *(int64_t *)cur == *(const int64_t *)od; break;
        case OPT_FLOAT: same = *(double *)cur == *(const double *)od; break;
        case OPT_STRING: same = nv_streq(*(char **)cur, *(char *const *)od); break;
        case OPT_STRLIST: {
            const strlist *a = (const strlist *)cur, *b = (const strlist *)od;
            same = a->n == b->n;
            for (int k = 0; same && k < a->n; k++)
                same = !strcmp(a->v[k], b->v[k]);
            break;
        }
        case OPT_FILTERS:
        case OPT_WEIGHERS: {
            const intvec *a = (const intvec *)cur, *b = (const intvec *)od;
            same = a->n == b->n && (!a->n || !memcmp(a->v, b->v, (size_t)a->n * sizeof *a->v));
            break;
        }
        }
        if (!same)
            continue;
        /* still the old release's default: take the new one's */
        switch (o->type) {
        case OPT_BOOL: *(bool *)cur = *(const bool *)nd; break;
        case OPT_INT: *(int64_t *)cur = *(const int64_t *)nd; break;
        case OPT_FLOAT: *(double *)cur = *(const double *)nd; break;
        case OPT_STRING:
            free(*(char **)cur);
            *(char **)cur = nv_strdup(*(char *const *)nd);
            break;
        case OPT_STRLIST:
            strlist_free((strlist *)cur);
            strlist_copy((strlist *)cur, (const strlist *)nd);
            break;
        case OPT_FILTERS:
        case OPT_WEIGHERS:
            intvec_free((intvec *)cur);
            intvec_copy((intvec *)cur, (const intvec *)nd);
            break;
        }
    }
    /* quirks switched relative to the old release stay switched */
    conf->quirks = newdef.quirks ^ (conf->quirks ^ olddef.quirks);
    conf->release = release;
    nova_config_done(&olddef);
    nova_config_done(&newdef);
}
