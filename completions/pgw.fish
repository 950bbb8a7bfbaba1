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
        __pgw_parse_subcommand 0 'version' 'help'
        switch $unparsed_tokens[1]
        case 'decode'
            __pgw_parse_subcommand -r 2 'frontend=' 'backend=' 'port=+' 'connection=' 'filter=' 'only=+' 'skip=+' 'grep=' 'full' 'format=' 'summary' 'reveal-secrets' 'max-message-length=' 'version' 'help'
        case 'serve'
            __pgw_parse_subcommand 0 'h/host=' 'p/port=' 'auth=' 'U/user=+' 'script=' 'unmatched=' 'verify' 'log=' 'tls-cert=' 'tls-key=' 'tls-key-passphrase-file=' 'tls-ca=' 'server-version=' 'threads=' 'max-connections=' 'shutdown-timeout=' 'log-level=' 'q/quiet' 'version' 'help'
        case 'proxy'
            __pgw_parse_subcommand 0 'listen=' 'upstream=' 'route=+' 'keylog=' 'format=' 'output=' 'color=' 'pcap=' 'record=' 'record-match=' 'only=+' 'skip=+' 'full' 'reveal-secrets' 'tls-cert=' 'tls-key=' 'tls-key-passphrase-file=' 'tls-ca=' 'tls-require' 'no-tls-require' 'tls-require-client-cert' 'threads=' 'max-connections=' 'shutdown-timeout=' 'log-level=' 'q/quiet' 'version' 'help'
        case 'repl'
            __pgw_parse_subcommand -r 1 'h/host=' 'p/port=' 'U/username=' 'd/dbname=' 'W/password' 'w/no-password' 'f/file=' 'timeout=' 'format=' 'reveal-secrets' 'raw' 'listen=' 'tls-cert=' 'tls-key=' 'tls-key-passphrase-file=' 'tls-ca=' 'log-level=' 'q/quiet' 'version' 'help'
        case 'certs'
            __pgw_parse_subcommand 0 'version' 'help'
            switch $unparsed_tokens[1]
            case 'md5'
                __pgw_parse_subcommand 0 'user=' 'password=' 'salt=' 'version' 'help'
            case 'scram'
                __pgw_parse_subcommand 0 'password=' 'iterations=' 'salt=' 'version' 'help'
            case 'verify-password'
                __pgw_parse_subcommand 0 'verifier=' 'password=' 'user=' 'version' 'help'
            case 'generate'
                __pgw_parse_subcommand 0 'dir=' 'server-name=+' 'client=+' 'days=' 'force' 'version' 'help'
            case 'check'
                __pgw_parse_subcommand 0 'cert=' 'key=' 'passphrase-file=' 'ca=' 'host=' 'user=' 'format=' 'version' 'help'
            case 'probe'
                __pgw_parse_subcommand 1 'h/host=' 'p/port=' 'sni=' 'direct' 'ca=' 'timeout=' 'version' 'help'
            end
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
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'decode' -d 'Decode captured PostgreSQL wire traffic: a pcap/pcapng capture, or the byte streams of one connection.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'serve' -d 'Run a mock PostgreSQL server: scripted answers, PostgreSQL\'s behaviour for the rest.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'proxy' -d 'Relay clients to a PostgreSQL server and log every message, decoded, as it passes.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'repl' -d 'Type protocol messages, send them to a PostgreSQL server and see every reply decoded.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'certs' -d 'Make and check PostgreSQL password hashes, SCRAM verifiers and TLS certificates.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" frontend' -l 'frontend' -d 'The client-to-server byte stream (\'-\' for standard input).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" backend' -l 'backend' -d 'The server-to-client byte stream (\'-\' for standard input).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode"' -l 'port' -d 'A PostgreSQL server port in the capture (repeatable; default 5432).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" connection' -l 'connection' -d 'Only the capture\'s connection with this number.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" filter' -l 'filter' -d 'Only the capture\'s packets matching this BPF expression (as tcpdump takes); connections keep the numbers they have without it.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode"' -l 'only' -d 'Show only messages of these types (comma-separated, repeatable).' -rfka 'AuthenticationCleartextPassword AuthenticationGSS AuthenticationGSSContinue AuthenticationKerberosV5 AuthenticationMD5Password AuthenticationOk AuthenticationSASL AuthenticationSASLContinue AuthenticationSASLFinal AuthenticationSSPI BackendKeyData Bind BindComplete CancelRequest Close CloseComplete CommandComplete CopyBothResponse CopyData CopyDone CopyFail CopyInResponse CopyOutResponse DataRow Describe EmptyQueryResponse ErrorResponse Execute Flush FunctionCall FunctionCallResponse GSSENCRequest GSSENCResponse GSSResponse NegotiateProtocolVersion NoData NoticeResponse NotificationResponse ParameterDescription ParameterStatus Parse ParseComplete PasswordMessage PortalSuspended Query ReadyForQuery RowDescription SASLInitialResponse SASLResponse SSLRequest SSLResponse StartupMessage Sync Terminate Unknown'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode"' -l 'skip' -d 'Do not show messages of these types (comma-separated, repeatable).' -rfka 'AuthenticationCleartextPassword AuthenticationGSS AuthenticationGSSContinue AuthenticationKerberosV5 AuthenticationMD5Password AuthenticationOk AuthenticationSASL AuthenticationSASLContinue AuthenticationSASLFinal AuthenticationSSPI BackendKeyData Bind BindComplete CancelRequest Close CloseComplete CommandComplete CopyBothResponse CopyData CopyDone CopyFail CopyInResponse CopyOutResponse DataRow Describe EmptyQueryResponse ErrorResponse Execute Flush FunctionCall FunctionCallResponse GSSENCRequest GSSENCResponse GSSResponse NegotiateProtocolVersion NoData NoticeResponse NotificationResponse ParameterDescription ParameterStatus Parse ParseComplete PasswordMessage PortalSuspended Query ReadyForQuery RowDescription SASLInitialResponse SASLResponse SSLRequest SSLResponse StartupMessage Sync Terminate Unknown'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" grep' -l 'grep' -d 'Print only the Query, Parse, Bind and Execute messages whose statement matches (a Bind or Execute by the text its prepared statement was parsed with, the unnamed one\'s too), and the ReadyForQuery ending each.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" full' -l 'full' -d 'Show long text whole instead of cutting it at 120 characters.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" format' -l 'format' -d 'The output format.' -rfka 'text json hex'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" summary' -l 'summary' -d 'Print, per connection and overall, message counts and bytes per type, statements (each Execute, Query and FunctionCall; an Execute named by the text its prepared statement was parsed with), errors by SQLSTATE, the gaps (bytes missing from the capture) and the slowest statements (timed from the first message of their round trip to its ReadyForQuery) instead of the messages; it counts every message, so it takes no --grep, --only, --skip or --format hex.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" reveal-secrets' -l 'reveal-secrets' -d 'Show passwords, SASL and GSS data and cancel keys instead of masking them.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" max-message-length' -l 'max-message-length' -d 'The largest message accepted, in bytes (default 1 GiB - 1).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw decode" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" h host' -l 'host' -s 'h' -d 'The address to listen on; * for every address, IPv4 and IPv6 (as PostgreSQL\'s listen_addresses).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" p port' -l 'port' -s 'p' -d 'The port to listen on, 0 to 65535 (0 picks a free one); default PGPORT, else 5432.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" auth' -l 'auth' -d 'How clients authenticate (default: the script\'s server.auth, else trust).' -rfka 'trust password md5 scram-sha-256 cert'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve"' -s 'U' -l 'user' -d 'A user, NAME:PASSWORD or NAME with the password in PGPASSWORD; repeatable.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" script' -l 'script' -d 'A YAML script of rules that answer statements (see above).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" unmatched' -l 'unmatched' -d 'What statements that nothing answers get (default: the script\'s unmatched, else echo).' -rfka 'echo empty error'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" verify' -l 'verify' -d 'At shutdown, exit with 1 and list statements no rule matched (also those that do not parse) and rules never used.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" log' -l 'log' -d 'Append every statement received to this file (mode 0600) as JSON Lines (time, statement, parameters, rule).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" tls-cert' -l 'tls-cert' -d 'The certificate chain (PEM) shown to clients; enables and requires TLS.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" tls-key' -l 'tls-key' -d 'The private key (PEM) of --tls-cert.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" tls-key-passphrase-file' -l 'tls-key-passphrase-file' -d 'A file whose first line is the private key\'s passphrase.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" tls-ca' -l 'tls-ca' -d 'CA certificates (PEM) that client certificates must chain to.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" server-version' -l 'server-version' -d 'The version reported as server_version and by SELECT version() (default: the script\'s, else 18.0).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" threads' -l 'threads' -d 'The event-loop threads that serve connections (default: one per four cores, at least one, for proxy; two per core for serve; a connection stays on one).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" max-connections' -l 'max-connections' -d 'The most sessions at once (PostgreSQL\'s max_connections); more clients get FATAL 53300.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" shutdown-timeout' -l 'shutdown-timeout' -d 'Seconds clients get to take their FATAL 57P01 at shutdown.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" log-level' -l 'log-level' -d 'What to log to standard error.' -rfka 'trace debug info notice warning error critical'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" q quiet' -l 'quiet' -s 'q' -d 'Log errors only (overrides --log-level).'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw serve" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" listen' -l 'listen' -d 'The address to listen on; port 0 picks a free one.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" upstream' -l 'upstream' -d 'The PostgreSQL server: HOST:PORT or a libpq connection string (default: PGHOST, PGPORT and the other PG* variables; with --route, only clients no route matches go to it).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy"' -l 'route' -d 'Relay clients whose TLS server name matches PATTERN (a name or *.NAME) to SERVER ({1}: the leftmost label).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" keylog' -l 'keylog' -d 'Append both legs\' TLS secrets to this file (NSS key log format; default: $SSLKEYLOGFILE).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" format' -l 'format' -d 'The traffic log\'s format: text, json (JSON Lines), hex, or none (summaries only).' -rfka 'text json hex none'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" output' -l 'output' -d 'Append the traffic log to this file (mode 0600) instead of writing it to standard output.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" color' -l 'color' -d 'Colour the text log: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always or never.' -rfka 'auto always never'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" pcap' -l 'pcap' -d 'Also append a pcapng capture of every connection\'s decrypted traffic (one TCP stream each) for Wireshark/tshark; it holds cleartext passwords and data, unmasked.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" record' -l 'record' -d 'When the proxy stops, write every statement and its answer as a \'pgw serve\' script.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" record-match' -l 'record-match' -d 'How the recorded rules match: exact (text and bound values) or fingerprint (other values too).' -rfka 'exact fingerprint'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy"' -l 'only' -d 'Show only messages of these types (comma-separated, repeatable).' -rfka 'AuthenticationCleartextPassword AuthenticationGSS AuthenticationGSSContinue AuthenticationKerberosV5 AuthenticationMD5Password AuthenticationOk AuthenticationSASL AuthenticationSASLContinue AuthenticationSASLFinal AuthenticationSSPI BackendKeyData Bind BindComplete CancelRequest Close CloseComplete CommandComplete CopyBothResponse CopyData CopyDone CopyFail CopyInResponse CopyOutResponse DataRow Describe EmptyQueryResponse ErrorResponse Execute Flush FunctionCall FunctionCallResponse GSSENCRequest GSSENCResponse GSSResponse NegotiateProtocolVersion NoData NoticeResponse NotificationResponse ParameterDescription ParameterStatus Parse ParseComplete PasswordMessage PortalSuspended Query ReadyForQuery RowDescription SASLInitialResponse SASLResponse SSLRequest SSLResponse StartupMessage Sync Terminate Unknown'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy"' -l 'skip' -d 'Do not show messages of these types (comma-separated, repeatable).' -rfka 'AuthenticationCleartextPassword AuthenticationGSS AuthenticationGSSContinue AuthenticationKerberosV5 AuthenticationMD5Password AuthenticationOk AuthenticationSASL AuthenticationSASLContinue AuthenticationSASLFinal AuthenticationSSPI BackendKeyData Bind BindComplete CancelRequest Close CloseComplete CommandComplete CopyBothResponse CopyData CopyDone CopyFail CopyInResponse CopyOutResponse DataRow Describe EmptyQueryResponse ErrorResponse Execute Flush FunctionCall FunctionCallResponse GSSENCRequest GSSENCResponse GSSResponse NegotiateProtocolVersion NoData NoticeResponse NotificationResponse ParameterDescription ParameterStatus Parse ParseComplete PasswordMessage PortalSuspended Query ReadyForQuery RowDescription SASLInitialResponse SASLResponse SSLRequest SSLResponse StartupMessage Sync Terminate Unknown'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" full' -l 'full' -d 'Do not shorten long values in the log.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" reveal-secrets' -l 'reveal-secrets' -d 'Show passwords, SASL data and cancel keys instead of masking them.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-cert' -l 'tls-cert' -d 'The certificate chain (PEM) shown to clients; enables and requires TLS.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-key' -l 'tls-key' -d 'The private key (PEM) of --tls-cert.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-key-passphrase-file' -l 'tls-key-passphrase-file' -d 'A file whose first line is the private key\'s passphrase.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-ca' -l 'tls-ca' -d 'CA certificates (PEM) that client certificates must chain to.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-require' -l 'tls-require' -d 'With --tls-cert, refuse clients that do not use TLS (FATAL 28000); --no-tls-require relays them too.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" no-tls-require' -l 'no-tls-require' -d 'With --tls-cert, refuse clients that do not use TLS (FATAL 28000); --no-tls-require relays them too.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" tls-require-client-cert' -l 'tls-require-client-cert' -d 'Refuse clients that present no certificate chaining to --tls-ca (FATAL 28000).'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" threads' -l 'threads' -d 'The event-loop threads that serve connections (default: one per four cores, at least one, for proxy; two per core for serve; a connection stays on one).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" max-connections' -l 'max-connections' -d 'The most sessions at once (PostgreSQL\'s max_connections); more clients get FATAL 53300.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" shutdown-timeout' -l 'shutdown-timeout' -d 'Seconds clients get to take their FATAL 57P01 at shutdown.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" log-level' -l 'log-level' -d 'What to log to standard error.' -rfka 'trace debug info notice warning error critical'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" q quiet' -l 'quiet' -s 'q' -d 'Log errors only (overrides --log-level).'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw proxy" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" h host' -l 'host' -s 'h' -d 'The server\'s host name, address or Unix-socket directory (PGHOST).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" p port' -l 'port' -s 'p' -d 'The server\'s port, or ports separated by commas, one per host (PGPORT).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" U username' -s 'U' -l 'username' -d 'The user name (PGUSER).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" d dbname' -s 'd' -l 'dbname' -d 'The database name, or a whole connection string (PGDATABASE).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" W password' -s 'W' -l 'password' -d 'Ask for the password (on the terminal, without echo) before connecting.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" no-password w' -s 'w' -l 'no-password' -d 'Never ask for a password: fail when the server wants one that nothing gave.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" f file' -l 'file' -s 'f' -d 'Run the lines of this script, then exit (\'-\': standard input).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" timeout' -l 'timeout' -d 'How long \\wait and \\expect wait, in seconds.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" format' -l 'format' -d 'How messages are shown.' -rfka 'text json hex'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" reveal-secrets' -l 'reveal-secrets' -d 'Show passwords, SASL data and cancel keys, which are masked by default.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" raw' -l 'raw' -d 'Open a bare connection to the first host and send nothing: type the StartupMessage (or SSLRequest, GSSENCRequest, CancelRequest) yourself.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" listen' -l 'listen' -d 'Be the server: listen on this address, accept one client and type the backend messages it receives.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" tls-cert' -l 'tls-cert' -d 'The certificate chain (PEM) shown to clients; enables and requires TLS.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" tls-key' -l 'tls-key' -d 'The private key (PEM) of --tls-cert.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" tls-key-passphrase-file' -l 'tls-key-passphrase-file' -d 'A file whose first line is the private key\'s passphrase.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" tls-ca' -l 'tls-ca' -d 'CA certificates (PEM) that client certificates must chain to.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" log-level' -l 'log-level' -d 'What to log to standard error.' -rfka 'trace debug info notice warning error critical'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" q quiet' -l 'quiet' -s 'q' -d 'Log errors only (overrides --log-level).'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw repl" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'md5' -d 'Print a role\'s MD5 password hash, or the response a client sends for a salt.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'scram' -d 'Print a SCRAM-SHA-256 verifier for a password.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'verify-password' -d 'Check a password against a stored MD5 hash or SCRAM-SHA-256 verifier.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'generate' -d 'Make a throw-away CA, a server certificate and client certificates for testing.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'check' -d 'Check a certificate, its key, chain, dates and names before PostgreSQL or libpq does.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_positional "pgw certs" -eq 1' -fa 'probe' -d 'Show a server\'s answer to SSLRequest, its TLS version, cipher, ALPN and certificate chain.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs md5" user' -l 'user' -d 'The role name, which the hash includes.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs md5" password' -l 'password' -d 'The password. Without it, pgw asks on the terminal without echo, or reads one line from standard input when that is not a terminal (a password on the command line shows in the process list).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs md5" salt' -l 'salt' -d 'The 4-byte salt of AuthenticationMD5Password, as 8 hex digits.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs md5" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs md5" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs scram" password' -l 'password' -d 'The password. Without it, pgw asks on the terminal without echo, or reads one line from standard input when that is not a terminal (a password on the command line shows in the process list).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs scram" iterations' -l 'iterations' -d 'The PBKDF2 iteration count.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs scram" salt' -l 'salt' -d 'The salt in base64 (default: 16 random bytes).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs scram" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs scram" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs verify-password" verifier' -l 'verifier' -d 'The stored MD5 hash or SCRAM verifier.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs verify-password" password' -l 'password' -d 'The password. Without it, pgw asks on the terminal without echo, or reads one line from standard input when that is not a terminal (a password on the command line shows in the process list).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs verify-password" user' -l 'user' -d 'The role name, needed for an MD5 hash.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs verify-password" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs verify-password" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate" dir' -l 'dir' -d 'The directory to write into; created if missing.' -rfa '(__pgw_complete_directories)'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate"' -l 'server-name' -d 'A DNS name, wildcard or IP address for server.crt; repeatable.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate"' -l 'client' -d 'A role name to make a client certificate for; repeatable.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate" days' -l 'days' -d 'How many days the certificates are valid, from 1 to 36500.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate" force' -l 'force' -d 'Overwrite existing files.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs generate" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" cert' -l 'cert' -d 'The certificate (PEM), leaf first, then any intermediates.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" key' -l 'key' -d 'The private key (PEM).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" passphrase-file' -l 'passphrase-file' -d 'A file holding the key\'s passphrase (its first line).' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" ca' -l 'ca' -d 'Trusted CA certificates (PEM) the certificate must chain to.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" host' -l 'host' -d 'A host name or IP address the server certificate must name.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" user' -l 'user' -d 'The role name a client certificate\'s CN must be.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" format' -l 'format' -d 'How to print the verdicts: text lines or a JSON array.' -rfka 'text json'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs check" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" h host' -s 'h' -l 'host' -d 'The server\'s host name or address (PGHOST).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" p port' -s 'p' -l 'port' -d 'The server\'s port (PGPORT; default 5432).' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" sni' -l 'sni' -d 'The server name to send (SNI) and verify; defaults to HOST.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" direct' -l 'direct' -d 'Start TLS directly with ALPN \'postgresql\' instead of sending SSLRequest (PostgreSQL 17+).'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" ca' -l 'ca' -d 'Trusted CA certificates (PEM) to verify the server\'s chain against.' -rF
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" timeout' -l 'timeout' -d 'Seconds the whole probe may take, connecting included.' -rfka ''
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" version' -l 'version' -d 'Show the version.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw certs probe" \? help' -s '?' -l 'help' -d 'Show help information.'
complete -c 'pgw' -n '__pgw_should_offer_completions_for_flags_or_options "pgw help" version' -l 'version' -d 'Show the version.'
