import Foundation
import PostgresTestSupport
import Testing

/// `pgw serve` answers malformed messages as PostgreSQL 15 does (checked against one with the same bytes): a whole
/// message whose body cannot be read gets an ERROR 08P01 and the session goes on (after a simple-protocol message,
/// ReadyForQuery at once; after an extended-protocol one, at Sync); a malformed CancelRequest is closed without a
/// word, as PostgreSQL never answers a cancel packet.
@Suite(.timeLimit(.minutes(3)))
struct ServeMalformedMessageTests {
    /// Python that logs in (trust) on a new connection for each case, sends the case's bytes, a Sync and
    /// `select 42`, and prints the case, the ErrorResponses' severity, SQLSTATE and message, and the message types.
    static let client = #"""
        import socket, struct, sys
        def msg(t, body): return t + struct.pack('!I', len(body) + 4) + body
        def startup():
            body = struct.pack('!I', 196608) + b'user\0alice\0database\0app\0\0'
            return struct.pack('!I', len(body) + 4) + body
        def messages(data):
            out = []
            while len(data) >= 5:
                t, n = data[:1], struct.unpack('!I', data[1:5])[0]
                out.append((t, data[5:1 + n])); data = data[1 + n:]
            return out
        def exchange(port, payload, until):
            s = socket.create_connection(('127.0.0.1', port), timeout=10)
            s.sendall(startup()); data = b''
            while b'Z\0\0\0\5' not in data: data += s.recv(65536)
            s.sendall(payload); data = b''
            while sum(1 for t, _ in messages(data) if t == b'Z') < until:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            return messages(data)
        parse = msg(b'P', b'\0select $1::text\0\0\0')
        cases = {
            'describe-kind': msg(b'D', b'Xfoo\0'), 'close-kind': msg(b'C', b'Xfoo\0'),
            'query-no-zero': msg(b'Q', b'select 1'), 'query-extra': msg(b'Q', b'select 1\0xx'),
            'sync-extra': msg(b'S', b'xx'), 'flush-extra': msg(b'H', b'x'),
            'describe-no-zero': msg(b'D', b'Sfoo'), 'execute-short': msg(b'E', b'\0\0\0'),
            'parse-negative-count': msg(b'P', b'\0select 1\0\xff\xff'),
            'bind-negative-length': parse + msg(b'B', b'\0\0\0\0\0\1\xff\xff\xff\xfe\0\0'),
            'bind-extra': parse + msg(b'B', b'\0\0\0\0\0\1\0\0\0\1a\0\0x'),
            'function-call-short': msg(b'F', b'\0\0'), 'copy-done-outside-copy': msg(b'c', b'x'),
        }
        port = int(sys.argv[1])
        for name, payload in cases.items():
            # Simple-protocol errors have a ReadyForQuery of their own before the Sync's.
            until = 3 if name.split('-')[0] in ('query', 'sync', 'function') else 2
            answer = exchange(port, payload + msg(b'S', b'') + msg(b'Q', b'select 42\0'), until)
            errors = [{f[:1]: f[1:].decode() for f in body.split(b'\0') if f} for t, body in answer if t == b'E']
            shown = ['%s %s %s' % (e[b'V'], e[b'C'], e[b'M']) for e in errors]
            print(name, '|', '; '.join(shown), '|', ''.join(t.decode() for t, _ in answer))
        """#

    @Test func malformedMessagesAfterLoginGetPostgreSQLsErrorAndTheSessionGoesOn() async throws {
        let server = try await ServeProcess([])
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.client, "\(server.port)"],
            timeout: .seconds(60)
        ).run()
        #expect(outcome.succeeded, "\(outcome)")
        // PostgreSQL 15's answers to the same bytes.
        let expected = """
            describe-kind | ERROR 08P01 invalid DESCRIBE message subtype 88 | EZTDCZ
            close-kind | ERROR 08P01 invalid CLOSE message subtype 88 | EZTDCZ
            query-no-zero | ERROR 08P01 invalid string in message | EZZTDCZ
            query-extra | ERROR 08P01 invalid message format | EZZTDCZ
            sync-extra | ERROR 08P01 invalid message format | EZZTDCZ
            flush-extra | ERROR 08P01 invalid message format | EZTDCZ
            describe-no-zero | ERROR 08P01 invalid string in message | EZTDCZ
            execute-short | ERROR 08P01 insufficient data left in message | EZTDCZ
            parse-negative-count | ERROR 08P01 insufficient data left in message | EZTDCZ
            bind-negative-length | ERROR 08P01 insufficient data left in message | 1EZTDCZ
            bind-extra | ERROR 08P01 invalid message format | 1EZTDCZ
            function-call-short | ERROR 08P01 insufficient data left in message | EZZTDCZ
            copy-done-outside-copy |  | ZTDCZ

            """
        #expect(outcome.standardOutput == expected, "\(outcome)")
    }

    @Test(arguments: [
        // 12 bytes: no secret key.
        #"struct.pack('!iii', 12, 80877102, 7)"#,
        // A 300-byte key (protocol 3.2 allows 256 at most).
        #"struct.pack('!iii', 312, 80877102, 7) + b'k' * 300"#,
        // A valid request followed by bytes PostgreSQL never reads.
        #"struct.pack('!iiii', 16, 80877102, 7, 8) + b'garbage'"#,
    ])
    func malformedCancelRequestsAreClosedWithoutAnswer(payload: String) async throws {
        let server = try await ServeProcess([])
        let outcome = try await SubprocessCommand(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", "-c",
                """
                import socket, struct, sys
                s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
                s.sendall(\(payload))
                data = b''
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                print(repr(data))
                """, "\(server.port)",
            ], timeout: .seconds(60)
        ).run()
        #expect(outcome.standardOutput == "b''\n", "\(outcome)")
    }
}
