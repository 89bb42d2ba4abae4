/*
 * conductor.c - Nova's API checks and conductor/compute flows (see
 * conductor.h).  References are to Nova's source: nova/compute/api.py
 * (API checks), nova/conductor/manager.py and nova/conductor/tasks/
 * (live_migrate.py, migrate.py), nova/compute/manager.py (statuses).
 *
 * Conventions: servers have no UUIDs here, so Nova's messages print the
 * server's name where Nova prints the instance UUID.  The API is taken at
 * the newest microversion of the scenario's release unless the step names
 * one (live-migrate and evacuate accept `microversion`).
 */
#include "conductor.h"
#include "journal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scheduler.h"

bool api_accepts_force(int mv) { return mv < 68; }

static int microversion(const nova_env *env, const conductor_req *q)
{
    return q->microversion >= 0 ? q->microversion : release_max_microversion(env->c->conf.release);
}

static void set_owned(char **f, const char *v)
{
    free(*f);
    *f = nv_strdup(v);
}

static void set_interned(const char **f, const char *v)
{
    *f = nv_intern(v);
}

/* A text field: owned (freed and copied) or a state (interned). */
#define set_str(f, v) _Generic((f), const char **: set_interned, default: set_owned)(f, v)

/* A server's vm_state or task_state: the scheduler's views count on it
 * (cloud_refresh_view), so the server is marked for the next refresh. */
static void set_state(nova_env *env, server *s, const char **f, const char *v)
{
    *f = nv_intern(v);
    ptrdiff_t sid = s - env->c->servers.v;
    if (sid < 0 || sid >= env->c->servers.n)
        nv_fatal("set_state: %s is not a server of this cloud", s->name);
    cloud_view_touch(env->c, (int)sid);
}

/* A quirk's effect in the trail, formatted. */
static void quirkf(nova_env *env, const char *bug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void quirkf(nova_env *env, const char *bug, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    char *why = sbuf_take(&b);
    trail_quirk(env->t, bug, why);
    free(why);
}

void step_outcome(nova_env *env, cmd_result *r, const char *exc, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    r->outcome = exc;
    free(r->message);
    r->message = sbuf_take(&b);
    /* the scheduler may already have recorded this very error, in this
     * step's events */
    for (int i = env->t->n - 1; i >= r->trail_from; i--) {
        const event *e = &env->t->v[i];
        if (e->kind == EV_ERROR && !strcmp(e->message, r->message))
            return;
        if (e->kind == EV_REQUEST)
            break;
    }
    trail_error(env->t, exc, r->message);
}

static void mig_status(nova_env *env, migration *m, const char *status)
{
    trail_migration(env->t, m->id, m->status, status);
    set_str(&m->status, status);
}

/* A server to be written (or read: the conductor does both through it).
 * Every write of the conductor to a server, host, migration record or
 * injected fault goes through the undo journal's barriers (journal.h). */
static server *srv(nova_env *env, int sid) { return cloud_server_w(env->c, sid); }
static const char *hname(nova_env *env, int h) { return h >= 0 ? env->c->hosts.v[h].name : "None"; }

/* Whether the conductor asks select_destinations for alternates (a build
 * or a cold migration/resize since Queens); without them a reschedule
 * calls the scheduler again (reselect()). */
static bool asks_alternates(const nova_env *env)
{
    return release_has_alternates(env->c->conf.release);
}

/* A reschedule without alternates (Pike): the compute hands the request
 * back to the conductor with the legacy filter_properties, whose `retry`
 * lists the hosts tried so far (scheduler_utils.populate_filter_properties),
 * and the conductor rebuilds a RequestSpec from them and calls
 * select_destinations again (build_instances: RequestSpec.from_primitives;
 * _cold_migrate: RequestSpec.from_components; nova/conductor/manager.py
 * 16.0.0).  That spec is for one instance, and its availability_zone is the
 * instance's, which the failed attempt had set to its host's zone.  `rs`
 * has the rest; returns the host claimed, or -1 with *exc and *msg (owned)
 * set. */
static int reselect(nova_env *env, request_spec *rs, int sid, int failed, const strlist *tried,
                    int attempt, const char **exc, char **msg)
{
    cloud *c = env->c;
    rs->num_instances = 1;
    rs->availability_zone = host_az(c, failed);
    rs->return_alternates = false;
    strlist_free(&rs->retry_hosts);
    strlist_copy(&rs->retry_hosts, tried);
    intvec_free(&rs->instances);
    intvec_push(&rs->instances, sid);
    sbuf b = {0};
    for (int i = 0; i < tried->n; i++)
        sbuf_addf(&b, "%s%s", i ? ", " : "", tried->v[i]);
    char *hosts = sbuf_take(&b);
    trail_note(env->t, "Rescheduling %s: no alternates, the scheduler is called again "
                       "(attempt %d; retry hosts: %s; availability zone %s)",
               srv(env, sid)->name, attempt, hosts, rs->availability_zone);
    free(hosts);
    sched_result sr;
    memset(&sr, 0, sizeof sr);
    scheduler_select(c, rs, env->rng, env->t, &sr);
    int h = -1;
    if (sr.ok) {
        h = sr.hosts.v[0];
    } else {
        *exc = sr.exception;
        *msg = nv_strdup(sr.message);
    }
    sched_result_done(&sr);
    return h;
}

static int find_server(nova_env *env, const conductor_req *q, cmd_result *r)
{
    int sid = q->server.id;
    if (sid < 0)
        step_outcome(env, r, "InstanceNotFound", "Instance %s could not be found.",
                nv_ref_name(q->server));
    else
        intvec_push(&r->servers, sid);
    return sid;
}

/* Quirk bug-1718455: which num_instances a move asks the scheduler for. */
static int move_num_instances(nova_env *env, int sid)
{
    int persisted = server_spec(srv(env, sid))->num_instances;
    if (persisted > 1 && quirk_on(&env->c->conf, Q_BUG_1718455)) {
        char *why = nv_printf("RequestSpec.num_instances = %d, persisted by the multi-create "
                              "boot, is used for this move of one server: the scheduler "
                              "needs %d hosts",
                              persisted, persisted);
        trail_quirk(env->t, "bug-1718455", why);
        free(why);
        return persisted;
    }
    return 1;
}

/* RequestSpec for moving server sid, from what Nova persisted. */
static void move_spec(nova_env *env, int sid, request_spec *rs, bool persisted_ignore)
{
    server *s = srv(env, sid);
    const persisted_spec *ps = server_spec(s);
    request_spec_init(rs);
    rs->flavor = s->flavor;
    rs->image = s->image;
    rs->is_bfv = s->boot_from_volume;
    rs->project = s->project;
    rs->group = s->group;
    rs->availability_zone = ps->availability_zone;
    kvlist_copy(&rs->hints, &ps->hints);
    intvec_push(&rs->instances, sid);
    rs->num_instances = move_num_instances(env, sid);
    /* force_hosts/force_nodes are reset for every move */
    /* live migration and resize overwrite ignore_hosts; evacuation used
     * the persisted list (bug 1669054) */
    if (persisted_ignore && quirk_on(&env->c->conf, Q_BUG_1669054) && ps->ignore_hosts.n) {
        for (int i = 0; i < ps->ignore_hosts.n; i++)
            strlist_push(&rs->ignore_hosts, ps->ignore_hosts.v[i]);
        trail_quirk(env->t, "bug-1669054",
                    "ignore_hosts persisted by an earlier resize/migration excludes those hosts "
                    "from this move");
    }
    if (quirk_on(&env->c->conf, Q_BUG_1797580) && ps->requested_host) {
        rs->dest_host = nv_strdup(ps->requested_host);
        char *why = nv_printf("requested_destination %s persisted by an earlier targeted move "
                              "pins this move",
                              ps->requested_host);
        trail_quirk(env->t, "bug-1797580", why);
        free(why);
    }
}

static void ignore_host(request_spec *rs, const char *h)
{
    if (strlist_find(&rs->ignore_hosts, h) < 0)
        strlist_push(&rs->ignore_hosts, h);
}

/* Give the instance's allocations to the migration consumer and back
 * (replace_allocation_with_migration / _revert_allocation).  Both use the
 * report client's move_allocations, which moves *every* provider the
 * consumer holds (nova/scheduler/client/report.py move_allocations): after
 * an evacuation whose source stayed down, the old source's allocation goes
 * along, so a completed move or a confirm drops it and a revert brings it
 * back (nova/conductor/tasks/migrate.py replace_allocation_with_migration). */
static void alloc_to_migration(nova_env *env, int sid, migration *m)
{
    placement_move(env->c, CONSUMER_SERVER, sid, CONSUMER_MIGRATION, m->id - 1);
}

static void alloc_from_migration(nova_env *env, int sid, migration *m)
{
    int64_t a[RC_COUNT];
    if (!placement_consumer_on(env->c, CONSUMER_MIGRATION, m->id - 1, -1, a))
        return;
    placement_delete(env->c, CONSUMER_SERVER, sid, -1);
    placement_move(env->c, CONSUMER_MIGRATION, m->id - 1, CONSUMER_SERVER, sid);
}

/* The text of Nova's BuildAbortException ("Build of instance %(instance_uuid)s
 * aborted: %(reason)s", nova/exception.py). */
static char *build_abort_text(const server *s, const char *reason)
{
    return nv_printf("Build of instance %s aborted: %s", s->name, reason);
}

static void record_fault(server *s, const char *msg);

/* A BuildAbortException ends the step: the server's fault and the outcome. */
static void build_aborted(nova_env *env, cmd_result *r, server *s, const char *reason)
{
    char *abort = build_abort_text(s, reason);
    record_fault(s, abort);
    step_outcome(env, r, "BuildAbortException", "%s", abort);
    free(abort);
}

static void record_fault(server *s, const char *msg)
{
    /* instance faults keep at most 255 characters */
    free(s->fault);
    s->fault = nv_strndup(msg, strlen(msg) > 255 ? 255 : strlen(msg));
}

/* A non-Nova exception's instance fault: its text up to Stein, its class
 * name from 20.0.0 (nova/compute/utils.py exception_to_dict: "a non-nova
 * exception which could contain sensitive details"). */
static const char *python_fault(nova_env *env, const char *cls, const char *text)
{
    return env->c->conf.release >= REL_TRAIN ? cls : text;
}

static bool group_policy_supported(nova_env *env, int g, cmd_result *r)
{
    if (g < 0)
        return true;
    const nova_config *cf = &env->c->conf;
    const char *need = NULL;
    bool weigher = false;
    switch (env->c->groups.v[g].policy) {
    case POLICY_AFFINITY: need = "ServerGroupAffinityFilter"; break;
    case POLICY_ANTI_AFFINITY: need = "ServerGroupAntiAffinityFilter"; break;
    case POLICY_SOFT_AFFINITY: need = "ServerGroupSoftAffinityWeigher"; weigher = true; break;
    case POLICY_SOFT_ANTI_AFFINITY: need = "ServerGroupSoftAntiAffinityWeigher"; weigher = true; break;
    }
    int id = weigher ? weigher_lookup(need) : filter_lookup(need);
    const intvec *l = weigher ? &cf->weight_classes : &cf->enabled_filters;
    if (intvec_find(l, id) >= 0)
        return true;
    step_outcome(env, r, "UnsupportedPolicyException",
            "ServerGroup policy is not supported: %s not configured", need);
    return false;
}

/* "same_host=vm-1" strings -> a (multi-)map */
static void hints_to_kv(const strlist *in, kvlist *out)
{
    for (int i = 0; i < in->n; i++) {
        char *k, *v;
        if (kv_split(in->v[i], &k, &v)) {
            kvlist_push(out, k, v);
            free(k);
            free(v);
        }
    }
}

/* ---- boot ------------------------------------------------------------------ */

static char *instance_name(const char *tmpl, const char *name, int count)
{
    sbuf b = {0};
    for (const char *p = tmpl; *p;) {
        if (!strncmp(p, "%(name)s", 8)) {
            sbuf_add(&b, name);
            p += 8;
        } else if (!strncmp(p, "%(count)d", 9)) {
            sbuf_addf(&b, "%d", count);
            p += 9;
        } else if (!strncmp(p, "%(uuid)s", 8)) {
            sbuf_add(&b, name);
            p += 8;
        } else {
            sbuf_addc(&b, *p++);
        }
    }
    return sbuf_take(&b);
}

/* The compute's late server group check (nova/compute/manager.py
 * _validate_instance_group_policy), run inside the build's claim: the
 * scheduler's filters are skipped for a forced host, and parallel requests
 * can race.  Anti-affinity: no more than max_server_per_host other members
 * on this host; affinity: on a host of the other members, if any.  Returns
 * the reason as the compute words it, or NULL: a RescheduledException
 * reason with a full stop until the fix of bug 1996732 (28.0.0), then
 * GroupAffinityViolation's "%(policy)s instance group policy was violated"
 * (nova/exception.py). */
static const char *late_group_check(nova_env *env, int sid, int h)
{
    cloud *c = env->c;
    const server *s = srv(env, sid);
    if (s->group < 0 || c->conf.disable_group_policy_check_upcall)
        return NULL;
    const group *g = &c->groups.v[s->group];
    if (g->policy == POLICY_ANTI_AFFINITY) {
        int on_host = 0;
        const intvec *sv = &c->host_servers[h];
        for (int i = 0; i < sv->n; i++)
            if (sv->v[i] != sid && c->servers.v[sv->v[i]].group == s->group)
                on_host++;
        int max = g->max_server_per_host > 0 ? g->max_server_per_host : 1;
        if (on_host >= max)
            return quirk_on(&c->conf, Q_BUG_1996732)
                       ? "Anti-affinity instance group policy was violated."
                       : "Anti-affinity instance group policy was violated";
    } else if (g->policy == POLICY_AFFINITY) {
        bool others = false, here = false;
        for (int i = 0; i < c->servers.n; i++) {
            const server *o = &c->servers.v[i];
            if (i == sid || o->deleted || o->group != s->group || o->host < 0)
                continue;
            others = true;
            if (o->host == h)
                here = true;
        }
        if (others && !here)
            return quirk_on(&c->conf, Q_BUG_1996732)
                       ? "Affinity instance group policy was violated."
                       : "Affinity instance group policy was violated";
    }
    return NULL;
}

/* Build on the chosen host; on an injected `build` failure reschedule to
 * the alternates (conductor build_instances with host_list), or without
 * them (Pike) to what the scheduler picks again.  `tried` collects the
 * hosts tried.  Returns the host the server ended on, or -1 with the
 * outcome set (-2: and the server left as it was, bug 1837955; -3: the
 * server in ERROR with its fault recorded and the outcome an exception out
 * of build_instances, which outranks the other servers' outcomes). */
static int build_attempts(nova_env *env, int sid, int dst_host, intvec *alts,
                          const int64_t res[RC_COUNT], strlist *tried, cmd_result *r)
{
    cloud *c = env->c;
    int attempts = 1;
    for (;;) {
        strlist_push(tried, hname(env, dst_host));
        /* the failed host's clean-up (_shutdown_instance) deleted the
         * volume attachments, and the reschedule did not recreate them
         * until the fix of bug 1784353 (19.0.0): _build_resources fails
         * with BuildAbortException, which is not rescheduled */
        if (attempts > 1 && srv(env, sid)->boot_from_volume && quirk_on(&c->conf, Q_BUG_1784353)) {
            quirkf(env, "bug-1784353",
                   "the first host's clean-up deleted %s's volume attachment: the build on %s "
                   "cannot attach the volume", srv(env, sid)->name, hname(env, dst_host));
            char *ab = build_abort_text(srv(env, sid), "Failure prepping block device.");
            trail_check(env->t, "build_and_run_instance", hname(env, dst_host), false, ab);
            if (c->conf.consecutive_build_service_disable_threshold)
                cloud_host_w(c, dst_host)->failed_builds++;
            placement_delete(c, CONSUMER_SERVER, sid, dst_host);
            step_outcome(env, r, "BuildAbortException", "%s", ab);
            free(ab);
            return -1;
        }
        const char *late = late_group_check(env, sid, dst_host);
        const char *f = late;
        if (late)
            trail_check(env->t, "group policy", hname(env, dst_host), false, late);
        else
            f = cloud_take_fault(c, dst_host, "build");
        if (!f) {
            trail_check(env->t, "build_and_run_instance", hname(env, dst_host), true, NULL);
            cloud_host_w(c, dst_host)->failed_builds = 0;
            return dst_host;
        }
        char *msg = nv_printf("Build of instance %s was re-scheduled: %s", srv(env, sid)->name, f);
        trail_check(env->t, "build_and_run_instance", hname(env, dst_host), false, msg);
        /* a reschedule by the late check is RESCHEDULED_BY_POLICY, which
         * _build_failed does not count, since the fix of bug 1996732 */
        if (c->conf.consecutive_build_service_disable_threshold &&
            (!late || quirk_on(&c->conf, Q_BUG_1996732))) {
            cloud_host_w(c, dst_host)->failed_builds++;
            if (late)
                trail_quirk(env->t, "bug-1996732",
                            "the late group check's reschedule counts as a failed build of this "
                            "host (BuildFailureWeigher)");
        }
        placement_delete(c, CONSUMER_SERVER, sid, dst_host);
        /* populate_retry: no retries with max_attempts 1 or one forced host */
        const persisted_spec *ps = server_spec(srv(env, sid));
        if (c->conf.max_attempts == 1 || ps->force_hosts.n == 1 || ps->force_nodes.n == 1) {
            /* no retry: the compute records the fault with the reason only
             * (add_instance_fault_from_exc(fault_message=reason)) */
            step_outcome(env, r, late && !quirk_on(&c->conf, Q_BUG_1996732)
                                ? "RescheduledByPolicyException" : "RescheduledException",
                    "%s", msg);
            record_fault(srv(env, sid), f);
            free(msg);
            return -1;
        }
        attempts++;
        if (attempts > c->conf.max_attempts) {
            step_outcome(env, r, "MaxRetriesExceeded",
                    "Exceeded maximum number of retries. Exceeded max scheduling attempts %lld "
                    "for instance %s. Last exception: %s",
                    (long long)c->conf.max_attempts, srv(env, sid)->name, f);
            free(msg);
            return -1;
        }
        free(msg);
        /* Pike's build_instances rebuilds the RequestSpec from the compute's
         * legacy filter_properties, whose group info lacks group_members
         * (nova/objects/request_spec.py _populate_group_info) */
        if (srv(env, sid)->group >= 0 && quirk_on(&c->conf, Q_BUG_1719730)) {
            trail_quirk(env->t, "bug-1719730",
                        "the reschedule's RequestSpec.from_primitives finds no group_members "
                        "in filter_properties: TypeError in the conductor, the server goes to "
                        "ERROR");
            step_outcome(env, r, "TypeError", "'NoneType' object is not iterable");
            return -1;
        }
        if (!asks_alternates(env)) {
            const server *s = srv(env, sid);
            request_spec rs;
            request_spec_init(&rs);
            rs.flavor = s->flavor;
            rs.image = s->image;
            rs.is_bfv = s->boot_from_volume;
            rs.project = s->project;
            rs.group = s->group;
            kvlist_copy(&rs.hints, &server_spec(s)->hints);
            const char *exc = NULL;
            char *why = NULL;
            dst_host = reselect(env, &rs, sid, dst_host, tried, attempts, &exc, &why);
            request_spec_done(&rs);
            if (dst_host < 0) {
                step_outcome(env, r, exc, "%s", why);
                free(why);
                return -1;
            }
            continue;
        }
        int next = -1;
        /* an empty host list raises MaxRetriesExceeded inside build_instances'
         * try block; alternates that all fail their claim only create it */
        bool claimed = alts->n > 0;
        while (alts->n && next < 0) {
            int h = alts->v[0];
            memmove(alts->v, alts->v + 1, (size_t)(alts->n - 1) * sizeof *alts->v);
            alts->n--;
            bool ok = placement_claim(c, CONSUMER_SERVER, sid, h, res);
            event *ce = trail_add(env->t, EV_CLAIM);
            ce->host = nv_strdup(hname(env, h));
            ce->ok = ok;
            if (ok)
                next = h;
        }
        if (next < 0) {
            step_outcome(env, r, "MaxRetriesExceeded",
                    "Exceeded maximum number of retries. Exhausted all hosts available for "
                    "retrying build failures for instance %s.",
                    srv(env, sid)->name);
            if (claimed && quirk_on(&c->conf, Q_BUG_1837955)) {
                trail_quirk(env->t, "bug-1837955",
                            "build_instances raises MaxRetriesExceeded without cleaning up: "
                            "the server stays building/scheduling, with no fault");
                return -2;
            }
            /* _cleanup_when_reschedule_fails gets the exception unraised:
             * set_vm_state_and_notify saves ERROR and the fault, then
             * notify_about_compute_task_error builds ExceptionPayload outside
             * any exception handler - inspect.trace()[-1] (IndexError) up to
             * Ussuri, exc.__traceback__.tb_frame (AttributeError) from 125df26bf9 */
            if (claimed && quirk_on(&c->conf, Q_BUG_MAX_RETRIES_NOTIFICATION) &&
                config_versioned_notifications(&c->conf)) {
                bool old = c->conf.release < REL_VICTORIA;
                trail_quirk(env->t, "bug-max-retries-notification",
                            old ? "the versioned error notification of the unraised "
                                  "MaxRetriesExceeded finds no traceback (inspect.trace() is "
                                  "empty): IndexError out of build_instances, after the server "
                                  "went to ERROR"
                                : "the versioned error notification of the unraised "
                                  "MaxRetriesExceeded reads its __traceback__, which is None: "
                                  "AttributeError out of build_instances, after the server went "
                                  "to ERROR");
                record_fault(srv(env, sid), r->message);
                if (old)
                    step_outcome(env, r, "IndexError", "list index out of range");
                else
                    step_outcome(env, r, "AttributeError",
                            "'NoneType' object has no attribute 'tb_frame'");
                return -3;
            }
            return -1;
        }
        trail_note(env->t, "Rescheduling %s to alternate host %s", srv(env, sid)->name,
                   hname(env, next));
        dst_host = next;
    }
}

/* Build on the chosen host, rescheduling as Nova does (build_attempts). */
static int build_with_reschedules(nova_env *env, int sid, int dst_host, intvec *alts,
                                  const int64_t res[RC_COUNT], cmd_result *r)
{
    strlist tried = {0};
    int h = build_attempts(env, sid, dst_host, alts, res, &tried, r);
    strlist_free(&tried);
    return h;
}

static bool boot_image_ok(nova_env *env, cmd_result *r, int fl, int img, bool bfv);

static void op_boot(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int fl = q->flavor.id;
    if (fl < 0) {
        step_outcome(env, r, "FlavorNotFound", "Flavor %s could not be found.",
                nv_ref_name(q->flavor));
        return;
    }
    int img = -1;
    if (q->image.name) {
        img = q->image.id;
        if (img < 0) {
            step_outcome(env, r, "ImageNotFound", "Image %s could not be found.", q->image.name);
            return;
        }
    } else if (!q->boot_from_volume && c->images.n) {
        img = 0;
    }
    int g = -1;
    if (q->group.name) {
        g = q->group.id;
        if (g < 0) {
            step_outcome(env, r, "InstanceGroupNotFound", "Instance group %s could not be found.",
                    q->group.name);
            return;
        }
    }
    /* availability zone, with the legacy forced host "az:host[:node]" */
    char *az = NULL, *fhost = NULL, *fnode = NULL;
    const char *azs = q->az ? q->az : c->conf.default_schedule_zone;
    if (azs && *azs) {
        const char *c1 = strchr(azs, ':');
        if (c1) {
            az = c1 > azs ? nv_strndup(azs, (size_t)(c1 - azs)) : NULL;
            const char *c2 = strchr(c1 + 1, ':');
            if (c2) {
                fhost = c2 > c1 + 1 ? nv_strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : NULL;
                fnode = *(c2 + 1) ? nv_strdup(c2 + 1) : NULL;
            } else {
                fhost = *(c1 + 1) ? nv_strdup(c1 + 1) : NULL;
            }
        } else {
            az = nv_strdup(azs);
        }
    }
    if (az && !fhost && !fnode) {
        bool available = false;
        for (int h = 0; h < c->hosts.n && !available; h++)
            if (!c->hosts.v[h].disabled && !strcmp(host_az(c, h), az))
                available = true;
        if (!available) {
            step_outcome(env, r, "InvalidRequest", "The requested availability zone is not available");
            free(az);
            return;
        }
    }
    if (!boot_image_ok(env, r, fl, img, q->boot_from_volume)) {
        free(az);
        free(fhost);
        free(fnode);
        return;
    }
    int64_t n = q->max_count > 0 ? q->max_count : (q->min_count > 0 ? q->min_count : 1);

    /* the API creates every instance (and its group membership) up front */
    request_spec rs;
    request_spec_init(&rs);
    rs.flavor = fl;
    rs.image = img;
    rs.is_bfv = q->boot_from_volume;
    rs.project = q->project ? q->project : "demo";
    rs.group = g;
    rs.availability_zone = az;
    rs.num_instances = (int)n;
    rs.return_alternates = asks_alternates(env);
    hints_to_kv(&q->hints, &rs.hints);
    if (fhost)
        strlist_push(&rs.force_hosts, fhost);
    if (fnode)
        strlist_push(&rs.force_nodes, fnode);
    const char *base = q->name ? q->name : "server";
    for (int64_t i = 0; i < n; i++) {
        char *name = n > 1 ? instance_name(c->conf.multi_instance_display_name_template, base,
                                           (int)i + 1)
                           : nv_strdup(base);
        int sid = cloud_add_server(c, name, fl);
        free(name);
        server *s = srv(env, sid);
        s->image = img;
        cloud_server_image_meta(c, sid);
        s->boot_from_volume = q->boot_from_volume;
        s->group = g;
        set_str(&s->project, rs.project);
        set_state(env, s, &s->vm_state, "building");
        set_state(env, s, &s->task_state, "scheduling");
        persisted_spec *ps = server_spec_w(s);
        ps->num_instances = (int)n;
        ps->availability_zone = nv_strdup(az);
        hints_to_kv(&q->hints, &ps->hints);
        if (fhost)
            strlist_push(&ps->force_hosts, fhost);
        if (fnode)
            strlist_push(&ps->force_nodes, fnode);
        intvec_push(&rs.instances, sid);
        intvec_push(&r->servers, sid);
    }
    free(fhost);
    free(fnode);

    sched_result sr;
    memset(&sr, 0, sizeof sr);
    bool ok = group_policy_supported(env, g, r);
    if (ok) {
        scheduler_select(c, &rs, env->rng, env->t, &sr);
        if (!sr.ok) {
            step_outcome(env, r, sr.exception, "%s", sr.message);
            ok = false;
        }
    }
    if (!ok) {
        /* every instance of the request is buried in cell0 in ERROR; a
         * Python exception of the scheduler (a bug) is not a NovaException */
        bool python = r->outcome && (!strcmp(r->outcome, "AttributeError") ||
                                     !strcmp(r->outcome, "TypeError") ||
                                     !strcmp(r->outcome, "NotImplementedError"));
        for (int i = 0; i < rs.instances.n; i++) {
            server *s = srv(env, rs.instances.v[i]);
            set_state(env, s, &s->vm_state, "error");
            set_state(env, s, &s->task_state, NULL);
            record_fault(s, python ? python_fault(env, r->outcome, r->message) : r->message);
        }
    } else {
        int64_t res[RC_COUNT];
        spec_resources(c, &rs, res);
        const char *raised = NULL;      /* an exception out of build_instances */
        char *raised_msg = NULL;
        for (int i = 0; i < rs.instances.n; i++) {
            int sid = rs.instances.v[i];
            int h = build_with_reschedules(env, sid, sr.hosts.v[i], &sr.alternates[i], res, r);
            server *s = srv(env, sid);
            if (h == -2)
                continue;   /* stuck in scheduling (bug 1837955) */
            set_state(env, s, &s->task_state, NULL);
            if (h == -3) {
                set_state(env, s, &s->vm_state, "error");
                if (!raised) {
                    raised = r->outcome;
                    raised_msg = nv_strdup(r->message);
                }
                continue;
            }
            if (h < 0) {
                set_state(env, s, &s->vm_state, "error");
                if (strcmp(r->outcome, "RescheduledException") != 0 &&
                    strcmp(r->outcome, "RescheduledByPolicyException") != 0)   /* else recorded */
                    record_fault(s, r->message);
                continue;
            }
            cloud_server_set_host(c, sid, h);
            /* the claim saved the compute node with the server building
             * (resource_tracker instance_claim); nothing updates it when the
             * build ends until the next periodic update */
            cloud_rt_io(c, sid, h);
            set_state(env, s, &s->vm_state, "active");
            set_str(&s->availability_zone, host_az(c, h));
        }
        if (raised) {
            r->outcome = raised;
            free(r->message);
            r->message = raised_msg;
        }
    }
    sched_result_done(&sr);
    free(az);
    rs.availability_zone = NULL;
    request_spec_done(&rs);
}

/* ---- live migration ---------------------------------------------------------- */

static bool hypervisor_compatible(nova_env *env, int src, int dst, char **why, const char **exc)
{
    const host *s = &env->c->hosts.v[src], *d = &env->c->hosts.v[dst];
    if (strcmp(s->hypervisor_type, d->hypervisor_type) != 0) {
        *exc = "InvalidHypervisorType";
        *why = nv_strdup("The supplied hypervisor type of is invalid.");
        return false;
    }
    bool skip = env->c->conf.skip_hypervisor_version_check_on_lm && env->c->conf.release >= REL_ZED;
    if (s->hypervisor_version > d->hypervisor_version && !skip) {
        *exc = "DestinationHypervisorTooOld";
        *why = nv_strdup("The instance requires a newer hypervisor version than has been provided.");
        return false;
    }
    return true;
}

/* The source compute's part once the conductor cast live_migration. */
static void live_migration_compute(nova_env *env, int sid, migration *m, cmd_result *r)
{
    cloud *c = env->c;
    server *s = srv(env, sid);
    mig_status(env, m, "queued");
    mig_status(env, m, "preparing");
    const char *f = cloud_take_fault(c, m->dest, "pre_live_migration");
    const char *stage = "pre_live_migration";
    if (!f) {
        mig_status(env, m, "running");
        f = cloud_take_fault(c, m->source, "live_migration");
        stage = "live_migration";
    }
    if (f) {
        trail_check(env->t, stage, hname(env, !strcmp(stage, "live_migration") ? m->source : m->dest),
                    false, f);
        /* pre_live_migration is @wrap_instance_fault on the destination
         * (nova/compute/manager.py pre_live_migration): the failure is
         * recorded on the instance */
        if (!strcmp(stage, "pre_live_migration")) {
            mig_status(env, m, "error");
            char *fm = nv_printf("Migration error: %s", f);
            record_fault(s, fm);
            free(fm);
        }
        /* _rollback_live_migration: destination allocation dropped, the
         * migration's source allocation goes back to the instance */
        placement_delete(c, CONSUMER_SERVER, sid, m->dest);
        alloc_from_migration(env, sid, m);
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, m, "failed");
        step_outcome(env, r, "MigrationError", "Migration error: %s", f);
        return;
    }
    trail_check(env->t, "live_migration", hname(env, m->source), true, NULL);
    /* A failure in _post_live_migration on the source, once the guest runs
     * on the destination: _do_live_migration errors out the migration and
     * the server, and nothing cleans up the allocations.  instance.host is
     * set to the destination anyway since 27.0.0
     * (_post_live_migration_update_host, bug 1628606). */
    f = cloud_take_fault(c, m->source, "post_live_migration");
    if (f) {
        trail_check(env->t, "post_live_migration", hname(env, m->source), false, f);
        if (quirk_on(&c->conf, Q_BUG_1628606))
            quirkf(env, "bug-1628606",
                   "instance.host stays %s though the guest runs on %s: a hard reboot would "
                   "start it on the source again", hname(env, m->source), hname(env, m->dest));
        else
            cloud_server_set_host(c, sid, m->dest);
        s = srv(env, sid);
        set_state(env, s, &s->vm_state, "error");
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, m, "error");
        record_fault(s, python_fault(env, "Exception", f));
        step_outcome(env, r, "Exception", "%s", f);
        return;
    }
    /* _post_live_migration; it reports the instance to the scheduler as
     * the source's (update_instance_info), so the scheduler lists it on
     * both hosts until _sync_scheduler_instance_info runs */
    placement_delete(c, CONSUMER_MIGRATION, m->id - 1, -1);
    cloud_server_set_host(c, sid, m->dest);
    srv(env, sid)->sched_ghost = m->source;
    set_state(env, s, &s->task_state, NULL);
    mig_status(env, m, "completed");
}

/* The destination's check_can_live_migrate_destination asks the source
 * (check_can_live_migrate_source).  A failure there is an exception the
 * conductor does not expect until the fix of bug 2044235 (33.0.0) wraps it
 * in MigrationPreCheckError.  Returns the failure's text, or NULL; with
 * the quirk, *unexpected is set and exc/msg are the conductor's. */
static char *source_precheck(nova_env *env, int src, int dst, bool *unexpected,
                             const char **exc, char **msg)
{
    const char *f = cloud_take_fault(env->c, src, "check_can_live_migrate_source");
    if (!f)
        return NULL;
    trail_check(env->t, "check_can_live_migrate_source", hname(env, src), false, f);
    if (quirk_on(&env->c->conf, Q_BUG_2044235)) {
        trail_quirk(env->t, "bug-2044235",
                    "the source's error reaches the conductor unwrapped: _live_migrate's generic "
                    "handler puts the server in ERROR");
        *unexpected = true;
        *exc = "MigrationError";
        *msg = nv_printf("Migration error: %s", f);
        return nv_strdup(f);
    }
    return nv_printf("Migration pre-check error: Error while check_can_live_migrate_source from "
                     "%s to host %s: Exception %s", hname(env, src), hname(env, dst), f);
}

static void op_live_migrate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    int mv = microversion(env, q);
    bool force = q->force;
    /* API checks, in Nova's order */
    if (force && !api_accepts_force(mv)) {
        step_outcome(env, r, "ValidationError",
                "Invalid input for field/attribute os-migrateLive. Value: force. Additional "
                "properties are not allowed ('force' was unexpected)");
        return;
    }
    if (force && mv >= 30 && !q->host.name) {
        /* a bare HTTPBadRequest (migrate_server.py, evacuate.py) */
        step_outcome(env, r, "BadRequest", "Can't force to a non-provided destination");
        return;
    }
    if (q->host.name && mv < 30)
        force = true;   /* before 2.30 a given host bypasses the scheduler */
    if (strcmp(s->vm_state, "active") && strcmp(s->vm_state, "paused")) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot 'os-migrateLive' instance %s while it is in vm_state %s", s->name,
                s->vm_state);
        return;
    }
    if (s->task_state) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot 'os-migrateLive' instance %s while it is in task_state %s", s->name,
                s->task_state);
        return;
    }
    int dest = -1;
    if (q->host.name) {
        dest = q->host.id;
        if (dest < 0) {
            step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.",
                    q->host.name);
            return;
        }
    }
    set_state(env, s, &s->task_state, "migrating");

    /* conductor _live_migrate */
    int src = s->host;
    migration *m = cloud_add_migration(c, sid, "live-migration", src, force ? dest : -1);
    int mid = m->id - 1;
    r->migration = mid;
    trail_migration(env->t, m->id, NULL, "accepted");
    const char *exc = NULL;
    char *msg = NULL;
    bool unexpected = false;       /* the conductor's generic handler (bug 2044235) */
    char *srcf = NULL;

    /* LiveMigrationTask._execute */
    if (!host_is_up(c, src)) {
        exc = "ComputeServiceUnavailable";
        msg = nv_printf("Compute service of %s is unavailable at this time.", hname(env, src));
        trail_check(env->t, "source service up", hname(env, src), false, msg);
        goto failed;
    }
    alloc_to_migration(env, sid, cloud_migration_w(c, mid));

    if (force) {
        if (dest == src) {
            exc = "UnableToMigrateToSelf";
            msg = nv_printf("Unable to migrate instance (%s) to current host (%s).", s->name,
                            hname(env, src));
            goto failed;
        }
        if (!host_is_up(c, dest)) {
            exc = "ComputeServiceUnavailable";
            msg = nv_printf("Compute service of %s is unavailable at this time.", hname(env, dest));
            trail_check(env->t, "destination service up", hname(env, dest), false, msg);
            goto failed;
        }
        trail_check(env->t, "destination service up", hname(env, dest), true, NULL);
        /* _check_destination_has_enough_memory on the ComputeNode numbers */
        const host *d = &c->hosts.v[dest];
        int64_t res_mem = d->reserved_host_memory_mb >= 0 ? d->reserved_host_memory_mb
                                                          : c->conf.reserved_host_memory_mb;
        int64_t free_ram = d->memory_mb - res_mem - placement_used(c, dest, RC_MEMORY_MB);
        double avail = (double)d->memory_mb * host_ratio(c, dest, RC_MEMORY_MB) -
                       (double)(d->memory_mb - free_ram);
        int64_t mem = c->flavors.v[s->flavor].memory_mb;
        if (!mem || avail <= (double)mem) {
            char a[32];
            nv_fmt_double(a, sizeof a, avail);
            exc = "MigrationPreCheckError";
            msg = nv_printf("Migration pre-check error: Unable to migrate %s to %s: Lack of "
                            "memory(host:%s <= instance:%lld)",
                            s->name, d->name, a, (long long)mem);
            trail_check(env->t, "destination memory", d->name, false, msg);
            goto failed;
        }
        trail_check(env->t, "destination memory", d->name, true, NULL);
        if (!hypervisor_compatible(env, src, dest, &msg, &exc)) {
            trail_check(env->t, "hypervisor compatibility", d->name, false, msg);
            goto failed;
        }
        trail_check(env->t, "hypervisor compatibility", d->name, true, NULL);
        /* Up to Train the destination checks ran before the allocation
         * was copied (_check_requested_destination); from Ussuri after. */
        bool checks_first = c->conf.release < REL_USSURI;
        const char *f = NULL;
        if (checks_first) {
            f = cloud_take_fault(c, dest, "check_can_live_migrate_destination");
            if (!f && strcmp(c->hosts.v[src].cell, d->cell) != 0)
                f = "Unable to force live migrate instance across cells.";
            if (f) {
                exc = "MigrationPreCheckError";
                msg = nv_printf("Migration pre-check error: %s", f);
                trail_check(env->t, "check_can_live_migrate_destination", d->name, false, msg);
                goto failed;
            }
            if ((srcf = source_precheck(env, src, dest, &unexpected, &exc, &msg))) {
                if (!unexpected) {
                    exc = "MigrationPreCheckError";
                    msg = srcf;
                    srcf = NULL;
                    trail_check(env->t, "check_can_live_migrate_destination", d->name, false, msg);
                }
                goto failed;
            }
        }
        /* copy the source allocation to the destination for the instance */
        int64_t a[RC_COUNT];
        placement_consumer_on(c, CONSUMER_MIGRATION, mid, src, a);
        if (!placement_claim(c, CONSUMER_SERVER, sid, dest, a)) {
            exc = "NoValidHost";
            msg = nv_printf("No valid host was found. Unable to move instance %s to host %s. "
                            "There is not enough capacity on the host for the instance.",
                            s->name, d->name);
            goto failed;
        }
        event *ce = trail_add(env->t, EV_CLAIM);
        ce->host = nv_strdup(d->name);
        ce->ok = true;
        if (!checks_first) {
            f = cloud_take_fault(c, dest, "check_can_live_migrate_destination");
            if (!f && strcmp(c->hosts.v[src].cell, d->cell) != 0)
                f = "Unable to force live migrate instance across cells.";
            if (f) {
                placement_delete(c, CONSUMER_SERVER, sid, dest);
                exc = "MigrationPreCheckError";
                msg = nv_printf("Migration pre-check error: %s", f);
                trail_check(env->t, "check_can_live_migrate_destination", d->name, false, msg);
                goto failed;
            }
            if ((srcf = source_precheck(env, src, dest, &unexpected, &exc, &msg))) {
                placement_delete(c, CONSUMER_SERVER, sid, dest);
                if (!unexpected) {
                    exc = "MigrationPreCheckError";
                    msg = srcf;
                    srcf = NULL;
                    trail_check(env->t, "check_can_live_migrate_destination", d->name, false, msg);
                }
                goto failed;
            }
        }
        trail_check(env->t, "check_can_live_migrate_destination", d->name, true, NULL);
    } else {
        request_spec rs;
        move_spec(env, sid, &rs, false);
        rs.dest_cell = nv_strdup(c->hosts.v[src].cell);
        if (quirk_on(&c->conf, Q_BUG_1718512) && server_spec(s)->retry_hosts.n) {
            strlist_copy(&rs.retry_hosts, &server_spec(s)->retry_hosts);
            trail_quirk(env->t, "bug-1718512",
                        "RequestSpec.retry persisted by an earlier rescheduled resize: RetryFilter "
                        "rejects the hosts it names");
        }
        if (dest >= 0) {
            free(rs.dest_host);
            rs.dest_host = nv_strdup(c->hosts.v[dest].name);
            rs.dest_node = nv_strdup(c->hosts.v[dest].name);
        }
        strlist attempted = {0};
        strlist_push(&attempted, hname(env, src));
        int chosen = -1;
        for (;;) {
            int64_t maxr = c->conf.migrate_max_retries;
            if (maxr != -1 && attempted.n - 1 > maxr) {
                mig_status(env, cloud_migration_w(c, mid), "failed");
                exc = "MaxRetriesExceeded";
                msg = nv_printf("Exceeded maximum number of retries. Exceeded max scheduling "
                                "retries %d for instance %s during live migration",
                                attempted.n - 1, s->name);
                break;
            }
            strlist_free(&rs.ignore_hosts);
            strlist_copy(&rs.ignore_hosts, &attempted);
            sched_result sr;
            scheduler_select(c, &rs, env->rng, env->t, &sr);
            s = srv(env, sid);
            if (!sr.ok) {
                exc = sr.exception;
                msg = nv_strdup(sr.message);
                sched_result_done(&sr);
                break;
            }
            int h = sr.hosts.v[0];
            sched_result_done(&sr);
            char *why = NULL;
            const char *cexc = NULL;
            if (!hypervisor_compatible(env, src, h, &why, &cexc)) {
                /* Invalid subclasses: skip the host */
            } else {
                const char *f = cloud_take_fault(c, h, "check_can_live_migrate_destination");
                if (f)
                    why = nv_printf("Migration pre-check error: %s", f);
                else
                    why = source_precheck(env, src, h, &unexpected, &exc, &msg);
                /* check_can_live_migrate_destination is @wrap_instance_fault
                 * (nova/compute/manager.py): the instance keeps the fault
                 * even when the next host takes the server */
                if (why && !unexpected)
                    record_fault(s, why);
            }
            if (unexpected) {
                srcf = why;
                placement_delete(c, CONSUMER_SERVER, sid, h);
                break;
            }
            if (why) {
                trail_check(env->t, "check_can_live_migrate_destination", hname(env, h), false, why);
                free(why);
                strlist_push(&attempted, hname(env, h));
                placement_delete(c, CONSUMER_SERVER, sid, h);
                continue;
            }
            trail_check(env->t, "check_can_live_migrate_destination", hname(env, h), true, NULL);
            chosen = h;
            break;
        }
        strlist_free(&attempted);
        if (chosen >= 0 && quirk_on(&c->conf, Q_BUG_1797580) && dest >= 0)
            set_str(&server_spec_w(s)->requested_host, hname(env, dest));
        request_spec_done(&rs);
        if (chosen < 0)
            goto failed;
        dest = chosen;
    }
    s = srv(env, sid);
    set_str(&s->availability_zone, host_az(c, dest));
    cloud_migration_w(c, mid)->dest = dest;
    live_migration_compute(env, sid, cloud_migration_w(c, mid), r);
    return;

failed:
    /* conductor: migration error, instance keeps vm_state, task_state None,
     * allocations back to the instance */
    s = srv(env, sid);
    alloc_from_migration(env, sid, cloud_migration_w(c, mid));
    set_state(env, s, &s->task_state, NULL);
    mig_status(env, cloud_migration_w(c, mid), "error");
    if (unexpected) {
        /* _set_vm_state(ERROR) records the raw exception as the fault */
        set_state(env, s, &s->vm_state, "error");
        record_fault(s, python_fault(env, "Exception", srcf));
    } else {
        record_fault(s, msg);
    }
    step_outcome(env, r, exc, "%s", msg);
    free(msg);
    free(srcf);
}

/* ---- cold migration and resize ------------------------------------------------ */

static void op_migrate(nova_env *env, const conductor_req *q, cmd_result *r, bool resize)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    const char *verb = resize ? "resize" : "migrate";
    if (strcmp(s->vm_state, "active") && strcmp(s->vm_state, "stopped")) {
        step_outcome(env, r, "InstanceInvalidState", "Cannot '%s' instance %s while it is in vm_state %s",
                verb, s->name, s->vm_state);
        return;
    }
    if (s->task_state) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot '%s' instance %s while it is in task_state %s", verb, s->name,
                s->task_state);
        return;
    }
    int src = s->host;
    /* check_instance_host(check_is_up=True) (nova/compute/api.py resize):
     * added in 21.0.0 (bug 1856925); until 24.0.0 it accepted the
     * MAINTENANCE host status, i.e. any disabled host not forced down
     * (bug 1938326) */
    bool src_down = !host_is_up(c, src);
    if (src_down) {
        const host *sh = &c->hosts.v[src];
        if (quirk_on(&c->conf, Q_BUG_1856925)) {
            trail_quirk(env->t, "bug-1856925",
                        "the API does not check the source compute service: the move is "
                        "accepted from a down host");
        } else if (quirk_on(&c->conf, Q_BUG_1938326) && sh->disabled && !sh->forced_down) {
            trail_quirk(env->t, "bug-1938326",
                        "the source host is disabled, so its status is MAINTENANCE and the API "
                        "takes it as up");
        } else {
            step_outcome(env, r, "ServiceUnavailable", "Service is unavailable at this time.");
            return;
        }
    }
    int dest = -1;
    if (q->host.name) {
        dest = q->host.id;
        if (dest == src) {
            step_outcome(env, r, "CannotMigrateToSameHost",
                    "Cannot migrate to the host where the server exists.");
            return;
        }
        if (dest < 0) {
            step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.",
                    q->host.name);
            return;
        }
    }
    int new_fl = s->flavor;
    if (resize) {
        new_fl = q->flavor.id;
        if (new_fl < 0) {
            step_outcome(env, r, "FlavorNotFound", "Flavor %s could not be found.",
                    nv_ref_name(q->flavor));
            return;
        }
        /* only a volume-backed server may go to a zero-disk flavor
         * (nova/compute/api.py resize) */
        int64_t root = c->flavors.v[new_fl].root_gb;
        if (root == 0 && c->flavors.v[s->flavor].root_gb != 0 && !s->boot_from_volume) {
            step_outcome(env, r, "CannotResizeDisk",
                    "Server disk was unable to be resized because: Resize to zero disk flavor "
                    "is not allowed.");
            return;
        }
        if (new_fl == s->flavor) {
            step_outcome(env, r, "CannotResizeToSameFlavor", "When resizing, instances must change flavor!");
            return;
        }
        /* _validate_flavor_image_nostatus against the image in the
         * instance's system_metadata, from 19.0.0 (Stein); volume-backed
         * servers skip it from 20.0.0 (bug 1825020); a root_gb of 0 means
         * "do not check" */
        bool bfv_checked = s->boot_from_volume && quirk_on(&c->conf, Q_BUG_1825020);
        if (bfv_checked && root != 0 && s->image_min_disk > root)
            trail_quirk(env->t, "bug-1825020",
                        "the volume-backed server's new flavor is checked against the boot "
                        "flavor's disk, and the error escapes the API as HTTP 500");
        /* a volume-backed server's min_ram is checked again since the fix of
         * bug 2007968 (30.0.0) */
        bool bfv_ram = s->boot_from_volume && !quirk_on(&c->conf, Q_BUG_2007968);
        if (s->boot_from_volume && !bfv_checked && !bfv_ram && c->conf.release >= REL_STEIN &&
            s->image_min_ram > c->flavors.v[new_fl].memory_mb)
            quirkf(env, "bug-2007968",
                   "the volume-backed server's new flavor (%lld MB) is not checked against its "
                   "image's min_ram (%lld MB)", (long long)c->flavors.v[new_fl].memory_mb,
                   (long long)s->image_min_ram);
        if (c->conf.release >= REL_STEIN && (!s->boot_from_volume || bfv_checked || bfv_ram) &&
            s->image_min_ram > c->flavors.v[new_fl].memory_mb) {
            step_outcome(env, r, "FlavorMemoryTooSmall",
                    "Flavor's memory is too small for requested image.");
            return;
        }
        if (c->conf.release >= REL_STEIN && (!s->boot_from_volume || bfv_checked) && root != 0 &&
            s->image_min_disk > root) {
            step_outcome(env, r, "FlavorDiskSmallerThanMinDisk",
                    "Flavor's disk is smaller than the minimum size specified in image metadata. "
                    "Flavor disk is %lld bytes, minimum size is %lld bytes.",
                    (long long)(root << 30), (long long)(s->image_min_disk << 30));
            return;
        }
    }
    set_state(env, s, &s->task_state, "resize_prep");

    request_spec rs;
    move_spec(env, sid, &rs, false);
    rs.flavor = new_fl;
    /* API.resize recomputes RequestSpec.pci_requests from the new flavor
     * since the fix of bug 1983753 (26.0.0) */
    if (resize && quirk_on(&c->conf, Q_BUG_1983753)) {
        rs.pci_flavor = s->flavor;
        const char *was = kvlist_get(&c->flavors.v[s->flavor].extra_specs, "pci_passthrough:alias");
        const char *now = kvlist_get(&c->flavors.v[new_fl].extra_specs, "pci_passthrough:alias");
        if ((was || now) && (!was || !now || strcmp(was, now)))
            quirkf(env, "bug-1983753",
                   "the RequestSpec keeps the PCI requests of %s (%s), not those of %s (%s)",
                   c->flavors.v[s->flavor].name, was ? was : "none", c->flavors.v[new_fl].name,
                   now ? now : "none");
    }
    rs.return_alternates = asks_alternates(env);
    rs.dest_cell = nv_strdup(c->hosts.v[src].cell);
    if (!(resize && c->conf.allow_resize_to_same_host))
        ignore_host(&rs, hname(env, src));
    if (dest >= 0) {
        free(rs.dest_host);
        rs.dest_host = nv_strdup(c->hosts.v[dest].name);
        rs.dest_node = nv_strdup(c->hosts.v[dest].name);
    }
    migration *m = cloud_add_migration(c, sid, resize ? "resize" : "migration", src, -1);
    int mid = m->id - 1;
    m->new_flavor = new_fl;
    m->old_vm_state = nv_strdup(s->vm_state);
    r->migration = mid;
    trail_migration(env->t, m->id, NULL, "pre-migrating");
    set_str(&m->status, "pre-migrating");
    alloc_to_migration(env, sid, m);

    sched_result sr;
    scheduler_select(c, &rs, env->rng, env->t, &sr);
    s = srv(env, sid);
    const char *exc = NULL;
    char *fault = NULL;
    int dst_host = -1;
    /* a prep_resize failure that is not rescheduled: the compute re-raises
     * it inside _error_out_instance_on_exception, so the server goes to
     * ERROR (nova/compute/manager.py prep_resize,
     * _reschedule_resize_or_reraise) */
    bool errored = false;
    if (!sr.ok) {
        exc = sr.exception;
        fault = nv_strdup(sr.message);
    } else {
        dst_host = sr.hosts.v[0];
        int64_t res[RC_COUNT];
        spec_resources(c, &rs, res);
        int attempts = 1;
        intvec *alts = &sr.alternates[0];
        strlist tried = {0};
        for (;;) {
            strlist_push(&tried, hname(env, dst_host));
            const char *f = cloud_take_fault(c, dst_host, "prep_resize");
            if (!f) {
                trail_check(env->t, "prep_resize", hname(env, dst_host), true, NULL);
                break;
            }
            placement_delete(c, CONSUMER_SERVER, sid, dst_host);
            /* the injected failure is an unexpected (non-Nova) exception:
             * add_instance_fault_from_exc records its class name */
            record_fault(s, "Exception");
            bool forced_boot = server_spec(s)->force_hosts.n == 1 || server_spec(s)->force_nodes.n == 1;
            bool quirk = forced_boot && quirk_on(&c->conf, Q_BUG_1845291);
            if (dest >= 0 || c->conf.max_attempts == 1 || quirk) {
                /* no retry: the compute's exception ends the move
                 * (_reschedule_resize_or_reraise re-raises it) */
                trail_check(env->t, "prep_resize", hname(env, dst_host), false, f);
                if (quirk && dest < 0 && c->conf.max_attempts > 1)
                    trail_quirk(env->t, "bug-1845291",
                                "force_hosts persisted by the az:host boot disabled the retry");
                exc = "Exception";
                fault = nv_strdup(f);
                dst_host = -1;
                errored = true;
                break;
            }
            /* bug 1718512: the retry (with the failed host) was saved in
             * the RequestSpec */
            if (quirk_on(&c->conf, Q_BUG_1718512) &&
                strlist_find(&server_spec(s)->retry_hosts, hname(env, dst_host)) < 0)
                strlist_push(&server_spec_w(s)->retry_hosts, hname(env, dst_host));
            char *m2 = nv_printf("Rescheduling: %s", f);
            trail_check(env->t, "prep_resize", hname(env, dst_host), false, m2);
            free(m2);
            if (++attempts > c->conf.max_attempts) {
                /* the conductor's MaxRetriesExceeded goes back to the
                 * compute, which re-raises its own exception */
                exc = "Exception";
                fault = nv_strdup(f);
                dst_host = -1;
                errored = true;
                break;
            }
            int next = -1;
            if (!asks_alternates(env)) {
                /* the rebuilt RequestSpec's group info lacks group_members
                 * (bug 1719730): from_components raises in _cold_migrate,
                 * the compute gives up the reschedule and re-raises */
                if (s->group >= 0 && quirk_on(&c->conf, Q_BUG_1719730)) {
                    trail_quirk(env->t, "bug-1719730",
                                "the reschedule's RequestSpec.from_components finds no "
                                "group_members in filter_properties: TypeError in the "
                                "conductor, the compute re-raises its own exception");
                } else {
                    request_spec rs2;
                    request_spec_init(&rs2);
                    rs2.flavor = rs.flavor;
                    rs2.pci_flavor = rs.pci_flavor;
                    rs2.image = rs.image;
                    rs2.is_bfv = rs.is_bfv;
                    rs2.project = rs.project;
                    rs2.group = rs.group;
                    kvlist_copy(&rs2.hints, &rs.hints);
                    strlist_copy(&rs2.ignore_hosts, &rs.ignore_hosts);
                    rs2.dest_cell = nv_strdup(rs.dest_cell);
                    const char *rexc = NULL;
                    char *why = NULL;
                    next = reselect(env, &rs2, sid, dst_host, &tried, attempts, &rexc, &why);
                    free(why);
                    request_spec_done(&rs2);
                }
            }
            while (asks_alternates(env) && alts->n && next < 0) {
                int h = alts->v[0];
                memmove(alts->v, alts->v + 1, (size_t)(alts->n - 1) * sizeof *alts->v);
                alts->n--;
                bool ok = placement_claim(c, CONSUMER_SERVER, sid, h, res);
                event *ce = trail_add(env->t, EV_CLAIM);
                ce->host = nv_strdup(hname(env, h));
                ce->ok = ok;
                if (ok)
                    next = h;
            }
            if (next < 0) {
                exc = "Exception";
                fault = nv_strdup(f);
                dst_host = -1;
                errored = true;
                break;
            }
            dst_host = next;
        }
        strlist_free(&tried);
    }
    sched_result_done(&sr);
    if (dst_host < 0) {
        /* rollback: migration error, allocations back, vm_state unchanged */
        alloc_from_migration(env, sid, cloud_migration_w(c, mid));
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, cloud_migration_w(c, mid), "error");
        if (errored) {
            set_state(env, s, &s->vm_state, "error");
            step_outcome(env, r, exc, "%s", fault);
            free(fault);
            request_spec_done(&rs);
            return;
        }
        record_fault(s, fault);
        /* _cold_migrate re-raises NoValidHost with its own reason */
        if (!strcmp(exc, "NoValidHost") || !strcmp(exc, "MaxRetriesExceeded"))
            step_outcome(env, r, "NoValidHost", "No valid host was found. No valid host found for %s",
                    resize ? "resize" : "cold migrate");
        else
            step_outcome(env, r, exc, "%s", fault);
        free(fault);
        request_spec_done(&rs);
        return;
    }
    if (quirk_on(&c->conf, Q_BUG_1669054))
        for (int i = 0; i < rs.ignore_hosts.n; i++)
            if (strlist_find(&server_spec(s)->ignore_hosts, rs.ignore_hosts.v[i]) < 0)
                strlist_push(&server_spec_w(s)->ignore_hosts, rs.ignore_hosts.v[i]);
    if (quirk_on(&c->conf, Q_BUG_1797580) && dest >= 0)
        set_str(&server_spec_w(s)->requested_host, hname(env, dest));
    request_spec_done(&rs);
    migration *mm = cloud_migration_w(c, mid);
    mm->dest = dst_host;
    if (src_down) {
        /* prep_resize claimed the destination and cast resize_instance to
         * the source, whose nova-compute is not running: the move waits
         * there (migration pre-migrating, task_state resize_prep) */
        trail_note(env->t, "%s prepared the resize; resize_instance waits for the compute "
                           "service of %s, which is down",
                   hname(env, dst_host), hname(env, src));
        return;
    }
    set_str(&s->availability_zone, host_az(c, dst_host));
    mig_status(env, mm, "migrating");
    mig_status(env, mm, "post-migrating");
    cloud_server_set_host(c, sid, dst_host);
    /* finish_resize on the destination: resize_instance already pointed
     * the instance at it.  A failure errors out the instance and the
     * migration and puts the old flavor back in the instance
     * (_finish_resize); the allocations were left alone until 18.0.0,
     * then reverted to the source (bug 1825537), and since 20.0.0 the
     * source allocation held by the migration is dropped (finish_resize) */
    const char *ff = cloud_take_fault(c, dst_host, "finish_resize");
    if (ff) {
        trail_check(env->t, "finish_resize", hname(env, dst_host), false, ff);
        if (quirk_on(&c->conf, Q_BUG_1825537)) {
            quirkf(env, "bug-1825537",
                   "finish_resize reverts the allocations: %s gets its old flavor's allocation "
                   "on %s back and loses the one on %s, where it now is", s->name,
                   hname(env, src), hname(env, dst_host));
            placement_delete(c, CONSUMER_SERVER, sid, dst_host);
            alloc_from_migration(env, sid, mm);
        } else if (c->conf.release >= REL_TRAIN) {
            placement_delete(c, CONSUMER_MIGRATION, mid, -1);
        }
        set_state(env, s, &s->vm_state, "error");
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, mm, "error");
        record_fault(s, python_fault(env, "Exception", ff));
        step_outcome(env, r, "Exception", "%s", ff);
        return;
    }
    s->old_flavor = s->flavor;
    s->flavor = new_fl;
    mig_status(env, mm, "finished");
    set_state(env, s, &s->vm_state, "resized");
    set_state(env, s, &s->task_state, NULL);
}

static migration *open_resize(nova_env *env, int sid)
{
    for (int i = env->c->migrations.n - 1; i >= 0; i--) {
        const migration *m = &env->c->migrations.v[i];
        if (m->server == sid && !strcmp(m->status, "finished"))
            return cloud_migration_w(env->c, i);
    }
    return NULL;
}

static void op_confirm_revert(nova_env *env, const conductor_req *q, cmd_result *r, bool confirm)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    migration *m = open_resize(env, sid);
    if (strcmp(s->vm_state, "resized") || !m) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot '%s' instance %s while it is in vm_state %s",
                confirm ? "confirmResize" : "revertResize", s->name, s->vm_state);
        return;
    }
    r->migration = m->id - 1;
    if (confirm) {
        mig_status(env, m, "confirming");
        placement_delete(c, CONSUMER_MIGRATION, m->id - 1, -1);
        mig_status(env, m, "confirmed");
    } else {
        mig_status(env, m, "reverting");
        placement_delete(c, CONSUMER_SERVER, sid, -1);
        alloc_from_migration(env, sid, m);
        cloud_server_set_host(c, sid, m->source);
        s = srv(env, sid);
        s->flavor = m->old_flavor;
        set_str(&s->availability_zone, host_az(c, m->source));
        mig_status(env, m, "reverted");
    }
    s->old_flavor = -1;
    set_state(env, s, &s->vm_state, m->old_vm_state ? m->old_vm_state : "active");
    set_state(env, s, &s->task_state, NULL);
}

/* ---- evacuate ------------------------------------------------------------------- */

/* The destination's late server group check on an evacuation
 * (_do_rebuild_instance, evacuate with a request spec; added by the fix of
 * bug 1735407, 17.0.0).  A rebuild cannot reschedule, so the evacuation is
 * aborted: migration failed, the destination allocation removed.  Up to
 * 27.0.0 the violation is a RescheduledException re-raised as
 * BuildAbortException, the vm_state set to ERROR until 21.0.0 wraps it in
 * InstanceFaultRollback (vm_state kept); from 28.0.0 (bug 1996732) it is
 * GroupAffinityViolation, which the generic handler re-raises and
 * _error_out_instance_on_exception turns into ERROR. */
static bool evacuate_group_check_failed(nova_env *env, int sid, int h, migration *m,
                                        cmd_result *r)
{
    cloud *c = env->c;
    const char *why = late_group_check(env, sid, h);
    if (why && quirk_on(&c->conf, Q_BUG_1735407)) {
        quirkf(env, "bug-1735407",
               "rebuild_instance makes no late server group check, which would fail on %s: %s",
               hname(env, h), why);
        return false;
    }
    if (!why)
        return false;
    server *s = srv(env, sid);
    trail_check(env->t, "group policy", hname(env, h), false, why);
    placement_delete(c, CONSUMER_SERVER, sid, h);
    set_state(env, s, &s->task_state, NULL);
    mig_status(env, m, "failed");
    if (quirk_on(&c->conf, Q_BUG_1996732)) {
        char *resched = nv_printf("Build of instance %s was re-scheduled: %s", s->name, why);
        if (c->conf.release < REL_USSURI)
            set_state(env, s, &s->vm_state, "error");
        build_aborted(env, r, s, resched);
        free(resched);
    } else {
        set_state(env, s, &s->vm_state, "error");
        record_fault(s, why);
        step_outcome(env, r, "GroupAffinityViolation", "%s", why);
    }
    return true;
}

static void op_evacuate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    int mv = microversion(env, q);
    bool force = q->force;
    int src = s->host;
    if (force && !api_accepts_force(mv)) {
        step_outcome(env, r, "ValidationError",
                "Invalid input for field/attribute evacuate. Value: force. Additional "
                "properties are not allowed ('force' was unexpected)");
        return;
    }
    if (force && mv >= 29 && !q->host.name) {
        /* a bare HTTPBadRequest (migrate_server.py, evacuate.py) */
        step_outcome(env, r, "BadRequest", "Can't force to a non-provided destination");
        return;
    }
    int dest = -1;
    if (q->host.name) {
        dest = q->host.id;
        if (dest < 0) {
            step_outcome(env, r, "ComputeHostNotFound", "Compute host %s not found.", q->host.name);
            return;
        }
        if (dest == src) {
            /* a bare webob HTTPBadRequest (nova/api/openstack/compute/evacuate.py) */
            step_outcome(env, r, "BadRequest", "The target host can't be the same one.");
            return;
        }
        if (mv < 29)
            force = true;
    } else if (src < 0) {
        /* the API compares instance.host with the requested host: a server
         * whose boot failed has host None, and so does a request without
         * one (nova/api/openstack/compute/evacuate.py _evacuate) */
        step_outcome(env, r, "InvalidHost", "The target host can't be the same one.");
        return;
    }
    if (strcmp(s->vm_state, "active") && strcmp(s->vm_state, "stopped") &&
        strcmp(s->vm_state, "error")) {
        step_outcome(env, r, "InstanceInvalidState", "Cannot 'evacuate' instance %s while it is in vm_state %s",
                s->name, s->vm_state);
        return;
    }
    /* check_instance_state(task_state=None) until the fix of bug 1978983
     * (26.0.0) */
    if (quirk_on(&c->conf, Q_BUG_1978983) && s->task_state) {
        trail_quirk(env->t, "bug-1978983", "evacuate still requires task_state None");
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot 'evacuate' instance %s while it is in task_state %s", s->name, s->task_state);
        return;
    }
    if (src < 0) {
        /* with a host given, compute_api.evacuate looks up the service of
         * host None: Service.get_by_compute_host raises ComputeHostNotFound,
         * which the API does not expect (HTTP 500); nothing changes
         * (nova/compute/api.py evacuate, nova/db/main/api.py) */
        step_outcome(env, r, "ComputeHostNotFound", "Compute host None could not be found.");
        return;
    }
    if (host_is_up(c, src)) {
        step_outcome(env, r, "ComputeServiceInUse", "Compute service of %s is still in use.", hname(env, src));
        return;
    }
    set_state(env, s, &s->task_state, "rebuilding");
    migration *m = cloud_add_migration(c, sid, "evacuation", src, force ? dest : -1);
    int mid = m->id - 1;
    r->migration = mid;
    m->old_vm_state = nv_strdup(s->vm_state);
    trail_migration(env->t, m->id, NULL, "accepted");
    const char *exc = NULL;
    char *msg = NULL;
    int dst_host = -1;
    int64_t res[RC_COUNT];
    resources_of(c, s->flavor, s->image, s->boot_from_volume, res);
    if (force) {
        if (!placement_claim(c, CONSUMER_SERVER, sid, dest, res)) {
            exc = "NoValidHost";
            msg = nv_printf("No valid host was found. Unable to move instance %s to host %s. There "
                            "is not enough capacity on the host for the instance.",
                            s->name, hname(env, dest));
        } else {
            dst_host = dest;
        }
    } else {
        request_spec rs;
        move_spec(env, sid, &rs, true);
        ignore_host(&rs, hname(env, src));
        if (!quirk_on(&c->conf, Q_BUG_1823370))
            rs.dest_cell = nv_strdup(c->hosts.v[src].cell);
        else
            trail_quirk(env->t, "bug-1823370", "the evacuation may pick a host of any cell");
        if (dest >= 0 && quirk_on(&c->conf, Q_BUG_1702454)) {
            quirkf(env, "bug-1702454",
                        "requested_destination %s is not kept when the RequestSpec goes through "
                        "the legacy filter_properties: the scheduler may pick any host",
                        hname(env, dest));
        } else if (dest >= 0) {
            free(rs.dest_host);
            rs.dest_host = nv_strdup(hname(env, dest));
            rs.dest_node = nv_strdup(hname(env, dest));
        }
        sched_result sr;
        scheduler_select(c, &rs, env->rng, env->t, &sr);
        s = srv(env, sid);
        if (sr.ok)
            dst_host = sr.hosts.v[0];
        else {
            exc = sr.exception;
            msg = nv_strdup(sr.message);
        }
        sched_result_done(&sr);
        request_spec_done(&rs);
    }
    m = cloud_migration_w(c, mid);
    if (dst_host < 0) {
        /* a forced host's claim failure leaves vm_state alone; a
         * scheduling failure puts the instance in ERROR (bug 1713783) */
        if (!force && !quirk_on(&c->conf, Q_BUG_1713783))
            set_state(env, s, &s->vm_state, "error");
        else if (!force)
            trail_quirk(env->t, "bug-1713783",
                        "the failed evacuation leaves the server's vm_state unchanged");
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, m, "error");
        record_fault(s, msg);
        step_outcome(env, r, exc, "%s", msg);
        free(msg);
        return;
    }
    m->dest = dst_host;
    mig_status(env, m, "pre-migrating");
    if (evacuate_group_check_failed(env, sid, dst_host, m, r))
        return;
    const char *f = cloud_take_fault(c, dst_host, "rebuild");
    if (f) {
        trail_check(env->t, "rebuild_instance", hname(env, dst_host), false, f);
        placement_delete(c, CONSUMER_SERVER, sid, dst_host);
        set_state(env, s, &s->vm_state, "error");
        set_state(env, s, &s->task_state, NULL);
        mig_status(env, m, "failed");
        /* the driver's BuildAbortException is what _error_out_instance_on_exception
         * records as the fault, as on a rebuild in place */
        build_aborted(env, r, s, f);
        return;
    }
    trail_check(env->t, "rebuild_instance", hname(env, dst_host), true, NULL);
    cloud_server_set_host(c, sid, dst_host);
    set_str(&s->availability_zone, host_az(c, dst_host));
    /* from 2.95 (2023.1) an evacuated server ends stopped */
    if (mv >= 95)
        set_state(env, s, &s->vm_state, "stopped");
    else if (!strcmp(s->vm_state, "error"))
        set_state(env, s, &s->vm_state, "active");
    set_state(env, s, &s->task_state, NULL);
    mig_status(env, m, "done");
}

/* The source compute restarted: it removes evacuated instances' source
 * allocations and completes their evacuations. */
static void cleanup_evacuations(nova_env *env, int h)
{
    cloud *c = env->c;
    for (int i = 0; i < c->migrations.n; i++) {
        const migration *m = &c->migrations.v[i];
        if (m->source != h || strcmp(m->type, "evacuation") || strcmp(m->status, "done"))
            continue;
        placement_delete(c, CONSUMER_SERVER, m->server, h);
        mig_status(env, cloud_migration_w(c, i), "completed");
    }
}

/* The restarted compute's resource tracker removes the allocations of
 * deleted instances from its provider (_remove_deleted_instances_allocations):
 * what a local delete left behind before the fix of bug 1679750. */
static void heal_deleted_allocations(nova_env *env, int h)
{
    cloud *c = env->c;
    int64_t amt[RC_COUNT];
    for (int sid = 0; sid < c->servers.n; sid++)
        if (c->servers.v[sid].deleted && placement_consumer_on(c, CONSUMER_SERVER, sid, h, amt)) {
            placement_delete(c, CONSUMER_SERVER, sid, h);
            trail_note(env->t, "%s removed the allocations of deleted server %s", hname(env, h),
                       c->servers.v[sid].name);
        }
}

/* ---- server state actions -------------------------------------------------------- */

/* The API part of stop/start/pause/unpause: the task state, then a cast
 * (nova/compute/api.py stop, start, pause, unpause).  None of them checks
 * that the compute is up, so on a down host the cast waits in the queue and
 * the server keeps its task state until that nova-compute starts again. */
static const struct state_action {
    enum cmd_op op;
    const char *need[2];       /* allowed vm_states (check_instance_state) */
    bool needs_host;           /* check_instance_host() */
    const char *task;          /* task_state the API sets */
    const char *to;            /* vm_state once the compute handled it */
} state_actions[] = {
    {OP_STOP, {"active", "error"}, true, "powering-off", "stopped"},
    {OP_START, {"stopped", NULL}, true, "powering-on", "active"},
    {OP_PAUSE, {"active", NULL}, false, "pausing", "paused"},
    {OP_UNPAUSE, {"paused", NULL}, false, "unpausing", "active"},
};

/* A compute handling the casts queued while it was down. */
static void finish_queued_actions(nova_env *env, int h)
{
    cloud *c = env->c;
    const intvec *sv = &c->host_servers[h];
    for (int i = 0; i < sv->n; i++) {
        server *s = srv(env, sv->v[i]);
        for (size_t k = 0; k < sizeof state_actions / sizeof *state_actions; k++)
            if (s->task_state && !strcmp(s->task_state, state_actions[k].task)) {
                set_state(env, s, &s->vm_state, state_actions[k].to);
                set_state(env, s, &s->task_state, NULL);
                trail_note(env->t, "%s handled the queued %s: %s is now %s", hname(env, h),
                           op_names[state_actions[k].op], s->name, s->vm_state);
                break;
            }
    }
}

static void op_server_action(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    const char *verb = op_names[q->op];
    if (q->op == OP_DELETE) {
        /* a local delete (the compute is down) deletes the allocations in
         * the API since the fix of bug 1679750 (18.0.0) */
        if (s->host >= 0 && !host_is_up(c, s->host) && quirk_on(&c->conf, Q_BUG_1679750))
            quirkf(env, "bug-1679750",
                        "the API deletes %s locally (%s is down) but not its allocations: they "
                        "stay until nova-compute on %s restarts", s->name, hname(env, s->host),
                        hname(env, s->host));
        else
            placement_delete(c, CONSUMER_SERVER, sid, -1);
        cloud_server_set_host(c, sid, -1);
        cloud_rt_io(c, sid, -1);      /* the compute's update_usage on delete */
        s = srv(env, sid);
        s->sched_ghost = -1;          /* delete_instance_info */
        s->deleted = true;
        set_state(env, s, &s->vm_state, "deleted");
        cloud_server_deleted(c, sid);
        trail_note(env->t, "Deleted %s", s->name);
        return;
    }
    const struct state_action *a = NULL;
    for (size_t k = 0; k < sizeof state_actions / sizeof *state_actions; k++)
        if (state_actions[k].op == q->op)
            a = &state_actions[k];
    if (!a)
        return;
    if (a->needs_host && s->host < 0) {
        step_outcome(env, r, "InstanceNotReady", "Instance %s is not ready", s->name);
        return;
    }
    bool state_ok = false;
    for (int k = 0; k < 2; k++)
        if (a->need[k] && !strcmp(s->vm_state, a->need[k]))
            state_ok = true;
    if (!state_ok) {
        step_outcome(env, r, "InstanceInvalidState", "Cannot '%s' instance %s while it is in vm_state %s",
                verb, s->name, s->vm_state);
        return;
    }
    if (s->task_state) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot '%s' instance %s while it is in task_state %s", verb, s->name,
                s->task_state);
        return;
    }
    set_state(env, s, &s->task_state, a->task);
    if (!host_is_up(c, s->host)) {
        trail_note(env->t, "%s is %s; the cast waits until the compute service of %s is up",
                   s->name, a->task, hname(env, s->host));
        return;
    }
    set_state(env, s, &s->vm_state, a->to);
    set_state(env, s, &s->task_state, NULL);
    trail_note(env->t, "%s is now %s", s->name, a->to);
}

/* ---- image checks, rebuild, shelve, unshelve -------------------------------------- */

/* The API's flavor/image check (nova/compute/api.py
 * _validate_flavor_image_nostatus): the image's min_ram against the
 * flavor's memory, then (for a local root disk of a flavor whose root_gb
 * is not 0, "do not check") its min_disk against the flavor's root disk.
 * Sizes in the message are bytes, as Nova prints them. */
static bool flavor_image_ok(nova_env *env, cmd_result *r, int fl, int64_t min_ram,
                            int64_t min_disk_gb, bool local_disk)
{
    const flavor *f = &env->c->flavors.v[fl];
    if (f->memory_mb < min_ram) {
        step_outcome(env, r, "FlavorMemoryTooSmall", "Flavor's memory is too small for requested image.");
        return false;
    }
    if (local_disk && f->root_gb != 0 && min_disk_gb > f->root_gb) {
        step_outcome(env, r, "FlavorDiskSmallerThanMinDisk",
                "Flavor's disk is smaller than the minimum size specified in image metadata. "
                "Flavor disk is %lld bytes, minimum size is %lld bytes.",
                (long long)(f->root_gb << 30), (long long)(min_disk_gb << 30));
        return false;
    }
    return true;
}

/* Boot: the image as Glance has it (servers.py create -> _create_instance
 * -> _checks_for_create_and_rebuild); a volume-backed root disk is checked
 * by Cinder, not against the flavor. */
static bool boot_image_ok(nova_env *env, cmd_result *r, int fl, int img, bool bfv)
{
    if (img < 0)
        return true;
    const image *im = &env->c->images.v[img];
    return flavor_image_ok(env, r, fl, im->min_ram, im->min_disk, !bfv);
}

/* check_instance_state(vm_state=[...]) with task_state None, as the API
 * reports it (common.raise_http_conflict_for_instance_invalid_state). */
static bool state_is(nova_env *env, cmd_result *r, const server *s, const char *action,
                     const char *const *allowed)
{
    bool ok = false;
    for (const char *const *p = allowed; *p; p++)
        if (!strcmp(s->vm_state, *p))
            ok = true;
    if (!ok) {
        step_outcome(env, r, "InstanceInvalidState", "Cannot '%s' instance %s while it is in vm_state %s",
                action, s->name, s->vm_state);
        return false;
    }
    if (s->task_state) {
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot '%s' instance %s while it is in task_state %s", action, s->name,
                s->task_state);
        return false;
    }
    return true;
}

/* The conductor's _validate_image_traits_for_rebuild: the new image's
 * traits_required must not be forbidden by the flavor (trait:NAME=forbidden)
 * and must be on the provider holding the allocation. */
static bool rebuild_image_traits_ok(nova_env *env, int sid, int img, char **why)
{
    const cloud *c = env->c;
    const server *s = srv(env, sid);
    const kvlist *es = &c->flavors.v[s->flavor].extra_specs;
    strlist traits = {0};
    const char *req = image_prop(c, img, "traits_required");
    if (req)
        nv_split_strip(&traits, req, ',');
    const char *fail = NULL;
    for (int i = 0; i < traits.n && !fail; i++) {
        char *k = nv_printf("trait:%s", traits.v[i]);
        const char *fv = kvlist_get(es, k);
        free(k);
        if (fv && !strcmp(fv, "forbidden"))
            fail = "No valid host was found. Image traits are part of forbidden traits in flavor "
                   "associated with the server. Either specify a different image during rebuild "
                   "or create a new server with the specified image and a compatible flavor.";
    }
    for (int i = 0; i < traits.n && !fail; i++)
        if (!host_has_trait(c, s->host, traits.v[i]))
            fail = "No valid host was found. Image traits cannot be satisfied by the current "
                   "resource providers. Either specify a different image during rebuild or "
                   "create a new server with the specified image.";
    strlist_free(&traits);
    if (fail)
        *why = nv_strdup(fail);
    return !fail;
}

/* The compute's rebuild on the server's own host (nova/compute/manager.py
 * rebuild_instance, recreate=False: a NopClaim).  An error of the driver
 * goes through `except Exception`, which, since scheduled_node was set to
 * instance.node, removes the instance's allocation on that node
 * (delete_allocation_for_evacuated_instance(node_type='destination')),
 * then _error_out_instance_on_exception puts the server in ERROR. */
static void rebuild_compute(nova_env *env, int sid, const char *orig_state, cmd_result *r)
{
    cloud *c = env->c;
    server *s = srv(env, sid);
    int h = s->host;
    const char *f = cloud_take_fault(c, h, "rebuild");
    if (f) {
        trail_check(env->t, "rebuild_instance", hname(env, h), false, f);
        placement_delete(c, CONSUMER_SERVER, sid, h);
        trail_note(env->t, "the failed rebuild removed %s's allocation on %s (scheduled_node "
                           "is the instance's own node)", s->name, hname(env, h));
        set_state(env, s, &s->vm_state, "error");
        set_state(env, s, &s->task_state, NULL);
        build_aborted(env, r, s, f);
        return;
    }
    trail_check(env->t, "rebuild_instance", hname(env, h), true, NULL);
    /* _do_rebuild_instance: a stopped server is powered off again */
    set_state(env, s, &s->vm_state, !strcmp(orig_state, "stopped") ? "stopped" : "active");
    set_state(env, s, &s->task_state, NULL);
}

static void op_rebuild(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    static const char *const allowed[] = {"active", "stopped", "error", NULL};
    if (!state_is(env, r, s, "rebuild", allowed))
        return;
    int img = s->image;
    if (q->image.name) {
        img = q->image.id;
        if (img < 0) {
            /* servers.py _action_rebuild turns ImageNotFound into a 400 */
            step_outcome(env, r, "ImageNotFound", "Cannot find image for rebuild");
            return;
        }
    }
    if (img < 0) {
        step_outcome(env, r, "ValidationError", "Invalid input for field/attribute rebuild. "
                                           "'imageRef' is a required property");
        return;
    }
    if (s->host < 0) {
        /* a server whose boot failed is buried in cell0 with no host; what
         * Nova's conductor does with its rebuild is not modelled */
        step_outcome(env, r, "InstanceInvalidState",
                "Cannot 'rebuild' instance %s: it is on no host (not modelled)", s->name);
        return;
    }
    bool new_image = img != s->image;
    int mv = microversion(env, q);
    if (s->boot_from_volume && new_image && mv < 93) {
        step_outcome(env, r, "ImageUnacceptable",
                "Image %s is unacceptable: Unable to rebuild with a different image for a "
                "volume-backed server.",
                c->images.v[img].name);
        return;
    }
    const image *im = &c->images.v[img];
    if (!flavor_image_ok(env, r, s->flavor, im->min_ram, im->min_disk, !s->boot_from_volume))
        return;
    char *orig_state = nv_strdup(s->vm_state);
    int orig_image = s->image;
    /* the API saves the new image_ref and replaces the image_* system
     * metadata before the conductor runs */
    s->image = img;
    cloud_server_image_meta(c, sid);
    set_state(env, s, &s->task_state, "rebuilding");
    if (new_image) {
        /* a new image: the scheduler checks the server's own host with
         * the rebuild filters (_nova_check_type=rebuild, force_hosts) */
        char *why = NULL;
        const char *exc = NULL;
        if (!rebuild_image_traits_ok(env, sid, img, &why)) {
            exc = "NoValidHost";
        } else {
            request_spec rs;
            request_spec_init(&rs);
            rs.flavor = s->flavor;
            rs.image = img;
            rs.is_bfv = s->boot_from_volume;
            rs.project = s->project;
            rs.group = s->group;
            rs.availability_zone = server_spec(s)->availability_zone;
            kvlist_copy(&rs.hints, &server_spec(s)->hints);
            intvec_push(&rs.instances, sid);
            rs.num_instances = 1;
            rs.rebuild = true;
            strlist_push(&rs.force_hosts, hname(env, s->host));
            strlist_push(&rs.force_nodes, hname(env, s->host));
            rs.dest_cell = nv_strdup(c->hosts.v[s->host].cell);
            sched_result sr;
            scheduler_select(c, &rs, env->rng, env->t, &sr);
            s = srv(env, sid);
            if (!sr.ok) {
                exc = sr.exception;
                why = nv_strdup(sr.message);
            }
            sched_result_done(&sr);
            rs.availability_zone = NULL;
            request_spec_done(&rs);
        }
        if (exc) {
            /* conductor rebuild_instance: image_ref rolled back, the
             * server in ERROR on its host (_set_vm_state_and_notify) */
            s->image = orig_image;
            set_state(env, s, &s->vm_state, "error");
            set_state(env, s, &s->task_state, NULL);
            record_fault(s, why);
            step_outcome(env, r, exc, "%s", why);
            free(why);
            free(orig_state);
            return;
        }
    }
    if (!host_is_up(c, s->host)) {
        trail_note(env->t, "%s is rebuilding; the cast waits until the compute service of %s is up",
                   s->name, hname(env, s->host));
        free(orig_state);
        return;
    }
    rebuild_compute(env, sid, orig_state, r);
    free(orig_state);
}

/* shelve_offload on the compute (_shelve_offload_instance): the
 * allocations go (delete_allocation_for_shelve_offloaded_instance), the
 * host and node are cleared, the scheduler forgets the instance. */
static void shelve_offload_compute(nova_env *env, int sid)
{
    cloud *c = env->c;
    int h = srv(env, sid)->host;
    placement_delete(c, CONSUMER_SERVER, sid, -1);
    cloud_rt_io(c, sid, -1);
    cloud_server_set_host(c, sid, -1);
    server *s = srv(env, sid);
    s->sched_ghost = -1;
    set_state(env, s, &s->vm_state, "shelved_offloaded");
    set_state(env, s, &s->task_state, NULL);
    trail_note(env->t, "%s offloaded from %s: its allocations are removed", s->name, hname(env, h));
}

/* shelve_instance on the compute: snapshot, SHELVED; offloaded at once
 * when [DEFAULT] shelved_offload_time is 0 (the default). */
static void shelve_compute(nova_env *env, int sid)
{
    server *s = srv(env, sid);
    if (s->boot_from_volume || !strcmp(s->task_state ? s->task_state : "", "shelving_offloading")) {
        shelve_offload_compute(env, sid);
        return;
    }
    set_state(env, s, &s->vm_state, "shelved");
    set_state(env, s, &s->task_state, NULL);
    if (env->c->conf.shelved_offload_time == 0) {
        shelve_offload_compute(env, sid);
        return;
    }
    trail_note(env->t, "%s is shelved on %s (shelved_offload_time %lld)", s->name,
               hname(env, s->host), (long long)env->c->conf.shelved_offload_time);
}

static void op_shelve(nova_env *env, const conductor_req *q, cmd_result *r, bool offload)
{
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    static const char *const shelve_from[] = {"active", "stopped", "paused", "suspended", NULL};
    static const char *const offload_from[] = {"shelved", NULL};
    if (!state_is(env, r, s, offload ? "shelveOffload" : "shelve",
                  offload ? offload_from : shelve_from))
        return;
    if (s->host < 0) {
        /* the cast needs instance.host (nova/compute/rpcapi.py _compute_host) */
        step_outcome(env, r, "NovaException", "Unable to find host for Instance %s", s->name);
        return;
    }
    /* a volume-backed server is offloaded straight away (api.shelve) */
    set_state(env, s, &s->task_state, offload || s->boot_from_volume ? "shelving_offloading" : "shelving");
    if (!host_is_up(env->c, s->host)) {
        trail_note(env->t, "%s is %s; the cast waits until the compute service of %s is up",
                   s->name, s->task_state, hname(env, s->host));
        return;
    }
    shelve_compute(env, sid);
}

static void op_unshelve(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int sid = find_server(env, q, r);
    if (sid < 0)
        return;
    server *s = srv(env, sid);
    static const char *const allowed[] = {"shelved", "shelved_offloaded", NULL};
    if (!state_is(env, r, s, "unshelve", allowed))
        return;
    int mv = microversion(env, q);
    /* nova/api/openstack/compute/shelve.py: availability_zone from 2.77,
     * host (and a null availability_zone) from 2.91; before 2.77 the body
     * is not looked at */
    const char *thost = q->host.name, *az = q->az;
    if (mv < 77 && (thost || az)) {
        trail_note(env->t, "microversion 2.%d: the unshelve body is ignored", mv);
        thost = az = NULL;
    }
    if (mv < 91 && thost) {
        step_outcome(env, r, "ValidationError",
                "Invalid input for field/attribute unshelve. Additional properties are not "
                "allowed ('host' was unexpected)");
        return;
    }
    if (mv < 91 && az && !*az) {
        step_outcome(env, r, "ValidationError",
                "Invalid input for field/attribute availability_zone. Value: None. None is not "
                "of type 'string'");
        return;
    }
    bool az_passed = az != NULL;
    const char *new_az = az && *az ? az : NULL;
    if ((az_passed || thost) && strcmp(s->vm_state, "shelved_offloaded")) {
        step_outcome(env, r, "UnshelveInstanceInvalidState",
                "Specifying an availability zone or a host when unshelving server \"%s\" with "
                "status \"%s\" is not supported. The server status must be SHELVED_OFFLOADED.",
                s->name, s->vm_state);
        return;
    }
    if (new_az) {
        bool available = false;
        for (int h = 0; h < c->hosts.n && !available; h++)
            if (!c->hosts.v[h].disabled && !strcmp(host_az(c, h), new_az))
                available = true;
        if (!available) {
            step_outcome(env, r, "InvalidRequest", "The requested availability zone is not available");
            return;
        }
    }
    const char *expected_az = az_passed ? new_az : server_spec(s)->availability_zone;
    int dest = -1;
    if (thost) {
        dest = q->host.id;
        if (dest < 0) {
            step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.", thost);
            return;
        }
        if (expected_az && strcmp(host_az(c, dest), expected_az)) {
            step_outcome(env, r, "UnshelveHostNotInAZ",
                    "Host \"%s\" is not in the availability zone \"%s\".", thost, expected_az);
            return;
        }
    }
    /* the RequestSpec keeps the AZ even if the scheduling fails (Nova bug
     * 1978573) */
    if (az_passed) {
        char *keep = nv_strdup(new_az);
        free(server_spec_w(s)->availability_zone);
        server_spec_w(s)->availability_zone = keep;
    }
    set_state(env, s, &s->task_state, "unshelving");
    if (!strcmp(s->vm_state, "shelved")) {
        /* conductor: still on its host, so it is just started */
        set_state(env, s, &s->task_state, "powering-on");
        if (!host_is_up(c, s->host)) {
            trail_note(env->t, "%s is powering-on; the cast waits until the compute service of %s "
                               "is up",
                       s->name, hname(env, s->host));
            return;
        }
        set_state(env, s, &s->vm_state, "active");
        set_state(env, s, &s->task_state, NULL);
        trail_note(env->t, "%s is unshelved on %s", s->name, hname(env, s->host));
        return;
    }
    /* conductor unshelve_instance: a new scheduling, forced destinations
     * reset, the spec's (new) AZ, the 2.91 target host */
    request_spec rs;
    move_spec(env, sid, &rs, false);
    if (dest >= 0) {
        free(rs.dest_host);
        rs.dest_host = nv_strdup(hname(env, dest));
        rs.dest_node = nv_strdup(hname(env, dest));
    }
    sched_result sr;
    scheduler_select(c, &rs, env->rng, env->t, &sr);
    s = srv(env, sid);
    if (!sr.ok) {
        /* NoValidHost: task_state None, still shelved_offloaded, no fault */
        set_state(env, s, &s->task_state, NULL);
        step_outcome(env, r, sr.exception, "%s", sr.message);
        sched_result_done(&sr);
        request_spec_done(&rs);
        return;
    }
    int h = sr.hosts.v[0];
    sched_result_done(&sr);
    request_spec_done(&rs);
    trail_check(env->t, "unshelve_instance", hname(env, h), true, NULL);
    cloud_server_set_host(c, sid, h);
    cloud_rt_io(c, sid, h);   /* the instance_claim saved it spawning */
    s = srv(env, sid);
    set_str(&s->availability_zone, host_az(c, h));
    set_state(env, s, &s->vm_state, "active");
    set_state(env, s, &s->task_state, NULL);
}

/* nova-compute starting on host h (init_host): _init_instance puts a
 * server left rebuilding in ERROR; the shelve casts queued while it was
 * down are handled. */
static void restart_server_tasks(nova_env *env, int h)
{
    cloud *c = env->c;
    intvec ids = {0};
    intvec_copy(&ids, &c->host_servers[h]);
    for (int i = 0; i < ids.n; i++) {
        server *s = srv(env, ids.v[i]);
        if (!s->task_state)
            continue;
        if (!strcmp(s->task_state, "rebuilding") &&
            (!strcmp(s->vm_state, "active") || !strcmp(s->vm_state, "stopped"))) {
            set_state(env, s, &s->vm_state, "error");
            set_state(env, s, &s->task_state, NULL);
            trail_note(env->t, "%s: instance failed to rebuild correctly, setting to ERROR state",
                       s->name);
        } else if (!strcmp(s->task_state, "shelving") ||
                   !strcmp(s->task_state, "shelving_offloading")) {
            trail_note(env->t, "%s handled the queued %s of %s", hname(env, h), s->task_state,
                       s->name);
            shelve_compute(env, ids.v[i]);
        }
    }
    intvec_free(&ids);
}

void conductor_rebuild(nova_env *env, const conductor_req *q, cmd_result *r) { op_rebuild(env, q, r); }
void conductor_shelve(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_shelve(env, q, r, false);
}
void conductor_shelve_offload(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_shelve(env, q, r, true);
}
void conductor_unshelve(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_unshelve(env, q, r);
}

/* ---- compute services ---------------------------------------------------------------- */

static void op_host(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int h = q->host.id;
    if (h < 0) {
        step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.",
                nv_ref_name(q->host));
        return;
    }
    host *ho = cloud_host_w(c, h);
    const char *set = q->set ? q->set : "";
    if (!strcmp(set, "down")) {
        ho->up = false;
    } else if (!strcmp(set, "up")) {
        /* nova-compute starting again: init_host always runs
         * _destroy_evacuated_instances, forced down or not
         * (nova/compute/manager.py init_host), then handles the casts
         * queued for it while it was stopped */
        /* _destroy_evacuated_instances lazy-loaded the flavor of an evacuated
         * instance deleted meanwhile: InstanceNotFound killed the start,
         * until the fix of bug 1794996 (19.0.0) */
        for (int i = 0; i < c->migrations.n && quirk_on(&c->conf, Q_BUG_1794996); i++) {
            const migration *m = &c->migrations.v[i];
            if (m->source == h && !strcmp(m->type, "evacuation") && !strcmp(m->status, "done") &&
                c->servers.v[m->server].deleted) {
                quirkf(env, "bug-1794996",
                       "init_host reads the flavor of deleted server %s to remove its source "
                       "allocation: nova-compute on %s fails to start and stays down",
                       c->servers.v[m->server].name, ho->name);
                step_outcome(env, r, "InstanceNotFound", "Instance %s could not be found.",
                        c->servers.v[m->server].name);
                return;
            }
        }
        ho->up = true;
        ho->status_trait_stale = false;   /* the resource tracker syncs it */
        heal_deleted_allocations(env, h);
        cleanup_evacuations(env, h);
        restart_server_tasks(env, h);
        finish_queued_actions(env, h);
    } else if (!strcmp(set, "disable")) {
        if (!ho->disabled && !host_is_up(c, h))
            ho->status_trait_stale = !ho->status_trait_stale;
        ho->disabled = true;
        set_str(&ho->disabled_reason, q->reason);
    } else if (!strcmp(set, "enable")) {
        if (q->reason) {
            step_outcome(env, r, "BadRequest",
                    "Specifying 'disabled_reason' with status 'enabled' is invalid.");
            return;
        }
        if (ho->disabled && !host_is_up(c, h))
            ho->status_trait_stale = !ho->status_trait_stale;
        ho->disabled = false;
        set_str(&ho->disabled_reason, NULL);
    } else if (!strcmp(set, "force-down")) {
        ho->forced_down = true;
    } else if (!strcmp(set, "unforce-down")) {
        /* nova/api/openstack/compute/services.py _check_for_evacuations,
         * added by the fix of bug 1922053 (24.0.0) */
        for (int i = 0; i < c->migrations.n && !quirk_on(&c->conf, Q_BUG_1922053); i++) {
            const migration *m = &c->migrations.v[i];
            if (m->source == h && !strcmp(m->type, "evacuation") && !strcmp(m->status, "done")) {
                /* a bare HTTPBadRequest */
                step_outcome(env, r, "BadRequest",
                        "Unable to force up host %s as `done` evacuation migration records "
                        "remain associated with the host. Ensure the compute service has been "
                        "restarted, allowing these records to move to `completed` before "
                        "retrying this request.",
                        ho->name);
                return;
            }
        }
        if (quirk_on(&c->conf, Q_BUG_1922053))
            for (int i = 0; i < c->migrations.n; i++) {
                const migration *m = &c->migrations.v[i];
                if (m->source == h && !strcmp(m->type, "evacuation") &&
                    !strcmp(m->status, "done")) {
                    trail_quirk(env->t, "bug-1922053",
                                "the service is forced up though `done` evacuations remain: "
                                "their source allocations stay until nova-compute restarts");
                    break;
                }
            }
        ho->forced_down = false;
    } else {
        step_outcome(env, r, "ValidationError", "Unknown host state change '%s'", set);
        return;
    }
    trail_note(env->t, "Compute service %s: %s%s%s", ho->name, set, q->reason ? ", reason: " : "",
               q->reason ? q->reason : "");
}

/* ---- aggregates ---------------------------------------------------------------------- */

static void op_aggregate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int a = q->aggregate.id;
    if (a < 0) {
        step_outcome(env, r, "AggregateNotFound", "Aggregate %s could not be found.",
                nv_ref_name(q->aggregate));
        return;
    }
    if (q->add_host.name || q->remove_host.name) {
        nv_ref which = q->add_host.name ? q->add_host : q->remove_host;
        const char *hn = which.name;
        int h = which.id;
        if (h < 0) {
            step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.", hn);
            return;
        }
        aggregate *ag = &c->aggregates.v[a];
        if (q->add_host.name) {
            const char *az = kvlist_get(&ag->metadata, "availability_zone");
            if (az && host_has_az(c, h) && strcmp(host_az(c, h), az) != 0) {
                step_outcome(env, r, "InvalidAggregateActionAdd",
                        "Cannot add host to aggregate %d. Reason: One or more hosts already in "
                        "availability zone(s) ['%s'].",
                        a + 1, host_az(c, h));
                return;
            }
            if (intvec_find(&ag->hosts, h) >= 0) {
                step_outcome(env, r, "AggregateHostExists",
                        "The aggregate %d already has host %s.", a + 1, hn);
                return;
            }
            cloud_aggregate_add_host(c, a, h);
        } else {
            if (intvec_find(&ag->hosts, h) < 0) {
                step_outcome(env, r, "AggregateHostNotFound", "Aggregate %d has no host %s.", a + 1, hn);
                return;
            }
            cloud_aggregate_remove_host(c, a, h);
        }
        trail_note(env->t, "Aggregate %s: %s host %s", ag->name, q->add_host.name ? "added" : "removed",
                   hn);
        return;
    }
    aggregate *ag = &c->aggregates.v[a];
    for (int i = 0; i < q->metadata.n; i++) {
        char *k, *v;
        if (!kv_split(q->metadata.v[i], &k, &v))
            continue;
        bool found = false;
        for (int j = 0; j < ag->metadata.n; j++)
            if (!strcmp(ag->metadata.v[j].key, k)) {
                if (*v)
                    set_str(&ag->metadata.v[j].value, v);
                else {
                    free(ag->metadata.v[j].key);
                    free(ag->metadata.v[j].value);
                    memmove(&ag->metadata.v[j], &ag->metadata.v[j + 1],
                            (size_t)(ag->metadata.n - j - 1) * sizeof *ag->metadata.v);
                    ag->metadata.n--;
                }
                found = true;
                break;
            }
        if (!found && *v)
            kvlist_push(&ag->metadata, k, v);
        trail_note(env->t, "Aggregate %s: metadata %s=%s", ag->name, k, v);
        free(k);
        free(v);
    }
}

static void op_fault(nova_env *env, const conductor_req *q, cmd_result *r)
{
    cloud *c = env->c;
    int h = q->host.id;
    if (h < 0) {
        step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.",
                nv_ref_name(q->host));
        return;
    }
    fault_rule f = {h, nv_strdup(q->point), q->times > 0 ? (int)q->times : 1,
                    nv_strdup(q->message ? q->message : "injected failure")};
    NV_PUSH(*cloud_faults_w(c), f);
    trail_note(env->t, "The next %d %s call(s) on %s will fail: %s", f.times, f.point,
               c->hosts.v[h].name, f.message);
}

void conductor_boot(nova_env *env, const conductor_req *q, cmd_result *r) { op_boot(env, q, r); }
void conductor_live_migrate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_live_migrate(env, q, r);
}
void conductor_migrate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_migrate(env, q, r, false);
}
void conductor_resize(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_migrate(env, q, r, true);
}
void conductor_confirm_resize(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_confirm_revert(env, q, r, true);
}
void conductor_revert_resize(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_confirm_revert(env, q, r, false);
}
void conductor_evacuate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_evacuate(env, q, r);
}
void conductor_server_action(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_server_action(env, q, r);
}
void conductor_host(nova_env *env, const conductor_req *q, cmd_result *r) { op_host(env, q, r); }
void conductor_aggregate(nova_env *env, const conductor_req *q, cmd_result *r)
{
    op_aggregate(env, q, r);
}
void conductor_fault(nova_env *env, const conductor_req *q, cmd_result *r) { op_fault(env, q, r); }

/* An expect-only step changes nothing; it is about the server it names. */
void conductor_settle(nova_env *env, const conductor_req *q, cmd_result *r)
{
    if (!q->host.name) {
        cloud_refresh_view(env->c);
        trail_note(env->t, "Periodic tasks ran on every compute: the scheduler sees each host's "
                           "servers and I/O operations as they are now");
        return;
    }
    int h = q->host.id;
    if (h < 0) {
        step_outcome(env, r, "ComputeHostNotFound", "Compute host %s could not be found.",
                q->host.name);
        return;
    }
    cloud_refresh_host_view(env->c, h);
    trail_note(env->t, "Periodic tasks ran on %s: the scheduler sees its servers and I/O "
                       "operations as they are now", q->host.name);
}

void conductor_expect(nova_env *env, const conductor_req *q, cmd_result *r)
{
    if (q->server.id >= 0)
        intvec_push(&r->servers, q->server.id);
}

void conductor_begin(nova_env *env, cmd_result *r)
{
    r->outcome = "ok";
    r->migration = -1;
    /* settled (the default): the computes' periodic tasks ran since the
     * last step, so the scheduler sees every server as it is now */
    if (!env->c->no_settle || !env->c->view_valid)
        cloud_refresh_view(env->c);
}

void conductor_req_init(conductor_req *q, enum cmd_op op)
{
    memset(q, 0, sizeof *q);
    q->op = op;
    nv_ref none = {NULL, -1};
    q->server = q->flavor = q->image = q->group = q->host = q->aggregate = none;
    q->add_host = q->remove_host = none;
    q->microversion = -1;
    q->min_count = q->times = 1;
}
