import ArgumentParser
import Foundation
import MarginCore
import MarginStore

/// `store-bench [--accounts N] --store URL`: times importing a demo book and loading it back.
public struct StoreBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "store-bench",
        abstract: "Time importing a demo book into a store and loading it back (replaces the store's book).")

    @Option(name: .long, help: "Accounts in the demo book.")
    var accounts: Int = 1_000_000
    @Option(name: .long, help: "Demo book seed.")
    var seed: UInt64 = 1
    @Flag(name: .long, help: "Also check that the loaded book equals the imported one.")
    var verify = false
    @OptionGroup var storeOptions: StoreOptions

    public init() {}

    public func validate() throws {
        // The bench replaces the store's whole book: never the operator's default store by accident.
        guard storeOptions.store != nil else {
            throw ValidationError(
                "store-bench replaces the store's book: name a scratch store with --store (e.g. sqlite:/tmp/bench.sqlite)"
            )
        }
        guard accounts > 0 else { throw ValidationError("--accounts must be > 0") }
    }

    public func run() async throws {
        try await StoreCLI.run {
            let result = try await StoreBench.run(
                accounts: accounts, seed: seed, url: storeOptions.store,
                verify: verify)
            try StoreCLI.write(result.description + "\n", to: nil)
        }
    }
}

/// Times of one store benchmark, in seconds.
public struct StoreBench: Sendable, CustomStringConvertible {
    public var accounts: Int
    public var rows: Int
    public var generate: Double
    /// The codec check of the import, timed on its own first.
    public var check: Double
    /// The import with its check (`importBook`), committed: on SQLite the check then the
    /// writes, on PostgreSQL the check alongside the writes (the commit waits for it).
    public var importTime: Double
    public var load: Double
    /// This process's CPU time (user + system) in the import (its check included) and in the load: on a shared
    /// machine a steadier figure than the wall clock (a server's own CPU is not in it).
    public var writeCPU: Double = 0
    public var loadCPU: Double = 0
    public var equal: Bool?

    public static func run(accounts: Int, seed: UInt64, url: String?, verify: Bool) async throws -> StoreBench {
        let clock = ContinuousClock()
        var t = clock.now
        let book = DemoBook.generate(accounts: accounts, seed: seed)
        let generate = seconds(clock.now - t)
        let rows = book.accounts.reduce(0) { n, a in
            n + 1 + a.subaccounts.reduce(0) { $0 + 1 + $1.collateral.count + $1.positions.count }
        }
        let store = try await openStore(url, access: .create)
        do {
            // The codec check alone, for its figure; then the import with its check.
            t = clock.now
            try ImportCheck.run(book)
            let check = seconds(clock.now - t)
            t = clock.now
            var cpu = cpuSeconds()
            try await store.importBook(book, operator: "bench")
            let importTime = seconds(clock.now - t)
            let writeCPU = cpuSeconds() - cpu
            t = clock.now
            cpu = cpuSeconds()
            let loaded = try await store.loadBook()
            let load = seconds(clock.now - t)
            let loadCPU = cpuSeconds() - cpu
            await store.close()
            return StoreBench(
                accounts: accounts, rows: rows, generate: generate, check: check, importTime: importTime, load: load,
                writeCPU: writeCPU, loadCPU: loadCPU, equal: verify ? loaded == book : nil)
        } catch {
            await store.close()
            throw error
        }
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public var description: String {
        var s = String(
            format:
                "%d accounts (%d account-side rows): generate %.2f s, codec check alone %.2f s, import with the check "
                + "%.2f s (CPU %.2f s), load %.2f s (CPU %.2f s)",
            accounts, rows, generate, check, importTime, writeCPU, load, loadCPU)
        if let equal { s += equal ? ", loaded book equals imported" : ", LOADED BOOK DIFFERS" }
        return s
    }
}
