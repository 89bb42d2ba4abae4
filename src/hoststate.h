/*
 * hoststate.h - HostState attributes by name, as ComputeCapabilitiesFilter
 * (`capabilities:<path>`) and JsonFilter (`$attr.key`) read them.
 *
 * Values come out as JSON values so that dicts (stats, service, cpu_info
 * once decoded) can be walked the way Nova walks them.
 */
#ifndef NOVALID_HOSTSTATE_H
#define NOVALID_HOSTSTATE_H

#include "json.h"
#include "scheduler.h"

/* true if HostState has the attribute (Python hasattr), even when None */
bool hs_has_attr(const char *name);
/* Fill `out` with the attribute's value; false if absent or None. */
bool hs_attr(const sched_ctx *x, const host_state *h, const char *name, jval *out);
/* HostState.stats[key]; false if absent. */
bool hs_stat(const sched_ctx *x, const host_state *h, const char *key, jval *out);
/* Python str() of a value: 8002000, 16.0, True, the string itself. */
void jval_pystr(const jval *v, sbuf *out);

#endif
