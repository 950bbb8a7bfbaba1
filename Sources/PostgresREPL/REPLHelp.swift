import PostgresWire

/// `\help`: the meta-commands, and for each message type its fields and an example.
public enum REPLHelp {
    /// The meta-commands with a line each.
    public static let metaCommands: [(String, String)] = [
        ("\\help [MESSAGE]", "this list, or a message's fields and an example"),
        ("\\send", "send the lines typed since the last send (with \\set autosend off)"),
        ("\\set autosend on|off", "send each message line at once (on, the default) or collect them for \\send"),
        (
            "\\wait [MS]",
            "wait until every Query and Sync has its ReadyForQuery, in server mode until the client sends a message "
                + "(or MS milliseconds)"
        ),
        ("\\expect TYPE [field=value…]", "check the next message that arrived (fields by their JSON names)"),
        ("\\format text|json|hex", "how messages are shown"),
        ("\\reveal on|off", "show passwords, SASL data and cancel keys"),
        ("\\cancel", "send a CancelRequest for this session"),
        ("\\tls", "start the TLS handshake (--raw, after SSLRequest was answered S; the certificate is not checked)"),
        ("\\hex 51 00 00 00 0d …", "send raw bytes"),
        ("\\auto-startup", "server mode: answer SSLRequest (N), StartupMessage and authentication (trust) for you"),
        ("\\auto-query [on|off]", "server mode: answer the client's queries as pgw serve does (off: you answer)"),
        ("\\history", "the lines run so far, numbered"),
        ("\\quit", "close the connection and leave (also Ctrl-D)"),
    ]

    /// Each frontend message's fields, as typed; omitted fields take the defaults shown.
    static let synopses: [String: (fields: String, example: String)] = [
        "Bind": (
            #"portal="" statement="" parameters=[…] formats=[…] results=[…]  (parameters: "text", "\x00ff" hex, NULL; count=N sets a wrong parameter count)"#,
            #"Bind statement="s1" parameters=["42", NULL] results=["binary"]"#
        ),
        "CancelRequest": ("pid=N key=HEX", "CancelRequest pid=1234 key=01020304"),
        "Close": (#"statement|portal "name""#, #"Close statement "s1""#),
        "CopyData": (#""data" (or "\x…" hex)"#, #"CopyData "1\tone\n""#),
        "CopyDone": ("(no fields)", "CopyDone"),
        "CopyFail": (#""message""#, #"CopyFail "client gave up""#),
        "Describe": (#"statement|portal "name""#, #"Describe portal """#),
        "Execute": (#"portal="" maxRows=0  (0: all rows)"#, #"Execute maxRows=10"#),
        "Flush": ("(no fields)", "Flush"),
        "FunctionCall": (
            "oid=N arguments=[…] formats=[…] result=text|binary", #"FunctionCall oid=1598 arguments=[] result=text"#
        ),
        "GSSENCRequest": ("(no fields)", "GSSENCRequest"),
        "GSSResponse": (#""data" (hex: "\x…")"#, #"GSSResponse "\x6082""#),
        "Parse": (#"name="" "query" [type, …]"#, #"Parse name="s1" "select $1::int" [int4]"#),
        "PasswordMessage": (#""password""#, #"PasswordMessage "secret""#),
        "Query": (#""sql""#, #"Query "select 1""#),
        "SASLInitialResponse": (#"MECHANISM "data"|NULL"#, #"SASLInitialResponse SCRAM-SHA-256 "n,,n=,r=abc""#),
        "SASLResponse": (#""data""#, #"SASLResponse "c=biws,r=…,p=…""#),
        "SSLRequest": ("(no fields)", "SSLRequest"),
        "StartupMessage": (#"[3.0] name="value" …"#, #"StartupMessage 3.0 user="alice" database="app""#),
        "Sync": ("(no fields)", "Sync"),
        "Terminate": ("(no fields)", "Terminate"),
    ]

    /// The help for `topic` (a message type or meta-command, any case), or the overview when `nil`.
    public static func text(for topic: String?) -> String? {
        guard let topic else {
            let width = metaCommands.map(\.0.count).max() ?? 0
            let meta = metaCommands.map { "  " + $0.0.padding(toLength: width + 2) + $0.1 }
            let messages = TextFormParser.typeNames(of: .frontend).joined(separator: " ")
            return
                (["Meta-commands:"] + meta + [
                    "Messages (type \\help NAME for fields and an example; length=N on any line sets a wrong length word):",
                    "  " + messages,
                ]).joined(separator: "\n")
        }
        let wanted = topic.hasPrefix("\\") ? topic : topic.lowercased()
        if let meta = metaCommands.first(where: { $0.0.split(separator: " ")[0] == wanted }) {
            return "\(meta.0)  \(meta.1)"
        }
        guard let (name, synopsis) = synopses.first(where: { $0.key.lowercased() == wanted }) else { return nil }
        return "\(name) \(synopsis.fields)\nexample: \(synopsis.example)"
    }
}

extension String {
    /// The string padded with spaces to `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
