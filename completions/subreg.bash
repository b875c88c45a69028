# bash completion for subreg: commands, their options, rule ids for explain, formats.
_subreg() {
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "serve token subscribers notices objections init validate check log export explain new fmt diff hook --help --version" -- "$cur"))
        return
    fi
    case "$prev" in
        --format)
            case "$cmd" in
                check) COMPREPLY=($(compgen -W "text json junit sarif github" -- "$cur")) ;;
                export) COMPREPLY=($(compgen -W "json csv md html art30 art30-1" -- "$cur")) ;;
                notices) COMPREPLY=($(compgen -W "csv json" -- "$cur")) ;;
                subscribers|objections) COMPREPLY=($(compgen -W "text csv json" -- "$cur")) ;;
            esac
            return ;;
        --role) COMPREPLY=($(compgen -W "customer reader editor" -- "$cur")); return ;;
        --lang) COMPREPLY=($(compgen -W "en fr nl" -- "$cur")); return ;;
        --registry|--state|--hosting|--output|--log) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    case "$cmd" in
        explain) COMPREPLY=($(compgen -W "$(subreg explain 2>/dev/null | awk '{print $1}')" -- "$cur")) ;;
        token) COMPREPLY=($(compgen -W "add list revoke --role --state --help" -- "$cur")) ;;
        subscribers) COMPREPLY=($(compgen -W "add list remove --customer --lang --erase --format --state --help" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$(subreg "$cmd" --help 2>/dev/null | grep -o -- '--[a-z-]*' | sort -u)" -- "$cur")) ;;
    esac
}
complete -F _subreg subreg
