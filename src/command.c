/*
 * command.c - command records, the command table, the `:` prompt syntax,
 * and the session that runs commands, keeps their history and undoes by
 * replay.
 *
 * The command table (cmd_table[]) holds, per op, its argument descriptors,
 * the rules between arguments and the function that runs it.  Everything
 * that reads or writes a command goes through it: command_parse() (the `:`
 * prompt), command_format() (its inverse), the scenario loader and saver
 * (scenario.c), --help, the man page test.  Values are checked once, in
 * cmd_arg_set(); the front ends only add where the value came from.
 *
 * Prompt syntax: the op, then its positional arguments in table order,
 * then key=VALUE words (the scenario keys; list arguments repeat the key).
 * A bare flag sets a boolean (`--force`, `bfv`).  Double quotes keep blanks
 * and `=` in a value ("message=\"disk full\""), with \\ and \" escapes.
 * command_usage() prints the synopsis of each op from the table.
 */
#include "command.h"
#include "journal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "decision.h"
#include "scheduler.h"
#include "whatif.h"

void command_init(command *cmd, enum cmd_op op)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->op = op;
    cmd->min_count = 1;
    cmd->times = 1;
}

void expect_done(expect *e)
{
    free(e->outcome);
    free(e->message);
    free(e->server);
    free(e->host);
    strlist_free(&e->hosts);
    free(e->migration_status);
    free(e->migration_type);
    free(e->vm_state);
    free(e->task_state);
    free(e->fault);
    free(e->destination);
    strlist_free(&e->plan);
    for (int i = 0; i < e->n_usage; i++)
        free(e->usage[i].host);
    free(e->usage);
    memset(e, 0, sizeof *e);
}

#define STR_FIELDS(X)                                                                    \
    X(name) X(server) X(flavor) X(image) X(host) X(az) X(group) X(project) X(set) X(reason) \
    X(point) X(message) X(block_migration) X(add_host) X(remove_host) X(microversion)

void command_done(command *cmd)
{
#define X(f) free(cmd->f);
    STR_FIELDS(X)
#undef X
    strlist_free(&cmd->hints);
    strlist_free(&cmd->metadata);
    kvlist_free(&cmd->props);
    expect_done(&cmd->ex);
    memset(cmd, 0, sizeof *cmd);
}

void command_copy(command *dst, const command *src)
{
    *dst = *src;
#define X(f) dst->f = nv_strdup(src->f);
    STR_FIELDS(X)
#undef X
    strlist_copy(&dst->hints, &src->hints);
    strlist_copy(&dst->metadata, &src->metadata);
    memset(&dst->props, 0, sizeof dst->props);
    kvlist_copy(&dst->props, &src->props);
    expect *d = &dst->ex;
    const expect *s = &src->ex;
    d->outcome = nv_strdup(s->outcome);
    d->message = nv_strdup(s->message);
    d->server = nv_strdup(s->server);
    d->host = nv_strdup(s->host);
    strlist_copy(&d->hosts, &s->hosts);
    d->migration_status = nv_strdup(s->migration_status);
    d->migration_type = nv_strdup(s->migration_type);
    d->vm_state = nv_strdup(s->vm_state);
    d->task_state = nv_strdup(s->task_state);
    d->fault = nv_strdup(s->fault);
    d->destination = nv_strdup(s->destination);
    strlist_copy(&d->plan, &s->plan);
    if (s->n_usage) {
        d->usage = nv_calloc((size_t)s->n_usage, sizeof *d->usage);
        for (int i = 0; i < s->n_usage; i++) {
            d->usage[i] = s->usage[i];
            d->usage[i].host = nv_strdup(s->usage[i].host);
        }
    }
}

/* ---- the command table ------------------------------------------------------------ */

#define MAX_BOOT_COUNT 100000           /* largest min_count / max_count */
#define F(f) offsetof(command, f)
#define P ARG_NO_FIELD
#define N_ARGS(a) ((int)(sizeof a / sizeof a[0]))

static const char *const host_set_values[] = {
    "down", "up", "disable", "enable", "force-down", "unforce-down", NULL};
static const char *const fault_points[] = {
    "build", "prep_resize", "finish_resize", "check_can_live_migrate_destination",
    "check_can_live_migrate_source", "pre_live_migration", "live_migration",
    "post_live_migration", "rebuild", NULL};
const char *const vm_state_values[] = {
    "active", "building", "paused", "suspended", "stopped", "rescued", "resized",
    "soft-delete", "deleted", "error", "shelved", "shelved_offloaded", NULL};
const char *const migration_type_values[] = {
    "live-migration", "migration", "resize", "evacuation", NULL};
static const char *const host_states[] = {"up", "down", NULL};
static const char *const policies[] = {
    "affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity", NULL};

/* {key, word, type, pos, required, values, min, max, from, field, help} */
#define SERVER_ARG {"server", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_SERVERS, F(server), "the server"}

static const cmd_arg args_boot[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name),
     "server name (NAME-1, NAME-2, ... when more than one)"},
    {"flavor", NULL, ARG_NAME, 2, true, NULL, 0, 0, FROM_FLAVORS, F(flavor), "flavor"},
    {"image", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_IMAGES, F(image), "image"},
    {"min_count", NULL, ARG_INT, 0, false, NULL, 1, MAX_BOOT_COUNT, FROM_NONE, F(min_count),
     "servers that must all fit (default 1)"},
    {"max_count", NULL, ARG_INT, 0, false, NULL, 1, MAX_BOOT_COUNT, FROM_NONE, F(max_count),
     "servers wanted (default min_count)"},
    {"az", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(az), "AZ, AZ:HOST or AZ:HOST:NODE"},
    {"group", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_GROUPS, F(group), "server group"},
    {"project", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(project), "project"},
    {"hints", "hint", ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, F(hints),
     "scheduler hint KEY=VALUE (same_host, different_host, query, ...)"},
    {"boot_from_volume", "bfv", ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, F(boot_from_volume),
     "boot from a volume (no local root disk)"},
};
static const cmd_arg args_live_migrate[] = {
    SERVER_ARG,
    {"host", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_HOSTS, F(host), "target host (none: auto)"},
    {"force", "--force", ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, F(force),
     "skip the scheduler (needs a host; before microversion 2.68)"},
    {"block_migration", NULL, ARG_TRISTATE, 0, false, NULL, 0, 0, FROM_NONE, F(block_migration),
     "true, false or auto"},
    {"microversion", NULL, ARG_VERSION, 0, false, NULL, 0, 0, FROM_NONE, F(microversion),
     "API microversion, e.g. 2.67"},
};
static const cmd_arg args_migrate[] = {
    SERVER_ARG,
    {"host", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_HOSTS, F(host), "target host (none: auto)"},
};
static const cmd_arg args_resize[] = {
    SERVER_ARG,
    {"flavor", NULL, ARG_NAME, 2, true, NULL, 0, 0, FROM_FLAVORS, F(flavor), "new flavor"},
};
static const cmd_arg args_server[] = {SERVER_ARG};
static const cmd_arg args_evacuate[] = {
    SERVER_ARG,
    {"host", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_HOSTS, F(host), "target host (none: auto)"},
    {"force", "--force", ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, F(force),
     "skip the scheduler (needs a host)"},
    {"microversion", NULL, ARG_VERSION, 0, false, NULL, 0, 0, FROM_NONE, F(microversion),
     "API microversion, e.g. 2.29"},
};
static const cmd_arg args_rebuild[] = {
    SERVER_ARG,
    {"image", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_IMAGES, F(image),
     "the image (none: the server's own, no scheduling)"},
    {"microversion", NULL, ARG_VERSION, 0, false, NULL, 0, 0, FROM_NONE, F(microversion),
     "API microversion, e.g. 2.92"},
};
static const cmd_arg args_unshelve[] = {
    SERVER_ARG,
    {"host", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_HOSTS, F(host),
     "target host of an offloaded server (from microversion 2.91)"},
    {"az", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(az),
     "availability zone (from 2.77; \"\" unpins it, from 2.91)"},
    {"microversion", NULL, ARG_VERSION, 0, false, NULL, 0, 0, FROM_NONE, F(microversion),
     "API microversion, e.g. 2.77"},
};
static const cmd_arg args_host[] = {
    {"host", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_HOSTS, F(host), "compute host"},
    {"set", NULL, ARG_ENUM, 2, true, host_set_values, 0, 0, FROM_VALUES, F(set), "the change"},
    {"reason", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(reason), "disabled_reason"},
};
static const cmd_arg args_aggregate[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_AGGREGATES, F(name), "aggregate"},
    {"add_host", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_HOSTS, F(add_host), "host to add"},
    {"remove_host", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_HOSTS, F(remove_host),
     "host to remove"},
    {"set_metadata", "metadata", ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, F(metadata),
     "KEY=VALUE to set (KEY= removes)"},
};
static const cmd_arg args_fault[] = {
    {"host", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_HOSTS, F(host), "compute host"},
    {"point", NULL, ARG_ENUM, 2, true, fault_points, 0, 0, FROM_VALUES, F(point),
     "the compute call that fails"},
    {"times", NULL, ARG_INT, 0, false, NULL, 1, INT_MAX, FROM_NONE, F(times),
     "how many calls fail (default 1)"},
    {"message", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(message), "the error text"},
};
static const cmd_arg args_settle[] = {
    {"host", NULL, ARG_NAME, 1, false, NULL, 0, 0, FROM_HOSTS, F(host),
     "only this compute's periodic tasks (default: every compute)"},
};
static const cmd_arg args_expect[] = {
    {"outcome", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(ex.outcome),
     "ok or Nova's exception name"},
    {"message", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(ex.message),
     "substring of the error message"},
    {"server", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_SERVERS, F(ex.server), "the server"},
    {"host", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_HOSTS, F(ex.host), "where it is"},
    {"hosts", NULL, ARG_LIST, 0, false, NULL, 0, 0, FROM_HOSTS, F(ex.hosts),
     "hosts of a multi-create's servers, in name order"},
    {"migration_status", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(ex.migration_status),
     "the migration's status"},
    {"migration_type", NULL, ARG_ENUM, 0, false, migration_type_values, 0, 0, FROM_VALUES,
     F(ex.migration_type), "the migration's type"},
    {"vm_state", NULL, ARG_ENUM, 0, false, vm_state_values, 0, 0, FROM_VALUES, F(ex.vm_state),
     "the server's vm_state"},
    {"task_state", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(ex.task_state),
     "the server's task_state (\"\" none)"},
    {"fault", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, F(ex.fault),
     "substring of the server's fault"},
    {"destination", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_HOSTS, F(ex.destination),
     "the host the scheduler chose in the step (moves and what-if)"},
    {"plan", NULL, ARG_LIST, 0, false, NULL, 0, 0, FROM_NONE, F(ex.plan),
     "drain: SERVER=HOST in migration order"},
    {"usage", NULL, ARG_USAGE, 0, false, NULL, 0, 0, FROM_HOSTS, F(ex.usage),
     "HOST:RC=N,RC=N Placement usage of a host"},
};

static const cmd_arg sub_numa_cell[] = {
    {"cpus", NULL, ARG_INT, 0, true, NULL, 0, 65536, FROM_NONE, P, "shared CPUs"},
    {"pcpus", NULL, ARG_INT, 0, false, NULL, 0, 65536, FROM_NONE, P, "dedicated CPUs"},
    {"memory_mb", NULL, ARG_INT, 0, true, NULL, 0, INT64_MAX, FROM_NONE, P, "memory"},
    {"threads_per_core", NULL, ARG_INT, 0, false, NULL, 1, 64, FROM_NONE, P, "SMT siblings"},
};
static const cmd_arg sub_pci_device[] = {
    {"vendor_id", NULL, ARG_NAME, 0, true, NULL, 0, 0, FROM_NONE, P, "PCI vendor id"},
    {"product_id", NULL, ARG_NAME, 0, true, NULL, 0, 0, FROM_NONE, P, "PCI product id"},
    {"count", NULL, ARG_INT, 0, false, NULL, 1, 65536, FROM_NONE, P, "devices"},
    {"numa_node", NULL, ARG_INT, 0, false, NULL, -1, 65536, FROM_NONE, P, "NUMA node"},
};

/* The group arguments and the keys of one group (as in a `hosts` entry). */
static const struct {
    const char *key;
    const cmd_arg *sub;
    int n;
} group_args[] = {
    {"numa_cells", sub_numa_cell, N_ARGS(sub_numa_cell)},
    {"pci_devices", sub_pci_device, N_ARGS(sub_pci_device)},
};

const cmd_arg *cmd_arg_sub(const cmd_arg *a, int *n)
{
    for (size_t i = 0; i < sizeof group_args / sizeof group_args[0]; i++)
        if (!strcmp(group_args[i].key, a->key)) {
            *n = group_args[i].n;
            return group_args[i].sub;
        }
    *n = 0;
    return NULL;
}

/* The keys of a `hosts` entry a step can give (host-add; host-set but name). */
#define HOST_PROPS(REQ)                                                                        \
    {"vcpus", NULL, ARG_INT, 0, REQ, NULL, 0, INT_MAX, FROM_NONE, P, "VCPU inventory"},        \
    {"memory_mb", NULL, ARG_INT, 0, REQ, NULL, 0, INT64_MAX, FROM_NONE, P, "MEMORY_MB inventory"}, \
    {"disk_gb", NULL, ARG_INT, 0, REQ, NULL, 0, INT64_MAX, FROM_NONE, P, "DISK_GB inventory"}, \
    {"pcpus", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P, "PCPU inventory"},      \
    {"az", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P,                                 \
     "availability zone (joins the aggregate of that name)"},                                  \
    {"cell", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P, "cell"},                      \
    {"hypervisor_type", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P, "QEMU, ..."},      \
    {"hypervisor_version", NULL, ARG_INT, 0, false, NULL, 0, INT64_MAX, FROM_NONE, P,          \
     "e.g. 8002000"},                                                                          \
    {"cpu_arch", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P, "x86_64, aarch64, ..."},  \
    {"host_ip", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P, "host IP"},                \
    {"traits", "trait", ARG_LIST, 0, false, NULL, 0, 0, FROM_NONE, P, "a trait"},              \
    {"state", NULL, ARG_ENUM, 0, false, host_states, 0, 0, FROM_VALUES, P, "up or down"},      \
    {"disabled", NULL, ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, P, "service disabled"},      \
    {"disabled_reason", NULL, ARG_STR, 0, false, NULL, 0, 0, FROM_NONE, P, "why disabled"},    \
    {"forced_down", NULL, ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, P, "forced down"},        \
    {"failed_builds", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P,                 \
     "recent failed builds"},                                                                  \
    {"cpu_allocation_ratio", NULL, ARG_FLOAT, 0, false, NULL, 0, 0, FROM_NONE, P, "ratio"},    \
    {"ram_allocation_ratio", NULL, ARG_FLOAT, 0, false, NULL, 0, 0, FROM_NONE, P, "ratio"},    \
    {"disk_allocation_ratio", NULL, ARG_FLOAT, 0, false, NULL, 0, 0, FROM_NONE, P, "ratio"},   \
    {"reserved_host_memory_mb", NULL, ARG_INT, 0, false, NULL, 0, INT64_MAX, FROM_NONE, P,     \
     "reserved MEMORY_MB"},                                                                    \
    {"reserved_host_disk_mb", NULL, ARG_INT, 0, false, NULL, 0, INT64_MAX, FROM_NONE, P,       \
     "reserved disk (MB)"},                                                                    \
    {"reserved_host_cpus", NULL, ARG_INT, 0, false, NULL, 0, INT64_MAX, FROM_NONE, P,          \
     "reserved VCPU"},                                                                         \
    {"metrics", "metric", ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, P, "NAME=VALUE metric"}, \
    {"maxphysaddr_bits", NULL, ARG_INT, 0, false, NULL, 0, 64, FROM_NONE, P,                   \
     "cpu_info maxphysaddr bits"},                                                             \
    {"numa_cells", "numa_cell", ARG_GROUPS, 0, false, NULL, 0, 0, FROM_NONE, P,                \
     "a NUMA cell: cpus=N,memory_mb=N[,pcpus=N,threads_per_core=N]"},                          \
    {"pci_devices", "pci_device", ARG_GROUPS, 0, false, NULL, 0, 0, FROM_NONE, P,              \
     "a PCI pool: vendor_id=V,product_id=P[,count=N,numa_node=N]"}

static const char *const move_values[] = {"live-migrate", "migrate", "evacuate", NULL};
static const cmd_arg args_what_if[] = {
    SERVER_ARG,
    {"host", NULL, ARG_NAME, 2, false, NULL, 0, 0, FROM_HOSTS, F(host),
     "could it go to this host? (none: anywhere)"},
    {"move", NULL, ARG_ENUM, 0, false, move_values, 0, 0, FROM_VALUES, P,
     "live-migrate (default), migrate or evacuate"},
};
static const cmd_arg args_drain[] = {
    {"host", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_HOSTS, F(host), "the host to empty"},
    {"dry_run", NULL, ARG_BOOL, 0, false, NULL, 0, 0, FROM_NONE, P,
     "true (default): plan only; false: carry the plan out"},
};
static const cmd_arg args_host_add[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name), "new host's name"},
    HOST_PROPS(true),
};
static const cmd_arg args_host_set[] = {
    {"host", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_HOSTS, F(host), "the host"},
    HOST_PROPS(false),
};
static const cmd_arg args_host_remove[] = {
    {"host", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_HOSTS, F(host), "the host"},
};
static const cmd_arg args_flavor_add[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name), "new flavor's name"},
    {"vcpus", NULL, ARG_INT, 0, true, NULL, 1, INT_MAX, FROM_NONE, P, "VCPUs"},
    {"memory_mb", NULL, ARG_INT, 0, true, NULL, 1, INT_MAX, FROM_NONE, P, "RAM (MB)"},
    {"root_gb", NULL, ARG_INT, 0, true, NULL, 0, INT_MAX, FROM_NONE, P, "root disk (GB)"},
    {"ephemeral_gb", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P, "ephemeral (GB)"},
    {"swap", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P, "swap (MB)"},
    {"extra_specs", "extra_spec", ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, P,
     "KEY=VALUE extra spec"},
};
static const cmd_arg args_image_add[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name), "new image's name"},
    {"disk_format", NULL, ARG_NAME, 0, false, NULL, 0, 0, FROM_NONE, P, "qcow2, raw, ..."},
    {"min_disk", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P,
     "smallest root disk the image boots from (GB)"},
    {"min_ram", NULL, ARG_INT, 0, false, NULL, 0, INT_MAX, FROM_NONE, P,
     "smallest flavor RAM the image boots with (MB)"},
    {"properties", "property", ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, P,
     "KEY=VALUE image property"},
};
static const cmd_arg args_group_create[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name), "new group's name"},
    {"policy", NULL, ARG_ENUM, 2, true, policies, 0, 0, FROM_VALUES, P, "the group's policy"},
    {"max_server_per_host", NULL, ARG_INT, 0, false, NULL, 1, INT_MAX, FROM_NONE, P,
     "anti-affinity rule (default 1)"},
};
static const cmd_arg args_aggregate_create[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_NONE, F(name), "new aggregate's name"},
    {"hosts", "host", ARG_LIST, 0, false, NULL, 0, 0, FROM_HOSTS, P, "a member host"},
    {"metadata", NULL, ARG_KVLIST, 0, false, NULL, 0, 0, FROM_NONE, P,
     "KEY=VALUE (availability_zone=AZ makes it an AZ)"},
};
static const cmd_arg args_aggregate_delete[] = {
    {"name", NULL, ARG_NAME, 1, true, NULL, 0, 0, FROM_AGGREGATES, F(name), "the aggregate"},
};
static const cmd_arg args_config_set[] = {
    {"config", NULL, ARG_OPTION, 0, true, NULL, 0, 0, FROM_OPTIONS, P,
     "SECTION.OPTION=VALUE (lists comma-separated)"},
};
static const cmd_arg args_release_set[] = {
    {"release", NULL, ARG_RELEASE, 1, true, NULL, 0, 0, FROM_RELEASES, P, "Nova release"},
};

static bool check_boot(command *cmd, const char **key, char *err, size_t errlen)
{
    if (cmd->max_count == 0)
        cmd->max_count = cmd->min_count;
    if (cmd->max_count < cmd->min_count) {
        *key = "max_count";
        snprintf(err, errlen, "must be at least min_count (%lld), got %lld",
                 (long long)cmd->min_count, (long long)cmd->max_count);
        return false;
    }
    return true;
}

static bool check_aggregate(command *cmd, const char **key, char *err, size_t errlen)
{
    (void)key;
    int n = !!cmd->add_host + !!cmd->remove_host + !!cmd->metadata.n;
    if (n != 1) {
        snprintf(err, errlen, "op 'aggregate' needs exactly one of add_host, remove_host, "
                              "set_metadata");
        return false;
    }
    return true;
}

static bool check_group(command *cmd, const char **key, char *err, size_t errlen)
{
    const char *pol = kvlist_get(&cmd->props, "policy");
    if (kvlist_get(&cmd->props, "max_server_per_host") && pol && strcmp(pol, "anti-affinity")) {
        *key = "max_server_per_host";
        snprintf(err, errlen, "Only anti-affinity policy supports rules.");
        return false;
    }
    return true;
}

#define ENTRY(a, chk, fn) {a, N_ARGS(a), chk, fn, false}
/* a cloud-building op: undone from a copy (cmd_desc.undo_copy) */
#define ENTRY_COPY(a, chk, fn) {a, N_ARGS(a), chk, fn, true}

const cmd_desc cmd_table[OP_COUNT] = {
    [OP_BOOT] = ENTRY(args_boot, check_boot, conductor_boot),
    [OP_LIVE_MIGRATE] = ENTRY(args_live_migrate, NULL, conductor_live_migrate),
    [OP_MIGRATE] = ENTRY(args_migrate, NULL, conductor_migrate),
    [OP_RESIZE] = ENTRY(args_resize, NULL, conductor_resize),
    [OP_CONFIRM_RESIZE] = ENTRY(args_server, NULL, conductor_confirm_resize),
    [OP_REVERT_RESIZE] = ENTRY(args_server, NULL, conductor_revert_resize),
    [OP_EVACUATE] = ENTRY(args_evacuate, NULL, conductor_evacuate),
    [OP_DELETE] = ENTRY(args_server, NULL, conductor_server_action),
    [OP_STOP] = ENTRY(args_server, NULL, conductor_server_action),
    [OP_START] = ENTRY(args_server, NULL, conductor_server_action),
    [OP_PAUSE] = ENTRY(args_server, NULL, conductor_server_action),
    [OP_UNPAUSE] = ENTRY(args_server, NULL, conductor_server_action),
    [OP_REBUILD] = ENTRY(args_rebuild, NULL, conductor_rebuild),
    [OP_SHELVE] = ENTRY(args_server, NULL, conductor_shelve),
    [OP_SHELVE_OFFLOAD] = ENTRY(args_server, NULL, conductor_shelve_offload),
    [OP_UNSHELVE] = ENTRY(args_unshelve, NULL, conductor_unshelve),
    [OP_HOST] = ENTRY(args_host, NULL, conductor_host),
    [OP_AGGREGATE] = ENTRY_COPY(args_aggregate, check_aggregate, conductor_aggregate),
    [OP_FAULT] = ENTRY(args_fault, NULL, conductor_fault),
    [OP_EXPECT] = ENTRY(args_expect, NULL, conductor_expect),
    [OP_SETTLE] = ENTRY(args_settle, NULL, conductor_settle),
    [OP_HOST_ADD] = ENTRY_COPY(args_host_add, NULL, cloudops_host_add),
    [OP_HOST_SET] = ENTRY_COPY(args_host_set, NULL, cloudops_host_set),
    [OP_HOST_REMOVE] = ENTRY_COPY(args_host_remove, NULL, cloudops_host_remove),
    [OP_FLAVOR_ADD] = ENTRY_COPY(args_flavor_add, NULL, cloudops_flavor_add),
    [OP_IMAGE_ADD] = ENTRY_COPY(args_image_add, NULL, cloudops_image_add),
    [OP_GROUP_CREATE] = ENTRY_COPY(args_group_create, check_group, cloudops_group_create),
    [OP_AGGREGATE_CREATE] = ENTRY_COPY(args_aggregate_create, NULL, cloudops_aggregate_create),
    [OP_AGGREGATE_DELETE] = ENTRY_COPY(args_aggregate_delete, NULL, cloudops_aggregate_delete),
    [OP_CONFIG_SET] = ENTRY_COPY(args_config_set, NULL, cloudops_config_set),
    [OP_RELEASE_SET] = ENTRY_COPY(args_release_set, NULL, cloudops_release_set),
    [OP_WHAT_IF] = ENTRY(args_what_if, NULL, whatif_exec),
    [OP_DRAIN] = ENTRY(args_drain, NULL, drain_exec),
};

/* ---- running one -------------------------------------------------------------------- */

static nv_ref ref_to(const char *name, int (*find)(const cloud *, const char *), const cloud *c)
{
    return (nv_ref){name, name ? find(c, name) : -1};
}

void command_exec(nova_env *env, const command *cmd, cmd_result *r)
{
    const cloud *c = env->c;
    conductor_req q;
    conductor_req_init(&q, cmd->op);
    q.server = ref_to(cmd->server, cloud_server, c);
    q.flavor = ref_to(cmd->flavor, cloud_flavor, c);
    q.image = ref_to(cmd->image, cloud_image, c);
    q.group = ref_to(cmd->group, cloud_group, c);
    q.host = ref_to(cmd->host, cloud_host, c);
    q.add_host = ref_to(cmd->add_host, cloud_host, c);
    q.remove_host = ref_to(cmd->remove_host, cloud_host, c);
    const cmd_arg *name = cmd_arg_find(cmd->op, "name");
    if (name && name->from == FROM_AGGREGATES)
        q.aggregate = ref_to(cmd->name, cloud_aggregate, c);
    q.name = cmd->name;
    q.az = cmd->az;
    q.project = cmd->project;
    q.set = cmd->set;
    q.reason = cmd->reason;
    q.point = cmd->point;
    q.message = cmd->message;
    q.block_migration = cmd->block_migration;
    if (cmd->microversion) {
        /* checked "2.N" (ARG_VERSION) */
        const char *p = cmd->microversion;
        q.microversion = atoi(strncmp(p, "2.", 2) ? p : p + 2);
    }
    q.hints = cmd->hints;
    q.metadata = cmd->metadata;
    q.props = cmd->props;
    q.min_count = cmd->min_count;
    q.max_count = cmd->max_count;
    q.times = cmd->times;
    q.force = cmd->force;
    q.boot_from_volume = cmd->boot_from_volume;
    conductor_begin(env, r);
    if (cmd->op >= 0 && cmd->op < OP_COUNT && cmd_table[cmd->op].run)
        cmd_table[cmd->op].run(env, &q, r);
}

/* ---- one argument -------------------------------------------------------------------- */

static bool word_is(const char *w, const char *s)
{
    if (!s)
        return false;
    if (w[0] == '-' && w[1] == '-')
        w += 2;
    if (s[0] == '-' && s[1] == '-')
        s += 2;
    return strcmp(w, s) == 0;
}

const cmd_arg *cmd_arg_find(int op, const char *key)
{
    if (op < 0 || op >= OP_COUNT)
        return NULL;
    const cmd_desc *d = &cmd_table[op];
    for (int i = 0; i < d->n_args; i++)
        if (word_is(key, d->args[i].key) || word_is(key, d->args[i].word))
            return &d->args[i];
    return NULL;
}

static bool parse_int(const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || errno)
        return false;
    *out = v;
    return true;
}

static bool parse_float(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || isnan(v) || isinf(v))
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1")) {
        *out = true;
        return true;
    }
    if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static void values_text(const char *const *values, sbuf *b)
{
    for (const char *const *p = values; *p; p++)
        sbuf_addf(b, "%s%s", p == values ? "" : ", ", *p);
}

/* A nova.conf value as text: checked against the option's type and
 * minimum, and written back in one canonical spelling. */
static bool option_value(const nova_option *o, const char *text, sbuf *canon, char *err,
                         size_t errlen)
{
    switch (o->type) {
    case OPT_BOOL: {
        bool b;
        if (!parse_bool(text, &b)) {
            snprintf(err, errlen, "expected true or false, got '%s'", text);
            return false;
        }
        sbuf_add(canon, b ? "true" : "false");
        return true;
    }
    case OPT_INT: {
        long long v;
        if (!parse_int(text, &v)) {
            snprintf(err, errlen, "expected an integer, got '%s'", text);
            return false;
        }
        if (o->min > -1e300 && (double)v < o->min) {
            snprintf(err, errlen, "must be at least %lld (got %lld)", (long long)ceil(o->min), v);
            return false;
        }
        sbuf_addf(canon, "%lld", v);
        return true;
    }
    case OPT_FLOAT: {
        double v;
        char a[64], b[64];
        if (!parse_float(text, &v)) {
            snprintf(err, errlen, "expected a number, got '%s'", text);
            return false;
        }
        if (o->min > -1e300 && v < o->min) {
            nv_fmt_double(a, sizeof a, o->min);
            nv_fmt_double(b, sizeof b, v);
            snprintf(err, errlen, "must be at least %s (got %s)", a, b);
            return false;
        }
        nv_fmt_double(b, sizeof b, v);
        sbuf_add(canon, b);
        return true;
    }
    case OPT_STRING:
        if (!nova_option_choice_ok(o, text)) {
            snprintf(err, errlen, "expected one of %s, got '%s'", o->choices, text);
            return false;
        }
        sbuf_add(canon, text);
        return true;
    case OPT_STRLIST:
    case OPT_FILTERS:
    case OPT_WEIGHERS: {
        strlist l = {0};
        nv_split_strip(&l, text, ',');
        bool ok = true;
        for (int i = 0; i < l.n && ok; i++) {
            int id = o->type == OPT_FILTERS   ? filter_lookup(l.v[i])
                     : o->type == OPT_WEIGHERS ? weigher_lookup(l.v[i])
                                               : 0;
            if (id == -1) {
                snprintf(err, errlen, "%s %s could not be found.",
                         o->type == OPT_FILTERS ? "Scheduler Host Filter" : "Weigher class",
                         l.v[i]);
                ok = false;
            }
            if (ok)
                sbuf_addf(canon, "%s%s", i ? "," : "", l.v[i]);
        }
        strlist_free(&l);
        return ok;
    }
    }
    return false;
}

bool cmd_arg_set(command *cmd, const cmd_arg *a, const char *text, char *err, size_t errlen)
{
    char num[64];
    const char *store = text;
    sbuf canon = {0};
    bool ok = true;
    switch (a->type) {
    case ARG_STR:
        break;
    case ARG_NAME:
        if (!text[0]) {
            snprintf(err, errlen, "must not be empty");
            return false;
        }
        break;
    case ARG_INT: {
        long long v;
        if (!parse_int(text, &v)) {
            snprintf(err, errlen, "expected an integer from %lld to %lld, got '%s'",
                     (long long)a->min, (long long)a->max, text);
            return false;
        }
        if (v < a->min || v > a->max) {
            snprintf(err, errlen, "must be from %lld to %lld (got %lld)", (long long)a->min,
                     (long long)a->max, v);
            return false;
        }
        snprintf(num, sizeof num, "%lld", v);
        store = num;
        if (a->off != ARG_NO_FIELD) {
            *(int64_t *)((char *)cmd + a->off) = v;
            return true;
        }
        break;
    }
    case ARG_FLOAT: {
        double v;
        if (!parse_float(text, &v)) {
            snprintf(err, errlen, "expected a number, got '%s'", text);
            return false;
        }
        if (v < (double)a->min) {
            nv_fmt_double(num, sizeof num, v);
            snprintf(err, errlen, "must not be below %lld (got %s)", (long long)a->min, num);
            return false;
        }
        nv_fmt_double(num, sizeof num, v);
        store = num;
        break;
    }
    case ARG_BOOL: {
        bool b;
        if (!parse_bool(text, &b)) {
            snprintf(err, errlen, "expected true or false, got '%s'", text);
            return false;
        }
        if (a->off != ARG_NO_FIELD) {
            *(bool *)((char *)cmd + a->off) = b;
            return true;
        }
        store = b ? "true" : "false";
        break;
    }
    case ARG_ENUM:
        for (const char *const *p = a->values; *p; p++)
            if (!strcmp(*p, text))
                goto store_it;
        sbuf_add(&canon, "");
        values_text(a->values, &canon);
        snprintf(err, errlen, "unknown value '%s'; expected one of: %s", text, canon.s);
        sbuf_free(&canon);
        return false;
    case ARG_LIST:
        if (!text[0]) {
            snprintf(err, errlen, "must not be empty");
            return false;
        }
        break;
    case ARG_KVLIST:
        if (!strchr(text, '=') || text[0] == '=') {
            snprintf(err, errlen, "expected KEY=VALUE, got '%s'", text);
            return false;
        }
        break;
    case ARG_TRISTATE:
        if (strcmp(text, "true") && strcmp(text, "false") && strcmp(text, "auto")) {
            snprintf(err, errlen, "expected true, false or auto, got '%s'", text);
            return false;
        }
        break;
    case ARG_VERSION: {
        const char *p = !strncmp(text, "2.", 2) ? text + 2 : text;
        long long v;
        if (!parse_int(p, &v) || v < 1 || v > 999 || p[0] == '+' || p[0] == '-') {
            snprintf(err, errlen, "expected a microversion 2.N, got '%s'", text);
            return false;
        }
        snprintf(num, sizeof num, "2.%lld", v);
        store = num;
        break;
    }
    case ARG_RELEASE: {
        int rel = release_from_name(text);
        if (rel < 0) {
            for (int r = REL_FIRST; r <= REL_LATEST; r++)
                sbuf_addf(&canon, "%s%s", r == REL_FIRST ? "" : ", ", release_name(r));
            snprintf(err, errlen, "unknown release '%s'; expected one of: %s", text, canon.s);
            sbuf_free(&canon);
            return false;
        }
        store = release_name(rel);
        break;
    }
    case ARG_OPTION: {
        char *k, *v;
        if (!kv_split(text, &k, &v)) {
            snprintf(err, errlen, "expected SECTION.OPTION=VALUE, got '%s'", text);
            return false;
        }
        const nova_option *o = nova_option_lookup(k);
        if (!o) {
            snprintf(err, errlen, "unknown option '%s' (SECTION.OPTION, e.g. "
                                  "filter_scheduler.host_subset_size)", k);
            ok = false;
        } else {
            sbuf val = {0};
            ok = option_value(o, v, &val, err, errlen);
            if (ok) {
                char *key = nv_printf("%s.%s", o->section, o->name);
                /* the last value given for an option wins */
                for (int i = 0; i < cmd->props.n; i++)
                    if (!strcmp(cmd->props.v[i].key, key)) {
                        free(cmd->props.v[i].value);
                        cmd->props.v[i].value = nv_strdup(val.s ? val.s : "");
                        free(key);
                        key = NULL;
                        break;
                    }
                if (key)
                    kvlist_push(&cmd->props, key, val.s ? val.s : "");
                free(key);
            }
            sbuf_free(&val);
        }
        free(k);
        free(v);
        return ok;
    }
    case ARG_GROUPS: {
        /* K=V,K=V: each checked against the sub-keys, written back canonical */
        int n_sub;
        const cmd_arg *sub = cmd_arg_sub(a, &n_sub);
        command scratch;
        command_init(&scratch, cmd->op);
        strlist parts = {0};
        nv_split_strip(&parts, text, ',');
        ok = parts.n > 0;
        if (!ok)
            snprintf(err, errlen, "expected K=V,K=V, got '%s'", text);
        for (int i = 0; i < parts.n && ok; i++) {
            char *k, *v;
            if (!kv_split(parts.v[i], &k, &v)) {
                snprintf(err, errlen, "expected K=V, got '%s'", parts.v[i]);
                ok = false;
                continue;
            }
            const cmd_arg *sa = NULL;
            for (int j = 0; j < n_sub; j++)
                if (!strcmp(sub[j].key, k))
                    sa = &sub[j];
            if (!sa) {
                sbuf keys = {0};
                for (int j = 0; j < n_sub; j++)
                    sbuf_addf(&keys, "%s%s", j ? ", " : "", sub[j].key);
                snprintf(err, errlen, "unknown key '%s' (%s)", k, keys.s);
                sbuf_free(&keys);
                ok = false;
            } else if (kvlist_get(&scratch.props, k)) {
                snprintf(err, errlen, "%s given twice", k);
                ok = false;
            } else {
                char why[300];
                ok = cmd_arg_set(&scratch, sa, v, why, sizeof why);
                if (!ok)
                    snprintf(err, errlen, "%s: %s", k, why);
            }
            free(k);
            free(v);
        }
        for (int j = 0; j < n_sub && ok; j++)
            if (sub[j].required && !kvlist_get(&scratch.props, sub[j].key)) {
                snprintf(err, errlen, "missing '%s'", sub[j].key);
                ok = false;
            }
        for (int j = 0; j < n_sub && ok; j++) {
            const char *v = kvlist_get(&scratch.props, sub[j].key);
            if (v)
                sbuf_addf(&canon, "%s%s=%s", canon.len ? "," : "", sub[j].key, v);
        }
        strlist_free(&parts);
        command_done(&scratch);
        if (!ok) {
            sbuf_free(&canon);
            return false;
        }
        kvlist_push(&cmd->props, a->key, canon.s);
        sbuf_free(&canon);
        return true;
    }
    case ARG_USAGE: {
        /* HOST:RC=N,RC=N */
        const char *colon = strrchr(text, ':');
        expect *e = &cmd->ex;
        if (!colon || colon == text) {
            snprintf(err, errlen, "expected HOST:RC=N,RC=N, got '%s'", text);
            return false;
        }
        expect_usage u;
        memset(&u, 0, sizeof u);
        strlist parts = {0};
        nv_split_strip(&parts, colon + 1, ',');
        ok = parts.n > 0;
        if (!ok)
            snprintf(err, errlen, "expected HOST:RC=N,RC=N, got '%s'", text);
        for (int i = 0; i < parts.n && ok; i++) {
            char *k, *v;
            long long n;
            if (!kv_split(parts.v[i], &k, &v)) {
                snprintf(err, errlen, "expected RC=N, got '%s'", parts.v[i]);
                ok = false;
                continue;
            }
            int rc = rc_from_name(k);
            if (rc < 0) {
                snprintf(err, errlen, "unknown resource class '%s' (VCPU, MEMORY_MB, DISK_GB, "
                                      "PCPU)", k);
                ok = false;
            } else if (!parse_int(v, &n) || n < 0) {
                snprintf(err, errlen, "%s: expected a count, got '%s'", k, v);
                ok = false;
            } else {
                u.amount[rc] = n;
                u.has[rc] = true;
            }
            free(k);
            free(v);
        }
        strlist_free(&parts);
        if (!ok)
            return false;
        u.host = nv_strndup(text, (size_t)(colon - text));
        e->usage = nv_realloc(e->usage, (size_t)(e->n_usage + 1) * sizeof *e->usage);
        e->usage[e->n_usage++] = u;
        e->present = true;
        return true;
    }
    }
store_it:
    if (a->off == ARG_NO_FIELD) {
        if (a->type == ARG_LIST || a->type == ARG_KVLIST) {
            kvlist_push(&cmd->props, a->key, store);
        } else {
            bool done = false;
            for (int i = 0; i < cmd->props.n && !done; i++)
                if (!strcmp(cmd->props.v[i].key, a->key)) {
                    free(cmd->props.v[i].value);
                    cmd->props.v[i].value = nv_strdup(store);
                    done = true;
                }
            if (!done)
                kvlist_push(&cmd->props, a->key, store);
        }
    } else if (a->type == ARG_LIST || a->type == ARG_KVLIST) {
        strlist_push((strlist *)((char *)cmd + a->off), store);
        if (a->off == offsetof(command, ex.hosts))
            cmd->ex.has_hosts = true;
        if (a->off == offsetof(command, ex.plan))
            cmd->ex.has_plan = true;
    } else {
        char **f = (char **)((char *)cmd + a->off);
        free(*f);
        *f = nv_strdup(store);
    }
    if (cmd->op == OP_EXPECT || (a->off != ARG_NO_FIELD && a->off >= offsetof(command, ex) &&
                                 a->off < offsetof(command, ex) + sizeof(expect)))
        cmd->ex.present = true;
    return ok;
}

bool cmd_arg_present(const command *cmd, const cmd_arg *a)
{
    if (a->off == ARG_NO_FIELD) {
        if (a->type == ARG_OPTION) {
            for (int i = 0; i < cmd->props.n; i++)
                if (strchr(cmd->props.v[i].key, '.'))
                    return true;
            return false;
        }
        return kvlist_get(&cmd->props, a->key) != NULL;
    }
    const char *p = (const char *)cmd + a->off;
    switch (a->type) {
    case ARG_INT: return true;
    case ARG_BOOL: return *(const bool *)p;
    case ARG_LIST:
    case ARG_KVLIST:
        if (a->off == offsetof(command, ex.hosts))
            return cmd->ex.has_hosts;
        if (a->off == offsetof(command, ex.plan))
            return cmd->ex.has_plan;
        return ((const strlist *)p)->n > 0;
    case ARG_USAGE: return cmd->ex.n_usage > 0;
    default: return *(char *const *)p != NULL;
    }
}

int cmd_arg_values(const command *cmd, const cmd_arg *a, strlist *out)
{
    int before = out->n;
    if (a->off == ARG_NO_FIELD) {
        for (int i = 0; i < cmd->props.n; i++) {
            const kv *e = &cmd->props.v[i];
            if (a->type == ARG_OPTION) {
                if (strchr(e->key, '.')) {
                    char *t = nv_printf("%s=%s", e->key, e->value);
                    strlist_push(out, t);
                    free(t);
                }
            } else if (!strcmp(e->key, a->key)) {
                strlist_push(out, e->value);
            }
        }
        return out->n - before;
    }
    const char *p = (const char *)cmd + a->off;
    char num[32];
    switch (a->type) {
    case ARG_INT:
        snprintf(num, sizeof num, "%lld", (long long)*(const int64_t *)p);
        strlist_push(out, num);
        break;
    case ARG_BOOL:
        strlist_push(out, *(const bool *)p ? "true" : "false");
        break;
    case ARG_LIST:
    case ARG_KVLIST: {
        const strlist *l = (const strlist *)p;
        for (int i = 0; i < l->n; i++)
            strlist_push(out, l->v[i]);
        break;
    }
    case ARG_USAGE:
        for (int i = 0; i < cmd->ex.n_usage; i++) {
            const expect_usage *u = &cmd->ex.usage[i];
            sbuf b = {0};
            sbuf_addf(&b, "%s:", u->host);
            bool first = true;
            for (int r = 0; r < RC_COUNT; r++)
                if (u->has[r]) {
                    sbuf_addf(&b, "%s%s=%lld", first ? "" : ",", rc_names[r],
                              (long long)u->amount[r]);
                    first = false;
                }
            strlist_push(out, b.s);
            sbuf_free(&b);
        }
        break;
    default:
        if (*(char *const *)p)
            strlist_push(out, *(char *const *)p);
        break;
    }
    return out->n - before;
}

bool command_validate(command *cmd, const char **key, char *err, size_t errlen)
{
    const cmd_desc *d = &cmd_table[cmd->op];
    *key = NULL;
    for (int i = 0; i < d->n_args; i++) {
        const cmd_arg *a = &d->args[i];
        if (a->required && !cmd_arg_present(cmd, a)) {
            *key = a->key;
            snprintf(err, errlen, "missing required key '%s' for op '%s'", a->key,
                     op_names[cmd->op]);
            return false;
        }
    }
    if (cmd->op == OP_EXPECT && !cmd->ex.present) {
        snprintf(err, errlen, "op 'expect' needs an expect group");
        return false;
    }
    return d->check ? d->check(cmd, key, err, errlen) : true;
}

static const char *arg_meta(const cmd_arg *a, char *buf, size_t n)
{
    switch (a->type) {
    case ARG_INT: return "N";
    case ARG_FLOAT: return "X.Y";
    case ARG_BOOL: return "true|false";
    case ARG_KVLIST: return "K=V";
    case ARG_GROUPS: return "K=V,K=V";
    case ARG_USAGE: return "HOST:RC=N,...";
    case ARG_VERSION: return "2.N";
    case ARG_TRISTATE: return "true|false|auto";
    case ARG_ENUM: {
        size_t len = 0;
        buf[0] = '\0';
        for (const char *const *v = a->values; *v && len + strlen(*v) + 2 < n; v++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", v == a->values ? "" : "|", *v);
        return buf;
    }
    default: break;
    }
    switch (a->from) {
    case FROM_SERVERS: return "SERVER";
    case FROM_HOSTS: return "HOST";
    case FROM_FLAVORS: return "FLAVOR";
    case FROM_IMAGES: return "IMAGE";
    case FROM_GROUPS: return "GROUP";
    case FROM_AGGREGATES: return "AGGREGATE";
    case FROM_RELEASES: return "RELEASE";
    default:
        snprintf(buf, n, "%s", a->key);
        for (char *c = buf; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
        return buf;
    }
}

void command_usage(int op, sbuf *out)
{
    const cmd_desc *d = &cmd_table[op];
    sbuf_add(out, op_names[op]);
    for (int pos = 1; pos < 8; pos++)
        for (int i = 0; i < d->n_args; i++) {
            const cmd_arg *a = &d->args[i];
            if (a->pos != pos)
                continue;
            char up[64];
            snprintf(up, sizeof up, "%s", a->key);
            for (char *c = up; *c; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
            if (a->type == ARG_ENUM) {
                sbuf_add(out, a->required ? " " : " [");
                for (const char *const *v = a->values; *v; v++)
                    sbuf_addf(out, "%s%s", v == a->values ? "" : "|", *v);
                sbuf_add(out, a->required ? "" : "]");
            } else {
                sbuf_addf(out, a->required ? " %s" : " [%s]", up);
            }
        }
    for (int i = 0; i < d->n_args; i++) {
        const cmd_arg *a = &d->args[i];
        if (a->pos)
            continue;
        const char *sp = a->word && a->word[0] != '-' && a->type != ARG_BOOL ? a->word : a->key;
        if (a->type == ARG_OPTION)
            sbuf_add(out, " SECTION.OPTION=VALUE...");
        else if (a->type == ARG_BOOL && a->off != ARG_NO_FIELD)
            sbuf_addf(out, " [%s]", a->word ? a->word : a->key);
        else {
            char buf[200];
            sbuf_addf(out, a->required ? " %s=%s" : " [%s=%s]", sp, arg_meta(a, buf, sizeof buf));
        }
    }
}

/* ---- names the cloud-building ops refer to ------------------------------------------- */

/* One rule: the argument `key` of `op` names an object of `kind` that
 * must exist (MUST_EXIST) or must not (MUST_NOT); what the message says. */
static const struct name_rule {
    enum cmd_op op;
    const char *key;
    enum arg_from kind;
    bool must_exist;
    const char *msg;            /* printf with the name */
} name_rules[] = {
    {OP_HOST_ADD, "name", FROM_HOSTS, false, "a compute host named %s already exists"},
    {OP_HOST_SET, "host", FROM_HOSTS, true, "Compute host %s could not be found."},
    {OP_HOST_REMOVE, "host", FROM_HOSTS, true, "Compute host %s could not be found."},
    {OP_FLAVOR_ADD, "name", FROM_FLAVORS, false, "Flavor with name %s already exists."},
    {OP_IMAGE_ADD, "name", FROM_IMAGES, false, "an image named %s already exists"},
    {OP_GROUP_CREATE, "name", FROM_GROUPS, false, "a server group named %s already exists"},
    {OP_AGGREGATE_CREATE, "name", FROM_AGGREGATES, false, "Aggregate %s already exists."},
    {OP_AGGREGATE_CREATE, "hosts", FROM_HOSTS, true, "Compute host %s could not be found."},
    {OP_AGGREGATE_DELETE, "name", FROM_AGGREGATES, true, "Aggregate %s could not be found."},
};

bool command_check_names(const command *cmd, name_lookup look, void *ctx, const char **key,
                         char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof name_rules / sizeof *name_rules; i++) {
        const struct name_rule *nr = &name_rules[i];
        if (nr->op != cmd->op)
            continue;
        const cmd_arg *a = cmd_arg_find(cmd->op, nr->key);
        strlist vals = {0};
        if (a)
            cmd_arg_values(cmd, a, &vals);
        for (int k = 0; k < vals.n; k++) {
            enum name_state st = look(ctx, nr->kind, vals.v[k]);
            if (st == (nr->must_exist ? NAME_ABSENT : NAME_EXISTS)) {
                *key = nr->key;
                const char *at = strstr(nr->msg, "%s");
                snprintf(err, errlen, "%.*s%s%s", (int)(at - nr->msg), nr->msg, vals.v[k], at + 2);
                strlist_free(&vals);
                return false;
            }
        }
        strlist_free(&vals);
    }
    return true;
}

void command_name_effects(const command *cmd, name_lookup look, void *ctx,
                          void (*set)(void *ctx, enum arg_from kind, const char *name,
                                      enum name_state st))
{
    const char *az = kvlist_get(&cmd->props, "az");
    switch (cmd->op) {
    case OP_HOST_ADD:
    case OP_HOST_SET:
        /* `az` joins (or creates) the aggregate of that name; the host is
         * refused if that aggregate already has another zone */
        if (cmd->op == OP_HOST_ADD)
            set(ctx, FROM_HOSTS, cmd->name,
                !az || look(ctx, FROM_AGGREGATES, az) == NAME_ABSENT ? NAME_EXISTS : NAME_UNSURE);
        if (az && look(ctx, FROM_AGGREGATES, az) == NAME_ABSENT)
            set(ctx, FROM_AGGREGATES, az, cmd->op == OP_HOST_ADD ? NAME_EXISTS : NAME_UNSURE);
        break;
    case OP_HOST_REMOVE:
        set(ctx, FROM_HOSTS, cmd->host, NAME_UNSURE);   /* refused while it hosts servers */
        break;
    case OP_FLAVOR_ADD: set(ctx, FROM_FLAVORS, cmd->name, NAME_EXISTS); break;
    case OP_IMAGE_ADD: set(ctx, FROM_IMAGES, cmd->name, NAME_EXISTS); break;
    case OP_GROUP_CREATE: set(ctx, FROM_GROUPS, cmd->name, NAME_EXISTS); break;
    case OP_AGGREGATE_CREATE:
        /* hosts may be refused (a host in another zone) */
        set(ctx, FROM_AGGREGATES, cmd->name,
            kvlist_get(&cmd->props, "hosts") ? NAME_UNSURE : NAME_EXISTS);
        break;
    case OP_AGGREGATE_DELETE:
        set(ctx, FROM_AGGREGATES, cmd->name, NAME_UNSURE);   /* refused while it holds hosts */
        break;
    default:
        break;
    }
}

static enum name_state in_cloud(void *ctx, enum arg_from kind, const char *name)
{
    const cloud *c = ctx;
    int id = -1;
    switch (kind) {
    case FROM_HOSTS: id = cloud_host(c, name); break;
    case FROM_FLAVORS: id = cloud_flavor(c, name); break;
    case FROM_IMAGES: id = cloud_image(c, name); break;
    case FROM_GROUPS: id = cloud_group(c, name); break;
    case FROM_AGGREGATES: id = cloud_aggregate(c, name); break;
    default: return NAME_UNSURE;
    }
    return id >= 0 ? NAME_EXISTS : NAME_ABSENT;
}

bool command_check_names_in(const cloud *c, const command *cmd, const char **key, char *err,
                            size_t errlen)
{
    return command_check_names(cmd, in_cloud, (void *)(uintptr_t)c, key, err, errlen);
}

/* ---- prompt syntax ------------------------------------------------------------------ */

typedef struct word {
    char *text;     /* unquoted */
    int eq;         /* offset of the first '=' outside quotes, -1 none */
} word;

/* Split a line into words: blanks separate, "..." quotes (with \" and \\). */
static int split_words(const char *line, word *w, int max, char *err, size_t errlen)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n == max) {
            snprintf(err, errlen, "too many words (at most %d)", max);
            goto fail;
        }
        sbuf b = {0};
        sbuf_add(&b, "");
        int eq = -1;
        bool quoted = false;
        while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
            if (*p == '"') {
                quoted = !quoted;
                p++;
            } else if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                sbuf_addc(&b, p[1]);
                p += 2;
            } else {
                if (*p == '=' && !quoted && eq < 0)
                    eq = (int)b.len;
                sbuf_addc(&b, *p++);
            }
        }
        if (quoted) {
            sbuf_free(&b);
            snprintf(err, errlen, "unterminated quote");
            goto fail;
        }
        w[n].text = sbuf_take(&b);
        w[n].eq = eq;
        n++;
    }
    return n;
fail:
    for (int i = 0; i < n; i++)
        free(w[i].text);
    return -1;
}

/* The closest of `n` candidates to `s`, if close enough. */
static const char *nearest(const char *s, const char *const *cand, int n)
{
    const char *best = NULL;
    int bd = 3;
    for (int i = 0; i < n; i++) {
        if (!cand[i])
            continue;
        int d = nv_levenshtein(s, cand[i]);
        if (d < bd) {
            bd = d;
            best = cand[i];
        }
    }
    return best;
}

static void op_list(sbuf *b)
{
    for (int i = 0; i < OP_COUNT; i++)
        sbuf_addf(b, "%s%s", i ? ", " : "", op_names[i]);
}

bool command_parse(const char *line, command *out, char *err, size_t errlen)
{
    word w[64];
    int n = split_words(line, w, 64, err, errlen);
    if (n < 0)
        return false;
    if (!n) {
        snprintf(err, errlen, "empty command");
        return false;
    }
    int op = op_from_name(w[0].text);
    bool ok = true;
    if (op < 0) {
        const char *dym = nearest(w[0].text, op_names, OP_COUNT);
        sbuf all = {0};
        op_list(&all);
        if (dym)
            snprintf(err, errlen, "unknown command '%s' (did you mean '%s'?)", w[0].text, dym);
        else
            snprintf(err, errlen, "unknown command '%s'; commands: %s", w[0].text, all.s);
        sbuf_free(&all);
        ok = false;
        goto out;
    }
    command_init(out, (enum cmd_op)op);
    const cmd_desc *d = &cmd_table[op];
    int next_pos = 1;
    char why[400];
    for (int i = 1; i < n && ok; i++) {
        const char *t = w[i].text;
        const cmd_arg *a = NULL;
        if (w[i].eq < 0) {
            a = cmd_arg_find(op, t);
            if (a && a->type == ARG_BOOL) {
                ok = cmd_arg_set(out, a, "true", why, sizeof why);
                if (!ok)
                    snprintf(err, errlen, "%s: %s", a->key, why);
                continue;
            }
            a = NULL;
            for (int k = 0; k < d->n_args; k++)
                if (d->args[k].pos == next_pos)
                    a = &d->args[k];
            if (!a) {
                sbuf u = {0};
                command_usage(op, &u);
                snprintf(err, errlen, "unexpected argument '%s' (usage: %s)", t, u.s);
                sbuf_free(&u);
                ok = false;
                continue;
            }
            next_pos++;
            if (!(ok = cmd_arg_set(out, a, t, why, sizeof why)))
                snprintf(err, errlen, "%s: %s", a->key, why);
            continue;
        }
        char *key = nv_strndup(t, (size_t)w[i].eq);
        const char *val = t + w[i].eq + 1;
        a = cmd_arg_find(op, key);
        if (!a) {
            /* config-set: SECTION.OPTION=VALUE */
            for (int k = 0; k < d->n_args; k++)
                if (d->args[k].type == ARG_OPTION)
                    a = &d->args[k];
            if (a) {
                ok = cmd_arg_set(out, a, t, why, sizeof why);
                if (!ok)
                    snprintf(err, errlen, "%s: %s", key, why);
                free(key);
                continue;
            }
            const char *cand[80];
            int nc = 0;
            for (int k = 0; k < d->n_args && nc < 78; k++) {
                cand[nc++] = d->args[k].key;
                cand[nc++] = d->args[k].word;
            }
            const char *bare = key[0] == '-' && key[1] == '-' ? key + 2 : key;
            const char *dym = nearest(bare, cand, nc);
            sbuf u = {0};
            command_usage(op, &u);
            if (dym)
                snprintf(err, errlen, "unknown argument '%s' for %s (did you mean '%s'?)", bare,
                         op_names[op], dym);
            else
                snprintf(err, errlen, "unknown argument '%s' for %s (usage: %s)", bare,
                         op_names[op], u.s);
            sbuf_free(&u);
            ok = false;
        } else {
            if (a->pos && a->pos == next_pos)
                next_pos++;
            if (!(ok = cmd_arg_set(out, a, val, why, sizeof why)))
                snprintf(err, errlen, "%s: %s", a->key, why);
        }
        free(key);
    }
    if (ok) {
        const char *key;
        if (!command_validate(out, &key, why, sizeof why)) {
            ok = false;
            bool missing = key && !strncmp(why, "missing", 7);
            if (missing) {
                sbuf u = {0};
                command_usage(op, &u);
                snprintf(err, errlen, "%s: missing argument '%s' (usage: %s)", op_names[op], key,
                         u.s);
                sbuf_free(&u);
            } else if (key) {
                snprintf(err, errlen, "%s: %s", key, why);
            } else {
                snprintf(err, errlen, "%s", why);
            }
        }
    }
    if (!ok)
        command_done(out);
out:
    for (int i = 0; i < n; i++)
        free(w[i].text);
    return ok;
}

/* A value as one prompt word: quoted when it holds blanks, quotes,
 * backslashes, is empty, or (`eq_safe` false) holds an '='. */
static void put_word(sbuf *out, const char *v, bool eq_safe)
{
    bool q = !v[0] || (!eq_safe && strchr(v, '=')) || v[0] == '-';
    for (const char *p = v; *p && !q; p++)
        q = *p == ' ' || *p == '\t' || *p == '"' || *p == '\\';
    if (!q) {
        sbuf_add(out, v);
        return;
    }
    sbuf_addc(out, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            sbuf_addc(out, '\\');
        sbuf_addc(out, *p);
    }
    sbuf_addc(out, '"');
}

void command_format(const command *c, sbuf *out)
{
    const cmd_desc *d = &cmd_table[c->op];
    sbuf_add(out, op_names[c->op]);
    strlist vals = {0};
    /* positional while each one is given and reads back as itself */
    bool positional = true;
    for (int pos = 1; pos < 8; pos++)
        for (int i = 0; i < d->n_args; i++) {
            const cmd_arg *a = &d->args[i];
            if (a->pos != pos)
                continue;
            if (!cmd_arg_present(c, a)) {
                positional = false;
                continue;
            }
            strlist_free(&vals);
            cmd_arg_values(c, a, &vals);
            const cmd_arg *f = cmd_arg_find(c->op, vals.v[0]);
            if (f && f->type == ARG_BOOL)
                positional = false;     /* a bare flag word would read as the flag */
            if (positional) {
                sbuf_addc(out, ' ');
                put_word(out, vals.v[0], false);
            } else {
                sbuf_addf(out, " %s=", a->key);
                put_word(out, vals.v[0], true);
            }
        }
    for (int i = 0; i < d->n_args; i++) {
        const cmd_arg *a = &d->args[i];
        if (a->pos || !cmd_arg_present(c, a))
            continue;
        strlist_free(&vals);
        cmd_arg_values(c, a, &vals);
        if (a->type == ARG_BOOL && a->off != ARG_NO_FIELD) {
            sbuf_addf(out, " %s", a->word ? a->word : a->key);
            continue;
        }
        if (a->type == ARG_INT && a->off != ARG_NO_FIELD) {
            /* what a missing value means: 1, max_count = min_count */
            int64_t v = *(const int64_t *)((const char *)c + a->off);
            int64_t def = a->off == offsetof(command, max_count) ? c->min_count : 1;
            if (v <= def)
                continue;
        }
        const char *sp = a->word && a->word[0] != '-' ? a->word : a->key;
        for (int k = 0; k < vals.n; k++) {
            if (a->type == ARG_OPTION) {
                const char *eq = strchr(vals.v[k], '=');
                sbuf_addc(out, ' ');
                sbuf_addn(out, vals.v[k], (size_t)(eq - vals.v[k]) + 1);
                put_word(out, eq + 1, true);
                continue;
            }
            sbuf_addf(out, " %s=", sp);
            put_word(out, vals.v[k], true);
        }
    }
    strlist_free(&vals);
}

/* ---- session --------------------------------------------------------------------- */

/*
 * Undo.  Each command keeps how to take it back (undo_entry): the RNG
 * state before it, and the journal of what it changed (journal.h) or, for
 * the cloud-building ops the journal does not follow, a copy of the cloud
 * from before it.  Undoing the last command is then proportional to what
 * it changed, and a session of commands that do not build the cloud holds
 * one cloud however long it runs.  To bound memory, at most UNDO_COPIES copies
 * and UNDO_JOURNAL_MAX bytes of journals are kept, the oldest forgotten
 * first.  Before the first is forgotten, the cloud at the start is
 * rebuilt from the entries and kept (s->initial); undoing a command whose
 * entry was forgotten replays the commands before it from there (same
 * seed, so the same result).
 *
 * Sanitizer builds check every journal as it is made: undone on a copy of
 * the cloud after the command, it must give the cloud from before it.
 */
#define UNDO_COPIES 2
#define UNDO_JOURNAL_MAX ((size_t)128 << 20)

static void undo_forget(session *s, int i)
{
    undo_entry *u = &s->un[i];
    if (u->copy)
        s->n_copies--;
    cloud_free(u->copy);
    u->copy = NULL;
    s->journal_bytes -= journal_bytes(u->j);
    journal_free(u->j);
    u->j = NULL;
}

/* Forget the oldest entries while over the bounds. */
static void undo_bound(session *s)
{
    if (s->n_copies <= UNDO_COPIES && s->journal_bytes <= UNDO_JOURNAL_MAX)
        return;
    if (!s->initial)
        s->initial = session_cloud_at(s, 0);
    for (int i = 0; i < s->n_done && (s->n_copies > UNDO_COPIES ||
                                      s->journal_bytes > UNDO_JOURNAL_MAX); i++)
        if ((s->n_copies > UNDO_COPIES && s->un[i].copy) ||
            (s->journal_bytes > UNDO_JOURNAL_MAX && s->un[i].j))
            undo_forget(s, i);
}

/* The cloud before u's command, given `c` (consumed) as it was after it. */
static cloud *undo_one(cloud *c, const undo_entry *u)
{
    if (u->copy) {
        cloud_free(c);
        return cloud_clone(u->copy);
    }
    journal_undo(c, u->j);
    return c;
}

session *session_new(cloud *c)
{
    session *s = nv_calloc(1, sizeof *s);
    nova_config_copy(&s->start_conf, &c->conf);
    s->c = c;
    nv_rng_seed(&s->rng, c->seed);
    return s;
}

void session_free(session *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_done; i++) {
        command_done(&s->done[i]);
        cmd_result_done(&s->results[i]);
        undo_forget(s, i);
    }
    free(s->done);
    free(s->results);
    free(s->un);
    for (int i = 0; i < s->n_undone; i++)
        command_done(&s->undone[i]);
    free(s->undone);
    trail_free(&s->t);
    cloud_free(s->initial);
    nova_config_done(&s->start_conf);
    cloud_free(s->c);
    free(s);
}

#ifdef NV_CHECK_STATES
/* Sanitizer builds: undoing the command on a copy gives `before`. */
static void check_undo(const session *s, cloud *before, const undo_entry *u,
                       const command *cmd)
{
    cloud *c = undo_one(cloud_clone(s->c), u);
    char *what = nv_printf("undoing %s (line %d)", op_names[cmd->op], cmd->line);
    cloud_check_same(c, before, what);
    free(what);
    cloud_free(c);
}
#endif

/* Run cmd on the session's cloud; its result goes to *r, its undo entry
 * to *u. */
static void exec_undoable(session *s, const command *cmd, cmd_result *r, undo_entry *u,
                          trail *t)
{
    memset(u, 0, sizeof *u);
    u->rng = s->rng;
    bool copy = cmd->op >= 0 && cmd->op < OP_COUNT && cmd_table[cmd->op].undo_copy;
#ifdef NV_CHECK_STATES
    cloud *before = cloud_clone(s->c);
#endif
    if (copy)
        u->copy = cloud_clone(s->c);
    else
        journal_begin(s->c);
    nova_env env = {s->c, t, &s->rng};
    command_exec(&env, cmd, r);
    if (!copy)
        u->j = journal_end(s->c);
#ifdef NV_CHECK_STATES
    check_undo(s, before, u, cmd);   /* frees before */
#endif
    if (u->copy)
        s->n_copies++;
    s->journal_bytes += journal_bytes(u->j);
}

static const cmd_result *run_one(session *s, const command *cmd)
{
    if (s->n_done >= s->cap_done) {
        s->cap_done = s->cap_done ? s->cap_done * 2 : 16;
        s->done = nv_realloc(s->done, (size_t)s->cap_done * sizeof *s->done);
        s->results = nv_realloc(s->results, (size_t)s->cap_done * sizeof *s->results);
        s->un = nv_realloc(s->un, (size_t)s->cap_done * sizeof *s->un);
    }
    command_copy(&s->done[s->n_done], cmd);
    cmd_result *r = &s->results[s->n_done];
    memset(r, 0, sizeof *r);
    r->trail_from = s->t.n;
    exec_undoable(s, cmd, r, &s->un[s->n_done], &s->t);
    r->trail_to = s->t.n;
    /* the host the step's last decision chose (a real move or a dry run) */
    r->destination = -1;
    int first, nd = dec_in_range(&s->t, r->trail_from, r->trail_to, &first);
    if (nd && s->t.dec[first + nd - 1].selected.n)
        r->destination = s->t.dec[first + nd - 1].selected.v[0];
    s->n_done++;
    undo_bound(s);
    return r;
}

const cmd_result *session_exec(session *s, const command *cmd)
{
    /* a new command: what was undone can no longer be redone */
    for (int i = 0; i < s->n_undone; i++)
        command_done(&s->undone[i]);
    s->n_undone = 0;
    return run_one(s, cmd);
}

/* Start again from `start` (taken), replaying the first `keep` commands. */
static void replay(session *s, cloud *start, int keep)
{
    command *old = s->done;
    cmd_result *oldr = s->results;
    int n = s->n_done;
    for (int i = 0; i < n; i++)
        undo_forget(s, i);
    free(s->un);
    s->un = NULL;
    s->done = NULL;
    s->results = NULL;
    s->n_done = s->cap_done = 0;
    cloud_free(s->initial);
    s->initial = NULL;
    nova_config_done(&s->start_conf);
    nova_config_copy(&s->start_conf, &start->conf);
    cloud_free(s->c);
    s->c = start;
    trail_clear(&s->t);
    nv_rng_seed(&s->rng, s->c->seed);
    for (int i = 0; i < n; i++) {
        if (i < keep)
            run_one(s, &old[i]);
        command_done(&old[i]);
        cmd_result_done(&oldr[i]);
    }
    free(old);
    free(oldr);
}

void session_expect_result(const session *s, int k, cmd_result *out)
{
    *out = s->results[k];
    if (s->done[k].op != OP_EXPECT)
        return;
    const cmd_result *own = &s->results[k];
    memset(out, 0, sizeof *out);
    out->outcome = "ok";
    out->migration = -1;
    for (int i = k - 1; i >= 0; i--)
        if (s->done[i].op != OP_EXPECT) {
            *out = s->results[i];
            break;
        }
    if (own->servers.n)
        out->servers = own->servers;
    /* naming a server: the migration keys are that server's newest
     * migration (expect.c), not the step before's */
    if (s->done[k].ex.server)
        out->migration = -1;
    out->trail_from = own->trail_from;
    out->trail_to = own->trail_to;
}

bool session_undo(session *s)
{
    if (!s->n_done)
        return false;
    if (s->n_undone == s->cap_undone) {
        s->cap_undone = s->cap_undone ? 2 * s->cap_undone : 8;
        s->undone = nv_realloc(s->undone, (size_t)s->cap_undone * sizeof *s->undone);
    }
    command_copy(&s->undone[s->n_undone++], &s->done[s->n_done - 1]);
    int keep = s->n_done - 1;
    undo_entry *u = &s->un[keep];
    if (u->copy) {
        cloud_free(s->c);
        s->c = u->copy;         /* taken, not copied: the entry goes */
        u->copy = NULL;
        s->n_copies--;
        s->rng = u->rng;
    } else if (u->j) {
        journal_undo(s->c, u->j);
        s->rng = u->rng;
        undo_forget(s, keep);
    } else {
        /* forgotten: the commands before it act again from the start, on
         * a scratch trail (theirs was kept), and get their entries back */
        cloud_free(s->c);
        s->c = cloud_clone(s->initial);
        nv_rng_seed(&s->rng, s->c->seed);
        trail scratch = {0};
        for (int i = 0; i < keep; i++) {
            undo_forget(s, i);
            cmd_result r;
            memset(&r, 0, sizeof r);
            exec_undoable(s, &s->done[i], &r, &s->un[i], &scratch);
            cmd_result_done(&r);
            trail_clear(&scratch);
        }
        trail_free(&scratch);
        s->n_done = keep;
        undo_bound(s);
    }
    trail_truncate(&s->t, s->results[keep].trail_from);
    command_done(&s->done[keep]);
    cmd_result_done(&s->results[keep]);
    s->n_done = keep;
    return true;
}

cloud *session_cloud_at(const session *s, int k)
{
    if (k < 0)
        k = 0;
    /* from the first copy after k, else from now, undoing back to k */
    int top = k;
    while (top < s->n_done && !s->un[top].copy && s->un[top].j)
        top++;
    if (top == s->n_done || s->un[top].copy) {
        cloud *c = top == s->n_done ? cloud_clone(s->c) : cloud_clone(s->un[top].copy);
        for (int i = top - 1; i >= k; i--)
            c = undo_one(c, &s->un[i]);
        return c;
    }
    /* an entry was forgotten: the start was kept then */
    if (!s->initial)
        nv_fatal("session_cloud_at: an undo entry is missing and the start was not kept");
    cloud *c = cloud_clone(s->initial);
    nv_rng rng;
    nv_rng_seed(&rng, c->seed);
    trail scratch = {0};
    for (int i = 0; i < k; i++) {
        cmd_result r;
        memset(&r, 0, sizeof r);
        nova_env env = {c, &scratch, &rng};
        command_exec(&env, &s->done[i], &r);
        cmd_result_done(&r);
        trail_clear(&scratch);
    }
    trail_free(&scratch);
    return c;
}

void session_with_cloud_at(session *s, int k, void (*fn)(const cloud *c, void *arg), void *arg)
{
    if (k < 0)
        k = 0;
    bool journals = true;
    for (int i = k; i < s->n_done && journals; i++)
        journals = s->un[i].j != NULL;
    if (!journals) {
        cloud *c = session_cloud_at(s, k);
        fn(c, arg);
        cloud_free(c);
        return;
    }
#ifdef NV_CHECK_STATES
    cloud *now = cloud_clone(s->c);
#endif
    journal_begin_undo(s->c);
    for (int i = s->n_done - 1; i >= k; i--)
        journal_undo(s->c, s->un[i].j);
    journal *back = journal_end(s->c);
    fn(s->c, arg);
    journal_undo(s->c, back);
    journal_free(back);
#ifdef NV_CHECK_STATES
    cloud_check_same(s->c, now, "session_with_cloud_at");   /* back, to the last field */
#endif
}

const cmd_result *session_redo(session *s)
{
    if (!s->n_undone)
        return NULL;
    command *cmd = &s->undone[--s->n_undone];
    const cmd_result *r = run_one(s, cmd);
    command_done(cmd);
    return r;
}

void session_set_quirk(session *s, int quirk, bool on)
{
    cloud *start = session_cloud_at(s, 0);
    if (on)
        start->conf.quirks |= QUIRK_BIT(quirk);
    else
        start->conf.quirks &= ~QUIRK_BIT(quirk);
    replay(s, start, s->n_done);
}

void session_set_release(session *s, int release)
{
    cloud *start = session_cloud_at(s, 0);
    config_switch_release(&start->conf, release);
    replay(s, start, s->n_done);
}

/* ---- snapshot: the commands with what was observed as their expectations -------------- */

/* Placement usage of every host, with its name (hosts may come and go). */
typedef struct usage_copy {
    int n;
    char **names;
    int64_t *used;      /* n * RC_COUNT */
} usage_copy;

static void usage_take(const cloud *c, usage_copy *u)
{
    u->n = c->hosts.n;
    u->names = nv_calloc((size_t)u->n, sizeof *u->names);
    u->used = nv_calloc((size_t)u->n * RC_COUNT, sizeof *u->used);
    for (int h = 0; h < u->n; h++) {
        u->names[h] = nv_strdup(c->hosts.v[h].name);
        for (int rc = 0; rc < RC_COUNT; rc++)
            u->used[h * RC_COUNT + rc] = placement_used(c, h, rc);
    }
}

static void usage_drop(usage_copy *u)
{
    for (int h = 0; h < u->n; h++)
        free(u->names[h]);
    free(u->names);
    free(u->used);
}

/* Host h of `c` had the same usage in `before` (same name, same numbers). */
static bool usage_same(const cloud *c, int h, const usage_copy *before, nv_index *ix)
{
    int b = -1;
    if (h < before->n && !strcmp(before->names[h], c->hosts.v[h].name)) {
        b = h;
    } else {
        /* hosts were added or removed: look the name up */
        if (!ix->cap)
            for (int i = 0; i < before->n; i++)
                nv_index_put(ix, before->names[i], i);
        b = nv_index_get(ix, c->hosts.v[h].name);
    }
    if (b < 0)
        return false;
    for (int rc = 0; rc < RC_COUNT; rc++)
        if (before->used[b * RC_COUNT + rc] != placement_used(c, h, rc))
            return false;
    return true;
}

/* Host and states of every server, to see which a step changed. */
typedef struct states_copy {
    int n;
    int *host;
    char **vm, **task;
} states_copy;

static void states_take(const cloud *c, states_copy *sc)
{
    sc->n = c->servers.n;
    sc->host = nv_calloc((size_t)sc->n, sizeof *sc->host);
    sc->vm = nv_calloc((size_t)sc->n, sizeof *sc->vm);
    sc->task = nv_calloc((size_t)sc->n, sizeof *sc->task);
    for (int i = 0; i < sc->n; i++) {
        const server *v = &c->servers.v[i];
        sc->host[i] = v->host;
        sc->vm[i] = nv_strdup(v->vm_state);
        sc->task[i] = nv_strdup(v->task_state);
    }
}

static void states_drop(states_copy *sc)
{
    for (int i = 0; i < sc->n; i++) {
        free(sc->vm[i]);
        free(sc->task[i]);
    }
    free(sc->host);
    free(sc->vm);
    free(sc->task);
}

static bool state_same(const cloud *c, int i, const states_copy *sc)
{
    const server *v = &c->servers.v[i];
    return i < sc->n && sc->host[i] == v->host && nv_streq(sc->vm[i], v->vm_state) &&
           nv_streq(sc->task[i], v->task_state);
}

/* Servers asserted by expect-only steps after one step, at most (a
 * multi-create of thousands keeps its `hosts` list instead). */
#define SNAPSHOT_MAX_SERVERS 100

command *session_snapshot(const session *s, int *n_out)
{
    int cap = s->n_done ? s->n_done : 1, n = 0;
    command *out = nv_calloc((size_t)cap, sizeof *out);
    session *r = session_new(session_cloud_at(s, 0));
    for (int k = 0; k < s->n_done; k++) {
        const command *cmd = &s->done[k];
        usage_copy before;
        usage_take(r->c, &before);
        states_copy sbefore;
        states_take(r->c, &sbefore);
        session_exec(r, cmd);
        if (n == cap) {
            cap *= 2;
            out = nv_realloc(out, (size_t)cap * sizeof *out);
        }
        command *o = &out[n++];
        command_copy(o, cmd);
        if (cmd->op != OP_EXPECT) {     /* an expect step keeps its own assertion */
            expect_done(&o->ex);
            cmd_result res;
            session_expect_result(r, k, &res);
            expect_observe(r->c, &res, &o->ex);
            /* the usage of every host the step changed (or added) */
            nv_index ix = {0};
            for (int h = 0; h < r->c->hosts.n; h++) {
                if (usage_same(r->c, h, &before, &ix))
                    continue;
                expect_usage u;
                memset(&u, 0, sizeof u);
                u.host = nv_strdup(r->c->hosts.v[h].name);
                for (int rc = 0; rc < RC_COUNT; rc++) {
                    int64_t used = placement_used(r->c, h, rc);
                    /* PCPU only where the host has any */
                    if (rc == RC_PCPU && !used && !placement_total(r->c, h, rc))
                        continue;
                    u.amount[rc] = used;
                    u.has[rc] = true;
                }
                expect *e = &o->ex;
                e->usage = nv_realloc(e->usage, (size_t)(e->n_usage + 1) * sizeof *e->usage);
                e->usage[e->n_usage++] = u;
            }
            nv_index_free(&ix);
            /* every other server the step touched or changed (the other
             * servers of a multi-create, the servers a host restart
             * handled): an expect-only step naming it, with its host and
             * states */
            int first = o->ex.server ? cloud_server(r->c, o->ex.server) : -1;
            int extra = 0;
            for (int i = 0; i < r->c->servers.n && extra < SNAPSHOT_MAX_SERVERS; i++) {
                const server *v = &r->c->servers.v[i];
                bool touched = intvec_find(&res.servers, i) >= 0;
                if (i == first || v->deleted || (!touched && state_same(r->c, i, &sbefore)) ||
                    cloud_server(r->c, v->name) != i)
                    continue;
                /* an expect step right after this one asserts it already
                 * (recording a recording changes nothing) */
                bool asserted = false;
                for (int j = k + 1; j < s->n_done && s->done[j].op == OP_EXPECT && !asserted; j++)
                    asserted = nv_streq(s->done[j].ex.server, v->name);
                if (asserted)
                    continue;
                if (n == cap) {
                    cap *= 2;
                    out = nv_realloc(out, (size_t)cap * sizeof *out);
                }
                command *x = &out[n++];
                extra++;
                command_init(x, OP_EXPECT);
                x->line = -1;           /* added by the snapshot */
                x->ex.present = true;
                x->ex.server = nv_strdup(v->name);
                x->ex.host = nv_strdup(v->host >= 0 ? r->c->hosts.v[v->host].name : "");
                x->ex.vm_state = nv_strdup(v->vm_state);
                x->ex.task_state = nv_strdup(v->task_state ? v->task_state : "");
            }
        }
        states_drop(&sbefore);
        usage_drop(&before);
    }
    session_free(r);
    *n_out = n;
    return out;
}

/* ---- completion ------------------------------------------------------------------------ */

static void cand_add(strlist *out, const char *prefix, const char *s, const char *suffix)
{
    if (!s || strncmp(s, prefix, strlen(prefix)))
        return;
    char *t = nv_printf("%s%s", s, suffix);
    if (strlist_find(out, t) < 0)
        strlist_push(out, t);
    free(t);
}

/* The names an argument takes, starting with `prefix`. */
static void names_from(const cloud *c, const cmd_arg *a, const char *prefix, strlist *out)
{
    switch (a->from) {
    case FROM_SERVERS:
        for (int i = 0; c && i < c->servers.n; i++)
            if (!c->servers.v[i].deleted)
                cand_add(out, prefix, c->servers.v[i].name, "");
        break;
    case FROM_HOSTS:
        for (int i = 0; c && i < c->hosts.n; i++)
            cand_add(out, prefix, c->hosts.v[i].name, "");
        break;
    case FROM_FLAVORS:
        for (int i = 0; c && i < c->flavors.n; i++)
            cand_add(out, prefix, c->flavors.v[i].name, "");
        break;
    case FROM_IMAGES:
        for (int i = 0; c && i < c->images.n; i++)
            cand_add(out, prefix, c->images.v[i].name, "");
        break;
    case FROM_GROUPS:
        for (int i = 0; c && i < c->groups.n; i++)
            cand_add(out, prefix, c->groups.v[i].name, "");
        break;
    case FROM_AGGREGATES:
        for (int i = 0; c && i < c->aggregates.n; i++)
            cand_add(out, prefix, c->aggregates.v[i].name, "");
        break;
    case FROM_RELEASES:
        for (int r = REL_FIRST; r <= REL_LATEST; r++)
            cand_add(out, prefix, release_name(r), "");
        break;
    case FROM_OPTIONS:
        for (int i = 0; i < nova_option_count; i++) {
            char *o = nv_printf("%s.%s", nova_options[i].section, nova_options[i].name);
            if (!c || (c->conf.release >= nova_options[i].first &&
                       c->conf.release <= nova_options[i].last))
                cand_add(out, prefix, o, "=");
            free(o);
        }
        break;
    case FROM_VALUES:
        for (const char *const *v = a->values; v && *v; v++)
            cand_add(out, prefix, *v, "");
        break;
    case FROM_NONE:
        if (a->type == ARG_BOOL || a->type == ARG_TRISTATE) {
            cand_add(out, prefix, "true", "");
            cand_add(out, prefix, "false", "");
            if (a->type == ARG_TRISTATE)
                cand_add(out, prefix, "auto", "");
        }
        break;
    }
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int command_complete(const cloud *c, const char *line, size_t cursor, strlist *out)
{
    size_t start = cursor;
    while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
        start--;
    char *wd = nv_strndup(line + start, cursor - start);
    /* the words before this one (quotes are not looked into here) */
    strlist before = {0};
    char *head = nv_strndup(line, start);
    for (char *t = strtok(head, " \t"); t; t = strtok(NULL, " \t"))
        strlist_push(&before, t);
    free(head);
    if (!before.n) {
        for (int i = 0; i < OP_COUNT; i++)
            cand_add(out, wd, op_names[i], " ");
        goto done;
    }
    int op = op_from_name(before.v[0]);
    if (op < 0)
        goto done;
    const cmd_desc *d = &cmd_table[op];
    char *eq = strchr(wd, '=');
    if (eq) {
        /* KEY=VALUE: complete the value */
        *eq = '\0';
        const cmd_arg *a = cmd_arg_find(op, wd);
        if (a) {
            strlist vals = {0};
            names_from(c, a, eq + 1, &vals);
            for (int i = 0; i < vals.n; i++) {
                char *t = nv_printf("%s=%s ", wd, vals.v[i]);
                strlist_push(out, t);
                free(t);
            }
            strlist_free(&vals);
        }
        *eq = '=';
        goto done;
    }
    /* the next positional argument's names, then the keys not given yet */
    int pos = 1;
    for (int i = 1; i < before.n; i++) {
        const cmd_arg *f = cmd_arg_find(op, before.v[i]);
        if (!strchr(before.v[i], '=') && !(f && f->type == ARG_BOOL))
            pos++;
    }
    for (int i = 0; i < d->n_args; i++)
        if (d->args[i].pos == pos) {
            strlist vals = {0};
            names_from(c, &d->args[i], wd, &vals);
            for (int k = 0; k < vals.n; k++)
                cand_add(out, wd, vals.v[k], " ");
            strlist_free(&vals);
        }
    for (int i = 0; i < d->n_args; i++) {
        const cmd_arg *a = &d->args[i];
        if (a->type == ARG_OPTION) {
            names_from(c, a, wd, out);
            continue;
        }
        bool repeat = a->type == ARG_LIST || a->type == ARG_KVLIST || a->type == ARG_USAGE ||
                      a->type == ARG_GROUPS;
        bool given = false;
        for (int k = 1; k < before.n && !given && !repeat; k++) {
            size_t kl = strlen(a->key);
            given = !strncmp(before.v[k], a->key, kl) && before.v[k][kl] == '=';
        }
        if (given || a->pos)
            continue;
        if (a->type == ARG_BOOL && a->off != ARG_NO_FIELD)
            cand_add(out, wd, a->word ? a->word : a->key, " ");
        else
            cand_add(out, wd, a->word && a->word[0] != '-' ? a->word : a->key, "=");
    }
done:
    if (out->n > 1)
        qsort(out->v, (size_t)out->n, sizeof *out->v, by_str);
    strlist_free(&before);
    free(wd);
    return (int)start;
}
