import PostgresWire
import Testing

@testable import PostgresGateway

/// Splitting simple queries where PostgreSQL's lexer splits them, in linear time.
struct StatementScannerTests {
    @Test(arguments: [
        ("select 1; select 2", ["select 1", "select 2"]),
        ("select $$a;b$$", ["select $$a;b$$"]),
        ("select $tag$a;$$;b$tag$; select 2", ["select $tag$a;$$;b$tag$", "select 2"]),
        ("select 1 -- ; x\n; select 2", ["select 1 -- ; x", "select 2"]),
        (#"select E'\';'"#, [#"select E'\';'"#]),
        ("select 'it''s;'; select 2", ["select 'it''s;'", "select 2"]),
        (#"select "a;b" from t"#, [#"select "a;b" from t"#]),
        ("select /* ; /* ; */ ; */ 1; select 2", ["select /* ; /* ; */ ; */ 1", "select 2"]),
        ("select $1; select $2", ["select $1", "select $2"]),
        (" ;; \n ; ", []),
        (#"select 'a\'; select 2"#, [#"select 'a\'"#, "select 2"]),
        ("select 'unterminated; select 2", ["select 'unterminated; select 2"]),
        ("select a$b; select 2", ["select a$b", "select 2"]),
    ])
    func splitsLikePostgreSQL(query: String, statements: [String]) {
        #expect(StatementScanner.statements(in: query) == statements)
    }

    @Test func largeQueriesSplitInLinearTime() {
        // 4 MB of `a;a;…`: two million statements, split without quadratic work (this took minutes before).
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var scanner = StatementScanner(String(repeating: "a;", count: 2_000_000))
            var count = 0
            while scanner.next() != nil { count += 1 }
            #expect(count == 2_000_000)
        }
        #expect(elapsed < .seconds(30))
    }

    @Test func aSimpleQueryIsAnsweredInSteps() {
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "18"))
        session.startSimpleQuery("select 1; select 2; select 3")
        let first = session.continueSimpleQuery(maximumStatements: 2)
        #expect(session.isAnsweringSimpleQuery)
        #expect(first.filter { if case .commandComplete = $0 { true } else { false } }.count == 2)
        let rest = session.continueSimpleQuery(maximumStatements: 2)
        #expect(!session.isAnsweringSimpleQuery)
        #expect(rest.last == .readyForQuery(.idle))
        session.startSimpleQuery("  ;  ")
        #expect(session.continueSimpleQuery(maximumStatements: 2) == [.emptyQueryResponse, .readyForQuery(.idle)])
    }

    @Test func functionCallGetsAnErrorAndReadyForQuery() {
        var session = QuerySession(responder: ServerEmulationResponder(serverVersion: "18"))
        let replies = session.handle(
            .functionCall(FunctionCall(functionOID: 42, argumentFormats: [], arguments: [], resultFormat: .text)))
        #expect(replies.count == 2)
        guard case .errorResponse(let error) = replies.first else {
            Issue.record("expected an error, got \(replies)")
            return
        }
        #expect(error.sqlState == "0A000")
        #expect(replies.last == .readyForQuery(.idle))
    }
}
