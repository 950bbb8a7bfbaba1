#!/bin/bash

__pgw_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__pgw_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__pgw_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__pgw_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_pgw() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -? --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __pgw_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    decode|serve|proxy|repl|certs|help)
        # Offer subcommand argument completions
        "_pgw_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'decode serve proxy repl certs help' -- "${cur}"))
        ;;
    esac
}

_pgw_decode() {
    repeating_flags=()
    non_repeating_flags=(--full --summary --reveal-secrets --version -? --help)
    repeating_options=(--port --only --skip)
    non_repeating_options=(--frontend --backend --connection --filter --grep --format --max-message-length)
    __pgw_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--frontend')
        __pgw_add_completions -f
        return
        ;;
    '--backend')
        __pgw_add_completions -f
        return
        ;;
    '--port')
        return
        ;;
    '--connection')
        return
        ;;
    '--filter')
        return
        ;;
    '--only')
        __pgw_add_completions -W 'AuthenticationCleartextPassword'$'\n''AuthenticationGSS'$'\n''AuthenticationGSSContinue'$'\n''AuthenticationKerberosV5'$'\n''AuthenticationMD5Password'$'\n''AuthenticationOk'$'\n''AuthenticationSASL'$'\n''AuthenticationSASLContinue'$'\n''AuthenticationSASLFinal'$'\n''AuthenticationSSPI'$'\n''BackendKeyData'$'\n''Bind'$'\n''BindComplete'$'\n''CancelRequest'$'\n''Close'$'\n''CloseComplete'$'\n''CommandComplete'$'\n''CopyBothResponse'$'\n''CopyData'$'\n''CopyDone'$'\n''CopyFail'$'\n''CopyInResponse'$'\n''CopyOutResponse'$'\n''DataRow'$'\n''Describe'$'\n''EmptyQueryResponse'$'\n''ErrorResponse'$'\n''Execute'$'\n''Flush'$'\n''FunctionCall'$'\n''FunctionCallResponse'$'\n''GSSENCRequest'$'\n''GSSENCResponse'$'\n''GSSResponse'$'\n''NegotiateProtocolVersion'$'\n''NoData'$'\n''NoticeResponse'$'\n''NotificationResponse'$'\n''ParameterDescription'$'\n''ParameterStatus'$'\n''Parse'$'\n''ParseComplete'$'\n''PasswordMessage'$'\n''PortalSuspended'$'\n''Query'$'\n''ReadyForQuery'$'\n''RowDescription'$'\n''SASLInitialResponse'$'\n''SASLResponse'$'\n''SSLRequest'$'\n''SSLResponse'$'\n''StartupMessage'$'\n''Sync'$'\n''Terminate'$'\n''Unknown'
        return
        ;;
    '--skip')
        __pgw_add_completions -W 'AuthenticationCleartextPassword'$'\n''AuthenticationGSS'$'\n''AuthenticationGSSContinue'$'\n''AuthenticationKerberosV5'$'\n''AuthenticationMD5Password'$'\n''AuthenticationOk'$'\n''AuthenticationSASL'$'\n''AuthenticationSASLContinue'$'\n''AuthenticationSASLFinal'$'\n''AuthenticationSSPI'$'\n''BackendKeyData'$'\n''Bind'$'\n''BindComplete'$'\n''CancelRequest'$'\n''Close'$'\n''CloseComplete'$'\n''CommandComplete'$'\n''CopyBothResponse'$'\n''CopyData'$'\n''CopyDone'$'\n''CopyFail'$'\n''CopyInResponse'$'\n''CopyOutResponse'$'\n''DataRow'$'\n''Describe'$'\n''EmptyQueryResponse'$'\n''ErrorResponse'$'\n''Execute'$'\n''Flush'$'\n''FunctionCall'$'\n''FunctionCallResponse'$'\n''GSSENCRequest'$'\n''GSSENCResponse'$'\n''GSSResponse'$'\n''NegotiateProtocolVersion'$'\n''NoData'$'\n''NoticeResponse'$'\n''NotificationResponse'$'\n''ParameterDescription'$'\n''ParameterStatus'$'\n''Parse'$'\n''ParseComplete'$'\n''PasswordMessage'$'\n''PortalSuspended'$'\n''Query'$'\n''ReadyForQuery'$'\n''RowDescription'$'\n''SASLInitialResponse'$'\n''SASLResponse'$'\n''SSLRequest'$'\n''SSLResponse'$'\n''StartupMessage'$'\n''Sync'$'\n''Terminate'$'\n''Unknown'
        return
        ;;
    '--grep')
        return
        ;;
    '--format')
        __pgw_add_completions -W 'text'$'\n''json'$'\n''hex'
        return
        ;;
    '--max-message-length')
        return
        ;;
    esac
}

_pgw_serve() {
    repeating_flags=()
    non_repeating_flags=(--verify --quiet -q --version -? --help)
    repeating_options=(-U --user)
    non_repeating_options=(--host -h --port -p --auth --script --unmatched --log --tls-cert --tls-key --tls-key-passphrase-file --tls-ca --server-version --threads --max-connections --shutdown-timeout --log-level)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--host'|'-h')
        return
        ;;
    '--port'|'-p')
        return
        ;;
    '--auth')
        __pgw_add_completions -W 'trust'$'\n''password'$'\n''md5'$'\n''scram-sha-256'$'\n''cert'
        return
        ;;
    '-U'|'--user')
        return
        ;;
    '--script')
        __pgw_add_completions -f
        return
        ;;
    '--unmatched')
        __pgw_add_completions -W 'echo'$'\n''empty'$'\n''error'
        return
        ;;
    '--log')
        __pgw_add_completions -f
        return
        ;;
    '--tls-cert')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key-passphrase-file')
        __pgw_add_completions -f
        return
        ;;
    '--tls-ca')
        __pgw_add_completions -f
        return
        ;;
    '--server-version')
        return
        ;;
    '--threads')
        return
        ;;
    '--max-connections')
        return
        ;;
    '--shutdown-timeout')
        return
        ;;
    '--log-level')
        __pgw_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_pgw_proxy() {
    repeating_flags=()
    non_repeating_flags=(--full --reveal-secrets --tls-require --no-tls-require --tls-require-client-cert --quiet -q --version -? --help)
    repeating_options=(--route --only --skip)
    non_repeating_options=(--listen --upstream --keylog --format --output --color --pcap --record --record-match --tls-cert --tls-key --tls-key-passphrase-file --tls-ca --threads --max-connections --shutdown-timeout --log-level)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--listen')
        return
        ;;
    '--upstream')
        return
        ;;
    '--route')
        return
        ;;
    '--keylog')
        __pgw_add_completions -f
        return
        ;;
    '--format')
        __pgw_add_completions -W 'text'$'\n''json'$'\n''hex'$'\n''none'
        return
        ;;
    '--output')
        __pgw_add_completions -f
        return
        ;;
    '--color')
        __pgw_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--pcap')
        __pgw_add_completions -f
        return
        ;;
    '--record')
        __pgw_add_completions -f
        return
        ;;
    '--record-match')
        __pgw_add_completions -W 'exact'$'\n''fingerprint'
        return
        ;;
    '--only')
        __pgw_add_completions -W 'AuthenticationCleartextPassword'$'\n''AuthenticationGSS'$'\n''AuthenticationGSSContinue'$'\n''AuthenticationKerberosV5'$'\n''AuthenticationMD5Password'$'\n''AuthenticationOk'$'\n''AuthenticationSASL'$'\n''AuthenticationSASLContinue'$'\n''AuthenticationSASLFinal'$'\n''AuthenticationSSPI'$'\n''BackendKeyData'$'\n''Bind'$'\n''BindComplete'$'\n''CancelRequest'$'\n''Close'$'\n''CloseComplete'$'\n''CommandComplete'$'\n''CopyBothResponse'$'\n''CopyData'$'\n''CopyDone'$'\n''CopyFail'$'\n''CopyInResponse'$'\n''CopyOutResponse'$'\n''DataRow'$'\n''Describe'$'\n''EmptyQueryResponse'$'\n''ErrorResponse'$'\n''Execute'$'\n''Flush'$'\n''FunctionCall'$'\n''FunctionCallResponse'$'\n''GSSENCRequest'$'\n''GSSENCResponse'$'\n''GSSResponse'$'\n''NegotiateProtocolVersion'$'\n''NoData'$'\n''NoticeResponse'$'\n''NotificationResponse'$'\n''ParameterDescription'$'\n''ParameterStatus'$'\n''Parse'$'\n''ParseComplete'$'\n''PasswordMessage'$'\n''PortalSuspended'$'\n''Query'$'\n''ReadyForQuery'$'\n''RowDescription'$'\n''SASLInitialResponse'$'\n''SASLResponse'$'\n''SSLRequest'$'\n''SSLResponse'$'\n''StartupMessage'$'\n''Sync'$'\n''Terminate'$'\n''Unknown'
        return
        ;;
    '--skip')
        __pgw_add_completions -W 'AuthenticationCleartextPassword'$'\n''AuthenticationGSS'$'\n''AuthenticationGSSContinue'$'\n''AuthenticationKerberosV5'$'\n''AuthenticationMD5Password'$'\n''AuthenticationOk'$'\n''AuthenticationSASL'$'\n''AuthenticationSASLContinue'$'\n''AuthenticationSASLFinal'$'\n''AuthenticationSSPI'$'\n''BackendKeyData'$'\n''Bind'$'\n''BindComplete'$'\n''CancelRequest'$'\n''Close'$'\n''CloseComplete'$'\n''CommandComplete'$'\n''CopyBothResponse'$'\n''CopyData'$'\n''CopyDone'$'\n''CopyFail'$'\n''CopyInResponse'$'\n''CopyOutResponse'$'\n''DataRow'$'\n''Describe'$'\n''EmptyQueryResponse'$'\n''ErrorResponse'$'\n''Execute'$'\n''Flush'$'\n''FunctionCall'$'\n''FunctionCallResponse'$'\n''GSSENCRequest'$'\n''GSSENCResponse'$'\n''GSSResponse'$'\n''NegotiateProtocolVersion'$'\n''NoData'$'\n''NoticeResponse'$'\n''NotificationResponse'$'\n''ParameterDescription'$'\n''ParameterStatus'$'\n''Parse'$'\n''ParseComplete'$'\n''PasswordMessage'$'\n''PortalSuspended'$'\n''Query'$'\n''ReadyForQuery'$'\n''RowDescription'$'\n''SASLInitialResponse'$'\n''SASLResponse'$'\n''SSLRequest'$'\n''SSLResponse'$'\n''StartupMessage'$'\n''Sync'$'\n''Terminate'$'\n''Unknown'
        return
        ;;
    '--tls-cert')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key-passphrase-file')
        __pgw_add_completions -f
        return
        ;;
    '--tls-ca')
        __pgw_add_completions -f
        return
        ;;
    '--threads')
        return
        ;;
    '--max-connections')
        return
        ;;
    '--shutdown-timeout')
        return
        ;;
    '--log-level')
        __pgw_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_pgw_repl() {
    repeating_flags=()
    non_repeating_flags=(-W --password -w --no-password --reveal-secrets --raw --quiet -q --version -? --help)
    repeating_options=()
    non_repeating_options=(--host -h --port -p -U --username -d --dbname --file -f --timeout --format --listen --tls-cert --tls-key --tls-key-passphrase-file --tls-ca --log-level)
    __pgw_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--host'|'-h')
        return
        ;;
    '--port'|'-p')
        return
        ;;
    '-U'|'--username')
        return
        ;;
    '-d'|'--dbname')
        return
        ;;
    '--file'|'-f')
        __pgw_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __pgw_add_completions -W 'text'$'\n''json'$'\n''hex'
        return
        ;;
    '--listen')
        return
        ;;
    '--tls-cert')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key')
        __pgw_add_completions -f
        return
        ;;
    '--tls-key-passphrase-file')
        __pgw_add_completions -f
        return
        ;;
    '--tls-ca')
        __pgw_add_completions -f
        return
        ;;
    '--log-level')
        __pgw_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_pgw_certs() {
    repeating_flags=()
    non_repeating_flags=(--version -? --help)
    repeating_options=()
    non_repeating_options=()
    __pgw_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    md5|scram|verify-password|generate|check|probe)
        # Offer subcommand argument completions
        "_pgw_certs_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'md5 scram verify-password generate check probe' -- "${cur}"))
        ;;
    esac
}

_pgw_certs_md5() {
    repeating_flags=()
    non_repeating_flags=(--version -? --help)
    repeating_options=()
    non_repeating_options=(--user --password --salt)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--user')
        return
        ;;
    '--password')
        return
        ;;
    '--salt')
        return
        ;;
    esac
}

_pgw_certs_scram() {
    repeating_flags=()
    non_repeating_flags=(--version -? --help)
    repeating_options=()
    non_repeating_options=(--password --iterations --salt)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--password')
        return
        ;;
    '--iterations')
        return
        ;;
    '--salt')
        return
        ;;
    esac
}

_pgw_certs_verify-password() {
    repeating_flags=()
    non_repeating_flags=(--version -? --help)
    repeating_options=()
    non_repeating_options=(--verifier --password --user)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--verifier')
        return
        ;;
    '--password')
        return
        ;;
    '--user')
        return
        ;;
    esac
}

_pgw_certs_generate() {
    repeating_flags=()
    non_repeating_flags=(--force --version -? --help)
    repeating_options=(--server-name --client)
    non_repeating_options=(--dir --days)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        __pgw_add_completions -d
        return
        ;;
    '--server-name')
        return
        ;;
    '--client')
        return
        ;;
    '--days')
        return
        ;;
    esac
}

_pgw_certs_check() {
    repeating_flags=()
    non_repeating_flags=(--version -? --help)
    repeating_options=()
    non_repeating_options=(--cert --key --passphrase-file --ca --host --user --format)
    __pgw_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--cert')
        __pgw_add_completions -f
        return
        ;;
    '--key')
        __pgw_add_completions -f
        return
        ;;
    '--passphrase-file')
        __pgw_add_completions -f
        return
        ;;
    '--ca')
        __pgw_add_completions -f
        return
        ;;
    '--host')
        return
        ;;
    '--user')
        return
        ;;
    '--format')
        __pgw_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_pgw_certs_probe() {
    repeating_flags=()
    non_repeating_flags=(--direct --version -? --help)
    repeating_options=()
    non_repeating_options=(-h --host -p --port --sni --ca --timeout)
    __pgw_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-h'|'--host')
        return
        ;;
    '-p'|'--port')
        return
        ;;
    '--sni')
        return
        ;;
    '--ca')
        __pgw_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_pgw_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __pgw_offer_flags_options -1
}

complete -o filenames -o default -F _pgw pgw
