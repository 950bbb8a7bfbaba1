import ArgumentParser
import NIOCore
import NIOPosix

/// `--threads`: the event-loop threads of the subcommands that accept clients (`serve`, `proxy`). A connection
/// stays on one thread for its life (a proxied session's two legs share it).
struct EventLoopThreadOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The event-loop threads that serve connections (default: one per four cores, at least one, for proxy; "
                + "two per core for serve; a connection stays on one).",
            valueName: "count"))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...1_024).contains(threads) {
            throw ValidationError("--threads takes a number from 1 to 1024, got \(threads).")
        }
    }

    /// A new group of `--threads` threads (by default `defaultCount(System.coreCount)`); the caller shuts it down.
    func makeGroup(defaultCount: (_ cores: Int) -> Int) -> MultiThreadedEventLoopGroup {
        MultiThreadedEventLoopGroup(numberOfThreads: threads ?? max(1, defaultCount(System.coreCount)))
    }
}
