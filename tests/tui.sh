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
    T new-session -d -s nv -x 120 -y 40 "sh '$run/wrap.sh'"
}

# finish NAME WANT: the run ended with status WANT, the session is gone and
# the terminal is back in cooked mode with echo
finish() {
    run=$tmp/$1
    i=0
    while [ ! -s "$run/rc" ] && [ "$i" -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    rc=$(cat "$run/rc" 2>/dev/null)
    if [ "$rc" = "$2" ]; then ok "$1: exit status $2"; else fail "$1: exit status '$rc', want $2"; fi
    i=0
    while T has-session -t nv 2>/dev/null && [ "$i" -lt 30 ]; do
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
check "help lists the keys" 'live-migrate the selected server'
keys Escape
check_gone "Esc closes the help" 'Help: keys'

keys / w e b - 1 Enter
check "search finds web-1" '/web-1: 1 match'

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
check "scripted step with its expectations" 'step 1/2 \(line [0-9]+\): live-migrate db-1: .*expect (pass|FAIL)'
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

# ---- 1b: Nova bug 1781710's cloud built from nothing, through the UI alone -------
# two hosts, an anti-affinity group, two servers booted in one request; a cold
# migration of one has nowhere to go (fixed Nova: NoValidHost); saved with the
# outcomes as expectations, the file passes novalid check.
line() { T send-keys -t nv -l "$1"; T send-keys -t nv Enter; }
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
line ':release-set queens'
check "the UI's release switch replays the session" 'release queens \(was latest\); replayed 2 command'
check "the title names the release" 'release queens'
keys q
check "unsaved-quit question" 'changes not saved \(2 command\(s\) of your own\): y quit anyway, s save first, n stay'
keys n
check "stays" 'not quitting'
kill -TERM "$(cat "$tmp/asks/pid")" 2>/dev/null
finish asks 143
if [ -s "$HOME/.local/state/novalid/autosave.cfg" ]; then
    ok "autosave kept after a kill"
else
    fail "no autosave after a kill"
fi
start asks2
check "autosave offered back" 'a session autosaved at .* r restore it' 50
keys r
check "autosave restored" 'restored the autosaved session: 2 command\(s\) replayed'
keys q
check "still unsaved after a restore" 'changes not saved'
keys y
finish asks2 0
if [ -e "$HOME/.local/state/novalid/autosave.cfg" ]; then
    fail "autosave left after a deliberate quit"
else
    ok "autosave removed after a deliberate quit"
fi

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

# ---- 5: a crash: the handler restores the terminal and dies of the signal --------
UI_TERM=screen-256color
infocmp "$UI_TERM" >/dev/null 2>&1 || UI_TERM=xterm-256color
start crash
check "crash run: starts" 'HOST +AZ +STATE' 50
kill -SEGV "$(cat "$tmp/crash/pid")" 2>/dev/null
finish crash 139

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
