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
            "wait until every Query and Sync has its ReadyForQuery and the messages before a Flush their replies "
                + "(or the server waits for COPY data), in server mode until the client sends a message; "
                + "with MS, at most MS milliseconds, a pause that is never an error"
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
    static let frontendSynopses: [String: (fields: String, example: String)] = [
        "Bind": (
            #"portal="" statement="" parameters=[…] formats=[…] results=[…]  (parameters: "text", "\\x00ff" hex, NULL; count=N sets a wrong parameter count)"#,
            #"Bind statement="s1" parameters=["42", NULL] results=["binary"]"#
        ),
        "CancelRequest": ("pid=N key=HEX", "CancelRequest pid=1234 key=01020304"),
        "Close": (#"statement|portal "name""#, #"Close statement "s1""#),
        "CopyData": (#""data" (or "\\x…" hex)"#, #"CopyData "1\tone\n""#),
        "CopyDone": ("(no fields)", "CopyDone"),
        "CopyFail": (#""message""#, #"CopyFail "client gave up""#),
        "Describe": (#"statement|portal "name""#, #"Describe portal """#),
        "Execute": (#"portal="" maxRows=0  (0: all rows)"#, #"Execute maxRows=10"#),
        "Flush": ("(no fields)", "Flush"),
        "FunctionCall": (
            "oid=N arguments=[…] formats=[…] result=text|binary", #"FunctionCall oid=1598 arguments=[] result=text"#
        ),
        "GSSENCRequest": ("(no fields)", "GSSENCRequest"),
        "GSSResponse": (#""data" (hex: "\\x…")"#, #"GSSResponse "\\x6082""#),
        "Parse": (#"name="" "query" [type, …]"#, #"Parse name="s1" "select $1::int" [int4]"#),
        "PasswordMessage": (#""password""#, #"PasswordMessage "secret""#),
        "Query": (#""sql""#, #"Query "select 1""#),
        "SASLInitialResponse": (#"MECHANISM "data"|NULL"#, #"SASLInitialResponse SCRAM-SHA-256 "n,,n=,r=abc""#),
        "SASLResponse": (#""data""#, #"SASLResponse "c=biws,r=…,p=…""#),
        "SSLRequest": ("(no fields)", "SSLRequest"),
        "StartupMessage": (
            #"[3.0] name="value" …  (length=N, unquoted, sets a wrong length word)"#,
            #"StartupMessage 3.0 user="alice" database="app""#
        ),
        "Sync": ("(no fields)", "Sync"),
        "Terminate": ("(no fields)", "Terminate"),
    ]

    /// Each backend message's fields, as typed in server mode (`pgw repl --listen`).
    static let backendSynopses: [String: (fields: String, example: String)] = [
        "AuthenticationOk": ("(no fields)", "AuthenticationOk"),
        "AuthenticationKerberosV5": ("(no fields)", "AuthenticationKerberosV5"),
        "AuthenticationCleartextPassword": ("(no fields)", "AuthenticationCleartextPassword"),
        "AuthenticationMD5Password": ("salt=HEX  (4 bytes)", "AuthenticationMD5Password salt=01020304"),
        "AuthenticationGSS": ("(no fields)", "AuthenticationGSS"),
        "AuthenticationGSSContinue": (#""data" (hex: "\\x…")"#, #"AuthenticationGSSContinue "\\x6082""#),
        "AuthenticationSSPI": ("(no fields)", "AuthenticationSSPI"),
        "AuthenticationSASL": ("MECHANISM …", "AuthenticationSASL SCRAM-SHA-256 SCRAM-SHA-256-PLUS"),
        "AuthenticationSASLContinue": (#""data""#, #"AuthenticationSASLContinue "r=abc,s=c2FsdA==,i=4096""#),
        "AuthenticationSASLFinal": (#""data""#, #"AuthenticationSASLFinal "v=dGVzdA==""#),
        "BackendKeyData": ("pid=N key=HEX  (4 bytes; 3.2: up to 256)", "BackendKeyData pid=1234 key=01020304"),
        "BindComplete": ("(no fields)", "BindComplete"),
        "CloseComplete": ("(no fields)", "CloseComplete"),
        "CommandComplete": (#""tag""#, #"CommandComplete "SELECT 1""#),
        "CopyData": (#""data" (or "\\x…" hex)"#, #"CopyData "1\tone\n""#),
        "CopyDone": ("(no fields)", "CopyDone"),
        "CopyInResponse": ("text|binary [FORMAT, …]  (overall, then per column)", "CopyInResponse text [text, text]"),
        "CopyOutResponse": ("text|binary [FORMAT, …]  (overall, then per column)", "CopyOutResponse text [text]"),
        "CopyBothResponse": ("text|binary [FORMAT, …]  (overall, then per column)", "CopyBothResponse binary []"),
        "DataRow": (#"["value", NULL, "\\x…" hex, …]"#, #"DataRow ["1", NULL]"#),
        "EmptyQueryResponse": ("(no fields)", "EmptyQueryResponse"),
        "ErrorResponse": (
            #"SEVERITY CODE message…  or  severity="…" code="…" message="…" detail="…" hint="…" position="…" …"#,
            "ErrorResponse ERROR 22012 division by zero"
        ),
        "FunctionCallResponse": (#""result" or NULL"#, #"FunctionCallResponse "42""#),
        "GSSENCResponse": ("G|N  (accepted, rejected)", "GSSENCResponse N"),
        "NegotiateProtocolVersion": (
            #"3.N unrecognized=["option", …]"#, #"NegotiateProtocolVersion 3.0 unrecognized=["_pq_.compression"]"#
        ),
        "NoData": ("(no fields)", "NoData"),
        "NoticeResponse": (
            #"SEVERITY CODE message…  or  severity="…" code="…" message="…" …"#,
            "NoticeResponse NOTICE 00000 nothing to do"
        ),
        "NotificationResponse": (
            #"pid=N channel="…" payload="…""#, #"NotificationResponse pid=1234 channel="jobs" payload="42""#
        ),
        "ParameterDescription": ("[TYPE, …]", "ParameterDescription [int4, text]"),
        "ParameterStatus": (#"NAME="value""#, #"ParameterStatus TimeZone="UTC""#),
        "ParseComplete": ("(no fields)", "ParseComplete"),
        "PortalSuspended": ("(no fields)", "PortalSuspended"),
        "ReadyForQuery": ("I|T|E  (idle, in a transaction, failed; I when omitted)", "ReadyForQuery I"),
        "RowDescription": (
            #"[NAME TYPE, …]  or  [{name="…" tableOID=N columnAttributeNumber=N dataTypeOID=N dataTypeSize=N typeModifier=N format=text}, …]"#,
            "RowDescription [id int4, name text]"
        ),
        "SSLResponse": ("S|N  (accepted, rejected)", "SSLResponse N"),
    ]

    /// The synopses of the messages `direction` sends.
    static func synopses(of direction: MessageDirection) -> [String: (fields: String, example: String)] {
        direction == .frontend ? frontendSynopses : backendSynopses
    }

    /// The `name=` fields a message of `type` (its canonical name) takes, for Tab completion; `length=` fits any.
    static func fieldNames(of type: String, direction: MessageDirection) -> [String] {
        guard let fields = synopses(of: direction)[type]?.fields else { return [] }
        // The lower-case words right before an '=' (upper case stands for a value: NAME="value").
        var names: [String] = []
        var word = ""
        for character in fields {
            if character.isASCII && character.isLetter {
                word.append(character)
                continue
            }
            if character == "=", let first = word.first, first.isLowercase, !names.contains(word + "=") {
                names.append(word + "=")
            }
            word = ""
        }
        return names + ["length="]
    }

    /// The help for `topic` (a message type or meta-command, any case), or the overview when `nil`; the messages
    /// are those `direction` sends (frontend in client mode, backend in server mode), then the other side's.
    public static func text(for topic: String?, direction: MessageDirection = .frontend) -> String? {
        guard let topic else {
            let width = metaCommands.map(\.0.count).max() ?? 0
            let meta = metaCommands.map { "  " + $0.0.padding(toLength: width + 2) + $0.1 }
            let messages = TextFormParser.typeNames(of: direction).joined(separator: " ")
            return
                (["Meta-commands:"] + meta + [
                    "\(direction == .frontend ? "Frontend" : "Backend") messages (type \\help NAME for fields and an "
                        + "example; length=N on any line sets a wrong length word):",
                    "  " + messages,
                ]).joined(separator: "\n")
        }
        let wanted = topic.hasPrefix("\\") ? topic : topic.lowercased()
        // A meta-command with or without its backslash (`\help wait`).
        if let meta = metaCommands.first(where: {
            ["\\" + wanted, wanted].contains(String($0.0.split(separator: " ")[0]))
        }) {
            return "\(meta.0)  \(meta.1)"
        }
        let other: MessageDirection = direction == .frontend ? .backend : .frontend
        for side in [direction, other] {
            guard let (name, synopsis) = synopses(of: side).first(where: { $0.key.lowercased() == wanted }) else {
                continue
            }
            let note = side == direction ? "" : "  (a \(side) message: \(side == .backend ? "server" : "client") mode)"
            return "\(name) \(synopsis.fields)\(note)\nexample: \(synopsis.example)"
        }
        return nil
    }
}

extension String {
    /// The string padded with spaces to `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
