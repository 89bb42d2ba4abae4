/*
 * diff.h - the decision diff: what changed, command by command, between
 * two sessions that ran the same commands (a quirk switched, an option or
 * a release changed, two scenario files).
 */
#ifndef NOVALID_DIFF_H
#define NOVALID_DIFF_H

#include "command.h"

/* Appends, per command that differs, "step N: COMMAND" and one line per
 * difference: "  outcome: NoValidHost -> ok", "  chosen: - -> host2",
 * "  host2: claimed, undone: NoValidHost -> selected".  Returns how many
 * commands differ (0: none). */
int session_diff(const session *a, const session *b, sbuf *out);

/* A second session that replays s's commands from its start state (the
 * "before" of a change that replays s in place). */
session *session_rerun(const session *s);

#endif
