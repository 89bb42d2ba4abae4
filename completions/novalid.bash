# bash completion for novalid(1): commands, options, option values
# (output formats, releases, quirks) and scenario files.
#
# The words come from the program itself (`novalid --complete ...` reads
# its command, format, release and quirk tables), so this file does not
# change when they do.

_novalid_files()
{
    # scenario files, and directories to walk into (or to check)
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$1") $(compgen -f -X '!*.cfg' -- "$1"))
}

_novalid()
{
    local cur prev prog cmd i out
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    prog=${COMP_WORDS[0]}
    # --format=json: bash splits the word at the '='
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -* | =) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        # a command, --help/--version, or a scenario to open in the UI
        COMPREPLY=($(compgen -W "$("$prog" --complete commands 2>/dev/null)" -- "$cur"))
        [[ $cur == -* ]] || _novalid_files "$cur"
        return 0
    fi
    if [[ $prev == -* ]] && out=$("$prog" --complete values "$cmd" "$prev" 2>/dev/null); then
        # the option's value: a word from the list, nothing for a number
        COMPREPLY=($(compgen -W "$out" -- "$cur"))
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$prog" --complete options "$cmd" 2>/dev/null)" -- "$cur"))
        return 0
    fi
    case $("$prog" --complete operand "$cmd" 2>/dev/null) in
    file | path) _novalid_files "$cur" ;;
    esac
    return 0
}
complete -F _novalid novalid
