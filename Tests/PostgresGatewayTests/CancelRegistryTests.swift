import NIOConcurrencyHelpers
import PostgresGateway
import PostgresWire
import Testing

/// The cancel registry without I/O: only the right process ID with the right key cancels.
struct CancelRegistryTests {
    @Test func onlyTheMatchingKeyCancelsItsSession() {
        let registry = CancelRegistry()
        let cancelled = NIOLockedValueBox<[String]>([])
        let first = registry.register(BackendKeyData(processID: 7, secretKey: [1, 2, 3, 4])) {
            cancelled.withLockedValue { $0.append("first") }
        }
        // The same process ID drawn twice: the secret keys tell the sessions apart.
        _ = registry.register(BackendKeyData(processID: 7, secretKey: [9, 9, 9, 9])) {
            cancelled.withLockedValue { $0.append("second") }
        }
        #expect(registry.count == 2)
        #expect(!registry.cancel(CancelRequest(processID: 7, secretKey: [1, 2, 3, 5])))
        #expect(!registry.cancel(CancelRequest(processID: 8, secretKey: [1, 2, 3, 4])))
        #expect(!registry.cancel(CancelRequest(processID: 7, secretKey: [1, 2, 3])))
        #expect(cancelled.withLockedValue { $0 }.isEmpty)
        #expect(registry.cancel(CancelRequest(processID: 7, secretKey: [1, 2, 3, 4])))
        #expect(cancelled.withLockedValue { $0 } == ["first"])
        registry.unregister(first, processID: 7)
        #expect(!registry.cancel(CancelRequest(processID: 7, secretKey: [1, 2, 3, 4])))
        #expect(registry.cancel(CancelRequest(processID: 7, secretKey: [9, 9, 9, 9])))
        #expect(cancelled.withLockedValue { $0 } == ["first", "second"])
        #expect(registry.count == 1)
    }

    @Test func protocol32KeysOfAnyLength() {
        let registry = CancelRegistry()
        let key = (0..<32).map { UInt8($0) }
        let count = NIOLockedValueBox(0)
        _ = registry.register(BackendKeyData(processID: 1, secretKey: key)) { count.withLockedValue { $0 += 1 } }
        #expect(!registry.cancel(CancelRequest(processID: 1, secretKey: Array(key.prefix(4)))))
        #expect(registry.cancel(CancelRequest(processID: 1, secretKey: key)))
        #expect(count.withLockedValue { $0 } == 1)
    }
}
