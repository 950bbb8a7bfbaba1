import Dispatch

/// Runs blocking work (a read from a child process's pipe, waiting for it to exit) on a Dispatch thread rather than
/// on Swift's cooperative pool, which has one thread per core: with two cores, two tests blocked in a read would
/// stall every other test's tasks (and servers whose callbacks run as tasks) until the reads return.
public func offPool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Swift.Result { try body() })
        }
    }
}
