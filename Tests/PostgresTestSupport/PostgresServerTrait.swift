import Testing

/// Starts one PostgreSQL server for a whole suite and stops it when the suite ends.
///
/// Tests reach the server through ``server()``. When the server cannot be started, every test that asks
/// for it fails with the reason instead of being skipped.
public struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal private static var startResult: Result<PostgresServerFixture, TestSupportError>?

    /// How the suite's server is set up.
    public var configuration: PostgresServerFixture.Configuration

    /// A trait that starts a server set up as `configuration` describes.
    public init(configuration: PostgresServerFixture.Configuration) {
        self.configuration = configuration
    }

    /// Starts the server, runs the suite with it and stops it.
    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let result: Result<PostgresServerFixture, TestSupportError>
        do {
            result = .success(try await PostgresServerFixture.start(configuration))
        } catch let error as TestSupportError {
            result = .failure(error)
        } catch {
            result = .failure(.missingPrerequisite("a running PostgreSQL server: \(error)"))
        }
        do {
            try await Self.$startResult.withValue(result) {
                try await function()
            }
        } catch {
            await Self.stop(result)
            throw error
        }
        await Self.stop(result)
    }

    private static func stop(_ result: Result<PostgresServerFixture, TestSupportError>) async {
        if case .success(let server) = result {
            await server.stop()
        }
    }

    /// The suite's server, or the error that kept it from starting.
    public static func server() throws -> PostgresServerFixture {
        guard let startResult else {
            throw TestSupportError.missingPrerequisite(
                "the PostgreSQL server, which only suites marked `.postgresServer` start")
        }
        return try startResult.get()
    }
}

extension Trait where Self == PostgresServerTrait {
    /// Runs the suite against a fresh PostgreSQL server, set up as `configuration` describes and shared by all
    /// its tests.
    public static func postgresServer(_ configuration: PostgresServerFixture.Configuration) -> Self {
        PostgresServerTrait(configuration: configuration)
    }
}
