#!/usr/bin/python3
"""Compare novalid's decisions with Nova's on the stored oracle cases.

    python3 tests/oracle/compare.py --novalid PATH_TO_BINARY DIR [DIR|FILE ...]
        [--jobs N] [--timeout S] [--decision-only]

tests/oracle/{default,all}/case-*.cfg are clouds with one boot step whose
answer was computed by Nova Zed's own scheduler code (filters, weighers,
request filters, placement query); each case-*.json beside it holds Nova's
answer: Placement candidates, every filter's rejected hosts, the weights per
weigher, the chosen host and alternates.  This script runs
`novalid run --format json CASE` and checks, in the order Nova decides:

  1. placement  - the `placement` event's candidates
  2. filters    - each `filter` event, in order: name, hosts in/out, and the
                  hosts it rejected
  3. weigh      - the `weigh` event: hosts, their weights and per-weigher parts
  4. select     - the `select` event: chosen host and alternates (alternates
                  only where Nova's order is not decided by a weight tie)
  5. outcome    - the step's outcome and the new server's host

Each failing case prints one line naming its first point of divergence; the
last line is `N passed, M failed`.  Exit status 0 when every case passes, 1
otherwise, 2 on bad usage.  It needs only Python 3, not Nova.
"""

import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys

TOL = 1e-6


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def fmt(hosts):
    return "{" + ", ".join(sorted(hosts, key=natural)) + "}"


def natural(s):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def find_cases(paths):
    cases = []
    for p in paths:
        if os.path.isdir(p):
            cases += [os.path.join(p, f) for f in os.listdir(p)
                      if f.startswith("case-") and f.endswith(".cfg")]
        elif p.endswith(".cfg"):
            cases.append(p)
    return sorted(cases, key=natural)


# --------------------------------------------------------------------------
# Running novalid
# --------------------------------------------------------------------------

def run_novalid(binary, cfg, timeout):
    """Return (json_output, None) or (None, why it failed)."""
    try:
        proc = subprocess.run([binary, "run", "--format", "json", cfg],
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except FileNotFoundError:
        return None, "novalid not found at %s" % binary
    except PermissionError:
        return None, "novalid at %s is not executable" % binary
    except OSError as e:
        return None, "cannot run novalid: %s" % e
    except subprocess.TimeoutExpired:
        return None, "novalid timed out after %ss" % timeout
    err = proc.stderr.decode("utf-8", "replace").strip()
    first_err = err.splitlines()[0] if err else ""
    if proc.returncode < 0:
        try:
            sig = signal.Signals(-proc.returncode).name
        except ValueError:
            sig = "signal %d" % -proc.returncode
        return None, "novalid crashed (%s)%s" % (
            sig, ": " + first_err if first_err else "")
    if proc.returncode == 2:
        return None, "novalid rejected the file (exit 2): %s" % (
            first_err or "no message")
    if proc.returncode not in (0, 1):
        return None, "novalid exited with status %d%s" % (
            proc.returncode, ": " + first_err if first_err else "")
    try:
        out = json.loads(proc.stdout.decode("utf-8", "replace"))
    except ValueError as e:
        return None, "novalid output is not JSON (%s)" % e
    if not isinstance(out, dict):
        return None, "novalid output is not a JSON object"
    return out, None


# --------------------------------------------------------------------------
# Comparing one case
# --------------------------------------------------------------------------

def boot_step(out):
    for st in out.get("steps") or []:
        if isinstance(st, dict) and st.get("op") == "boot":
            return st
    return None


def events(step, kind):
    return [e for e in step.get("trail") or []
            if isinstance(e, dict) and e.get("kind") == kind]


def ev_hosts(items):
    """Host names from a list of names or of {"host": ...} objects."""
    names = []
    for it in items or []:
        names.append(it.get("host") if isinstance(it, dict) else it)
    return names


def check_placement(step, nova):
    evs = events(step, "placement")
    if not evs or "candidates" not in evs[0]:
        return None
    got = set(ev_hosts(evs[0]["candidates"]))
    want = set(nova["placement"]["candidates"])
    if got == want:
        return None
    why = {r["host"]: r["reason"] for r in nova["placement"]["rejected"]}
    parts = []
    if got - want:
        parts.append("novalid kept %s that Nova's Placement rejected (%s)" % (
            fmt(got - want), "; ".join("%s: %s" % (h, why.get(h, "?"))
                                       for h in sorted(got - want,
                                                       key=natural))))
    if want - got:
        parts.append("novalid dropped %s that Placement returns" %
                     fmt(want - got))
    return "placement: " + ", ".join(parts)


def check_filters(step, nova):
    evs = events(step, "filter")
    if not evs:
        return None
    current = set(nova["placement"]["candidates"])
    for i, nf in enumerate(nova["filters"]):
        label = "filter #%d %s" % (i + 1, nf["name"])
        if i >= len(evs):
            return "%s: Nova ran it, novalid's trail stops after %d " \
                   "filter(s)" % (label, len(evs))
        ev = evs[i]
        if ev.get("name") != nf["name"]:
            return "%s: novalid ran %r here" % (label, ev.get("name"))
        want_rej = set(nf["rejected"])
        if "rejected" in ev:
            got_rej = set(ev_hosts(ev["rejected"]))
            if got_rej != want_rej:
                parts = []
                if want_rej - got_rej:
                    parts.append("Nova rejects %s, novalid keeps them" %
                                 fmt(want_rej - got_rej))
                if got_rej - want_rej:
                    parts.append("novalid rejects %s, Nova keeps them" %
                                 fmt(got_rej - want_rej))
                return "%s: %s" % (label, "; ".join(parts))
        for key in ("in", "out"):
            if key in ev and isinstance(ev[key], int) and \
                    ev[key] != len(nf[key]):
                return "%s: %s count %d, Nova %d" % (label, key, ev[key],
                                                     len(nf[key]))
        current -= want_rej
    # Nova stops at the first filter that leaves no host: anything novalid
    # reports past Nova's last filter must have run on no host.
    for ev in evs[len(nova["filters"]):]:
        if ev.get("in") or ev.get("rejected"):
            return "filter %s: novalid ran it on %s host(s) after Nova's " \
                   "filtering had ended" % (ev.get("name"), ev.get("in"))
    return None


def check_weigh(step, nova):
    evs = events(step, "weigh")
    if not evs or not nova["weights"]:
        return None
    got = {h.get("host"): h for h in evs[0].get("hosts") or []
           if isinstance(h, dict)}
    want = {w["host"]: w for w in nova["weights"]}
    if set(got) != set(want):
        return "weigh: hosts %s, Nova weighs %s" % (fmt(got), fmt(want))
    for w in nova["weights"]:  # best first: the first difference that counts
        g = got[w["host"]]
        for part, value in sorted(w["parts"].items()):
            gp = (g.get("parts") or {}).get(part)
            if isinstance(gp, (int, float)) and not close(gp, value):
                return "weigh: %s %s = %.9g, Nova %.9g" % (
                    w["host"], part, gp, value)
        gw = g.get("weight")
        if not isinstance(gw, (int, float)) or not close(gw, w["weight"]):
            return "weigh: %s weight %s, Nova %.9g" % (w["host"], gw,
                                                      w["weight"])
    best = (evs[0].get("hosts") or [{}])[0]
    if isinstance(best, dict) and best.get("host") != nova["weights"][0][
            "host"]:
        return "weigh: best host %s, Nova %s" % (best.get("host"),
                                                 nova["weights"][0]["host"])
    return None


def check_select(step, nova):
    evs = events(step, "select")
    if not evs:
        return None
    ev = evs[0]
    if nova["outcome"] != "ok":
        return "select: novalid selected %s, Nova found no valid host " \
               "(at %s)" % (ev.get("host"), nova["stage"])
    if ev.get("host") != nova["host"]:
        return "select: host %s, Nova %s" % (ev.get("host"), nova["host"])
    if nova.get("alternates_unambiguous") and "alternates" in ev:
        got = ev_hosts(ev["alternates"])
        if got != nova["alternates"]:
            return "select: alternates %s, Nova %s" % (got,
                                                       nova["alternates"])
    return None


def check_outcome(step, nova):
    got = step.get("outcome")
    if got != nova["outcome"]:
        where = "host %s" % nova["host"] if nova["outcome"] == "ok" else \
            "at %s" % nova["stage"]
        return "outcome %s, Nova %s (%s)" % (got, nova["outcome"], where)
    if nova["outcome"] != "ok":
        return None
    host = None
    for ev in events(step, "select"):
        host = ev.get("host")
    for s in step.get("servers") or []:
        if isinstance(s, dict) and s.get("name") == nova["boot"]["name"]:
            host = s.get("host", host)
    if host is None:
        return "outcome ok but novalid names no host for %s" % \
            nova["boot"]["name"]
    if host != nova["host"]:
        return "server %s on %s, Nova chose %s" % (nova["boot"]["name"],
                                                   host, nova["host"])
    return None


def compare(out, nova, decision_only=False):
    step = boot_step(out)
    if step is None:
        return "novalid output has no boot step"
    checks = [] if decision_only else [check_placement, check_filters,
                                        check_weigh, check_select]
    for check in checks + [check_outcome]:
        why = check(step, nova)
        if why:
            return why
    return None


def stage_of(why):
    """Short label of a failure for the closing tally."""
    m = re.match(r"filter(?: #\d+)? (\S+?):", why)
    if m:
        return "filter " + m.group(1)
    for label in ("placement", "weigh", "select", "outcome", "server"):
        if why.startswith(label):
            return "outcome" if label == "server" else label
    if why.startswith("novalid"):
        return "novalid run"
    return why.split(":")[0].split(" (")[0]


def run_case(args, cfg):
    side = cfg[:-4] + ".json"
    try:
        with open(side) as f:
            nova = json.load(f)
    except (OSError, ValueError) as e:
        return "no usable sidecar %s (%s)" % (side, e)
    out, why = run_novalid(args.novalid, cfg, args.timeout)
    if why:
        return why
    return compare(out, nova, args.decision_only)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare novalid with Nova's scheduler on generated "
                    "cases.")
    ap.add_argument("--novalid", required=True, help="path to the binary")
    ap.add_argument("paths", nargs="+", metavar="DIR",
                    help="directories of case-*.cfg (or single .cfg files)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds per novalid run (default 60)")
    ap.add_argument("--decision-only", action="store_true",
                    help="compare outcome and chosen host only")
    args = ap.parse_args(argv)

    cases = find_cases(args.paths)
    if not cases:
        print("compare.py: no case-*.cfg under %s" % " ".join(args.paths),
              file=sys.stderr)
        return 2
    if not (os.path.isfile(args.novalid) and
            os.access(args.novalid, os.X_OK)):
        why = "novalid not found or not executable at %s" % args.novalid
        results = [(c, why) for c in cases]
    else:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as ex:
            results = list(zip(cases, ex.map(lambda c: run_case(args, c),
                                             cases)))
    failed = 0
    stages = {}
    for cfg, why in results:
        if why:
            failed += 1
            print("FAIL %s: %s" % (os.path.basename(cfg), why))
            stage = stage_of(why)
            stages[stage] = stages.get(stage, 0) + 1
    if failed:
        print("first divergences: " + ", ".join(
            "%s=%d" % kv for kv in sorted(stages.items(),
                                          key=lambda kv: -kv[1])))
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
