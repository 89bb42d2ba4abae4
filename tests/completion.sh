#!/bin/sh
# The bash and zsh completion scripts offer what the program's tables hold:
# every command of --help's usage lines, each command's options, the
# formats each --format accepts (as its own error message lists them), the
# releases of --help's "Releases:" line and its quirks (for diff --release
# and --quirk), and scenario files.
set -u
: "${NOVALID:?}" "${top_srcdir:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/novalid-compl.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
same() {   # same WHAT GOT WANT (newline-separated lists, order ignored)
    g=$(printf '%s\n' "$2" | sed '/^$/d' | sort -u)
    w=$(printf '%s\n' "$3" | sed '/^$/d' | sort -u)
    if [ -n "$w" ] && [ "$g" = "$w" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $1: offered [$(echo $g)], want [$(echo $w)]"
        fail=$((fail + 1))
    fi
}

help=$("$NOVALID" --help)
commands=$(printf '%s\n' "$help" | sed -n 's/^\(Usage:\)\{0,1\} \{1,\}novalid \([a-z][a-z-]*\) .*/\2/p')
commands="$commands
$(printf '%s\n' "$help" | sed -n 's/^ \{1,\}novalid \(--[a-z-]*\) .*/\1/p')
--version"
# the options a command's usage line shows ("[--format ...] [--seed N]")
options_of() {
    printf '%s\n' "$help" | grep "^ *novalid $1 " | grep -o '\[--[a-z-]*' | tr -d '['
}
releases=$(printf '%s\n' "$help" | sed -n 's/^Releases: //p' | tr -d ' ' | tr ',' '\n')
quirks=$(printf '%s\n' "$help" | sed -n 's/^  \(bug-[0-9a-z-]*\) .*/\1/p')
formats_of() {   # the formats `novalid CMD --format` accepts, from its error message
    "$NOVALID" "$1" --format bogus x.cfg 2>&1 | sed -n 's/.*--format takes //p' |
        sed 's/,\| or /\n/g' | tr -d ' '
}

mkdir -p "$tmp/sc/sub"
: > "$tmp/sc/a.cfg"
: > "$tmp/sc/b.cfg"
: > "$tmp/sc/notes.txt"
cd "$tmp/sc" || exit 1

# ---- bash ----------------------------------------------------------------------
if command -v bash >/dev/null 2>&1; then
    bcomp() {   # bcomp WORD... (the last is the word being completed)
        NOVALID="$NOVALID" bash -c '
            . "$0"
            COMP_WORDS=("$NOVALID" "$@")
            COMP_CWORD=$(($# ))
            _novalid
            printf "%s\n" "${COMPREPLY[@]}"' "$top_srcdir/completions/novalid.bash" "$@"
    }
    same "bash: commands" "$(bcomp '' | grep -v '\.cfg$\|/$\|^sub$')" "$commands"
    same "bash: scenario files for the UI" "$(bcomp '' | grep '\.cfg$\|^sub')" "a.cfg
b.cfg
sub"
    for c in run check; do
        same "bash: $c --format" "$(bcomp "$c" --format '')" "$(formats_of "$c")"
        same "bash: $c --format=" "$(bcomp "$c" --format = '')" "$(formats_of "$c")"
    done
    same "bash: run options" "$(bcomp run a.cfg --)" "$(options_of run)"
    same "bash: check options" "$(bcomp check --)" "$(options_of check)"
    same "bash: run --seed offers no file" "$(bcomp run --seed '')
none" "none"
    same "bash: run FILE" "$(bcomp run --format json '')" "a.cfg
b.cfg
sub"
    same "bash: validate FILE" "$(bcomp validate a)" "a.cfg"
    same "bash: diff --release" "$(bcomp diff a.cfg --release '')" "$releases"
    same "bash: diff --quirk" "$(bcomp diff a.cfg --quirk 'bug-')" "$quirks"
else
    echo "bash not installed: bash completion not checked"
fi
same "--complete releases" "$("$NOVALID" --complete releases)" "$releases"

# ---- zsh -----------------------------------------------------------------------
# The completion function runs with compadd and _files replaced by
# recorders, so what it would offer is printed.
if command -v zsh >/dev/null 2>&1; then
    zcomp() {
        NOVALID="$NOVALID" zsh -f -c '
            compadd() { local a; for a in "$@"; do case $a in -a) ;; *) print -l -- ${(P)a} ;; esac; done }
            compset() { return 0 }
            _files() { print -l -- ${~words[CURRENT]}*.cfg(N-.) ${~words[CURRENT]}*(N/) }
            words=("$NOVALID" "$@"); CURRENT=$(( $# + 1 ))
            autoload -Uz _novalid; _novalid' zcomp "$@" 2>&1
    }
    export FPATH="$top_srcdir/completions"
    same "zsh: commands" "$(zcomp '' | grep -v '\.cfg$\|^sub$')" "$commands"
    same "zsh: scenario files for the UI" "$(zcomp '' | grep '\.cfg$\|^sub$')" "a.cfg
b.cfg
sub"
    for c in run check; do
        same "zsh: $c --format" "$(zcomp "$c" --format '')" "$(formats_of "$c")"
        same "zsh: $c --format=" "$(zcomp "$c" --format=)" "$(formats_of "$c")"
    done
    same "zsh: run options" "$(zcomp run a.cfg --)" "$(options_of run)"
    same "zsh: run --seed offers no file" "$(zcomp run --seed '')
none" "none"
    same "zsh: diff --release" "$(zcomp diff a.cfg --release '')" "$releases"
    same "zsh: run FILE" "$(zcomp run --format json '')" "a.cfg
b.cfg
sub"
else
    echo "zsh not installed: zsh completion not checked"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
