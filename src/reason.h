/*
 * reason.h - why a host was rejected, as data: a reason code and the
 * numbers and names it needs, rendered as words only when read.
 *
 * REASON_TABLE is the one definition of every code: its name and its
 * format.  A format is literal text with fields in braces:
 *   {h}           the rejected host's name
 *   {s0} {s1}     the reason's names (a group, an image's wishes, a list)
 *   {i0} .. {i4}  its integers (int64, as %lld)
 *   {d0} {d1}     its doubles (shortest round-trip, as Python's repr)
 *   {rc0}         the resource class whose index is i0
 * reason_format() is the only place that turns a code into text: the text
 * trail, the JSON output, "why not", the matrix and what-if all call it.
 *
 * While a filter or Placement decides, a `reason` borrows its names (or
 * writes them into its two scratch buffers); the trail keeps them as
 * indexes into the event's string pool (trail.h ev_reject).
 */
#ifndef NOVALID_REASON_H
#define NOVALID_REASON_H

#include <stdint.h>

#include "util.h"

#define REASON_TABLE(X)                                                                        \
    X(R_TEXT, "{s0}")                                                                          \
    X(R_PL_NO_INVENTORY, "{rc0}: no inventory (requested {i1})")                               \
    X(R_PL_MAX_UNIT, "{rc0}: requested {i1} > max_unit {i2}")                                  \
    X(R_PL_MIN_UNIT, "{rc0}: requested {i1} < min_unit {i2}")                                  \
    X(R_PL_STEP, "{rc0}: requested {i1} is not a multiple of step_size {i2}")                  \
    X(R_PL_CAPACITY, "{rc0}: used {i1} + requested {i2} > capacity {d0} ((total {i3} - "       \
                     "reserved {i4}) * ratio {d1})")                                           \
    X(R_PL_IN_TREE, "not in_tree {s0}")                                                        \
    X(R_PL_LACKS_TRAITS, "lacks required trait(s) {s0}")                                       \
    X(R_PL_FORBIDDEN_TRAITS, "has forbidden trait(s) {s0}")                                    \
    X(R_PL_NOT_MEMBER, "not in any of aggregates {s0}")                                        \
    X(R_PL_FORBIDDEN_AGG, "in forbidden aggregate {s0}")                                       \
    X(R_PL_LIMIT, "beyond max_placement_results {i0}")                                         \
    X(R_DISABLED, "{h} is disabled, reason: {s0}")                                             \
    X(R_DOWN, "{h} has not been heard from in a while")                                        \
    X(R_FORCED_DOWN, "{h} has not been heard from in a while (forced down)")                   \
    X(R_IMAGE, "image {s0} not supported by host{s1}")                                         \
    X(R_MAXPHYSADDR, "image needs hw_maxphysaddr_bits {s0}, host has {i0}")                    \
    X(R_ANTI_AFFINITY, "{i0} member(s) of group {s0} on host, max_server_per_host {i1}")       \
    X(R_RAM, "usable RAM {d0} MB < requested {i0} MB (total {i1} * ratio {d1} - used {i2})")   \
    X(R_CORE_PHYSICAL, "requested {i0} vCPUs > host's {i1} physical CPUs")                     \
    X(R_CORE, "free vCPUs {d0} < requested {i0}")                                              \
    X(R_DISK, "usable disk {d0} MB < requested {i0} MB")                                       \
    X(R_IO_OPS, "num_io_ops {i0} >= max_io_ops_per_host {i1}")                                 \
    X(R_NUM_INSTANCES, "num_instances {i0} >= max_instances_per_host {i1}")                    \
    X(R_RETRY, "host {h} was already tried for this request")

enum reason_code {
#define REASON_ENUM(code, fmt) code,
    REASON_TABLE(REASON_ENUM)
#undef REASON_ENUM
    R_COUNT
};

typedef struct reason_desc {
    const char *name;           /* "R_RAM" */
    const char *format;
} reason_desc;
extern const reason_desc reason_table[R_COUNT];

#define REASON_NI 5
#define REASON_ND 2
#define REASON_NS 2

/* A reason being made.  s[k] borrows a name; when NULL, buf[k] holds it. */
typedef struct reject_reason {
    int code;                   /* enum reason_code */
    int64_t i[REASON_NI];
    double d[REASON_ND];
    const char *s[REASON_NS];
    sbuf buf[REASON_NS];        /* scratch, owned by whoever made the reason */
} reject_reason;

/* Start a reason over (keeps the scratch buffers' memory); inline: the
 * Placement loop starts one over for every host it refuses. */
static inline void reason_reset(reject_reason *r)
{
    r->code = R_TEXT;
    for (int k = 0; k < REASON_NS; k++) {
        r->s[k] = NULL;
        sbuf_reset(&r->buf[k]);
    }
}
void reason_done(reject_reason *r);
/* The free-text reason (R_TEXT): returns the buffer to write it into. */
sbuf *reason_text(reject_reason *r);
/* Name k of a reason being made ("" if none). */
const char *reason_name(const reject_reason *r, int k);

/* The words of a reason: `host` is the rejected host's name, `names` its
 * REASON_NS names (NULL entries read as ""). */
void reason_format(int code, const int64_t *i, const double *d, const char *hostname,
                   const char *const *names, sbuf *out);
/* The same for a reason being made. */
void reason_render(const reject_reason *r, const char *hostname, sbuf *out);

#endif
