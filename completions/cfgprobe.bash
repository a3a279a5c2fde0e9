# bash completion for cfgprobe(8).                        -*- shell-script -*-
# Installed as share/bash-completion/completions/cfgprobe. tests/docs checks
# that the subcommands and long options offered here are exactly those that
# `cfgprobe --help` and `cfgprobe SUB --help` print.

_cfgprobe_options() {
    case $1 in
        inspect)
            echo "--help --config --verify --key --context --selinux-policy --file-contexts --selinux-mode --format" ;;
        check)
            echo "--help --user --group --groups --caps --root --paths-from --verify --context --selinux-policy --file-contexts --selinux-mode --apparmor-profile --format" ;;
        explain)
            echo "--help --list" ;;
        decrypt)
            echo "--help --key --keyring --passphrase-key --wait --output --force" ;;
        preflight)
            echo "--help --user --config --key --decrypt --wait --report --verbose --format" ;;
    esac
}

_cfgprobe() {
    local cur prev words cword
    _init_completion || return

    local subcommands="inspect check explain decrypt preflight"
    local sub="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            inspect | check | explain | decrypt | preflight) sub=${words[i]}; break ;;
            [0-9]* | self) sub=inspect; break ;;  # cfgprobe PID [PATH...]
        esac
    done

    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$subcommands self" -- "$cur"))
        fi
        return
    fi

    case $prev in
        --format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --selinux-mode) COMPREPLY=($(compgen -W "enforcing permissive" -- "$cur")); return ;;
        --keyring) COMPREPLY=($(compgen -W "@s @u @p @t @us" -- "$cur")); return ;;
        --user) COMPREPLY=($(compgen -u -- "$cur")); return ;;
        --group | --groups) COMPREPLY=($(compgen -g -- "$cur")); return ;;
        --caps) COMPREPLY=($(compgen -W "none all cap_dac_read_search cap_dac_override" -- "$cur")); return ;;
        --root) _filedir -d; return ;;
        --config | --paths-from | --selinux-policy | --file-contexts | --output | -o | --decrypt | --report) _filedir; return ;;
        --key | --passphrase-key | --context | --wait) return ;;
        --apparmor-profile)
            local profiles=/sys/kernel/security/apparmor/profiles
            [[ -r $profiles ]] && COMPREPLY=($(compgen -W "$(sed 's/ (.*//' "$profiles")" -- "$cur"))
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_cfgprobe_options "$sub")" -- "$cur"))
        return
    fi
    case $sub in
        explain)
            COMPREPLY=($(compgen -W "$("${words[0]}" explain --list 2>/dev/null | cut -d' ' -f1)" -- "$cur")) ;;
        inspect)
            # The first word after inspect is the pid.
            local n=0
            for ((i = 1; i < cword; i++)); do [[ ${words[i]} != -* ]] && ((n++)); done
            if ((n <= 1)) && [[ ${words[1]} == inspect ]]; then
                COMPREPLY=($(compgen -W "self $(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur"))
            else
                _filedir
            fi ;;
        *) _filedir ;;
    esac
} && complete -F _cfgprobe cfgprobe

# ex: filetype=sh
