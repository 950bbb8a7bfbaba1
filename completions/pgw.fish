function __pgw_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __pgw_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __pgw_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __pgw_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __pgw_parse_tokens -S
    set -l unparsed_tokens (__pgw_tokens -pc)
    switch $unparsed_tokens[1]
    case 'pgw'
        __pgw_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'decode'
            __pgw_parse_subcommand 0 'frontend=' 'backend=' 'format=' 'summary' 'reveal-secrets' 'max-message-length=' 'version' 'h/help'
        case 'help'
            __pgw_parse_subcommand -r 1 'version'
        end
    end
end

function __pgw_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __pgw_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __pgw_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __pgw_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__pgw_tokens -p)
    if test -z "$(__pgw_tokens -t)"
        set -l index (count (__pgw_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'pgw' -f
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'decode' -d 'Decode captured PostgreSQL wire traffic of one connection.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" frontend' -l 'frontend' -d 'The client-to-server byte stream (\'-\' for standard input).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" backend' -l 'backend' -d 'The server-to-client byte stream (\'-\' for standard input).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" format' -l 'format' -d 'The output format.' -rfka 'text json hex'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" summary' -l 'summary' -d 'Print message counts and bytes per type instead of the messages.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" reveal-secrets' -l 'reveal-secrets' -d 'Show passwords, SASL and GSS data and cancel keys instead of masking them.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" max-message-length' -l 'max-message-length' -d 'The largest message accepted, in bytes (default 1 GiB - 1).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw help" version' -l 'version' -d 'Show the version.'
