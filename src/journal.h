/*
 * journal.h - what one command changed in a cloud, kept so that undo puts
 * it back without a copy of the whole cloud.
 *
 * While a cloud records a journal (cloud.jr), every write to one of its
 * servers, hosts, migrations, allocations, Placement usage rows, per-host
 * server lists or injected faults goes through a write barrier below.  The
 * barrier keeps a copy of the object as it was before the command's first
 * write to it; objects the command adds need none (undo drops them), and
 * the cloud's counters and view bookkeeping are saved when the journal
 * starts.  Changes to the server name index are logged as they happen.
 *
 * Writes the journal does not follow (a host added or removed, aggregates,
 * flavors, images, groups, options) belong to the cloud-building commands,
 * which the session undoes from a copy instead (cmd_desc.undo_copy).
 * Sanitizer builds check every journal against a copy taken before the
 * command (cloud_same), so a write that bypasses a barrier stops the test
 * that makes it.
 *
 * Without a journal the barriers are one test of a NULL pointer.
 */
#ifndef NOVALID_JOURNAL_H
#define NOVALID_JOURNAL_H

#include "model.h"

typedef struct journal journal;

/* Start recording on `c`.  Journals nest: while an inner one records (a
 * what-if or one move of a drain, inside a command), the barriers write
 * to it alone, so it ends either undone (journal_end() then
 * journal_undo(): the cloud is as the outer journal found it) or kept
 * (journal_commit(): the outer journal takes over what it recorded). */
void journal_begin(cloud *c);
/* The same, for a journal that records the journal_undo() calls made
 * while it is the innermost (session_with_cloud_at). */
void journal_begin_undo(cloud *c);
/* Stop recording on `c` (the innermost journal); returns the journal
 * (caller frees). */
journal *journal_end(cloud *c);
/* Stop recording on `c` and keep what was done: the journal recording
 * before it (if any) takes over the before-images it lacks, so undoing
 * that one undoes this one too. */
void journal_commit(cloud *c);
/* Put back what the command changed: `c` is the cloud the journal was
 * recorded on as the command left it, or a copy of that.  The journal
 * stays as it was (it can be applied to several copies).  A journal
 * begun with journal_begin_undo() records what this puts back, so that
 * the undo can be undone in turn; any other journal records nothing of
 * it (an inner journal's undo gives back what the outer one found). */
void journal_undo(cloud *c, const journal *j);
void journal_free(journal *j);
/* The memory the journal holds, roughly, in bytes. */
size_t journal_bytes(const journal *j);

/* The write barriers' slow path (journal.c). */
void journal_server(cloud *c, int sid);
void journal_host(cloud *c, int h);
void journal_migration(cloud *c, int i);
void journal_allocation(cloud *c, int i);
void journal_usage(cloud *c, int h);
void journal_host_servers(cloud *c, int h);
void journal_faults(cloud *c);
/* Before the server name index changes the entry of `name`. */
void journal_server_index(cloud *c, const char *name);

/* Write barriers: the object, to be written.  A host written any other
 * way once the cloud is built must be named to cloud_hot_touch(), or its
 * hot record (model.h) keeps the old numbers. */
static inline server *cloud_server_w(cloud *c, int sid)
{
    if (c->jr)
        journal_server(c, sid);
    return &c->servers.v[sid];
}
static inline host *cloud_host_w(cloud *c, int h)
{
    if (c->jr)
        journal_host(c, h);
    if (c->hot)
        cloud_hot_touch(c, h);
    return &c->hosts.v[h];
}
static inline migration *cloud_migration_w(cloud *c, int i)
{
    if (c->jr)
        journal_migration(c, i);
    return &c->migrations.v[i];
}
static inline allocation *cloud_allocation_w(cloud *c, int i)
{
    if (c->jr)
        journal_allocation(c, i);
    return &c->allocations.v[i];
}
/* Host h's Placement usage row (RC_COUNT amounts); its hot record has
 * the row too. */
static inline int64_t *cloud_usage_w(cloud *c, int h)
{
    if (c->jr)
        journal_usage(c, h);
    if (c->hot)
        cloud_hot_touch(c, h);
    return c->usage + (size_t)h * RC_COUNT;
}
static inline intvec *cloud_host_servers_w(cloud *c, int h)
{
    if (c->jr)
        journal_host_servers(c, h);
    return &c->host_servers[h];
}
static inline fault_vec *cloud_faults_w(cloud *c)
{
    if (c->jr)
        journal_faults(c);
    return &c->faults;
}

#endif
