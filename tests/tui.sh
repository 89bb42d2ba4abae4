#!/bin/sh
# tests/tui.sh - the terminal UI tested for real: a private tmux server runs
# novalid on the built-in demo, sends keys and reads the screen back.
#
# Environment: NOVALID (the binary, default ./novalid), top_srcdir (default .).
# Hermetic: HOME and XDG_CONFIG_HOME point into a temporary directory, TZ=UTC,
# C.UTF-8 when the system has it, TERM fixed, a 120x40 window.
# Each run is wrapped so that its exit status and the terminal modes after
# it (stty -a) can be checked: every exit path (q, Ctrl-C, SIGTERM, a crash)
# must leave the terminal sane.
# Prints one line per check and "N passed, N failed"; exit 77 (skip) only
# when tmux is missing.

set -u

: "${NOVALID:=./novalid}"
: "${top_srcdir:=.}"

if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed"
    exit 77
fi

case $NOVALID in
/*) ;;
*) NOVALID=$(pwd)/$NOVALID ;;
esac
case $top_srcdir in
/*) ;;
*) top_srcdir=$(pwd)/$top_srcdir ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-tui.XXXXXX") || exit 1
sock=novalid-test-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
    T kill-server >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- a fixed environment ------------------------------------------------------
HOME=$tmp/home
XDG_CONFIG_HOME=$tmp/config
TZ=UTC
mkdir -p "$HOME" "$XDG_CONFIG_HOME/novalid/themes"
if locale -a 2>/dev/null | grep -Eqi '^c\.utf-?8$'; then LC_ALL=C.UTF-8; else LC_ALL=C; fi
export HOME XDG_CONFIG_HOME TZ LC_ALL
unset NO_COLOR NOVALID_THEME LANG LANGUAGE COLUMNS LINES TMUX
UI_TERM=screen-256color
infocmp "$UI_TERM" >/dev/null 2>&1 || UI_TERM=xterm-256color

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL - $1"
}

screen() { T capture-pane -p -t nv 2>/dev/null; }
dump() { screen | sed 's/^/    | /'; }

# wait_for PATTERN [TENTHS]: until the screen matches (extended regex)
wait_for() {
    i=0
    while [ "$i" -lt "${2:-50}" ]; do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# wait_gone PATTERN [TENTHS]: until the screen no longer matches
wait_gone() {
    i=0
    while [ "$i" -lt "${2:-30}" ]; do
        screen | grep -Eq -- "$1" || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
check() {
    if wait_for "$2" "${3:-30}"; then ok "$1"; else fail "$1 (no /$2/ on screen)"; dump; fi
}
check_gone() {
    if wait_gone "$2"; then ok "$1"; else fail "$1 (/$2/ still on screen)"; dump; fi
}
keys() { T send-keys -t nv "$@"; }

# start NAME [VAR=value...]: run the UI in session "nv", in directory $tmp/NAME
start() {
    name=$1
    shift
    run=$tmp/$name
    mkdir -p "$run"
    {
        echo 'trap : INT TERM HUP QUIT'
        echo "cd '$run' || exit 1"
        printf "sh -c 'echo \$\$ > pid; exec \"\$0\" \"\$@\"' env TERM=%s" "$UI_TERM"
        for a in "$@"; do printf " '%s'" "$a"; done
        printf " '%s'%s 2>stderr\n" "$NOVALID" "${NV_ARGS:-}"
        echo 'echo $? > rc'
        echo 'stty -a > stty 2>&1'
    } >"$run/wrap.sh"
    T new-session -d -s nv -x "${TUI_W:-120}" -y "${TUI_H:-40}" "sh '$run/wrap.sh'"
}

# finish NAME WANT: the run ended with status WANT, the session is gone and
# the terminal is back in cooked mode with echo
finish() {
    run=$tmp/$1
    i=0
    while [ ! -s "$run/rc" ] && [ "$i" -lt 200 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    rc=$(cat "$run/rc" 2>/dev/null)
    if [ "$rc" = "$2" ]; then ok "$1: exit status $2"; else fail "$1: exit status '$rc', want $2"; fi
    i=0
    while T has-session -t nv 2>/dev/null && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if T has-session -t nv 2>/dev/null; then
        fail "$1: the session is still there"
        T kill-session -t nv 2>/dev/null
    else
        ok "$1: the program is gone"
    fi
    if [ -s "$run/stty" ] && ! grep -Eq '(^| )-(icanon|echo|isig)( |;|$)' "$run/stty"; then
        ok "$1: terminal restored (icanon, echo, isig)"
    else
        fail "$1: terminal not restored"
        sed 's/^/    | /' "$run/stty" 2>/dev/null
    fi
}

ESC=$(printf '\033')
COLOR_SGR="$ESC\\[(3[0-7]|4[0-7]|[34]8;5;[0-9]+)m"

# ---- 1: the main walk-through ---------------------------------------------------
start main
check "starts and shows the hosts pane" 'HOST +AZ +STATE' 50
check "hosts listed" 'host1 +az1 +up'
check "disabled host shown" 'host4 +az2 +disabled'
check "servers listed" 'web-1 +host1 +active'
check "servers listed (db-1)" 'db-1 +host3 +active'
check "footer hints from the key table" '\? help +q quit'
if T capture-pane -p -e -t nv | grep -Eq "$COLOR_SGR"; then ok "colours in use"; else fail "no colours"; fi

keys '?'
check "help overlay" 'Help: keys'
keys NPage
check "help lists the keys" 'live-migrate the selected server'
keys Escape
check_gone "Esc closes the help" 'Help: keys'

keys / w e b - 1 Enter
check "search finds web-1" '/web-1: [0-9]+ match'
check "search selected the web-1 row" 'web-1 +host1 +active'


keys m
check "live-migrate dialog" 'live-migrate web-1'
check "dialog offers auto" 'auto \(the scheduler picks\)'
keys Down Down Down Enter
check "status line shows the outcome" 'live-migrate web-1 host3: (ok|[A-Za-z]+: )'
check "trail shows the filters" 'Filter ComputeFilter returned'
check "decision summary" 'Decision: .*hosts'
if screen | grep -Eq 'live-migrate web-1 host3: ok'; then
    check "web-1 moved to host3" 'web-1 +host3'
    check "migration record completed" '#1 +live-migration +completed +web-1 +host1 -> host3'
else
    check "web-1 stayed on host1" 'web-1 +host1'
fi

# the explain matrix: the same decision as hosts x stages
keys v
check "v: explain matrix of the decision" 'EXPLAIN MATRIX +decision 1 of 1 '
check "matrix: heading row names Placement and the filters" 'HOST +Placement +Compute '
check "matrix: legend under the heading" 'CC=ComputeCapabilitiesFilter'
check "matrix: a host row passed a stage" '^.host[0-9]+ +ok '
check "matrix: result column" 'rejected by Placement'
keys Tab Tab Enter
check "matrix: Enter on a host row says why" 'why not host[0-9]+\? '
keys Tab Tab
keys v
check_gone "v again: the matrix is gone" 'EXPLAIN MATRIX'
check "v again: back to the log lines" 'Filter ComputeFilter returned'

keys BTab
keys Home w
check "why not host1?" 'why not host1\? '

keys u
check "undo" 'undone: live-migrate web-1 host3'
check "web-1 back on host1" 'web-1 +host1'
check "migration record gone" '\(none\)'

keys : l i v e - m i g r a t e Space d b - 1 Space h o s t 1 Enter
check ": prompt runs a command" 'live-migrate db-1 host1: (ok|[A-Za-z]+: )'
keys : f r o b Space x Enter
check ": prompt reports a parse error" ':frob x: unknown command'

keys u .
check "scripted step with its expectations" 'step 1/2 \(line [0-9]+\): expect (pass|FAIL).* -- live-migrate db-1: '
check "expectation lines in the trail" 'expect outcome: want'

keys Q
check "quirk list" 'Quirks: historic Nova bugs'
keys Space
check "quirk switched and history replayed" 'quirk bug-[0-9]+ on; replayed 1 command'
keys Space Escape
check_gone "quirk list closes" 'Quirks: historic Nova bugs'

keys s
check "save prompt" 'save as: novalid-session.cfg'
keys Enter
check "with expectations or plain?" 'e with expectations .*p plain'
keys p
check "saved" 'saved the start state and 1 command\(s\) to novalid-session.cfg'
if [ -s "$tmp/main/novalid-session.cfg" ] &&
    "$NOVALID" validate "$tmp/main/novalid-session.cfg" >/dev/null 2>&1; then
    ok "the saved file loads back"
else
    fail "the saved file does not load back"
    "$NOVALID" validate "$tmp/main/novalid-session.cfg" 2>&1 | sed 's/^/    | /'
fi

keys s C-u '~' / s a v e d . c f g Enter p
check "save to ~/saved.cfg" "saved the start state and 1 command\\(s\\) to $HOME/saved.cfg"
if [ -s "$HOME/saved.cfg" ]; then ok "~ in the save path is the home directory"; else fail "~/saved.cfg not in HOME"; fi
keys s C-u '~' / s a v e d . c f g Enter p
check "~/saved.cfg again: the overwrite question sees the file" "$HOME/saved.cfg exists: overwrite it\\?"
keys n
check "not overwritten" "not saved: $HOME/saved.cfg left as it was"

T resize-window -t nv -x 40 -y 10
check "too-small message" 'terminal too small \(need 60x16\)'
T resize-window -t nv -x 120 -y 40
check "redraws after growing again" 'HOST +AZ +STATE'
keys C-l
check "Ctrl-L redraw" 'web-2 +host2'

keys q
finish main 0

# ---- 1b: past decisions, describe, why-not and the matrix agree ------------------
NV_ARGS=" '$top_srcdir/scenarios/bug-1718455-pike.cfg'"
start record
NV_ARGS=
check "record: starts on the Pike scenario" 'HOST +AZ +STATE' 50
keys .
check "record: step 1 boots two servers" 'vm-2 +host2'
keys .
check "record: step 2 fails" 'NoValidHost'
keys Enter
check "describe: server vm-1" 'Server vm-1'
check "describe: the persisted RequestSpec of a multi-create" 'num_instances: +2'
check "describe: allocations" 'host1: VCPU=1, MEMORY_MB=2048, DISK_GB=20'
keys Escape
check_gone "describe closes" 'Server vm-1'
keys H
check "history list" 'History: every command and its decision'
check "history: the boot with every host" '1  boot vm .*=> ok  2/2 hosts; selected host1 \(vm-1\), host2 \(vm-2\)'
keys Up Enter
check "history: Enter opens a past decision" 'DECISION TRAIL  \([0-9]+ event\(s\) of command 1, a past one\)'
keys v
check "matrix of the past decision" 'EXPLAIN MATRIX +decision 1 of 1 of command 1: boot'
check "matrix: one pass per instance" '(pass 1: for vm-1|1: vm-1)'
keys v ]
check "]: the next decision" 'DECISION TRAIL  \(18 event\(s\) of command 2\)'
keys [
check "[: the previous decision" 'of command 1, a past one'
keys BTab Enter
check "Enter on a migration row opens its decision" 'DECISION TRAIL  \(18 event\(s\) of command 2\)'
keys v
check "matrix: host1's fate" 'host1 .* not the requested destination'
keys Tab Home w
check "w gives the matrix's fate" 'why not host1\? not the requested destination'
keys Q Space Escape
check "quirk switched off: what changed" 'What changed: 1 step\(s\)'
check "diff: the outcome flipped" 'outcome: NoValidHost -> ok'
keys Escape Q Space Escape
check "quirk back on: what changed" 'outcome: ok -> NoValidHost'
keys Escape
keys D
check "drain blocked: Pike's num_instances = 2 leaves vm-1 nowhere" 'NoValidHost.*|vm-1 has nowhere to go'
check "drain: a dry run" 'Nothing changed: this was a dry run'
keys Escape q
finish record 0

# ---- 1c: what-if and drain on the demo ---------------------------------------------
start whatif
check "what-if: starts" 'HOST +AZ +STATE' 50
keys W
check "W: where could web-1 go" 'Where could web-1 be live-migrated\?'
check "what-if: the chosen host" '=> ok: host3'
check "what-if: the group in the way" 'What would make host2 fit: group web \(anti-affinity\) already has web-2 there'
check "what-if: the trait and how to clear it" 'What would make host4 fit: remove trait COMPUTE_STATUS_DISABLED: enable the service'
keys Escape
check "what-if changed nothing" 'web-1 +host1 +active'
keys BTab Down D
check "D: drain plan of host2" 'Can host2 be emptied\? \(drain plan\)'
check "drain: the plan" 'plan: web-2=host3'
keys Escape q
finish whatif 0

# ---- 1c': a long drain plan shows its progress and stops on Esc --------------------
# 5,000 servers on one host of a 3,001-host cloud: a dry-run drain is five
# thousand scheduling decisions, half a minute of work, so Esc comes in
# time however loaded the machine is (it stops the plan within a decision)
cat >"$tmp/long-drain.cfg" <<'EOF'
name = "long drain";
hosts = (
  { name = "big"; vcpus = 5000; memory_mb = 4096000; disk_gb = 40000; },
  { name = "cmp%05d"; count = 3000; vcpus = 64; memory_mb = 262144; disk_gb = 2000; }
);
flavors = ( { name = "m1.tiny"; vcpus = 1; memory_mb = 512; root_gb = 1; } );
servers = ( { name = "vm%04d"; count = 5000; host = "big"; flavor = "m1.tiny"; } );
EOF
NV_ARGS=" '$tmp/long-drain.cfg'"
start longdrain
NV_ARGS=
check "long drain: starts" 'HOST +AZ +STATE' 50
keys BTab D
check "a long drain shows its progress" 'drain plan for big: [0-9]+ of 5000 done, [0-9.]+ s; Esc stops'
# the plan works on the session's cloud and gives it back: meanwhile the
# hosts pane still shows it as it is, not half drained
check "the hosts pane is not redrawn from the plan's work" 'big +nova +up +5000/20000'
keys Escape
check "Esc stops the drain" 'drain plan for big stopped \(Esc\)'
check "the plan so far is shown" 'stopped after [0-9]+ of 5000 server\(s\)'
keys Escape q
finish longdrain 0

# ---- 1d: why not, with what would make it fit, after any move --------------------
# w on a host reads the shown command's last decision, whatever the move, and
# says what would have made the host fit, against the cloud before it
why() { T send-keys -t nv -l "$1"; T send-keys -t nv Enter; }
NV_ARGS=" '--empty'"
TUI_W=200
start whynot
NV_ARGS=
unset TUI_W
check "why-not: starts" 'HOST +AZ +STATE' 50
why ':host-add host1 vcpus=8 memory_mb=16384 disk_gb=200'
check "why-not: host1" 'host-add host1 .*: ok'
why ':host-add host2 vcpus=8 memory_mb=4096 disk_gb=200'
why ':flavor-add m1.small vcpus=1 memory_mb=2048 root_gb=20'
why ':flavor-add m1.big vcpus=1 memory_mb=8192 root_gb=20'
why ':group-create grp anti-affinity'
why ':boot vm m1.small group=grp min_count=2'
check "why-not: two servers" 'vm-2 +host2 +active'
why ':migrate vm-1'
check "why-not: the migration finds no host" 'migrate vm-1: NoValidHost'
keys BTab Home w
check "w after a migration: the server's own host" "why not host1\\? ignored \\(ignore_hosts\\); to fit vm-1: it is the server's own host"
keys Down w
check "w after a migration: what Placement lacks" 'why not host2\? rejected by Placement: MEMORY_MB: .*; to fit vm-1: '
why ':resize vm-2 m1.big'
check "why-not: the resize finds no host" 'resize vm-2 m1.big: NoValidHost'
keys Home w
check "w after a resize: the group member in the way" 'why not host1\? rejected by ServerGroupAntiAffinityFilter: .*; to fit vm-2: group grp'
why ':boot big m1.big'
check "why-not: the boot" 'boot big m1.big: ok'
keys Home Down w
check "w after a boot: a bigger host" 'why not host2\? rejected by Placement: .*; to fit big: the host has 4096 MEMORY_MB in all, 8192 asked'
keys q y
finish whynot 0

# ---- 1b: Nova bug 1781710's cloud built from nothing, through the UI alone -------
# two hosts, an anti-affinity group, two servers booted in one request; a cold
# migration of one has nowhere to go (fixed Nova: NoValidHost); saved with the
# outcomes as expectations, the file passes novalid check.
line() { T send-keys -t nv -l "$1"; T send-keys -t nv Enter; }
# a history file grown by earlier sessions to more than twice what is kept
mkdir -p "$HOME/.local/state/novalid"
awk 'BEGIN { for (i = 1; i <= 1200; i++) print "old-line " i }' >"$HOME/.local/state/novalid/history"
NV_ARGS=" '--empty'"
start build1781710
NV_ARGS=
check "empty cloud: starts" 'HOST +AZ +STATE' 50
keys :
T send-keys -t nv -l 'host-a'
keys Tab
check "Tab completes the command" ':host-add *$'
T send-keys -t nv -l 'host1 vcpus=8 memory_mb=16384 di'
keys Tab Tab
check "Tab twice lists the candidates" 'candidates: disabled= +disabled_reason= +disk_allocation_ratio= +disk_gb='
T send-keys -t nv -l 'k_g'
keys Tab
check "Tab completes an argument key" 'memory_mb=16384 disk_gb=$'
T send-keys -t nv -l '200'
check "the argument hint for the command typed" 'host-add NAME vcpus=N memory_mb=N disk_gb=N'
keys Enter
check "host-add" 'host-add host1 vcpus=8 memory_mb=16384 disk_gb=200: ok'
# the second host through the add-host form: Enter edits a field, End + Enter runs
keys a
check "add-host form from the command table" 'host-add NAME vcpus=N memory_mb=N disk_gb=N'
keys Enter
check "a field is edited on the prompt line" 'name: *$'
T send-keys -t nv -l 'host2'
keys Enter Enter
T send-keys -t nv -l '8'
keys Enter Enter
T send-keys -t nv -l '16384'
keys Enter Enter
T send-keys -t nv -l '200'
keys Enter
check "the form shows the values" 'disk_gb +200'
keys End Enter
check "second host" 'host2 +nova +up'
line ':flavor-add m1.small vcpus=1 memory_mb=2048 root_gb=20'
check "flavor-add" 'flavor-add m1.small .*: ok'
keys c
check "group form" 'create a server group'
keys Enter
T send-keys -t nv -l 'grp'
keys Enter End Enter
check "a refused form stays open and says why" "group-create: missing argument 'policy'"
keys Home Down Enter
T send-keys -t nv -l 'anti-affinity'
keys Enter End Enter
check "group-create" 'group-create grp anti-affinity: ok'
line ':boot vm m1.small group=grp min_count=2'
check "two servers in one request" 'vm-2 +host[12] +active'
line ':migrate vm-1'
check "cold migration: NoValidHost" 'migrate vm-1: NoValidHost'
line ':boot x m1.small min_count=1000000000'
check "a count out of range is refused with the range" 'min_count: must be from 1 to 100000'
keys : Up
check "Up recalls the history" ':boot x m1.small min_count=1000000000'
keys C-u Escape
keys s
check "save as: never the opened file" 'save as: novalid-session.cfg'
keys C-u
T send-keys -t nv -l 'bug-1781710.cfg'
keys Enter e
check "saved with expectations" 'saved the start state and 6 command\(s\) with their outcomes as expectations'
keys q
finish build1781710 0
if "$NOVALID" check "$tmp/build1781710/bug-1781710.cfg" >"$tmp/check.out" 2>&1; then
    ok "the saved reproduction passes novalid check"
else
    fail "the saved reproduction does not pass novalid check"
    sed 's/^/    | /' "$tmp/check.out"
fi
if grep -q 'outcome = "NoValidHost"' "$tmp/build1781710/bug-1781710.cfg"; then
    ok "the saved file expects NoValidHost"
else
    fail "no NoValidHost expectation in the saved file"
fi
if [ -s "$HOME/.local/state/novalid/history" ] && grep -q '^host-add host1' "$HOME/.local/state/novalid/history"; then
    ok "prompt history kept under the state directory"
else
    fail "no prompt history file"
fi
hist=$HOME/.local/state/novalid/history
if [ "$(wc -l <"$hist")" -le 600 ] && ! grep -qx 'old-line 700' "$hist" && grep -qx 'old-line 1200' "$hist"; then
    ok "the history file is cut back to the newest lines"
else
    fail "the history file was not cut back ($(wc -l <"$hist") lines)"
fi

# ---- 1c: saving asks before overwriting; quitting asks with unsaved commands ----
start asks
check "asks: starts" 'HOST +AZ +STATE' 50
line ':stop web-1'
keys s Enter p
check "first save" 'saved the start state and 1 command'
line ':start web-1'
keys s Enter p
check "overwrite question" 'novalid-session.cfg exists: overwrite it\? y yes, n no'
keys n
check "not overwritten" 'not saved: novalid-session.cfg left as it was'
if grep -q 'op = "start"' "$tmp/asks/novalid-session.cfg"; then
    fail "the file was overwritten"
else
    ok "the file is as it was"
fi
# the second command's autosave wrote its step in place after the first's
auto="$HOME/.local/state/novalid/autosave-$(cat "$tmp/asks/pid").cfg"
if grep -q 'op = "stop"' "$auto" && grep -q 'op = "start"' "$auto" &&
    "$NOVALID" validate "$auto" >/dev/null 2>&1; then
    ok "autosave: the second command added in place, a whole scenario"
else
    fail "autosave after two commands: $("$NOVALID" validate "$auto" 2>&1 | head -n 3)"
fi
line ':release-set queens'
check "the UI's release switch replays the session" 'release queens \(was latest\); replayed 2 command'
check "the title names the release" 'release queens'
keys q
check "unsaved-quit question" 'changes not saved \(2 command\(s\) of your own\): y quit anyway, s save first, n stay'
keys n
check "stays" 'not quitting'
asks_pid=$(cat "$tmp/asks/pid")
kill -TERM "$asks_pid" 2>/dev/null
finish asks 143
state="$HOME/.local/state/novalid"
if [ -s "$state/autosave-$asks_pid.cfg" ]; then
    ok "autosave kept after a kill, under the run's own name"
else
    fail "no autosave-$asks_pid.cfg after a kill"
fi
# a running UI's autosave (this shell stands in for it) is not offered,
# the dead run's is: its date says which one the question is about
cp "$state/autosave-$asks_pid.cfg" "$state/autosave-$$.cfg"
touch -d '2000-01-01 12:00' "$state/autosave-$asks_pid.cfg"
start asks2
check "the dead run's autosave offered back, not the running one's" \
    'a session autosaved at 2000-01-01 12:00 was not saved: r restore it' 50
keys r
check "autosave restored" 'restored the autosaved session: 2 command\(s\) replayed'
keys q
check "still unsaved after a restore" 'changes not saved'
keys y
finish asks2 0
if [ "$(ls "$state" | grep '^autosave')" = "autosave-$$.cfg" ]; then
    ok "after restore and a deliberate quit only the running UI's autosave is left"
else
    fail "autosaves left: $(ls "$state" | grep '^autosave' | tr '\n' ' ')"
fi
rm -f "$state/autosave-$$.cfg"

# a session opened from a file autosaves the file's own text as its start
# (a few lines with `count`, not every host and server written out), and
# the whole start state once a release switch changed it
cp "$top_srcdir/scenarios/count-rack.cfg" "$tmp/rack.cfg"
NV_ARGS=" '$tmp/rack.cfg'"
start rackfile
NV_ARGS=
check "rack file: starts" 'HOST +AZ +STATE' 50
line ':stop web1'
check "rack file: a command" 'stop web1: ok'
auto="$state/autosave-$(cat "$tmp/rackfile/pid").cfg"
if grep -q 'count = 8; vcpus = 8' "$auto" && [ "$(grep -c 'op = ' "$auto")" -eq 1 ] &&
    "$NOVALID" run "$auto" 2>&1 | grep -q 'stop web1'; then
    ok "autosave of a file's session: the file's text, then the one command"
else
    fail "autosave of a file's session: $(head -c 300 "$auto")"
fi
line ':release-set queens'
check "rack file: release switched" 'release queens \(was'
if ! grep -q 'count = ' "$auto" && grep -q 'release = "queens"' "$auto" &&
    "$NOVALID" validate "$auto" >/dev/null 2>&1; then
    ok "autosave after a release switch: the start state written out"
else
    fail "autosave after a release switch: $(head -c 300 "$auto")"
fi
keys q y
finish rackfile 0

# ---- 2: no colour --------------------------------------------------------------
start nocolor NO_COLOR=1
check "NO_COLOR: starts" 'HOST +AZ +STATE' 50
if T capture-pane -p -e -t nv | grep -Eq "$COLOR_SGR"; then
    fail "NO_COLOR: colours on screen"
else
    ok "NO_COLOR: attributes only"
fi
keys m
check "NO_COLOR: dialog" 'auto \(the scheduler picks\)'
keys Escape q
finish nocolor 0

# ---- 3: a broken theme, then Ctrl-C ------------------------------------------------
printf 'colors = {\n  titel = ["white", "blue"];\n  ok = ["grene", "default"];\n};\n' \
    >"$XDG_CONFIG_HOME/novalid/themes/broken.cfg"
start broken NOVALID_THEME=broken
check "broken theme: the UI still starts" 'HOST +AZ +STATE' 50
check "broken theme: said on the status line" 'theme: .*broken.cfg:2:'
keys C-c
finish broken 130
if grep -q 'broken.cfg:2: colors: unknown element .titel.' "$tmp/broken/stderr" &&
    grep -q 'broken.cfg:3: colors.ok: unknown colour .grene.' "$tmp/broken/stderr"; then
    ok "broken theme: FILE:LINE: errors on stderr"
else
    fail "broken theme: no FILE:LINE: errors on stderr"
    sed 's/^/    | /' "$tmp/broken/stderr"
fi

# ---- 4: a shipped theme on an 8-colour terminal, then SIGTERM ----------------------
cp "$top_srcdir/themes/solarized.cfg" "$XDG_CONFIG_HOME/novalid/themes/"
UI_TERM=xterm
start eight NOVALID_THEME=solarized
check "8 colours + solarized: starts" 'HOST +AZ +STATE' 50
if [ -s "$tmp/eight/stderr" ]; then
    fail "solarized: messages on stderr"
    sed 's/^/    | /' "$tmp/eight/stderr"
else
    ok "solarized: loads cleanly"
fi
kill -TERM "$(cat "$tmp/eight/pid")" 2>/dev/null
finish eight 143

# ---- 4b: themes from the source tree; an unknown name is reported -----------------------
rm -f "$XDG_CONFIG_HOME/novalid/themes/solarized.cfg"
start srctheme NOVALID_THEME=solarized
check "solarized from the source tree: starts" 'HOST +AZ +STATE' 50
if [ -s "$tmp/srctheme/stderr" ] || screen | grep -q 'theme'; then
    fail "solarized from the source tree: not found"
    sed 's/^/    | /' "$tmp/srctheme/stderr"
else
    ok "solarized from the source tree: loads cleanly"
fi
keys q
finish srctheme 0
start notheme NOVALID_THEME=nosuchtheme
check "unknown theme: the UI still starts" 'HOST +AZ +STATE' 50
check "unknown theme: said on the status line" "theme 'nosuchtheme' not found"
keys q
finish notheme 0
if grep -q "theme 'nosuchtheme' not found" "$tmp/notheme/stderr"; then ok "unknown theme: said on stderr"; else fail "unknown theme: nothing on stderr"; fi

# ---- 5: a crash: the handler restores the terminal and dies of the signal --------
UI_TERM=screen-256color
infocmp "$UI_TERM" >/dev/null 2>&1 || UI_TERM=xterm-256color
start crash
check "crash run: starts" 'HOST +AZ +STATE' 50
kill -SEGV "$(cat "$tmp/crash/pid")" 2>/dev/null
finish crash 139

# ---- 6: 80x24, the size teaching machines open with ---------------------------------
# line_has NAME LINE REGEX: screen line LINE (1 = top, -1 = bottom) matches
line_has() {
    i=0
    while [ "$i" -lt 30 ]; do
        if [ "$2" -lt 0 ]; then l=$(screen | tail -n $((-$2)) | head -n 1); else l=$(screen | sed -n "$2p"); fi
        printf '%s\n' "$l" | grep -Eq -- "$3" && { ok "$1"; return; }
        sleep 0.1
        i=$((i + 1))
    done
    fail "$1 (line $2 lacks /$3/)"
    dump
}
TUI_W=80 TUI_H=24
start small
check "80x24: starts" 'HOST +AZ +STATE' 50
line_has "80x24: title keeps the release" 1 'release latest'
line_has "80x24: title keeps the quirks" 1 'quirks: bug-max-retries-notification'
line_has "80x24: title keeps the step counter" 1 'step 0/2'
line_has "80x24: title keeps the help key" 1 '\?/F1 help'
line_has "80x24: hosts pane: a column per resource class" 2 'HOST +AZ +STATE +(VCPU +RAM +DISK|CPU% +RAM% +DSK%) +SRV'
if screen | sed -n 2p | grep -q ' MAX '; then fail "80x24: a mixed MAX column"; else ok "80x24: no mixed MAX column"; fi
line_has "80x24: hosts pane: vCPU, RAM and disk apart" 3 'host1 +az1 +up +([0-9]+/[0-9]+ +[0-9.]+G/[0-9]+G +[0-9]+G/[0-9]+G|[0-9]+% +[0-9]+% +[0-9]+%) +1'
check "80x24: flavor names whole" 'web-1 +host1 +active +m1\.small'
check "80x24: footer keeps save" '(^| )s save( |$)'
check "80x24: footer keeps search" '(^| )/ search( |$)'
check "80x24: footer keeps help and quit" '(^| )\? help q quit'
keys .
check "80x24: the step result keeps its verdict" 'step 1/2 \(line [0-9]+\): expect pass [0-9]+/[0-9]+'
line_has "80x24: title counts the step" 1 'step 1/2'
keys q
finish small 0

# a Pike scenario switches six quirks on: the title keeps the step and help
TUI_W=160 TUI_H=45
NV_ARGS=" '$top_srcdir/scenarios/bug-1718455-pike.cfg'" start pike
check "Pike at 160: starts" 'HOST +AZ +STATE' 50
keys . .
line_has "Pike at 160: title keeps step 2/2" 1 'release pike \| .*quirk.* \| step 2/2'
line_has "Pike at 160: title keeps the help key" 1 '\?/F1 help'
keys m
check "Pike: the move dialog offers force (API 2.53)" '\[ \] force: skip the scheduler'
check "Pike: the footer offers f" '(^| )f force( |$)'
keys Escape
T resize-window -t nv -x 80 -y 24
line_has "Pike at 80: title keeps release, quirks and step" 1 'release pike \| .*quirk.* \| step 2/2'
line_has "Pike at 80: title keeps the help key" 1 '\?/F1 help'
keys q
finish pike 0
unset TUI_W TUI_H

# ---- 6b: force only where the API takes it; errors whole ------------------------------
TUI_W=80 TUI_H=24
start force
check "force: starts" 'HOST +AZ +STATE' 50
keys m
check "latest: the dialog says why there is no force" 'no force on latest \(API 2\.[0-9]+\)'
if screen | grep -Eq '(^| )f force( |$)|\[ \] force'; then fail "latest: force offered"; dump; else ok "latest: no f force offered"; fi
keys f
check "latest: f says the API dropped force" 'no force on latest \(API 2\.[0-9]+\): the API dropped it in 2\.68'
keys Escape
keys : l i v e - m i g r a t e Space w e b - 1 Space h o s t 3 Space - - f o r c e Enter
check "a long error wraps whole, not cut mid-word" "allowed \('force' was unexpected\)"
keys q y
finish force 0
unset TUI_W TUI_H

# ---- 6c: the trail follows a move by hand; z zooms it -------------------------------------
TUI_W=80 TUI_H=24
start trail
check "trail: starts" 'HOST +AZ +STATE' 50
keys : l i v e - m i g r a t e Space w e b - 1 Space h o s t 3 Enter
check "trail: the move ran" 'live-migrate web-1 host3: ok'
check "trail follows the newest line: the migration completed" 'Migration 1: .*-> completed'
keys / C o m p u t e C a p Enter
check "/ searches the trail" '/ComputeCap: [0-9]+ match'
n=$(screen | grep -n 'DECISION TRAIL' | cut -d: -f1)
if screen | sed -n "$((n + 1))p" | grep -q 'Filter ComputeCapabilitiesFilter returned'; then
    ok "/ scrolled the trail to the matching line"
else
    fail "/ did not scroll the trail to the match"; dump
fi
# the hosts pane: sorted by free RAM, then only zone az1
keys BTab BTab BTab
keys o
check "o: hosts sorted by free RAM" 'hosts: all, by free RAM, most first \(4 of 4\)'
line_has "o: the host with the most free RAM first" 3 '^ host4 '
keys F
check "F: only zone az1" 'hosts: zone az1, by free RAM, most first \(2 of 4\)'
check_gone "F: host4 (az2) hidden" 'host4 +az2'
keys F F
check "F: then an aggregate" 'hosts: aggregate '
i=0
while [ $i -lt 10 ] && ! screen | grep -q 'hosts: all, by free RAM'; do keys F; sleep 0.2; i=$((i + 1)); done
check "F: and all hosts again" 'hosts: all, by free RAM'
keys o o o o o
check "o: back to scenario order" 'by scenario order \(4 of 4\)'
keys z
check "z: the trail has the whole screen" 'DECISION TRAIL'
if screen | sed -n 2p | grep -q 'DECISION TRAIL'; then ok "z: the trail starts under the title"; else fail "z: the trail is not zoomed"; dump; fi
check_gone "z: the hosts pane is hidden" 'HOST +AZ +STATE'
keys z
check "z again: all panes" 'HOST +AZ +STATE'
keys q y
finish trail 0
unset TUI_W TUI_H

# ---- 7: the mouse ---------------------------------------------------------------------
# click TEXT: a left click (X10 mouse report, as screen-256color's kmous
# says) on the first character of TEXT's first appearance on screen
click() {
    n=$(screen | grep -n -m 1 -F -- "$1" | cut -d: -f1)
    [ -n "$n" ] || { fail "click: no '$1' on screen"; return; }
    c=$(screen | sed -n "${n}p" | awk -v t="$1" '{ print index($0, t) }')
    cx=$(printf '\\%o' $((32 + c)))
    cy=$(printf '\\%o' $((32 + n)))
    # press and release in one write, so no escape delay can split them
    T send-keys -t nv -l "$(printf "\033[M $cx$cy\033[M#$cx$cy")"
}
TUI_W=80 TUI_H=24
start mouse
check "mouse: starts" 'HOST +AZ +STATE' 50
# a key first, so the first click does not race the start-up
keys d
check "mouse: reading keys" 'd: select a host first'
click 'host2 '
keys w
check "mouse: a click selects a host row" 'why not host2\? '
check "mouse: the click focused the hosts pane" '(^| )d down/up'
click 'db-1 '
keys m
check "mouse: a click selects a server row" 'live-migrate db-1'
keys Escape
check_gone "mouse: dialog closed" 'auto \(the scheduler picks\)'
click 'DECISION TRAIL'
check "mouse: a click on a pane focuses it" '(^| )Enter why-not'
click 's save'
check "mouse: a click on a footer key runs it" 'save as: novalid-session.cfg'
keys Escape q
finish mouse 0
unset TUI_W TUI_H

# ---- 8: undo and redo, commands and quirk switches -------------------------------------
start undo
check "undo: starts" 'HOST +AZ +STATE' 50
# a key in the wrong pane says what it needs
keys d
check "d in the servers pane: says it needs a host" 'd: select a host first \(take the selected host'
keys BTab m
check "m in the hosts pane: says it needs a server" 'm: select a server first \(live-migrate'
keys f
check "f outside the dialog: says where it works" 'f: only in the move dialog'
keys Tab
keys .
check "undo: a scripted step" 'step 1/2 \(line'
keys Q Space Escape
check "undo: quirk on" 'quirks: bug-1718455, bug-max-retries-notification '
keys u
check "u undoes the quirk switch" 'undone: quirk bug-1718455 off'
check "u: the title says so" 'quirks: bug-max-retries-notification '
keys U
check "U redoes the quirk switch" 'redone: quirk bug-1718455 on'
keys u u
check "u then undoes the step" 'undone: live-migrate db-1'
check "u: back on host3" 'db-1 +host3'
keys C-r
check "Ctrl-R redoes the step" 'redone: live-migrate db-1'
check "Ctrl-R: db-1 moved again" 'db-1 +host1'
check "Ctrl-R: the step counter follows" 'step 1/2 '
keys U
check "U redoes the quirk switch after the step" 'redone: quirk bug-1718455 on'
keys U
check "nothing left to redo" 'nothing to redo'
keys q y
finish undo 0

# ---- 6: every signal that ends the program restores the terminal ------------------
# Ctrl-\ (SIGQUIT), a broken pipe, the user signals and timers: the handler
# only records the signal, the main loop ends curses and exits 128 + N.
for s in QUIT:3 PIPE:13 USR1:10 USR2:12 ALRM:14 HUP:1; do
    sig=${s%:*}
    start "sig$sig"
    check "SIG$sig run: starts" 'HOST +AZ +STATE' 50
    kill -"$sig" "$(cat "$tmp/sig$sig/pid")" 2>/dev/null
    finish "sig$sig" $((128 + ${s#*:}))
done
start ctrlq
check "Ctrl-\\ run: starts" 'HOST +AZ +STATE' 50
keys 'C-\'
finish ctrlq 131

# ---- 7: hostile names are shown escaped, never passed to the terminal ------------
RLO=$(printf '\342\200\256')
ZWSP=$(printf '\342\200\213')
cat > "$tmp/hostile.cfg" <<EOF
name = "hostile";
hosts = (
  { name = "h\\x1b]0;X\\x07"; vcpus = 8; memory_mb = 16384; disk_gb = 200; },
  { name = "h${RLO}2"; vcpus = 8; memory_mb = 16384; disk_gb = 200; },
  { name = "z${ZWSP}"; vcpus = 8; memory_mb = 16384; disk_gb = 200; }
);
flavors = ( { name = "m1.small"; vcpus = 1; memory_mb = 2048; root_gb = 20; } );
images = ( { name = "cirros"; } );
EOF
NV_ARGS=" '$tmp/hostile.cfg'" start hostile
check "hostile names: the UI starts" 'HOST +AZ +STATE' 50
check "hostile names: bidi override shown as <U+202E>" 'h<U\+202E>2 '
check "hostile names: zero-width space shown as <U+200B>" 'z<U\+200B> '
check "hostile names: controls shown as \\x.." 'h\\x1b\]0;X\\x07 '
if T capture-pane -p -e -t nv | grep -q "$RLO\|$ZWSP"; then
    fail "hostile names: raw bidi or zero-width characters reached the terminal"
else
    ok "hostile names: no raw bidi or zero-width characters"
fi
keys q
finish hostile 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
