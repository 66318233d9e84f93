import Foundation
import MarginCore
import NIOConcurrencyHelpers

/// Checks that an account only names what the market holds (other systems'
/// writes bypass the book decoder).
enum AccountCheck {
    static func validate(_ account: Account, against market: Book) throws(StoreError) {
        let assets = Set(market.assets.map(\.name))
        let venues = Set(market.venues.map(\.name))
        let instruments = Set(market.instruments.map(\.name))
        let path = "accounts[\"\(account.id)\"]"
        var subIds = Set<String>()
        for (s, sub) in account.subaccounts.enumerated() {
            guard subIds.insert(sub.id).inserted else {
                throw .invalidBook(
                    BookError(path: "\(path).subaccounts[\(s)].id", message: "duplicate sub-account id \"\(sub.id)\""))
            }
            for (c, line) in sub.collateral.enumerated() {
                guard assets.contains(line.asset) else {
                    throw .invalidBook(
                        BookError(
                            path: "\(path).subaccounts[\(s)].collateral[\(c)].asset",
                            message: "unknown asset \"\(line.asset)\""))
                }
                if let v = line.venue, !venues.contains(v) {
                    throw .invalidBook(
                        BookError(
                            path: "\(path).subaccounts[\(s)].collateral[\(c)].venue",
                            message: "unknown venue \"\(v)\""))
                }
                guard line.amount.isFinite else {
                    throw .invalidBook(
                        BookError(
                            path: "\(path).subaccounts[\(s)].collateral[\(c)].amount",
                            message: "not a finite number"))
                }
            }
            for (p, pos) in sub.positions.enumerated() {
                guard instruments.contains(pos.instrument) else {
                    throw .invalidBook(
                        BookError(
                            path: "\(path).subaccounts[\(s)].positions[\(p)].instrument",
                            message: "unknown instrument \"\(pos.instrument)\""))
                }
                guard pos.quantity.isFinite, pos.entryPrice.isFinite, (pos.isolatedCollateral ?? 0).isFinite else {
                    throw .invalidBook(
                        BookError(
                            path: "\(path).subaccounts[\(s)].positions[\(p)]",
                            message: "not a finite number"))
                }
            }
        }
    }

    /// Re-checks a whole book through the engine's strict codec before it is stored.
    static func validate(_ book: Book) throws(StoreError) {
        do {
            let decoded = try BookDecoder.decode(Array(BookEncoder.encode(book, pretty: false).utf8))
            _ = decoded
        } catch {
            throw .invalidBook(error)
        }
    }
}

/// The codec check an import runs before it writes (``AccountStore/importBook(_:operator:)``),
/// on its own: `store-bench` times it apart from the write.
public enum ImportCheck {
    public static func run(_ book: Book) throws(StoreError) { try AccountCheck.validate(book) }
}

/// A codec check run on a thread of its own, beside a synchronous write that waits for it
/// (``wait()``) before it commits. A write that fails first leaves the check to finish unheard.
final class BesideCheck: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let failure = NIOLockedValueBox<StoreError?>(nil)

    init(_ body: @escaping @Sendable () throws(StoreError) -> Void) {
        let thread = Thread { [done, failure] in
            do throws(StoreError) { try body() } catch { failure.withLockedValue { $0 = error } }
            done.signal()
        }
        thread.name = "import check"
        thread.start()
    }

    /// Blocks until the check has run; throws its refusal. Callable more than once.
    func wait() throws(StoreError) {
        done.wait()
        done.signal()
        if let error = failure.withLockedValue({ $0 }) { throw error }
    }
}
