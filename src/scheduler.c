/*
 * scheduler.c - select_destinations (see scheduler.h for the pipeline and
 * the determinism rules).
 *
 * Data flow: Placement candidates decide which hosts get a host_state at
 * all (Nova builds HostStates only for providers in the candidates'
 * provider summaries).  The list of host ids then shrinks through
 * narrowing and filters, is ordered by the weighers, and the claim loop
 * walks it.  The list returned for one instance (chosen host first, the
 * rest in weight order) is the input for the next instance, as in Nova.
 */
#include "scheduler.h"

#include "decision.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>
#include <strings.h>

void request_spec_init(request_spec *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->flavor = rs->pci_flavor = rs->image = rs->group = -1;
    rs->num_instances = 1;
}

void request_spec_done(request_spec *rs)
{
    kvlist_free(&rs->hints);
    strlist_free(&rs->ignore_hosts);
    strlist_free(&rs->force_hosts);
    strlist_free(&rs->force_nodes);
    strlist_free(&rs->retry_hosts);
    free(rs->dest_host);
    free(rs->dest_node);
    free(rs->dest_cell);
    intvec_free(&rs->instances);
    memset(rs, 0, sizeof *rs);
}

void sched_result_done(sched_result *r)
{
    free(r->message);
    intvec_free(&r->hosts);
    for (int i = 0; i < r->n_alternates; i++)
        intvec_free(&r->alternates[i]);
    free(r->alternates);
    memset(r, 0, sizeof *r);
}

void spec_resources(const cloud *c, const request_spec *spec, int64_t out[RC_COUNT])
{
    resources_of(c, spec->flavor, spec->image, spec->is_bfv, out);
}

static void fail(sched_result *out, trail *t, const char *exc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(sched_result *out, trail *t, const char *exc, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    out->ok = false;
    out->exception = exc;
    free(out->message);
    out->message = sbuf_take(&b);
    trail_error(t, exc, out->message);
    if (dec_current(t))
        dec_error(dec_current(t), t->n - 1);
}

/* ---- the request event -------------------------------------------------- */

static void json_strlist(sbuf *b, const strlist *l)
{
    sbuf_addc(b, '[');
    for (int i = 0; i < l->n; i++) {
        if (i)
            sbuf_add(b, ", ");
        sbuf_json_str(b, l->v[i]);
    }
    sbuf_addc(b, ']');
}

/* `blank`: the record's host entries blank now, else the caller blanks
 * them (dec_open()). */
static void record_request(const cloud *c, const request_spec *s, trail *t, bool blank)
{
    trail_use_hosts(t, c);
    event *e = trail_add(t, EV_REQUEST);
    dec_open(t, c->hosts.n, blank)->instance = s->instances.n ? s->instances.v[0] : -1;
    sbuf j = {0}, x = {0};
    sbuf_add(&j, "{\"flavor\": ");
    sbuf_json_str(&j, c->flavors.v[s->flavor].name);
    sbuf_add(&j, ", \"image\": ");
    sbuf_json_str(&j, s->image >= 0 ? c->images.v[s->image].name : NULL);
    sbuf_addf(&j, ", \"num_instances\": %d, \"instances\": [", s->num_instances);
    for (int i = 0; i < s->instances.n; i++) {
        if (i)
            sbuf_add(&j, ", ");
        sbuf_json_str(&j, c->servers.v[s->instances.v[i]].name);
    }
    sbuf_add(&j, "], \"ignore_hosts\": ");
    json_strlist(&j, &s->ignore_hosts);
    sbuf_add(&j, ", \"requested_destination\": ");
    if (s->dest_host || s->dest_cell) {
        sbuf_add(&j, "{\"host\": ");
        sbuf_json_str(&j, s->dest_host);
        sbuf_add(&j, ", \"node\": ");
        sbuf_json_str(&j, s->dest_node);
        sbuf_add(&j, ", \"cell\": ");
        sbuf_json_str(&j, s->dest_cell);
        sbuf_add(&j, "}");
    } else {
        sbuf_add(&j, "null");
    }
    sbuf_add(&j, ", \"force_hosts\": ");
    json_strlist(&j, &s->force_hosts);
    sbuf_add(&j, ", \"group\": ");
    sbuf_json_str(&j, s->group >= 0 ? c->groups.v[s->group].name : NULL);
    sbuf_add(&j, ", \"az\": ");
    sbuf_json_str(&j, s->availability_zone);
    sbuf_add(&j, ", \"project\": ");
    sbuf_json_str(&j, s->project);
    sbuf_add(&j, ", \"is_bfv\": ");
    sbuf_add(&j, s->is_bfv ? "true" : "false");
    sbuf_add(&j, ", \"hints\": {");
    strlist keys = {0};
    for (int i = 0; i < s->hints.n; i++)
        if (strlist_find(&keys, s->hints.v[i].key) < 0)
            strlist_push(&keys, s->hints.v[i].key);
    for (int k = 0; k < keys.n; k++) {
        if (k)
            sbuf_add(&j, ", ");
        sbuf_json_str(&j, keys.v[k]);
        sbuf_add(&j, ": [");
        bool first = true;
        for (int i = 0; i < s->hints.n; i++)
            if (!strcmp(s->hints.v[i].key, keys.v[k])) {
                if (!first)
                    sbuf_add(&j, ", ");
                sbuf_json_str(&j, s->hints.v[i].value);
                first = false;
            }
        sbuf_add(&j, "]");
    }
    strlist_free(&keys);
    sbuf_add(&j, "}}");
    e->json = sbuf_take(&j);

    sbuf_addf(&x, "Starting to schedule for instances: [");
    for (int i = 0; i < s->instances.n; i++)
        sbuf_addf(&x, "%s'%s'", i ? ", " : "", c->servers.v[s->instances.v[i]].name);
    sbuf_addf(&x, "] flavor=%s num_instances=%d", c->flavors.v[s->flavor].name,
              s->num_instances);
    if (s->ignore_hosts.n) {
        sbuf_add(&x, " ignore_hosts=");
        for (int i = 0; i < s->ignore_hosts.n; i++)
            sbuf_addf(&x, "%s%s", i ? "," : "", s->ignore_hosts.v[i]);
    }
    if (s->dest_host)
        sbuf_addf(&x, " requested_destination=%s", s->dest_host);
    if (s->force_hosts.n)
        sbuf_addf(&x, " force_hosts=%s", s->force_hosts.v[0]);
    if (s->group >= 0)
        sbuf_addf(&x, " group=%s(%s)", c->groups.v[s->group].name,
                  group_policy_names[c->groups.v[s->group].policy]);
    if (s->availability_zone)
        sbuf_addf(&x, " availability_zone=%s", s->availability_zone);
    e->text = sbuf_take(&x);
}

/* ---- request filters and the Placement query ----------------------------- */

typedef struct pquery {
    int64_t res[RC_COUNT];
    strlist required, forbidden;
    intvec *member_of;          /* each: any-of aggregate ids */
    int n_member_of;
    intvec forbidden_aggs;
    int in_tree;                /* host id or -1 */
    int64_t limit;              /* 0: unlimited */
    intvec required_kind, forbidden_kind;   /* trait_kind() of each, for the host loop */
    fit_prep fit;               /* res, prepared for the host loop */
    const host_hot *hot;        /* the cloud's hot records (cloud_hot()) */
    /* the traits and aggregates asked for: none, only the disabled hosts'
     * trait forbidden (Train on), or more (see query_shape()) */
    enum { Q_PLAIN, Q_NOT_DISABLED, Q_MORE } shape;
} pquery;

/* What a host must have beyond the resources, as the loop asks it. */
static void query_shape(pquery *q)
{
    if (q->required.n || q->n_member_of || q->forbidden_aggs.n || q->forbidden.n > 1)
        q->shape = Q_MORE;
    else if (q->forbidden.n)
        q->shape = q->forbidden_kind.v[0] == TRAIT_STATUS_DISABLED ? Q_NOT_DISABLED : Q_MORE;
    else
        q->shape = Q_PLAIN;
}

static void pquery_done(pquery *q)
{
    strlist_free(&q->required);
    strlist_free(&q->forbidden);
    for (int i = 0; i < q->n_member_of; i++)
        intvec_free(&q->member_of[i]);
    free(q->member_of);
    intvec_free(&q->forbidden_aggs);
    intvec_free(&q->required_kind);
    intvec_free(&q->forbidden_kind);
}

static void add_member_of(pquery *q, const intvec *aggs)
{
    q->member_of = nv_realloc(q->member_of, (size_t)(q->n_member_of + 1) * sizeof *q->member_of);
    intvec_copy(&q->member_of[q->n_member_of++], aggs);
}

static void add_trait(strlist *l, const char *t)
{
    if (strlist_find(l, t) < 0)
        strlist_push(l, t);
}

static char *upper_trait(const char *prefix, const char *v)
{
    char *s = nv_printf("%s%s", prefix, v);
    for (char *p = s + strlen(prefix); *p; p++)
        *p = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    return s;
}

/* oslo strutils.bool_from_string, strict=False */
static bool is_true(const char *v)
{
    if (!v)
        return false;
    static const char *const yes[] = {"1", "t", "true", "on", "y", "yes"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!strcasecmp(v, yes[i]))
            return true;
    return false;
}

/* Returns false (and fills out) when a request filter fails. */
static bool request_filters(cloud *c, const request_spec *s, pquery *q, trail *t,
                            sched_result *out)
{
    const nova_config *cf = &c->conf;
    /* 1. require_tenant_aggregate */
    if (cf->limit_tenants_to_placement_aggregate && cf->release >= REL_ROCKY) {
        intvec aggs = {0};
        for (int a = 0; a < c->aggregates.n; a++) {
            const kvlist *md = &c->aggregates.v[a].metadata;
            bool has_key = false, has_val = false;
            for (int k = 0; k < md->n; k++) {
                if (!strncmp(md->v[k].key, "filter_tenant_id", 16))
                    has_key = true;
                if (s->project && !strcmp(md->v[k].value, s->project))
                    has_val = true;
            }
            if (has_key && has_val)
                intvec_push(&aggs, a);
        }
        if (aggs.n) {
            add_member_of(q, &aggs);
            trail_note(t, "Request filter require_tenant_aggregate: project %s limited to %d "
                          "aggregate(s)", s->project, aggs.n);
        } else if (cf->placement_aggregate_required_for_tenants) {
            intvec_free(&aggs);
            fail(out, t, "NoValidHost",
                 "No valid host was found. Scheduling failed: No hosts available for tenant");
            return false;
        }
        intvec_free(&aggs);
    }
    /* 2. map_az_to_placement_aggregate */
    bool az_prefilter = cf->release >= REL_2023_2 ||
                        (cf->release >= REL_ROCKY && cf->query_placement_for_availability_zone);
    if (az_prefilter && s->availability_zone) {
        intvec aggs = {0};
        for (int a = 0; a < c->aggregates.n; a++) {
            const char *az = kvlist_get(&c->aggregates.v[a].metadata, "availability_zone");
            if (az && !strcmp(az, s->availability_zone))
                intvec_push(&aggs, a);
        }
        if (aggs.n) {
            add_member_of(q, &aggs);
            trail_note(t, "Request filter map_az_to_placement_aggregate: availability zone %s "
                          "-> member_of %d aggregate(s)", s->availability_zone, aggs.n);
        }
        intvec_free(&aggs);
    }
    /* 3. require_image_type_support */
    if (cf->query_placement_for_image_type_support && !s->is_bfv && s->image >= 0) {
        const char *fmt = c->images.v[s->image].disk_format;
        char *tr = upper_trait("COMPUTE_IMAGE_TYPE_", fmt ? fmt : "qcow2");
        add_trait(&q->required, tr);
        free(tr);
    }
    /* 4. compute_status_filter (Train and later) */
    if (cf->release >= REL_TRAIN)
        add_trait(&q->forbidden, "COMPUTE_STATUS_DISABLED");
    /* 6. transform_image_metadata */
    if (cf->image_metadata_prefilter && s->image >= 0) {
        static const struct { const char *prop, *prefix; } map[] = {
            {"hw_cdrom_bus", "COMPUTE_STORAGE_BUS_"}, {"hw_disk_bus", "COMPUTE_STORAGE_BUS_"},
            {"hw_video_model", "COMPUTE_GRAPHICS_MODEL_"}, {"hw_vif_model", "COMPUTE_NET_VIF_MODEL_"},
            {"hw_architecture", "HW_ARCH_"}, {"hw_emulation_architecture", "COMPUTE_ARCH_"},
            {"hw_viommu_model", "COMPUTE_VIOMMU_"}};
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
            const char *v = image_prop(c, s->image, map[i].prop);
            if (v) {
                char *tr = upper_trait(map[i].prefix, v);
                add_trait(&q->required, tr);
                if (!strcmp(map[i].prefix, "HW_ARCH_") && quirk_on(cf, Q_BUG_2062425))
                    trail_quirk(t, "bug-2062425",
                                "the computes report no HW_ARCH_* trait (the libvirt driver does "
                                "not yet), so no host has the one hw_architecture requires");
                free(tr);
            }
        }
    }
    /* 7. accelerators_filter */
    const flavor *f = &c->flavors.v[s->flavor];
    if (cf->release >= REL_VICTORIA && kvlist_get(&f->extra_specs, "accel:device_profile")) {
        add_trait(&q->required, "COMPUTE_ACCELERATORS");
        trail_note(t, "Request filter accelerators_filter: required trait COMPUTE_ACCELERATORS");
    }
    /* 8. packed_virtqueue_filter (2024.1) */
    if (cf->release >= REL_2024_1 && (is_true(kvlist_get(&f->extra_specs, "hw:virtio_packed_ring")) ||
                                      is_true(image_prop(c, s->image, "hw_virtio_packed_ring")))) {
        add_trait(&q->required, "COMPUTE_NET_VIRTIO_PACKED");
        trail_note(t, "Request filter packed_virtqueue_filter: required trait COMPUTE_NET_VIRTIO_PACKED");
    }
    /* 11. ephemeral_encryption_filter (2023.1) */
    if (cf->release >= REL_2023_1 &&
        (is_true(kvlist_get(&f->extra_specs, "hw:ephemeral_encryption")) ||
         is_true(image_prop(c, s->image, "hw_ephemeral_encryption")))) {
        add_trait(&q->required, "COMPUTE_EPHEMERAL_ENCRYPTION");
        const char *fmt = kvlist_get(&f->extra_specs, "hw:ephemeral_encryption_format");
        if (!fmt)
            fmt = image_prop(c, s->image, "hw_ephemeral_encryption_format");
        if (fmt) {
            char *tr = upper_trait("COMPUTE_EPHEMERAL_ENCRYPTION_", fmt);
            add_trait(&q->required, tr);
            free(tr);
        }
        trail_note(t, "Request filter ephemeral_encryption_filter: required trait "
                      "COMPUTE_EPHEMERAL_ENCRYPTION");
    }
    /* 12. virtio_sound_filter (2026.1) */
    const char *snd = kvlist_get(&f->extra_specs, "hw:sound_model");
    if (!snd)
        snd = image_prop(c, s->image, "hw_sound_model");
    if (cf->release >= REL_2026_1 && snd && !strcmp(snd, "virtio")) {
        add_trait(&q->required, "COMPUTE_SOUND_MODEL_VIRTIO");
        trail_note(t, "Request filter virtio_sound_filter: required trait COMPUTE_SOUND_MODEL_VIRTIO");
    }
    /* 13. tpm_secret_security_filter (2026.1) */
    const char *tpm = kvlist_get(&f->extra_specs, "hw:tpm_version");
    if (!tpm)
        tpm = image_prop(c, s->image, "hw_tpm_version");
    if (cf->release >= REL_2026_1 && tpm) {
        const char *sec = kvlist_get(&f->extra_specs, "hw:tpm_secret_security");
        if (!sec)
            sec = image_prop(c, s->image, "hw_tpm_secret_security");
        if (!sec)
            sec = "user";
        if (strcmp(sec, "user") && strcmp(sec, "host") && strcmp(sec, "deployment")) {
            fail(out, t, "NoValidHost",
                 "No valid host was found. Scheduling failed: TPM secret security '%s' is not "
                 "supported.", sec);
            return false;
        }
        char *tr = upper_trait("COMPUTE_SECURITY_TPM_SECRET_SECURITY_", sec);
        add_trait(&q->required, tr);
        trail_note(t, "Request filter tpm_secret_security_filter: required trait %s", tr);
        free(tr);
    }
    return true;
}

static void flavor_traits(const cloud *c, const request_spec *s, pquery *q)
{
    const flavor *f = &c->flavors.v[s->flavor];
    for (int i = 0; i < f->extra_specs.n; i++) {
        const char *k = f->extra_specs.v[i].key, *v = f->extra_specs.v[i].value;
        if (strncmp(k, "trait:", 6) != 0 || !k[6])
            continue;
        if (!strcmp(v, "required"))
            add_trait(&q->required, k + 6);
        else if (!strcmp(v, "forbidden"))
            add_trait(&q->forbidden, k + 6);
    }
    const char *img_traits = image_prop(c, s->image, "traits_required");
    if (img_traits) {
        strlist l = {0};
        nv_split_strip(&l, img_traits, ',');
        for (int i = 0; i < l.n; i++)
            add_trait(&q->required, l.v[i]);
        strlist_free(&l);
    }
    /* vTPM, secure boot, PCI NUMA socket affinity, maxphysaddr */
    const char *tv = kvlist_get(&f->extra_specs, "hw:tpm_version");
    if (!tv)
        tv = image_prop(c, s->image, "hw_tpm_version");
    if (tv) {
        /* the model (tpm-tis unless asked) joins the version in 2024.2 */
        const char *tm = kvlist_get(&f->extra_specs, "hw:tpm_model");
        if (!tm)
            tm = image_prop(c, s->image, "hw_tpm_model");
        if (c->conf.release >= REL_2024_2)
            add_trait(&q->required, tm && !strcmp(tm, "tpm-crb") ? "COMPUTE_SECURITY_TPM_CRB"
                                                                 : "COMPUTE_SECURITY_TPM_TIS");
        add_trait(&q->required, !strcmp(tv, "1.2") ? "COMPUTE_SECURITY_TPM_1_2"
                                                   : "COMPUTE_SECURITY_TPM_2_0");
    }
    const char *sb = kvlist_get(&f->extra_specs, "os:secure_boot");
    if (!sb)
        sb = image_prop(c, s->image, "os_secure_boot");
    if (sb && !strcmp(sb, "required"))
        add_trait(&q->required, "COMPUTE_SECURITY_UEFI_SECURE_BOOT");
    const char *pna = kvlist_get(&f->extra_specs, "hw:pci_numa_affinity_policy");
    if (!pna)
        pna = image_prop(c, s->image, "hw_pci_numa_affinity_policy");
    if (pna && !strcmp(pna, "socket"))
        add_trait(&q->required, "COMPUTE_SOCKET_PCI_NUMA_AFFINITY");
    const char *pam = kvlist_get(&f->extra_specs, "hw:maxphysaddr_mode");
    if (!pam)
        pam = image_prop(c, s->image, "hw_maxphysaddr_mode");
    if (pam && c->conf.release >= REL_2024_1)
        add_trait(&q->required, !strcmp(pam, "emulate") ? "COMPUTE_ADDRESS_SPACE_EMULATED"
                                                        : "COMPUTE_ADDRESS_SPACE_PASSTHROUGH");
    /* pinned or mixed CPUs, of the flavor or else the image */
    const char *pol = kvlist_get(&f->extra_specs, "hw:cpu_policy");
    if (!pol)
        pol = image_prop(c, s->image, "hw_cpu_policy");
    const char *thr = kvlist_get(&f->extra_specs, "hw:cpu_thread_policy");
    if (!thr)
        thr = image_prop(c, s->image, "hw_cpu_thread_policy");
    if (pol && (!strcmp(pol, "dedicated") || !strcmp(pol, "mixed")) && thr) {
        if (!strcmp(thr, "isolate"))
            add_trait(&q->forbidden, "HW_CPU_HYPERTHREADING");
        else if (!strcmp(thr, "require"))
            add_trait(&q->required, "HW_CPU_HYPERTHREADING");
    }
}

/* Isolated aggregates need the traits the request asks for. */
static void isolate_aggregates(const cloud *c, pquery *q)
{
    if (!c->conf.enable_isolated_aggregate_filtering)
        return;
    for (int a = 0; a < c->aggregates.n; a++) {
        const kvlist *md = &c->aggregates.v[a].metadata;
        for (int k = 0; k < md->n; k++)
            if (!strncmp(md->v[k].key, "trait:", 6) && !strcmp(md->v[k].value, "required") &&
                strlist_find(&q->required, md->v[k].key + 6) < 0) {
                intvec_push(&q->forbidden_aggs, a);
                break;
            }
    }
}

/* Inlined: every host of the cloud comes through here for every request.
 * `defer`: a host its hot record refuses (its resources, or a disabled
 * host where the disabled trait is forbidden) is refused without reading
 * the host (nor writing why); asked again without `defer`, the same host
 * says why. */
static inline __attribute__((always_inline)) bool
placement_candidate(const cloud *c, const pquery *q, int h, reject_reason *why, bool defer)
{
    if (q->in_tree >= 0 && q->in_tree != h) {
        why->code = R_PL_IN_TREE;
        why->s[0] = c->hosts.v[q->in_tree].name;
        return false;
    }
#ifdef NV_CHECK_STATES
    /* sanitizer builds: the prepared fit answers as the general one */
    reject_reason gen = {0}, fast = {0};
    if (placement_fit_reason(c, h, q->res, &gen) != placement_fit_prepared(c, h, &q->fit, &fast) ||
        gen.code != fast.code || memcmp(gen.i, fast.i, sizeof gen.i) ||
        memcmp(gen.d, fast.d, sizeof gen.d))
        nv_fatal("host %s: the prepared Placement fit differs", c->hosts.v[h].name);
    /* and its hot record is current (a host written behind cloud_host_w()'s
     * back would keep an old one) */
    if (!cloud_hot_current(c, q->hot, h))
        nv_fatal("host %s: its hot record is out of date", c->hosts.v[h].name);
    if (placement_fit_quick(&q->fit, h) && !placement_fit_reason(c, h, q->res, NULL))
        nv_fatal("host %s: its hot record fits where Placement does not", c->hosts.v[h].name);
    if (q->fit.hot && (q->fit.hot[h].flags & HOT_EXACT) &&
        placement_fit_quick(&q->fit, h) != placement_fit_reason(c, h, q->res, NULL))
        nv_fatal("host %s: its exact hot record refuses where Placement does not",
                 c->hosts.v[h].name);
#endif
    if (!placement_fit_quick(&q->fit, h)) {
        if (defer && q->fit.hot && (q->fit.hot[h].flags & HOT_EXACT))
            return false;
        if (!placement_fit_prepared(c, h, &q->fit, why))
            return false;
    }
    if (q->shape == Q_PLAIN)
        return true;
    if (q->shape == Q_NOT_DISABLED) {   /* host_has_trait_kind(), by the record first */
        if (q->hot[h].flags & HOT_NO_TRAITS)
            return true;
        if (defer && (q->hot[h].flags & HOT_STATUS_DISABLED))
            return false;   /* a disabled host: why asked again */
    }
    bool first = true;
    for (int i = 0; i < q->required.n; i++)
        if (!host_has_trait_kind(c, h, q->required.v[i], q->required_kind.v[i])) {
            if (!first)
                sbuf_addc(&why->buf[0], ',');
            sbuf_add(&why->buf[0], q->required.v[i]);
            first = false;
        }
    if (!first) {
        why->code = R_PL_LACKS_TRAITS;
        return false;
    }
    for (int i = 0; i < q->forbidden.n; i++)
        if (host_has_trait_kind(c, h, q->forbidden.v[i], q->forbidden_kind.v[i])) {
            if (!first)
                sbuf_addc(&why->buf[0], ',');
            sbuf_add(&why->buf[0], q->forbidden.v[i]);
            first = false;
        }
    if (!first) {
        why->code = R_PL_FORBIDDEN_TRAITS;
        return false;
    }
    const intvec *ha = &c->host_aggs[h];
    for (int m = 0; m < q->n_member_of; m++) {
        bool any = false;
        for (int k = 0; k < q->member_of[m].n && !any; k++)
            any = intvec_find(ha, q->member_of[m].v[k]) >= 0;
        if (!any) {
            why->code = R_PL_NOT_MEMBER;
            for (int k = 0; k < q->member_of[m].n; k++)
                sbuf_addf(&why->buf[0], "%s%s", k ? "," : "",
                          c->aggregates.v[q->member_of[m].v[k]].name);
            return false;
        }
    }
    for (int k = 0; k < q->forbidden_aggs.n; k++)
        if (intvec_find(ha, q->forbidden_aggs.v[k]) >= 0) {
            why->code = R_PL_FORBIDDEN_AGG;
            why->s[0] = c->aggregates.v[q->forbidden_aggs.v[k]].name;
            return false;
        }
    return true;
}

/* Why Placement refuses host h, by its hot record alone, as
 * placement_candidate(..., false) would say it: its resources
 * (placement_refusal_hot()), or, for a disabled host whose resources fit
 * by the record (a fit there is a fit), the disabled trait the query
 * forbids.  false when the record cannot tell. */
static bool record_refusal(const pquery *q, int h, reject_reason *why)
{
    if (q->in_tree >= 0)
        return false;
    if (placement_refusal_hot(&q->fit, h, why))
        return true;
    if (q->shape != Q_NOT_DISABLED || !q->fit.hot ||
        !(q->fit.hot[h].flags & HOT_STATUS_DISABLED) || !placement_fit_quick(&q->fit, h))
        return false;
    why->code = R_PL_FORBIDDEN_TRAITS;
    sbuf_add(&why->buf[0], q->forbidden.v[0]);
    return true;
}

/* placement_candidate(..., true) as a call: the Placement loop's rare
 * case, kept out of its registers */
static __attribute__((noinline)) bool placement_candidate_call(const cloud *c, const pquery *q,
                                                               int h, reject_reason *why)
{
    return placement_candidate(c, q, h, why, true);
}

static void record_placement(const cloud *c, const pquery *q, event *e)
{
    sbuf j = {0}, x = {0};
    sbuf_add(&j, "\"resources\": {");
    bool first = true;
    /* Placement spells classes sorted, as the query string does */
    static const int order[] = {RC_DISK_GB, RC_MEMORY_MB, RC_PCPU, RC_VCPU};
    sbuf_add(&x, "GET /allocation_candidates?resources=");
    for (int i = 0; i < RC_COUNT; i++) {
        int rc = order[i];
        if (!q->res[rc])
            continue;
        sbuf_addf(&j, "%s\"%s\": %lld", first ? "" : ", ", rc_names[rc], (long long)q->res[rc]);
        sbuf_addf(&x, "%s%s:%lld", first ? "" : ",", rc_names[rc], (long long)q->res[rc]);
        first = false;
    }
    sbuf_add(&j, "}, \"required_traits\": ");
    json_strlist(&j, &q->required);
    sbuf_add(&j, ", \"forbidden_traits\": ");
    json_strlist(&j, &q->forbidden);
    sbuf_add(&j, ", \"member_of\": [");
    for (int m = 0; m < q->n_member_of; m++) {
        sbuf_add(&j, m ? ", [" : "[");
        for (int k = 0; k < q->member_of[m].n; k++) {
            if (k)
                sbuf_add(&j, ", ");
            sbuf_json_str(&j, c->aggregates.v[q->member_of[m].v[k]].name);
        }
        sbuf_add(&j, "]");
    }
    sbuf_add(&j, "], \"in_tree\": ");
    sbuf_json_str(&j, q->in_tree >= 0 ? c->hosts.v[q->in_tree].name : NULL);
    if (q->limit)
        sbuf_addf(&j, ", \"limit\": %lld", (long long)q->limit);
    else
        sbuf_add(&j, ", \"limit\": null");
    if (q->required.n) {
        sbuf_add(&x, "&required=");
        for (int i = 0; i < q->required.n; i++)
            sbuf_addf(&x, "%s%s", i ? "," : "", q->required.v[i]);
    }
    for (int m = 0; m < q->n_member_of; m++) {
        sbuf_add(&x, "&member_of=in:");
        for (int k = 0; k < q->member_of[m].n; k++)
            sbuf_addf(&x, "%s%s", k ? "," : "", c->aggregates.v[q->member_of[m].v[k]].name);
    }
    if (q->forbidden_aggs.n) {
        sbuf_add(&x, "&member_of=!in:");
        for (int k = 0; k < q->forbidden_aggs.n; k++)
            sbuf_addf(&x, "%s%s", k ? "," : "", c->aggregates.v[q->forbidden_aggs.v[k]].name);
    }
    if (q->in_tree >= 0)
        sbuf_addf(&x, "&in_tree=%s", c->hosts.v[q->in_tree].name);
    if (q->forbidden.n) {
        sbuf_add(&x, "&root_required=");
        for (int i = 0; i < q->forbidden.n; i++)
            sbuf_addf(&x, "%s!%s", i ? "," : "", q->forbidden.v[i]);
    }
    if (q->limit)
        sbuf_addf(&x, "&limit=%lld", (long long)q->limit);
    e->json = sbuf_take(&j);
    e->text = sbuf_take(&x);
}

/* ---- host states ------------------------------------------------------------ */

/* The host state's own copy of its server list, before it changes. */
static void hs_instances_own(sched_ctx *x, host_state *hs)
{
    if (hs->own_instances)
        return;
    intvec own = {0};
    intvec_copy(&own, &hs->instances);
    hs->instances = own;
    hs->own_instances = true;
    const host *ho = &x->c->hosts.v[hs->host];
    if (!ho->n_cells && !ho->n_pci)   /* else it is in `owning` already */
        intvec_push(&x->owning, hs->host);
}

/* A host state's NUMA cells and free devices (hosts that report any). */
static __attribute__((noinline)) void build_host_devices(sched_ctx *x, int h)
{
    const cloud *c = x->c;
    const host *ho = &c->hosts.v[h];
    hs_devices *dv = &x->dev[h];
    memset(dv, 0, sizeof *dv);
    if (ho->n_cells) {
        dv->cells = nv_calloc((size_t)ho->n_cells, sizeof *dv->cells);
        numa_host_usage(c, h, dv->cells);
    }
    if (ho->n_pci) {
        dv->pci_free = nv_calloc((size_t)ho->n_pci, sizeof *dv->pci_free);
        pci_host_free(c, h, dv->pci_free);
    }
    intvec_push(&x->owning, h);
}

/* A host state's own fields (the devices aside).  Inlined: the
 * Placement loop builds every candidate's state (unless x->hs_lazy). */
static inline __attribute__((always_inline)) void host_state_fields(const sched_ctx *x, int h,
                                                                     host_state *hs)
{
    const cloud *c = x->c;
    const host_hot *hh = &x->hot[h];   /* the host's numbers, reserved taken off */
#ifdef NV_CHECK_STATES
    if (!cloud_hot_current(c, x->hot, h))
        nv_fatal("host %s: its hot record is out of date", c->hosts.v[h].name);
#endif
    const intvec *sv = &c->host_servers[h];
    /* every field written at once (no clearing first: a decision writes
     * every candidate's state) */
    *hs = (host_state){
        .host = h,
        /* the resource tracker's view: reserved + what is allocated on
         * the host (the record has both) */
        .free_ram_mb = hh->free_ram_mb,
        .free_disk_mb = hh->free_disk_mb,
        .vcpus_total = hh->vcpus_total,
        .vcpus_used = hh->vcpus_used,
        .failed_builds = hh->failed_builds,
        .instances = *sv,   /* borrowed: hs_instances_own() copies before a change */
        .num_instances = sv->n,
        /* num_io_ops is the compute node's stats['io_workload']
         * (nova/scheduler/host_manager.py _update_from_compute_node), which
         * only the resource tracker computes (nova/compute/stats.py): a task
         * state the API set in this very request is not in it yet */
        .num_io_ops = hh->io_workload,
    };
}

static inline __attribute__((always_inline)) void build_host_state(sched_ctx *x, int h,
                                                                    host_state *hs)
{
    host_state_fields(x, h, hs);
    if (x->hot[h].flags & HOT_DEVICES)
        build_host_devices(x, h);
}

/* Host h's state, built now if it is lazy and not built yet. */
static host_state *hs_of(sched_ctx *x, int h)
{
    if (x->hs_lazy && !x->hs_built[h]) {
        if (x->claimed)
            nv_fatal("host %s: its state asked for after a claim", x->c->hosts.v[h].name);
        build_host_state(x, h, &x->hs[h]);
        x->hs_built[h] = 1;
    }
    return &x->hs[h];
}

/* Sanitizer builds: a reader of x->hs[h] that does not build it finds it
 * built. */
static inline void hs_check(const sched_ctx *x, int h)
{
#ifdef NV_CHECK_STATES
    if (x->hs_lazy && !x->hs_built[h])
        nv_fatal("host %s: its lazy state read unbuilt", x->c->hosts.v[h].name);
#else
    (void)x;
    (void)h;
#endif
}

/* Back to back (no periodic task since the last steps): say where the
 * scheduler's view differs from the servers' real states. */
static void note_stale_view(sched_ctx *x, const intvec *list, host_state *hs, trail *t)
{
    cloud *c = x->c;
    for (int i = 0; i < list->n; i++) {
        int h = list->v[i];
        hs_check(x, h);
        const intvec *sv = &c->host_servers[h];
        int64_t now = 0;
        for (int k = 0; k < sv->n; k++)
            if (vm_state_counts_io(&c->servers.v[sv->v[k]]))
                now++;
        if (now != hs[h].num_io_ops)
            trail_note(t, "Stale view of %s: its compute node still reports num_io_ops=%lld "
                          "(%lld now); the resource tracker's periodic update has not run",
                       c->hosts.v[h].name, (long long)hs[h].num_io_ops, (long long)now);
    }
    for (int s = 0; s < c->servers.n; s++) {
        const server *sv = &c->servers.v[s];
        if (sv->deleted || sv->sched_ghost < 0 || intvec_find(list, sv->sched_ghost) < 0)
            continue;
        hs_instances_own(x, &hs[sv->sched_ghost]);
        intvec_push(&hs[sv->sched_ghost].instances, s);
        trail_note(t, "Stale view of %s: the scheduler still lists %s there (now on %s) until "
                      "the next instance info sync",
                   c->hosts.v[sv->sched_ghost].name, sv->name,
                   sv->host >= 0 ? c->hosts.v[sv->host].name : "no host");
    }
}

/* ---- filtering and weighing --------------------------------------------------- */

/* ---- ranking ------------------------------------------------------------------
 *
 * Nova sorts every weighed host; the scheduler needs the best few: the
 * host_subset_size to choose from, the claim that follows, a handful of
 * alternates.  So a weighing ranks only the best `RANK_FEW`-odd hosts
 * (one scan) and leaves the rest unranked behind them; whoever walks
 * further (a failed claim, alternates in other cells, the next pass of a
 * multi-create, a run of equal weights to shuffle) ranks the rest first.
 * The order is Nova's stable sort's: weight, then scenario order (host
 * id); the trail's weigh event is ranked the same way when read. */

static bool ranks_before(const double *wt, int a, int b)
{
    if (wt[a] != wt[b])
        return wt[a] > wt[b];
    return a < b;
}

typedef struct rank_pair {
    double w;
    int h;
} rank_pair;

static int cmp_rank_pair(const void *a, const void *b)
{
    const rank_pair *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->h - y->h;
}

/* Rank the whole list (the unranked tail; the ranked head stays). */
static void rank_rest(sched_ctx *x, intvec *list)
{
    int from = x->ranked, n = list->n - from;
    if (n <= 0) {
        x->ranked = list->n;
        return;
    }
    if (n > 1) {
        rank_pair *p = nv_malloc((size_t)n * sizeof *p);
        for (int i = 0; i < n; i++)
            p[i] = (rank_pair){x->wt[list->v[from + i]], list->v[from + i]};
        qsort(p, (size_t)n, sizeof *p, cmp_rank_pair);
        for (int i = 0; i < n; i++)
            list->v[from + i] = p[i].h;
        free(p);
    }
    x->ranked = list->n;
}

/* Rank the best m of the list to its front, in order; the others follow
 * in their order, unranked.  w[i] is the weight of the list's host i
 * (x->wt[list->v[i]], read in list order rather than by host). */
static void rank_top(sched_ctx *x, intvec *list, int m, const double *w_row)
{
    int n = list->n;
    x->ranked = 0;
    if (m >= n / 2) {
        rank_rest(x, list);
        return;
    }
    const double *wt = x->wt;
    int *v = list->v;
    /* the best so far in rank order, and where each is in the list */
    int *best = nv_malloc((size_t)m * 2 * sizeof *best), *at = best + m, cnt = 0;
    double last_w = 0.0;   /* the m-th best's weight and host, once m are found */
    int last_h = 0;
    for (int i = 0; i < n; i++) {
        double w = w_row[i];
        /* ranks_before(wt, h, best[m - 1]), its weight and host held here */
        if (cnt == m && !(w != last_w ? w > last_w : v[i] < last_h))
            continue;
        int h = v[i];
        int j = cnt < m ? cnt++ : m - 1;
        while (j > 0 && ranks_before(wt, h, best[j - 1])) {
            best[j] = best[j - 1];
            at[j] = at[j - 1];
            j--;
        }
        best[j] = h;
        at[j] = i;
        if (cnt == m) {
            last_h = best[m - 1];
            last_w = wt[last_h];
        }
    }
    /* the others keep their order behind the best: each run of them
     * between two of the best moves up by the number of the best behind
     * it, the last run first (never onto a run not yet moved) */
    for (int i = 1; i < m; i++) {   /* positions in list order */
        int p = at[i], k = i;
        for (; k > 0 && at[k - 1] > p; k--)
            at[k] = at[k - 1];
        at[k] = p;
    }
    for (int k = m - 1; k >= 0; k--) {
        int from = k ? at[k - 1] + 1 : 0, len = at[k] - from;
        memmove(v + from + (m - k), v + from, (size_t)len * sizeof *v);
    }
    memcpy(v, best, (size_t)m * sizeof *best);
    free(best);
    x->ranked = m;
}

/* The list's host at k, ranking the rest first when k is beyond the
 * ranked head. */
static int ranked_at(sched_ctx *x, intvec *list, int k)
{
    if (k >= x->ranked)
        rank_rest(x, list);
    return list->v[k];
}

/* ---- filtering -----------------------------------------------------------------
 *
 * Nova runs each filter over the hosts the previous ones left.  A host's
 * fate is its own (a filter reads the request and that host), so novalid
 * runs the filters host by host instead: each host's state is read once
 * for all of them, not once per filter.  What is recorded is Nova's: an
 * event per filter in order, its rejections in the list's order, its in
 * and out counts, and no events after the filter that left no host.  A
 * filter that raises before looking at any host (bug 1746483) ends a
 * segment: the hosts must have gone through the filters before it to
 * know whether any reached it. */

/* A filter that raises when it starts with any host left. */
static bool raises_on_entry(const sched_ctx *x, const filter_desc *fd)
{
    return x->spec->is_bfv && x->c->conf.isolated_images.n &&
           !strcmp(fd->name, "IsolatedHostsFilter") && quirk_on(&x->c->conf, Q_BUG_1746483);
}

/* A run of filters over the hosts, host by host: its events are opened
 * first (in order), each host goes through them until one rejects it,
 * and closing it sets the counts and drops the events after a filter
 * that left no host. */
typedef struct filter_run {
    const filter_desc **seg;
    int ns;
    int *ev;                    /* each filter's event (trail index) */
    int *rejected;              /* hosts each rejected */
    int *act, nact;             /* the filters a host goes through: not those the
                                 * request alone says every host passes (idle) */
    unsigned char *fast;        /* act's enum filter_fast */
    /* every filter visited tells a passing host inline: which kinds */
    bool fast_only, fast_compute, fast_image;
    reject_reason why;          /* clean between hosts */
    /* held: the events are kept aside until filter_run_place() puts them
     * in the trail (Placement's loop filters before Nova would have, and
     * a cell narrowing may have to come first); the rejected hosts as
     * (host, filter, index in its event), recorded in the decision then */
    event *held;
    intvec pending;
} filter_run;

/* Open a run of the filters seg[0..ns): its events go in the trail now,
 * in the current pass, or are held (`hold`) until filter_run_place(). */
/* A filter's event in the trail, in the current pass; its index. */
static int filter_event(const filter_desc *fd, trail *t)
{
    dec_pass *dp = &dec_current(t)->pass[dec_current(t)->n_pass - 1];
    event *e = trail_add(t, EV_FILTER);
    if (dp->ev_first < 0)
        dp->ev_first = t->n - 1;
    dp->filters++;
    e->name = nv_strdup(fd->name);
    return t->n - 1;
}

static void filter_run_open(filter_run *fr, sched_ctx *x, const filter_desc **seg, int ns,
                            trail *t, bool hold)
{
    memset(fr, 0, sizeof *fr);
    fr->seg = seg;
    fr->ns = ns;
    fr->ev = nv_malloc((size_t)(ns ? ns : 1) * sizeof *fr->ev);
    fr->rejected = nv_calloc((size_t)(ns ? ns : 1), sizeof *fr->rejected);
    fr->act = nv_malloc((size_t)(ns ? ns : 1) * sizeof *fr->act);
    fr->fast = nv_malloc((size_t)(ns ? ns : 1));
    if (hold)
        fr->held = nv_calloc((size_t)(ns ? ns : 1), sizeof *fr->held);
    for (int k = 0; k < ns; k++) {
        if (!seg[k]->idle || !seg[k]->idle(x)) {   /* idle: every host passes, visit none */
            fr->fast[fr->nact] = (unsigned char)seg[k]->fast;
            fr->act[fr->nact++] = k;
        }
        fr->ev[k] = hold ? -1 : filter_event(seg[k], t);
    }
    fr->fast_only = true;
    for (int a = 0; a < fr->nact; a++) {
        fr->fast_only = fr->fast_only && fr->fast[a] != FF_NONE;
        fr->fast_compute = fr->fast_compute || fr->fast[a] == FF_COMPUTE;
        fr->fast_image = fr->fast_image || fr->fast[a] == FF_IMAGE;
    }
#ifdef NV_CHECK_STATES
    fr->fast_only = false;   /* sanitizer builds: every inline answer checked below */
#endif
}

/* Filter k of the run rejected the host: its reason into the record. */
static __attribute__((noinline)) void filter_run_reject(filter_run *fr, host_state *hs, int k,
                                                        trail *t)
{
    reject_reason *why = &fr->why;
    if (fr->held) {
        intvec_push(&fr->pending, hs->host);
        intvec_push(&fr->pending, k);
        intvec_push(&fr->pending, event_reject(&fr->held[k], hs->host, why));
    } else {
        int ev = fr->ev[k];
        dec_filter_reject(dec_current(t), hs->host, ev, event_reject(&t->v[ev], hs->host, why));
    }
    reason_reset(why);
    fr->rejected[k]++;
}

/* Whether every filter of a run passes a host inline, asked of many
 * hosts: the run's filters all have an inline answer (fast_only),
 * ComputeFilter's by the record's HOT_UP if it runs (by_compute),
 * ImagePropertiesFilter's by the image memo if it runs (by_image). */
typedef struct inline_pass {
    bool any;                   /* false: no host passes inline */
    unsigned char need;         /* the record's flags a host needs */
    bool by_image;
    const char *arch, *hv;      /* image_filter_passes_as_last(): the memo's host kind */
} inline_pass;

/* The question as the memo stands (ask again after it changed: the
 * filters' slow path may change it). */
static inline __attribute__((always_inline)) inline_pass
inline_pass_of(bool fast_only, bool by_compute, bool by_image, const sched_memo *m)
{
    return (inline_pass){
        .any = fast_only && (!by_image || m->fast_pass),
        .need = by_compute ? (unsigned char)HOT_UP : 0,
        .by_image = by_image,
        .arch = by_image ? m->seen_arch : NULL,
        .hv = by_image ? m->seen_hv : NULL,
    };
}

static inline __attribute__((always_inline)) bool inline_pass_host(const inline_pass *p,
                                                                    const host_hot *hh)
{
    return p->any && (hh->flags & p->need) == p->need &&
           (!p->by_image || (hh->cpu_arch == p->arch && hh->hypervisor_type == p->hv));
}

static inline __attribute__((always_inline)) bool
filters_pass_inline(bool fast_only, bool by_compute, bool by_image, const sched_memo *m,
                    const host_hot *hh)
{
    inline_pass p = inline_pass_of(fast_only, by_compute, by_image, m);
#ifdef NV_CHECK_STATES
    if (inline_pass_host(&p, hh) != (fast_only && (!by_compute || (hh->flags & HOT_UP)) &&
                                     (!by_image || image_filter_passes_as_last(m, hh))))
        nv_fatal("the prepared inline filter answer differs");
#endif
    return inline_pass_host(&p, hh);
}

/* One host through the run's filters; false if one rejected it (inlined:
 * every candidate comes through here). */
static inline __attribute__((always_inline)) bool filter_run_host(filter_run *fr, sched_ctx *x,
                                                                   host_state *hs, trail *t)
{
    reject_reason *why = &fr->why;
    const host_hot *hh = &x->hot[hs->host];
    /* the common case first: every filter visited passes the host inline
     * (else the loop below asks them in order, for the one that rejects) */
    if (filters_pass_inline(fr->fast_only, fr->fast_compute, fr->fast_image, x->memo, hh))
        return true;
    for (int a = 0; a < fr->nact; a++) {
        int k = fr->act[a];
        /* the passing hosts of the common filters, told without the call */
        bool passes = (fr->fast[a] == FF_COMPUTE && (hh->flags & HOT_UP)) ||
                      (fr->fast[a] == FF_IMAGE && image_filter_passes_as_last(x->memo, hh));
#ifdef NV_CHECK_STATES
        if (passes) {   /* sanitizer builds: the filter agrees */
            reject_reason chk = {0};
            if (!fr->seg[k]->pass(x, hs, &chk))
                nv_fatal("host %s: %s passes inline but not by its filter",
                         x->c->hosts.v[hs->host].name,
                         fr->seg[k]->name);
            reason_done(&chk);
        }
#endif
        if (passes)
            continue;
        if (fr->seg[k]->pass(x, hs, why)) {
            if (why->code != R_TEXT || why->buf[0].len || why->buf[1].len)
                reason_reset(why);   /* words written by a host that passed */
            continue;
        }
        filter_run_reject(fr, hs, k, t);
        return false;
    }
    return true;
}

/* filter_run_host() as a call, for the Placement loop's hosts that do
 * not pass inline (few: kept out of its registers) */
static __attribute__((noinline)) bool filter_run_host_call(filter_run *fr, sched_ctx *x,
                                                           host_state *hs, trail *t)
{
    return filter_run_host(fr, x, hs, t);
}

/* Held events into the trail, in the current pass, and the rejected hosts
 * into the decision. */
static void filter_run_place(filter_run *fr, trail *t)
{
    decision *d = dec_current(t);
    for (int k = 0; k < fr->ns; k++) {
        fr->ev[k] = filter_event(fr->seg[k], t);
        t->v[fr->ev[k]].rejected = fr->held[k].rejected;
        t->v[fr->ev[k]].strs = fr->held[k].strs;
    }
    free(fr->held);
    fr->held = NULL;
    for (int i = 0; i + 2 < fr->pending.n; i += 3) {
        int h = fr->pending.v[i], k = fr->pending.v[i + 1];
        dec_filter_reject(d, h, fr->ev[k], fr->pending.v[i + 2]);
    }
    intvec_free(&fr->pending);
}

static void filter_run_free(filter_run *fr)
{
    for (int k = 0; fr->held && k < fr->ns; k++) {
        free(fr->held[k].rejected.v);
        strlist_free(&fr->held[k].strs);
    }
    free(fr->held);
    intvec_free(&fr->pending);
    reason_done(&fr->why);
    free(fr->ev);
    free(fr->rejected);
    free(fr->act);
    free(fr->fast);
}

/* `in` hosts went through the run (its events in the trail): set each
 * event's counts and drop the events after the filter that left none, as
 * Nova stops there. */
static void filter_run_close(filter_run *fr, int in, trail *t)
{
    int last = fr->ns - 1;
    for (int k = 0; k < fr->ns; k++) {
        event *e = &t->v[fr->ev[k]];
        e->in = in;
        e->out = in - fr->rejected[k];
        in = e->out;
        if (!in) {
            last = k;
            break;
        }
    }
    if (last < fr->ns - 1) {
        trail_truncate(t, fr->ev[last] + 1);
        decision *d = dec_current(t);
        d->pass[d->n_pass - 1].filters -= fr->ns - 1 - last;
    }
    filter_run_free(fr);
}

/* Run filters seg[0..ns) over `list` host by host; false if emptied. */
static bool filter_segment(sched_ctx *x, intvec *list, const filter_desc **seg, int ns, trail *t)
{
    if (!ns)
        return true;
    filter_run fr;
    filter_run_open(&fr, x, seg, ns, t, false);
    int j = 0;
    for (int i = 0; i < list->n; i++) {
        hs_check(x, list->v[i]);
        if (filter_run_host(&fr, x, &x->hs[list->v[i]], t))
            list->v[j++] = list->v[i];
    }
    filter_run_close(&fr, list->n, t);
    list->n = j;
    return j > 0;
}

/* The filters of pass `idx` that run host by host before one that raises
 * on entry (*raiser, NULL if none), from enabled filter *f on. */
static int filter_seg_next(const sched_ctx *x, int idx, int *f, const filter_desc **seg,
                           const filter_desc **raiser)
{
    const nova_config *cf = &x->c->conf;
    int ns = 0;
    *raiser = NULL;
    for (; *f < cf->enabled_filters.n; (*f)++) {
        const filter_desc *fd = &filter_table[cf->enabled_filters.v[*f]];
        if ((fd->flags & F_ONCE) && idx > 0)
            continue;
        if (x->spec->rebuild && !(fd->flags & F_REBUILD))
            continue;
        if (raises_on_entry(x, fd)) {
            *raiser = fd;
            (*f)++;
            break;
        }
        seg[ns++] = fd;
    }
    return ns;
}

/* Filter `list` in place for instance index `idx`; false if emptied. */
static bool run_filters(sched_ctx *x, intvec *list, int idx, trail *t)
{
    const nova_config *cf = &x->c->conf;
    int nf = cf->enabled_filters.n;
    const filter_desc **seg = nv_malloc((size_t)(nf ? nf : 1) * sizeof *seg);
    bool ok = true;
    for (int f = 0; f < nf && ok;) {
        const filter_desc *raiser;
        int ns = filter_seg_next(x, idx, &f, seg, &raiser);
        ok = filter_segment(x, list, seg, ns, t);
        if (ok && raiser && list->n) {
            /* bug 1746483: the RequestSpec.image of a volume-backed server
             * has no id, and IsolatedHostsFilter read it (image_ref =
             * spec_obj.image.id): obj_load_attr raised before any host
             * passed */
            trail_quirk(t, "bug-1746483",
                        "IsolatedHostsFilter reads the image id of a volume-backed request");
            x->fatal = nv_strdup("Cannot load 'id' in the base class");
            x->fatal_exc = "NotImplementedError";
            list->n = 0;
            ok = false;
        }
    }
    free(seg);
    return ok;
}

/* Weigh `list` and rank its best hosts first; records a weigh event with
 * the weighers' block in the list's order. */
/* One host's raw values by the weighers wd[0..nk) into row, and the
 * weighers' lowest and highest so far (first: the first host). */
static void weigh_row(sched_ctx *x, const host_state *hs, const int *wcls, int nk, double *row,
                      double *lo, double *hi, bool first)
{
    for (int k = 0; k < nk; k++) {
        const weigher_desc *wd = &weigher_table[wcls[k]];
        double r;
        switch (wd->fast) {
        case WF_RAM: r = weigh_ram_raw(hs); break;
        case WF_CPU: r = weigh_cpu_raw(x, hs); break;
        case WF_DISK: r = weigh_disk_raw(hs); break;
        default: r = wd->raw(x, hs); break;
        }
        if (wd->minval0 && r < 0)
            r = 0;
        if (first || r < lo[k])
            lo[k] = r;
        if (first || r > hi[k])
            hi[k] = r;
        row[k] = r;
    }
}

/* Whether every weigher of wcls[0..nk) is computed inline (WF_*): none
 * raises, and they are read weigher by weigher, a column at a time. */
static bool weighers_inline(const int *wcls, int nk)
{
    for (int k = 0; k < nk; k++)
        if (weigher_table[wcls[k]].fast == WF_NONE)
            return false;
    return true;
}

/* weigh_row() for the hosts hosts[0..n), weigher by weigher (their rows
 * of raw, n x nk), each weigher one tight loop; the lowest and highest so
 * far in lo and hi (first: these are the first hosts).  Called on blocks
 * of hosts as Placement returns them, while their states are in the
 * cache, or on a whole list. */
/* The lowest and highest of each column of rows from..n-1 of three raw
 * values, row by row into l and u (weigh_bounds3() without the pairs). */
static void rows3_bounds_seq(const double *raw, int from, int n, double l[3], double u[3])
{
    for (int i = from; i < n; i++)
        for (int k = 0; k < 3; k++) {
            double r = raw[(size_t)i * 3 + (size_t)k];
            l[k] = r < l[k] ? r : l[k];
            u[k] = r > u[k] ? r : u[k];
        }
}

/* weigh_block() for Nova's default weighers in their default order (RAM,
 * CPU, disk): a host's three raw values in one pass, the same values and
 * the same lowest and highest as three columns give. */
static void weigh_block_default(const sched_ctx *x, const int *hosts, int n, const bool mv[3],
                                double *raw, double *lo, double *hi, bool first)
{
    const host_state *hs = x->hs;
    for (int i = 0; i < n; i++) {
        const host_state *h = &hs[hosts[i]];
        double r0 = weigh_ram_raw(h), r1 = weigh_cpu_raw(x, h), r2 = weigh_disk_raw(h);
        if (mv[0] && r0 < 0)
            r0 = 0;
        if (mv[1] && r1 < 0)
            r1 = 0;
        if (mv[2] && r2 < 0)
            r2 = 0;
        double *row = raw + (size_t)i * 3;
        row[0] = r0;
        row[1] = r1;
        row[2] = r2;
    }
    if (first && n) {   /* the first row of all: lowest and highest */
        memcpy(lo, raw, 3 * sizeof *lo);
        memcpy(hi, raw, 3 * sizeof *hi);
    }
    rows3_bounds_seq(raw, first ? 1 : 0, n, lo, hi);
}

static void weigh_block(const sched_ctx *x, const int *hosts, int n, const int *wcls, int nk,
                        double *raw, double *lo, double *hi, bool first)
{
    const host_state *hs = x->hs;
    for (int i = 0; i < n; i++)
        hs_check(x, hosts[i]);
    if (nk == 3 && weigher_table[wcls[0]].fast == WF_RAM &&
        weigher_table[wcls[1]].fast == WF_CPU && weigher_table[wcls[2]].fast == WF_DISK) {
        const bool mv[3] = {weigher_table[wcls[0]].minval0, weigher_table[wcls[1]].minval0,
                            weigher_table[wcls[2]].minval0};
        weigh_block_default(x, hosts, n, mv, raw, lo, hi, first);
        return;
    }
    for (int k = 0; k < nk; k++) {
        const weigher_desc *wd = &weigher_table[wcls[k]];
        double *col = raw + k;
        size_t step = (size_t)nk;
        double l = lo[k], u = hi[k];
        const bool minval0 = wd->minval0;
        /* one loop per weigher kind, the switch outside it; the lowest and
         * highest as weigh_row() finds them, host by host */
#define COLUMN(expr)                                                        \
    {                                                                       \
        const host_state *h;                                                \
        double r;                                                           \
        if (first && n) {   /* the first row of all: lowest and highest */  \
            h = &hs[hosts[0]];                                              \
            r = (expr);                                                     \
            l = u = minval0 && r < 0 ? 0 : r;                               \
        }                                                                   \
        for (int i = 0; i < n; i++) {                                       \
            h = &hs[hosts[i]];                                              \
            r = (expr);                                                     \
            if (minval0 && r < 0)                                           \
                r = 0;                                                      \
            col[(size_t)i * step] = r;                                      \
            if (r < l)                                                      \
                l = r;                                                      \
            if (r > u)                                                      \
                u = r;                                                      \
        }                                                                   \
    }
        switch (wd->fast) {
        case WF_RAM: COLUMN(weigh_ram_raw(h)); break;
        case WF_CPU: COLUMN(weigh_cpu_raw(x, h)); break;
        default: COLUMN(weigh_disk_raw(h)); break;
        }
#undef COLUMN
        lo[k] = l;
        hi[k] = u;
    }
}

void weigh_bounds3(const double *raw, int n, double lo[3], double hi[3])
{
    double l[3] = {raw[0], raw[1], raw[2]}, u[3] = {raw[0], raw[1], raw[2]};
    int i = 1;
#ifdef __SSE2__
    /* Two rows at a time, their six values in three registers (a0 a1,
     * a2 b0, b1 b2).  The least and the most of a column are the same
     * in any order, and either operand of a compare may come first,
     * unless a value is a NaN or -0.0 (equal to 0.0: the first seen is
     * kept), which only a NaN or -0.0 allocation ratio gives: then row
     * by row, from the second row again.  The values' sums tell a NaN
     * (the values are not negative: no inf - inf), their bits' union a
     * sign. */
    if (n >= 3) {
        const double *r = raw + 3;
        __m128d a = _mm_loadu_pd(r), b = _mm_loadu_pd(r + 2), c = _mm_loadu_pd(r + 4);
        __m128d la = a, lb = b, lc = c, ua = a, ub = b, uc = c;
        __m128d sa = a, sb = b, sc = c;
        __m128d bits = _mm_or_pd(_mm_or_pd(a, b), c);
        for (i = 3; i + 1 < n; i += 2) {
            r = raw + (size_t)i * 3;
            a = _mm_loadu_pd(r);
            b = _mm_loadu_pd(r + 2);
            c = _mm_loadu_pd(r + 4);
            la = _mm_min_pd(la, a);
            lb = _mm_min_pd(lb, b);
            lc = _mm_min_pd(lc, c);
            ua = _mm_max_pd(ua, a);
            ub = _mm_max_pd(ub, b);
            uc = _mm_max_pd(uc, c);
            sa = _mm_add_pd(sa, a);
            sb = _mm_add_pd(sb, b);
            sc = _mm_add_pd(sc, c);
            bits = _mm_or_pd(bits, a);
            bits = _mm_or_pd(bits, b);
            bits = _mm_or_pd(bits, c);
        }
        /* the first row and the last (odd) one count too */
        __m128d s = _mm_add_pd(_mm_add_pd(sa, sb), sc);
        bool bad = _mm_movemask_pd(_mm_cmpunord_pd(s, s)) || _mm_movemask_pd(bits);
        for (int k = 0; k < 3; k++)
            bad = bad || isnan(raw[k]) || signbit(raw[k]);
        for (int k = 0; k < 3 && i < n; k++)
            bad = bad || isnan(raw[(size_t)i * 3 + (size_t)k]) ||
                  signbit(raw[(size_t)i * 3 + (size_t)k]);
        if (bad) {
            i = 1;
        } else {
            /* the registers hold two rows of least and two of most
             * values, column by column as the rows are laid out */
            double m[12];
            _mm_storeu_pd(m, la);
            _mm_storeu_pd(m + 2, lb);
            _mm_storeu_pd(m + 4, lc);
            _mm_storeu_pd(m + 6, ua);
            _mm_storeu_pd(m + 8, ub);
            _mm_storeu_pd(m + 10, uc);
            rows3_bounds_seq(m, 0, 4, l, u);
        }
    }
#endif
    rows3_bounds_seq(raw, i, n, l, u);
    memcpy(lo, l, sizeof l);
    memcpy(hi, u, sizeof u);
#ifdef NV_CHECK_STATES
    double cl[3] = {raw[0], raw[1], raw[2]}, cu[3] = {raw[0], raw[1], raw[2]};
    rows3_bounds_seq(raw, 1, n, cl, cu);
    if (memcmp(cl, lo, sizeof cl) || memcmp(cu, hi, sizeof cu))
        nv_fatal("the weighers' bounds two rows at a time differ");
#endif
}

/* A host's weight from its three raw values r[0..2] with three uniform
 * weighers (lowest l, span s, multiplier m each): the parts added in
 * weigher order, as Nova does. */
static inline double weight_of_three(const double *r, const double l[3], const double s[3],
                                     const double m[3])
{
    double w = weigh_part(m[0], r[0], l[0], s[0], false);
    w = w + weigh_part(m[1], r[1], l[1], s[1], false);
    return w + weigh_part(m[2], r[2], l[2], s[2], false);
}

static void weigh_hosts(sched_ctx *x, intvec *list, trail *t)
{
    const cloud *c = x->c;
    const intvec *ws = &c->conf.weight_classes;
    int n = list->n, nk = ws->n;
    /* the raw values read as Placement returned the hosts, if this is
     * that list: the record takes them over */
    double *early_raw = n > 1 && x->early_raw && x->early_n == n ? x->early_raw : NULL;
    double *lo = nv_malloc((size_t)(nk ? nk : 1) * sizeof *lo);
    double *hi = nv_malloc((size_t)(nk ? nk : 1) * sizeof *hi);
    if (early_raw) {   /* their lowest and highest follow the rows */
        memcpy(lo, early_raw + (size_t)x->early_cap * (size_t)nk, (size_t)nk * sizeof *lo);
        memcpy(hi, early_raw + ((size_t)x->early_cap + 1) * (size_t)nk, (size_t)nk * sizeof *hi);
    } else {
        free(x->early_raw);
    }
    x->early_raw = NULL;   /* for this weighing only */
    event *e = trail_add(t, EV_WEIGH);
    for (int k = 0; k < nk; k++)
        strlist_push(&e->weighers, weigher_table[ws->v[k]].name);
    event_weights_alloc(e, n, nk, n > 1, early_raw);
    ev_weights *wb = &e->weights;
    memcpy(wb->host, list->v, (size_t)n * sizeof *list->v);
    if (n > 1) {
        /* host by host (each host's state read once); a weigher that
         * raises (the first to raise wins) makes it weigher by weigher,
         * as Nova goes, so that the same one wins */
        /* read as Placement returned the hosts (early_raw), else now */
        if (!early_raw && weighers_inline(ws->v, nk)) {
            weigh_block(x, list->v, n, ws->v, nk, wb->raw, lo, hi, true);
        } else if (!early_raw) {
            bool by_weigher = x->fatal != NULL;
            for (int i = 0; i < n; i++)
                hs_check(x, list->v[i]);
            if (!by_weigher) {
                for (int i = 0; i < n; i++)
                    weigh_row(x, &x->hs[list->v[i]], ws->v, nk, wb->raw + (size_t)i * (size_t)nk,
                              lo, hi, i == 0);
                if (x->fatal) {   /* again weigher by weigher */
                    free(x->fatal);
                    x->fatal = NULL;
                    x->fatal_exc = x->fatal_quirk = NULL;
                    by_weigher = true;
                }
            }
            for (int k = 0; by_weigher && k < nk; k++)
                for (int i = 0; i < n; i++)
                    weigh_row(x, &x->hs[list->v[i]], ws->v + k, 1,
                              wb->raw + (size_t)i * (size_t)nk + k, lo + k, hi + k, i == 0);
        }
        for (int k = 0; k < nk; k++) {
            if (weigher_table[ws->v[k]].minval0)
                lo[k] = 0;
        }
        double *mult = nv_malloc((size_t)nk * sizeof *mult);
        bool *uniform = nv_malloc((size_t)nk * sizeof *uniform);
        bool all_uniform = true;
        for (int k = 0; k < nk; k++) {
            uniform[k] = weigher_uniform(c, ws->v[k], &mult[k]);
            all_uniform = all_uniform && uniform[k];
        }
        /* the event keeps each weigher's normalisation and its readers
         * make the parts from the raw values (event_weigh_part), unless a
         * multiplier differs from host to host: then the parts are kept */
        if (all_uniform)
            wb->param = nv_malloc((size_t)(nk ? nk : 1) * sizeof *wb->param);
        else
            wb->part = nv_malloc((size_t)n * (size_t)nk * sizeof *wb->part);
        /* weigher by weigher, each a loop of its own; a host's weight adds
         * its parts in weigher order, as Nova does (0.0 + the first part is
         * that part: a part is never -0.0) */
        const double *raw = wb->raw;
        double *weight = wb->weight;
        size_t step = (size_t)nk;
        if (!nk)
            for (int i = 0; i < n; i++)
                weight[i] = 0.0;
        bool three = nk == 3 && all_uniform;   /* the RAM, CPU and disk weighers, say */
        for (int k = 0; k < nk && three; k++)
            three = lo[k] != hi[k];
        if (three) {
            /* one loop, a host's row at a time, the three parts added in
             * weigher order as below */
            const double l3[3] = {lo[0], lo[1], lo[2]};
            const double s3[3] = {hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};
            const double m3[3] = {mult[0], mult[1], mult[2]};
            for (int k = 0; k < 3; k++)
                wb->param[k] = (ev_wparam){l3[k], s3[k], m3[k], false};
            int i = 0;
#ifdef __SSE2__
            /* two hosts at a time, their six raw values in three registers
             * (a0 a1, a2 b0, b1 b2), a division for two parts: each part
             * and each sum is the same IEEE operation as below, in the
             * same order (checked in sanitizer builds) */
            const __m128d zero = _mm_setzero_pd();
            const __m128d lA = _mm_set_pd(l3[1], l3[0]), lB = _mm_set_pd(l3[0], l3[2]),
                          lC = _mm_set_pd(l3[2], l3[1]);
            const __m128d sA = _mm_set_pd(s3[1], s3[0]), sB = _mm_set_pd(s3[0], s3[2]),
                          sC = _mm_set_pd(s3[2], s3[1]);
            const __m128d mA = _mm_set_pd(m3[1], m3[0]), mB = _mm_set_pd(m3[0], m3[2]),
                          mC = _mm_set_pd(m3[2], m3[1]);
            for (; i + 1 < n; i += 2) {
                const double *r = raw + (size_t)i * 3;
                __m128d pa = _mm_add_pd(
                    _mm_mul_pd(mA, _mm_div_pd(_mm_sub_pd(_mm_loadu_pd(r), lA), sA)), zero);
                __m128d pb = _mm_add_pd(
                    _mm_mul_pd(mB, _mm_div_pd(_mm_sub_pd(_mm_loadu_pd(r + 2), lB), sB)), zero);
                __m128d pc = _mm_add_pd(
                    _mm_mul_pd(mC, _mm_div_pd(_mm_sub_pd(_mm_loadu_pd(r + 4), lC), sC)), zero);
                /* (p0 + p1) + p2 for each host */
                __m128d wa = _mm_add_sd(_mm_add_sd(pa, _mm_unpackhi_pd(pa, pa)), pb);
                __m128d wb2 = _mm_add_sd(_mm_add_sd(_mm_unpackhi_pd(pb, pb), pc),
                                         _mm_unpackhi_pd(pc, pc));
                weight[i] = _mm_cvtsd_f64(wa);
                weight[i + 1] = _mm_cvtsd_f64(wb2);
            }
#endif
            for (; i < n; i++)
                weight[i] = weight_of_three(raw + (size_t)i * 3, l3, s3, m3);
#ifdef NV_CHECK_STATES
            for (i = 0; i < n; i++) {
                double w = weight_of_three(raw + (size_t)i * 3, l3, s3, m3);
                if (memcmp(&w, &weight[i], sizeof w))
                    nv_fatal("host %s: its weight two at a time differs",
                             c->hosts.v[list->v[i]].name);
            }
#endif
        }
        for (int k = 0; k < nk && !three; k++) {
            double l = lo[k], span = hi[k] - lo[k], m = mult[k];
            bool flat = lo[k] == hi[k];
            const double *rk = raw + k;
            double *pk = wb->part ? wb->part + k : NULL;
            if (wb->param)
                wb->param[k] = (ev_wparam){l, span, m, flat};
            /* a loop per case, so that the constant ones fold */
#define PARTS(m_expr, flat_expr, keep)                                      \
    for (int i = 0; i < n; i++) {                                           \
        double p = weigh_part((m_expr), rk[(size_t)i * step], l, span, (flat_expr)); \
        if (keep)                                                           \
            pk[(size_t)i * step] = p;                                       \
        weight[i] = k ? weight[i] + p : p;                                  \
    }
            if (!uniform[k])
                PARTS(weigher_multiplier(c, ws->v[k], list->v[i]), flat, pk != NULL)
            else if (pk)
                PARTS(m, flat, true)
            else if (flat)
                PARTS(m, true, false)
            else
                PARTS(m, false, false)
#undef PARTS
        }
        free(mult);
        free(uniform);
        wb->unranked = true;
    }
    free(lo);
    free(hi);
    for (int i = 0; i < n; i++)
        x->wt[list->v[i]] = wb->weight[i];
    /* the list the Placement loop weighed as it found the hosts: their
     * rows were written then */
    dec_weighed(dec_current(t), t->n - 1, list->v, n, early_raw != NULL);
    /* enough for the subset, the claim and the alternates */
    const nova_config *cf = &c->conf;
    int64_t few = cf->host_subset_size + cf->max_attempts + 8;
    rank_top(x, list, few < n ? (int)few : n, wb->weight);
}

/* Nova's host_subset_size / shuffle choice: chosen host first. */
static void choose(sched_ctx *x, intvec *list)
{
    const nova_config *cf = &x->c->conf;
    if (list->n == 0)
        return;
    if (cf->shuffle_best_same_weighed_hosts) {
        int run = 1;
        while (run < list->n && x->wt[ranked_at(x, list, run)] == x->wt[list->v[0]])
            run++;
        for (int i = run - 1; i > 0; i--) {
            int j = nv_rng_below(x->rng, i + 1);
            int tmp = list->v[i];
            list->v[i] = list->v[j];
            list->v[j] = tmp;
        }
    }
    int sub = (int)(cf->host_subset_size < list->n ? cf->host_subset_size : list->n);
    if (sub < 1)
        sub = 1;
    int pick = nv_rng_below(x->rng, sub);
    if (sub > 1 || pick) {
        int chosen = ranked_at(x, list, pick);
        memmove(list->v + 1, list->v, (size_t)pick * sizeof *list->v);
        list->v[0] = chosen;
    }
}

/* ignore_hosts' narrowing: its event, and the record of the hosts it
 * removed (`gone`). */
static void narrow_ignored(const request_spec *s, const intvec *gone, trail *t)
{
    sbuf b = {0};
    for (int i = 0; i < s->ignore_hosts.n; i++)
        sbuf_addf(&b, "%s%s", i ? ", " : "", s->ignore_hosts.v[i]);
    trail_narrow(t, "ignore_hosts", &s->ignore_hosts, "Host filter ignoring hosts: %s",
                 b.s ? b.s : "");
    sbuf_free(&b);
    decision *d = dec_current(t);
    for (int i = 0; i < gone->n; i++)
        dec_narrowed(d, gone->v[i], DN_IGNORE, t->n - 1);
}

/* Host narrowing before filters (get_filtered_hosts); returns true if the
 * request is forced (filters skipped). */
static bool narrow(sched_ctx *x, intvec *list, trail *t)
{
    const request_spec *s = x->spec;
    const cloud *c = x->c;
    int j;
    decision *d = dec_current(t);
    if (s->dest_host) {
        j = 0;
        intvec gone = {0};
        for (int i = 0; i < list->n; i++)
            if (!strcmp(c->hosts.v[list->v[i]].name, s->dest_host))
                list->v[j++] = list->v[i];
            else
                intvec_push(&gone, list->v[i]);
        if (j != list->n) {
            strlist one = {0};
            strlist_push(&one, s->dest_host);
            trail_narrow(t, "requested_destination", &one,
                         "Requested destination %s: %d host(s) left", s->dest_host, j);
            strlist_free(&one);
            for (int i = 0; i < gone.n; i++)
                dec_narrowed(d, gone.v[i], DN_DEST, t->n - 1);
        }
        intvec_free(&gone);
        list->n = j;
    }
    if (s->ignore_hosts.n) {
        j = 0;
        intvec gone = {0};
        for (int i = 0; i < list->n; i++) {
            if (strlist_find_ci(&s->ignore_hosts, c->hosts.v[list->v[i]].name) >= 0) {
                intvec_push(&gone, list->v[i]);
                continue;
            }
            list->v[j++] = list->v[i];
        }
        narrow_ignored(s, &gone, t);
        intvec_free(&gone);
        list->n = j;
        if (!j)
            return false;
    }
    if (s->force_hosts.n || s->force_nodes.n) {
        j = 0;
        intvec gone = {0};
        for (int i = 0; i < list->n; i++) {
            const char *hn = c->hosts.v[list->v[i]].name;
            if ((s->force_hosts.n && strlist_find_ci(&s->force_hosts, hn) < 0) ||
                (s->force_nodes.n && strlist_find(&s->force_nodes, hn) < 0)) {
                intvec_push(&gone, list->v[i]);
                continue;
            }
            list->v[j++] = list->v[i];
        }
        list->n = j;
        for (int i = 0; i < gone.n; i++)
            dec_narrowed(d, gone.v[i], DN_FORCE, s->rebuild ? -1 : t->n);
        intvec_free(&gone);
        if (!s->rebuild) {
            if (j)
                trail_narrow(t, "force_hosts", s->force_hosts.n ? &s->force_hosts : &s->force_nodes,
                             "Host filter forcing available hosts to %s",
                           s->force_hosts.n ? s->force_hosts.v[0] : s->force_nodes.v[0]);
            else
                trail_narrow(t, "force_hosts", s->force_hosts.n ? &s->force_hosts : &s->force_nodes,
                             "No hosts matched due to not matching 'force_hosts' value of '%s'",
                           s->force_hosts.n ? s->force_hosts.v[0] : "");
            return true;
        }
    }
    return false;
}

/* Consumption within one request (consume_from_request). */
static void consume(sched_ctx *x, host_state *hs)
{
    hs_check(x, hs->host);
    const flavor *f = &x->c->flavors.v[x->spec->flavor];
    hs->free_ram_mb -= f->memory_mb;
    hs->free_disk_mb -= ((x->spec->is_bfv ? 0 : f->root_gb) + f->ephemeral_gb) * 1024;
    hs->vcpus_used += f->vcpus;
    hs->num_instances += 1;
    hs->num_io_ops += 1;
    cell_usage *cells = hs_cells(x, hs);
    if (x->numa.n && cells) {
        int assign[NUMA_MAX_CELLS];
        sbuf why = {0};
        if (numa_fit(x->c, hs->host, cells, &x->numa, assign, &why))
            numa_consume(cells, &x->numa, assign);
        sbuf_free(&why);
    }
    int *pci_free = hs_pci_free(x, hs);
    if (x->n_pci > 0 && pci_free)
        pci_fit(x->c, hs->host, pci_free, x->pci, x->n_pci, true, NULL);
    if (x->spec->group >= 0) {
        intvec_push(&x->group_hosts, hs->host);
        if (intvec_find(&hs->instances, x->instance) < 0) {
            hs_instances_own(x, hs);
            intvec_push(&hs->instances, x->instance);
        }
    }
}

/* One pass of narrowing, filters and weighers for instance `idx`
 * (`server`; -1 for the alternates pass). */
static void sorted_hosts(sched_ctx *x, intvec *list, int idx, int sid, trail *t)
{
    bool ran;
    if (x->prefiltered) {
        /* the filters ran as Placement returned the hosts (nothing to
         * narrow: scheduler_select checked) */
        x->prefiltered = false;
        ran = list->n > 0;
        if (x->narrowed_out) {   /* ignore_hosts left none: Nova returns before the filters */
            dec_current(t)->pass[dec_current(t)->n_pass - 1].passed = 0;
            return;
        }
    } else {
        /* the hosts come in the last pass's order, all of it ranked */
        rank_rest(x, list);
        dec_pass_begin(dec_current(t), sid);
        bool forced = narrow(x, list, t);
        dec_current(t)->pass[dec_current(t)->n_pass - 1].passed = list->n;
        if (!list->n)
            return;
        ran = forced || run_filters(x, list, idx, t);
    }
    dec_current(t)->pass[dec_current(t)->n_pass - 1].passed = list->n;
    if (!ran) {
        if (x->fatal)
            return;
        /* Nova logs which filters removed everything */
        trail_note(t, "Filtering removed all hosts for the request with instance ID '%s'",
                   x->c->servers.v[x->instance].name);
        return;
    }
    weigh_hosts(x, list, t);
    if (x->fatal) {
        list->n = 0;
        return;
    }
    choose(x, list);
}

bool sched_is_member(const sched_ctx *x, int sid)
{
    return x->is_member && sid >= 0 && sid < x->c->servers.n && x->is_member[sid];
}

/* ---- work space ----------------------------------------------------------------
 *
 * A decision needs per-host arrays (host states, weights, which
 * Placement pass a candidate came from).  Allocating and clearing them for
 * every decision cost more than the decision's own work on a large cloud
 * (fresh pages, then a memset of every host's state), so the cloud keeps
 * them between decisions: only `cand` and `built` must be all 0 on entry
 * (they are cleared when taken, a byte per host), and a host state is
 * written whole before it is read. */

struct sched_scratch {
    int cap;                    /* hosts the arrays have room for */
    host_state *hs;             /* on a cache line boundary (a state is one line) */
    void *hs_block;             /* what was allocated for hs */
    double *wt;
    unsigned char *cand;        /* 0: not a candidate, 1: first query, 2: fallback */
    unsigned char *built;       /* sched_ctx.hs_built */
    hs_devices *dev;
};

void sched_scratch_free(struct sched_scratch *s)
{
    if (!s)
        return;
    free(s->hs_block);
    free(s->wt);
    free(s->cand);
    free(s->built);
    free(s->dev);
    free(s);
}

static struct sched_scratch *scratch_take(cloud *c)
{
    struct sched_scratch *s = c->sched_scratch;
    if (!s)
        s = c->sched_scratch = nv_calloc(1, sizeof *s);
    int n = c->hosts.n ? c->hosts.n : 1;
    if (s->cap < n) {
        free(s->hs_block);
        free(s->wt);
        free(s->cand);
        free(s->built);
        free(s->dev);
        s->hs_block = nv_malloc((size_t)n * sizeof *s->hs + 64);
        s->hs = (host_state *)(((uintptr_t)s->hs_block + 63) & ~(uintptr_t)63);
        s->wt = nv_malloc((size_t)n * sizeof *s->wt);
        s->cand = nv_malloc((size_t)n);
        s->built = nv_malloc((size_t)n);
        s->dev = nv_malloc((size_t)n * sizeof *s->dev);
        s->cap = n;
    }
    memset(s->cand, 0, (size_t)n);
    memset(s->built, 0, (size_t)n);
    return s;
}

/* The cell narrowing: `dropped` candidates of cells other than `cell`
 * left out, its event and each such host's record. */
static void narrow_to_cell(const cloud *c, const char *cell, int dropped, trail *t)
{
    strlist one = {0};
    strlist_push(&one, cell);
    trail_narrow(t, "cell", &one, "Restricted to cell %s: %d host(s) of other cells left out", cell,
                 dropped);
    strlist_free(&one);
    decision *d = dec_current(t);
    for (int h = 0; h < c->hosts.n; h++)
        if ((d->host[h].fate == DF_CANDIDATE || d->host[h].fate == DF_NONE) &&
            strcmp(c->hosts.v[h].cell, cell) != 0)
            dec_narrowed(d, h, DN_CELL, t->n - 1);
}

/* What the filters take from the request alone: the instance's NUMA
 * topology and PCI requests, and the server group as
 * setup_instance_group loads it. */
static void request_once(sched_ctx *x)
{
    const cloud *c = x->c;
    const request_spec *spec = x->spec;
    x->numa_invalid = !numa_request(c, spec->flavor, spec->image, &x->numa, x->numa_error,
                                    sizeof x->numa_error);
    x->n_pci = pci_requests(c, spec->pci_flavor >= 0 ? spec->pci_flavor : spec->flavor, x->pci,
                            PCI_MAX_REQUESTS, x->pci_error, sizeof x->pci_error);
    if (spec->group >= 0) {
        x->is_member = nv_calloc((size_t)c->servers.n, 1);
        for (int s = 0; s < c->servers.n; s++) {
            const server *sv = &c->servers.v[s];
            if (sv->deleted || sv->group != spec->group)
                continue;
            intvec_push(&x->group_members, s);
            x->is_member[s] = 1;
            if (sv->host >= 0 && intvec_find(&x->group_hosts, sv->host) < 0)
                intvec_push(&x->group_hosts, sv->host);
        }
    }
}

/* Whether ignore_hosts names host h, case-insensitively as Nova compares
 * (host_manager._strip_ignore_hosts); `fold` holds the names' hashes. */
static inline bool ignored_host(const cloud *c, const strlist *ignore, const uint32_t *fold, int h)
{
    bool found = false;
    for (int i = 0; i < ignore->n && !found; i++)
        found = c->host_fold[h] == fold[i] && !strcasecmp(c->hosts.v[h].name, ignore->v[i]);
#ifdef NV_CHECK_STATES
    if (found != (strlist_find_ci(ignore, c->hosts.v[h].name) >= 0) ||
        c->host_fold[h] != name_fold_hash(c->hosts.v[h].name))
        nv_fatal("host %s: ignore_hosts answered by its name's hash differs", c->hosts.v[h].name);
#endif
    return found;
}

/* `early_ok`: filter and weigh as Placement returns hosts where Nova's
 * records allow it (the one way for users; sanitizer builds run the other
 * way too and compare, see scheduler_select()). */
static void select_hosts(cloud *c, request_spec *spec, nv_rng *rng, trail *t, sched_result *out,
                         bool early_ok)
{
    memset(out, 0, sizeof *out);
    /* a Placement query visits every host: its first pass blanks each
     * host's entry in the record as it goes (a return before it blanks
     * them all) */
    record_request(c, spec, t, spec->rebuild);

    pquery q;
    memset(&q, 0, sizeof q);
    q.in_tree = -1;
    sched_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.spec = spec;
    x.rng = rng;
    sched_memo memo;
    memset(&memo, 0, sizeof memo);
    x.memo = &memo;

    intvec list = {0};
    bool ok = true;
    struct sched_scratch *scr = scratch_take(c);
    x.hs = scr->hs;
    x.wt = scr->wt;
    x.dev = scr->dev;
    x.hs_built = scr->built;
    x.hot = cloud_hot(c);
    /* what a candidate asks: that of the query it came from (scr->cand) */
    int64_t cand_res[3][RC_COUNT];
    bool by_query = false;
    if (!spec->rebuild) {
        if (!request_filters(c, spec, &q, t, out)) {
            dec_hosts_blank(dec_current(t));
            pquery_done(&q);
            return;
        }
        spec_resources(c, spec, q.res);
        flavor_traits(c, spec, &q);
        isolate_aggregates(c, &q);
        const char *target = spec->dest_host ? spec->dest_host
                             : spec->force_hosts.n ? spec->force_hosts.v[0] : NULL;
        if (target || spec->force_nodes.n) {
            int h = target ? cloud_host_ci(c, target) : cloud_host(c, spec->force_nodes.v[0]);
            if (h < 0) {
                const char *node = spec->dest_node ? spec->dest_node
                                   : spec->force_nodes.n ? spec->force_nodes.v[0] : NULL;
                dec_hosts_blank(dec_current(t));
                fail(out, t, "NoValidHost", "No valid host was found. No such host - host: %s node: %s ",
                     target ? target : "None", node ? node : "None");
                pquery_done(&q);
                return;
            }
            if (c->conf.release >= REL_TRAIN)
                q.in_tree = h;
        }
        /* max_placement_results exists from Queens; Rocky and Stein drop it
         * for forced hosts (bug 1777591) until Train's in_tree; from Train
         * group / same_host / different_host hints drop it (bug 1827628) */
        q.limit = c->conf.release >= REL_QUEENS ? c->conf.max_placement_results : 0;
        bool lifts = spec->group >= 0 || kvlist_get(&spec->hints, "same_host") ||
                     kvlist_get(&spec->hints, "different_host");
        if (q.limit && lifts) {
            if (!quirk_on(&c->conf, Q_BUG_1827628))
                q.limit = 0;
            else
                trail_quirk(t, "bug-1827628",
                            "max_placement_results limits the candidates although the request "
                            "has a server group or same_host/different_host hints");
        }
        bool forced = spec->force_hosts.n || spec->force_nodes.n;
        if (q.limit && forced && c->conf.release < REL_TRAIN) {
            if (!quirk_on(&c->conf, Q_BUG_1777591))
                q.limit = 0;
            else
                trail_quirk(t, "bug-1777591",
                            "max_placement_results limits the candidates although a host is "
                            "forced");
        }

        request_once(&x);
        event *pe = trail_add(t, EV_PLACEMENT);
        int pe_ix = t->n - 1;
        decision *d = dec_current(t);
        d->ev_placement = pe_ix;
        intvec rej_ids = {0};
        record_placement(c, &q, pe);
        for (int i = 0; i < q.required.n; i++)
            intvec_push(&q.required_kind, (int)trait_kind(q.required.v[i]));
        for (int i = 0; i < q.forbidden.n; i++)
            intvec_push(&q.forbidden_kind, (int)trait_kind(q.forbidden.v[i]));
        query_shape(&q);
        /* pinned CPUs: a second query asks for VCPU instead (Train+) */
        const flavor *fv = &c->flavors.v[spec->flavor];
        bool fallback = q.res[RC_PCPU] > 0 && !c->conf.disable_fallback_pcpu_query &&
                        !kvlist_get(&fv->extra_specs, "resources:PCPU") &&
                        !kvlist_get(&fv->extra_specs, "resources:VCPU");
        memcpy(cand_res[1], q.res, sizeof q.res);
        int64_t *res2 = cand_res[2];
        memcpy(res2, q.res, sizeof q.res);
        res2[RC_PCPU] = 0;
        res2[RC_VCPU] = fv->vcpus;
        by_query = true;
        unsigned char *is_cand = scr->cand;
        reject_reason why = {0};
        /* The first pass's filters run on each candidate as Placement
         * returns it, while its host and host state are in the cache, when
         * nothing Nova does in between shows: no fallback query, no
         * requested or forced host, a settled view and no filter that
         * raises on entry.  A move's cell and ignored hosts are left out
         * here too (marked 4 and 5), a candidate the filters reject is
         * marked 3; the filter events are held (filter_run) until the
         * narrowings are in the trail, in Nova's order. */
        int found_all = 0;   /* candidates of both queries */
        /* ignore_hosts' names as name_fold_hash() gives them: a host's
         * name is read only when its hash is one of these */
        uint32_t *ign_fold = NULL;
        if (spec->ignore_hosts.n) {
            ign_fold = nv_malloc((size_t)spec->ignore_hosts.n * sizeof *ign_fold);
            for (int i = 0; i < spec->ignore_hosts.n; i++)
                ign_fold[i] = name_fold_hash(spec->ignore_hosts.v[i]);
        }
        const filter_desc **early_seg = NULL;
        filter_run early;
        /* the cell the request keeps to (interned, as the hosts' are) */
        const char *cell_only = spec->dest_cell && !spec->allow_cross_cell_move
                                    ? nv_intern(spec->dest_cell) : NULL;
        int early_dropped = 0;   /* candidates of other cells */
        intvec early_ignored = {0};   /* candidates ignore_hosts names */
        if (early_ok && !fallback && !c->no_settle && !spec->dest_host && !spec->force_hosts.n &&
            !spec->force_nodes.n && spec->instances.n > 0) {
            int nf = c->conf.enabled_filters.n, f = 0;
            const filter_desc *raiser;
            early_seg = nv_malloc((size_t)(nf ? nf : 1) * sizeof *early_seg);
            x.index = 0;
            x.instance = spec->instances.v[0];
            int ns = filter_seg_next(&x, 0, &f, early_seg, &raiser);
            if (raiser) {
                free(early_seg);
                early_seg = NULL;
            } else {
                filter_run_open(&early, &x, early_seg, ns, t, true);
            }
        }
        /* and the weighers read each host the filters leave, then too */
        const intvec *ws = &c->conf.weight_classes;
        int nk = ws->n, early_n = 0;
        double *early_raw = NULL;
        /* room for every host, then the lowest and highest values; the
         * weigh event keeps the rows used */
        /* the inline weighers read blocks of hosts (weigh_block) */
        bool by_block = weighers_inline(ws->v, nk);
        /* Nova's default weighers in their default order (each with
         * minval 0): the loop weighs each host itself, from the state it
         * has just built */
        bool by_three = nk == 3 && weigher_table[ws->v[0]].fast == WF_RAM &&
                        weigher_table[ws->v[1]].fast == WF_CPU &&
                        weigher_table[ws->v[2]].fast == WF_DISK;
        for (int k = 0; k < nk && by_three; k++)
            by_three = weigher_table[ws->v[k]].minval0;
        enum { BLOCK = 256, HOT_AHEAD = 32 };
        int block[BLOCK], n_block = 0;
        if (early_seg && nk)
            early_raw = nv_malloc(((size_t)c->hosts.n + 2) * (size_t)nk * sizeof *early_raw);
        double *early_lo = early_raw ? early_raw + (size_t)c->hosts.n * (size_t)nk : NULL;
        double *early_hi = early_raw ? early_lo + nk : NULL;
        /* one query: the candidates come in host order, so the loop
         * lists them (the event's, the filters' and the record's) as it
         * finds them, and every other host is one Placement refused */
        bool single = !fallback;
        intvec cands = {0};
        if (single) {
            intvec_reserve(&cands, c->hosts.n);
            intvec_reserve(&list, c->hosts.n);
        }
        for (int pass = 0; pass < (fallback ? 2 : 1); pass++) {
            if (pass) {
                memcpy(q.res, res2, sizeof q.res);
                trail_note(t, "Placement: no pinning translation for the fallback query: "
                              "VCPU:%d instead of PCPU", fv->vcpus);
                pe = &t->v[pe_ix];   /* the note may have moved the events */
            }
            placement_fit_prepare(c, q.res, &q.fit);
            q.hot = x.hot;
            int found = 0;
            const int limit = (int)q.limit, most = limit ? limit : INT_MAX;   /* it returns */
            /* narrowed here rather than after the filters: a cell, ignored hosts */
            const bool cell_early = early_seg && cell_only,
                       ignore_early = early_seg && spec->ignore_hosts.n;
            reason_reset(&why);   /* clean: a host that fits writes nothing in it */
            /* the common query (no tree, no trait but the disabled one
             * forbidden, records to fit by) told from the record with its
             * numbers held here: placement_candidate() kept reading them
             * from q, as the loop's stores might have changed them */
            const bool quick_q = q.in_tree < 0 && q.fit.hot &&
                                 (q.shape == Q_PLAIN || q.shape == Q_NOT_DISABLED);
            const int64_t nd0 = q.fit.need[0], nd1 = q.fit.need[1], nd2 = q.fit.need[2],
                          nd3 = q.fit.need[3];
            const unsigned ok_flags = q.shape == Q_PLAIN ? 0u : (unsigned)HOT_NO_TRAITS;
            const unsigned later_flags = q.shape == Q_PLAIN ? 0u : (unsigned)HOT_STATUS_DISABLED;
            /* and what the loop reads of the cloud and the record, held
             * here too: is_cand[] is bytes, which may alias anything, so
             * each store to it had these read again */
            const int n_hosts = c->hosts.n;
            const host_hot *hot = x.hot;
            dec_host *const dh = d->host;
            /* filter_run_host()'s inline answer, asked again when its slow
             * path may have changed the image memo */
            const bool early_fast = early_seg && early.fast_only,
                       early_compute = early_fast && early.fast_compute,
                       early_image = early_fast && early.fast_image;   /* read if opened */
            const sched_memo *const image_memo = x.memo;
            inline_pass ip = inline_pass_of(early_fast, early_compute, early_image, image_memo);
            const int weigh_pass = d->n_pass + 1;   /* dec_pass_begin() below */
            /* the loop lists (and weighs) the hosts the filters leave */
            const bool list_rows = single && early_raw, weigh_three = early_raw && by_three;
            /* one instance, everything inline: only the claimed host's
             * state is read (a later pass, for another instance or the
             * alternates, reads them all) */
            x.hs_lazy = weigh_three && spec->instances.n == 1 && spec->num_instances == 1;
            bool view_ok = c->view_valid;
            for (int h = 0; h < n_hosts; h++) {
                if (!pass)   /* its entry in the record (record_request()) */
                    dec_entry_blank(&dh[h]);
                else if (is_cand[h])   /* the first query's candidate */
                    continue;
                /* the hot records 4 KB ahead, asked for now: the loop
                 * is bound by reading them, and the hardware's own
                 * prefetching did not keep up (at 100,000 hosts the boot
                 * decision went from about 4.8 to 4.4 ms).  The address
                 * is reckoned as an integer: past the array's end near
                 * the end (a prefetch never faults). */
                uintptr_t ahead = (uintptr_t)&hot[h] + HOT_AHEAD * sizeof *hot;
                __builtin_prefetch((const void *)ahead);
                __builtin_prefetch((const void *)(ahead + 64));
                bool cand;
                if (quick_q) {
                    const host_hot *r = &hot[h];
                    unsigned f = r->flags;
                    bool fit = (nd0 <= r->room[0]) & (nd1 <= r->room[1]) & (nd2 <= r->room[2]) &
                               (nd3 <= r->room[3]);
                    if (fit && (f & ok_flags) == ok_flags)
                        cand = true;
                    else if (fit ? (f & later_flags) : (f & HOT_EXACT))
                        cand = false;   /* refused by the record: why asked below */
                    else if (!(cand = placement_candidate_call(c, &q, h, &why)))
                        reason_reset(&why);   /* why: asked below */
#ifdef NV_CHECK_STATES
                    reject_reason chk = {0};
                    if (cand != placement_candidate(c, &q, h, &chk, true))
                        nv_fatal("host %s: the inline Placement answer differs",
                                 c->hosts.v[h].name);
                    reason_done(&chk);
#endif
                } else if (!(cand = placement_candidate_call(c, &q, h, &why))) {
                    reason_reset(&why);   /* why: asked below */
                }
                if (cand) {
                    if (found >= most) {
                        if (!pass)
                            intvec_push(&rej_ids, -1 - h);   /* over the limit */
                        continue;
                    }
                    found++;
                    is_cand[h] = (unsigned char)(pass + 1);
                    if (single)
                        cands.v[cands.n++] = h;   /* room made above */
                    if (cell_early && hot[h].cell != cell_only) {
                        is_cand[h] = 4;   /* left out before the filters */
                        early_dropped++;
                        if (single)
                            dec_candidate(d, h);   /* narrowed below */
                        continue;
                    }
                    if (ignore_early && ignored_host(c, &spec->ignore_hosts, ign_fold, h)) {
                        is_cand[h] = 5;   /* ignored, before the filters */
                        intvec_push(&early_ignored, h);
                        if (single)
                            dec_candidate(d, h);
                        continue;
                    }
                    /* its host state now, while its host is in the cache
                     * (the view first: the compute nodes' stats feed it) */
                    if (!view_ok) {
                        cloud_refresh_view(c);
                        x.hot = hot = cloud_hot(c);   /* the same array, io_workload current */
                        view_ok = true;
                    }
                    if (!x.hs_lazy)
                        build_host_state(&x, h, &x.hs[h]);
                    /* weigh_block_default()'s values, from the numbers
                     * the host's state has (or would have) */
                    double r0 = 0, r1 = 0, r2 = 0;
                    if (weigh_three) {
                        const host_hot *hh = &hot[h];
                        r0 = ram_raw_of(hh->free_ram_mb);
                        r1 = cpu_raw_of(hh->vcpus_total, hh->cpu_ratio, hh->vcpus_used);
                        r2 = disk_raw_of(hh->free_disk_mb);
                        r0 = r0 < 0 ? 0 : r0;   /* minval 0 */
                        r1 = r1 < 0 ? 0 : r1;
                        r2 = r2 < 0 ? 0 : r2;
                    }
                    x.wt[h] = 0.0;
                    if (early_seg && !inline_pass_host(&ip, &hot[h])) {
                        bool passes = filter_run_host_call(&early, &x, hs_of(&x, h), t);
                        ip = inline_pass_of(early_fast, early_compute, early_image, image_memo);
                        if (!passes) {
                            is_cand[h] = 3;   /* filter_run_place records which */
                            continue;
                        }
                    }
#ifdef NV_CHECK_STATES
                    if (early_seg && inline_pass_host(&ip, &hot[h]) !=
                                         filters_pass_inline(early_fast, early_compute,
                                                             early_image, image_memo, &hot[h]))
                        nv_fatal("host %s: the held inline filter answer is stale",
                                 c->hosts.v[h].name);
#endif
                    if (list_rows) {   /* weighed as this list, in this order */
                        list.v[list.n++] = h;
                        dec_entry_candidate_row(&dh[h], list.n, weigh_pass);
                    } else if (single) {
                        dec_entry_candidate(&dh[h]);
                        list.v[list.n++] = h;
                    }
                    if (weigh_three) {   /* their bounds after the loop */
                        double *row = early_raw + (size_t)early_n++ * 3;
                        row[0] = r0;
                        row[1] = r1;
                        row[2] = r2;
                    } else if (early_raw && by_block) {
                        block[n_block++] = h;
                        if (n_block == BLOCK) {
                            weigh_block(&x, block, n_block, ws->v, nk,
                                        early_raw + (size_t)early_n * (size_t)nk, early_lo,
                                        early_hi, early_n == 0);
                            early_n += n_block;
                            n_block = 0;
                        }
                    } else if (early_raw) {
                        weigh_row(&x, &x.hs[h], ws->v, nk, early_raw + (size_t)early_n * (size_t)nk,
                                  early_lo, early_hi, early_n == 0);
                        early_n++;
                    }
                } else if (!pass) {
                    intvec_push(&rej_ids, h);   /* why: asked below */
                }
            }
            found_all += found;
        }
        if (n_block) {   /* the last block */
            weigh_block(&x, block, n_block, ws->v, nk, early_raw + (size_t)early_n * (size_t)nk,
                        early_lo, early_hi, early_n == 0);
            early_n += n_block;
        }
        if (early_raw && by_three && early_n) {
            weigh_bounds3(early_raw, early_n, early_lo, early_hi);
#ifdef NV_CHECK_STATES
            /* the same rows and bounds as weigh_row() gives on the hosts'
             * states (made here: lazy ones may not be built) */
            double *chk = nv_malloc(((size_t)early_n + 2) * 3 * sizeof *chk);
            for (int i = 0; i < early_n && i < list.n; i++) {
                host_state st;
                host_state_fields(&x, list.v[i], &st);
                weigh_row(&x, &st, ws->v, nk, chk + (size_t)i * 3, chk + (size_t)early_n * 3,
                          chk + (size_t)early_n * 3 + 3, i == 0);
            }
            if (!single || list.n != early_n ||
                memcmp(chk, early_raw, (size_t)early_n * 3 * sizeof *chk) ||
                memcmp(chk + (size_t)early_n * 3, early_lo, 3 * sizeof *chk) ||
                memcmp(chk + (size_t)early_n * 3 + 3, early_hi, 3 * sizeof *chk))
                nv_fatal("the Placement loop's weights differ from weigh_block()'s");
            free(chk);
#endif
        }
        /* The first query's rejected hosts, in host order, say why now
         * (the fallback's candidates drop out): many were refused by
         * their hot records alone, and reading each host in the loop
         * cost a cache miss; here the hosts are asked for a few ahead. */
        if (fallback) {
            memcpy(q.res, cand_res[1], sizeof q.res);
            placement_fit_prepare(c, q.res, &q.fit);
        }
        enum { HOST_AHEAD = 8 };
        /* rej_ids: h, or -1 - h for a host over the limit */
#define REJ_HOST(e) ((e) < 0 ? -1 - (e) : (e))
        event_rejects_reserve(pe, rej_ids.n);
        for (int i = 0; i < rej_ids.n; i++) {
            if (i + 2 * HOST_AHEAD < rej_ids.n) {
                /* the record further ahead: the loop above has moved on
                 * from the first records, and whether the host is read
                 * depends on its flags */
                int ah = REJ_HOST(rej_ids.v[i + 2 * HOST_AHEAD]);
                __builtin_prefetch(&x.hot[ah]);
                __builtin_prefetch((const char *)&x.hot[ah] + 64);
            }
            if (i + HOST_AHEAD < rej_ids.n) {
                int ah = REJ_HOST(rej_ids.v[i + HOST_AHEAD]);
                /* the fit reads the host's first 120 bytes: three lines
                 * when the host does not start a line (none when its
                 * record says why) */
                if (!q.fit.hot || !(x.hot[ah].flags & HOT_REASON) || q.in_tree >= 0) {
                    const char *hp = (const char *)&c->hosts.v[ah];
                    __builtin_prefetch(hp);
                    __builtin_prefetch(hp + 64);
                    __builtin_prefetch(hp + 119);
                    __builtin_prefetch(c->usage + (size_t)ah * RC_COUNT);
                }
            }
            int e = rej_ids.v[i], h = REJ_HOST(e);
            if (is_cand[h])
                continue;
            if (e < 0) {
                why.code = R_PL_LIMIT;
                why.i[0] = q.limit;
            } else if (record_refusal(&q, h, &why)) {
                /* by its record (still in the cache), not the host */
#ifdef NV_CHECK_STATES
                /* the numbers a code does not use stay as they were
                 * (reason_reset() leaves them): the same on both sides */
                reject_reason gen = {0};
                memcpy(gen.i, why.i, sizeof gen.i);
                memcpy(gen.d, why.d, sizeof gen.d);
                if (placement_candidate(c, &q, h, &gen, false) || gen.code != why.code ||
                    strcmp(gen.buf[0].s ? gen.buf[0].s : "", why.buf[0].s ? why.buf[0].s : "") ||
                    memcmp(gen.i, why.i, sizeof gen.i) || memcmp(gen.d, why.d, sizeof gen.d))
                    nv_fatal("host %s: its record's refusal differs", c->hosts.v[h].name);
                reason_done(&gen);
#endif
            } else if (placement_candidate(c, &q, h, &why, false)) {
                nv_fatal("host %s: Placement refused it, then did not", c->hosts.v[h].name);
            }
            dec_placement_reject(d, h, pe_ix, event_reject(pe, h, &why));
            reason_reset(&why);
        }
#undef REJ_HOST
        if (fallback) {   /* as the last query left it */
            memcpy(q.res, res2, sizeof q.res);
            placement_fit_prepare(c, q.res, &q.fit);
        }
        reason_done(&why);
        intvec_free(&rej_ids);
        int n_cand = 0;
        if (single) {
            /* the loop listed them; their room given back */
            n_cand = cands.n;
            intvec_free(&pe->candidates);
            pe->candidates = cands;
            pe->candidates.cap = cands.n ? cands.n : 1;
            pe->candidates.v = nv_realloc(cands.v, (size_t)pe->candidates.cap * sizeof *cands.v);
        } else {
            /* room for every candidate, before the pushes */
            intvec_reserve(&pe->candidates, pe->candidates.n + found_all);
            intvec_reserve(&list, list.n + found_all);
        }
#ifdef NV_CHECK_STATES
        for (int h = 0; h < c->hosts.n && single; h++)
            if (!is_cand[h] && d->host[h].fate != DF_PLACEMENT)
                nv_fatal("host %s: neither a candidate nor refused by Placement",
                         c->hosts.v[h].name);
#endif
        for (int h = 0; h < c->hosts.n && !single; h++)
            if (is_cand[h]) {
                n_cand++;
                pe->candidates.v[pe->candidates.n++] = h;   /* room made above */
                if (is_cand[h] == 3)
                    continue;   /* a filter rejected it (filter_run_place records which) */
                dec_candidate(d, h);
                if (is_cand[h] < 4)   /* 4, 5: of another cell, ignored: narrowed below */
                    list.v[list.n++] = h;
            } else if (d->host[h].fate != DF_PLACEMENT) {
                d->host[h].fate = DF_NOT_CANDIDATE;
            }
        d->candidates = n_cand;
        pe->in = c->hosts.n;
        pe->out = n_cand;
        if (early_seg) {
            if (n_cand) {
                /* in Nova's order: the cell, the pass with its narrowing,
                 * then the filters if a host is left */
                if (early_dropped)
                    narrow_to_cell(c, cell_only, early_dropped, t);
                dec_pass_begin(d, x.instance);
                if (spec->ignore_hosts.n)
                    narrow_ignored(spec, &early_ignored, t);
                int in = n_cand - early_dropped - early_ignored.n;
                if (in) {
                    filter_run_place(&early, t);
                    filter_run_close(&early, in, t);
                } else {
                    filter_run_free(&early);
                    x.narrowed_out = true;   /* no filters ran, nothing to say */
                }
            } else {
                filter_run_free(&early);
            }
            free(early_seg);
            x.prefiltered = n_cand > 0;
            /* a weigher that raised, or too few hosts to weigh: Nova would
             * not have weighed like this, weigh_hosts() goes its own way */
            if (early_raw && (x.fatal || early_n < 2)) {
                free(x.fatal);
                x.fatal = NULL;
                x.fatal_exc = x.fatal_quirk = NULL;
                free(early_raw);
                early_raw = NULL;
                for (int i = 0; i < list.n; i++)   /* weigh_hosts() reads the states */
                    hs_of(&x, list.v[i]);
            }
            x.early_raw = early_raw;
            x.early_n = early_n;
            x.early_cap = c->hosts.n;
        }
        intvec_free(&early_ignored);
        free(ign_fold);
        if (!n_cand) {
            trail_note(t, "Got no allocation candidates from the Placement API. This could be due "
                          "to insufficient resources or a temporary occurrence as compute nodes "
                          "start up.");
            fail(out, t, "NoValidHost", "No valid host was found. ");
            goto done;
        }
    } else {
        request_once(&x);
        for (int h = 0; h < c->hosts.n; h++)
            intvec_push(&list, h);
    }

    /* only the cells the request may use get host states (host_manager
     * _get_computes_for_cells): the requested cell unless cross-cell
     * (Placement's loop did it when it filtered) */
    if (spec->dest_cell && !spec->allow_cross_cell_move && !x.prefiltered) {
        int j = 0, dropped = 0;
        for (int i = 0; i < list.n; i++) {
            if (strcmp(c->hosts.v[list.v[i]].cell, spec->dest_cell) != 0) {
                dropped++;
                continue;
            }
            list.v[j++] = list.v[i];
        }
        list.n = j;
        if (dropped)
            narrow_to_cell(c, spec->dest_cell, dropped, t);
    }

    /* host states: the candidates' were built as Placement returned them,
     * a rebuild (no Placement query) builds every host's */
    x.ranked = list.n;   /* nothing weighed yet: the list's order stands */
    if (spec->rebuild) {
        if (!c->view_valid) {
            cloud_refresh_view(c);
            x.hot = cloud_hot(c);
        }
        for (int i = 0; i < list.n; i++) {
            build_host_state(&x, list.v[i], &x.hs[list.v[i]]);
            x.wt[list.v[i]] = 0.0;
        }
    }
    if (c->no_settle)
        note_stale_view(&x, &list, x.hs, t);

    int64_t res[RC_COUNT];
    spec_resources(c, spec, res);
    int claimed = 0;
    for (int i = 0; i < spec->instances.n && ok; i++) {
        x.index = i;
        x.instance = spec->instances.v[i];
        sorted_hosts(&x, &list, i, x.instance, t);
        if (x.fatal) {
            for (int k = 0; k < claimed && !spec->rebuild; k++)
                placement_delete(c, CONSUMER_SERVER, spec->instances.v[k], out->hosts.v[k]);
            intvec_free(&out->hosts);
            if (x.fatal_quirk) {
                int qi = quirk_from_name(x.fatal_quirk);
                trail_quirk(t, x.fatal_quirk, qi >= 0 ? quirk_table[qi].summary : "");
            }
            fail(out, t, x.fatal_exc ? x.fatal_exc : "ComputeHostMetricNotFound", "%s", x.fatal);
            goto done;
        }
        if (!list.n)
            break;
        int got = -1;
        for (int k = 0; k < list.n; k++) {
            int h = ranked_at(&x, &list, k);
            if (spec->rebuild) {
                got = h;
                break;
            }
            if (!scr->cand[h])   /* not a Placement candidate */
                continue;
            hs_of(&x, h);   /* before a claim changes its usage */
            const int64_t *want = by_query ? cand_res[scr->cand[h]] : res;
            bool cl = placement_claim(c, CONSUMER_SERVER, x.instance, h, want);
            event *ce = trail_add(t, EV_CLAIM);
            ce->host = nv_strdup(c->hosts.v[h].name);
            ce->ok = cl;
            dec_claim(dec_current(t), h, cl);
            if (!cl) {
                char buf[256];
                placement_fits(c, h, want, buf, sizeof buf);
                ce->message = nv_strdup(buf);
            }
            if (cl) {
                x.claimed = true;
                got = h;
                break;
            }
        }
        if (got < 0) {
            trail_note(t, "Unable to successfully claim against any host.");
            break;
        }
        intvec_push(&out->hosts, got);
        claimed++;
        consume(&x, &x.hs[got]);
    }

    if (claimed != spec->num_instances) {
        /* ensure_sufficient_hosts: undo this request's claims (a rebuild
         * made none) */
        for (int i = 0; i < claimed && !spec->rebuild; i++)
            placement_delete(c, CONSUMER_SERVER, spec->instances.v[i], out->hosts.v[i]);
        trail_note(t, "There are %d hosts available but %d instances requested to build.",
                   claimed, spec->num_instances);
        intvec_free(&out->hosts);
        fail(out, t, "NoValidHost",
             "No valid host was found. There are not enough hosts available.");
        goto done;
    }

    /* alternates */
    out->n_alternates = claimed;
    out->alternates = nv_calloc((size_t)claimed, sizeof *out->alternates);
    int num_alts = spec->return_alternates ? (int)c->conf.max_attempts - 1 : 0;
    if (num_alts > 0 && claimed > 1) {
        x.index = claimed - 1;
        trail_note(t, "Alternates: the hosts are filtered and weighed once more (pass %d) to "
                      "pick up to %d alternate(s) per instance", dec_current(t)->n_pass + 1, num_alts);
        sorted_hosts(&x, &list, claimed - 1, -1, t);
    }
    for (int i = 0; i < claimed; i++) {
        int sel = out->hosts.v[i];
        const char *cell = c->hosts.v[sel].cell;
        for (int k = 0; k < list.n && out->alternates[i].n < num_alts; k++) {
            int h = ranked_at(&x, &list, k);
            if (intvec_find(&out->hosts, h) >= 0 || strcmp(c->hosts.v[h].cell, cell) != 0)
                continue;
            if (!scr->cand[h])
                continue;
            intvec_push(&out->alternates[i], h);
        }
        event *se = trail_add(t, EV_SELECT);
        dec_select(dec_current(t), spec->instances.v[i], sel, &out->alternates[i]);
        se->host = nv_strdup(c->hosts.v[sel].name);
        se->name = nv_strdup(c->servers.v[spec->instances.v[i]].name);
        for (int k = 0; k < out->alternates[i].n; k++)
            strlist_push(&se->hosts, c->hosts.v[out->alternates[i].v[k]].name);
    }
    out->ok = true;
done:
    for (int i = 0; i < x.owning.n; i++) {
        int h = x.owning.v[i];
        if (x.hs[h].own_instances)
            intvec_free(&x.hs[h].instances);
        if (c->hosts.v[h].n_cells || c->hosts.v[h].n_pci) {
            free(x.dev[h].cells);
            free(x.dev[h].pci_free);
        }
    }
    intvec_free(&x.owning);
    if (x.n_pci > 0)
        pci_requests_free(x.pci, x.n_pci);
    intvec_free(&x.group_hosts);
    intvec_free(&x.group_members);
    free(x.is_member);
    free(x.fatal);
    free(x.early_raw);   /* not weighed after all */
    sched_memo_done(&memo);
    intvec_free(&list);
    pquery_done(&q);
}

#ifdef NV_CHECK_STATES
/* What a decision leaves: its events as JSON, every host's fate as read,
 * the summary, and the hosts chosen. */
static char *decision_print(const trail *t, const cloud *c, int from, const sched_result *r)
{
    sbuf b = {0};
    trail_json(t, from, t->n, &b);
    int first, nd = dec_in_range(t, from, t->n, &first);
    for (int d = first; d < first + nd; d++)
        for (int h = 0; h < c->hosts.n; h++) {
            sbuf_addc(&b, '\n');
            dec_host_fate(t, c, from, d, t->n, h, true, &b);
        }
    sbuf_addc(&b, '\n');
    dec_summary(t, c, from, t->n, &b);
    sbuf_addf(&b, "\nok=%d", r->ok);
    for (int i = 0; i < r->hosts.n; i++) {
        sbuf_addf(&b, " %d:", r->hosts.v[i]);
        for (int k = 0; r->alternates && k < r->alternates[i].n; k++)
            sbuf_addf(&b, " %d", r->alternates[i].v[k]);
    }
    return sbuf_take(&b);
}
#endif

void scheduler_select(cloud *c, request_spec *spec, nv_rng *rng, trail *t, sched_result *out)
{
#ifdef NV_CHECK_STATES
    /* Sanitizer builds: the same request the other way (each filter over
     * the whole list after Placement, as Nova goes), on a copy, must leave
     * the same records, the same choice and the same random draws. */
    cloud *copy = cloud_clone(c);
    trail other = {0};
    nv_rng rng_other = *rng;
    sched_result r_other;
    select_hosts(copy, spec, &rng_other, &other, &r_other, false);
    int from = t->n;
    select_hosts(c, spec, rng, t, out, true);
    char *a = decision_print(t, c, from, out), *b = decision_print(&other, copy, 0, &r_other);
    if (strcmp(a, b) != 0 || memcmp(rng, &rng_other, sizeof *rng) != 0)
        nv_fatal("scheduler: the decision differs when filtered as Placement returns hosts:\n"
                 "%s\n--- filtered after Placement:\n%s", a, b);
    free(a);
    free(b);
    sched_result_done(&r_other);
    trail_free(&other);
    cloud_free(copy);
#else
    select_hosts(c, spec, rng, t, out, true);
#endif
}
