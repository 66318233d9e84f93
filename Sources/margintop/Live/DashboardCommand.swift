import ArgumentParser
import Foundation
import MarginCore
import MarginDashboard
import MarginFeeds
import MarginLive
import MarginStore
import MarginTUI

extension Margintop {
    /// The dashboard: the store's book, live on the feed, reviews written through the store.
    func runDashboard() async throws {
        let store: any AccountStore
        do {
            store = try await openStore(self.store)
        } catch {
            throw CLIError.runtime("\(error)")
        }
        let book: Book
        do {
            book = try await store.loadBook()
        } catch {
            throw CLIError.runtime("\(error)")
        }
        let theme: Theme
        do {
            theme = try Theme.load(self.theme)
        } catch {
            throw CLIError.invalidData("\(error)")
        }
        let feed: any PriceFeed
        do {
            feed = try FeedFactory.make(spec: self.feed, universe: SimUniverse(book: book))
        } catch {
            if error.code == .badSpec { throw ValidationError("--feed \(self.feed): \(error.message)") }
            throw CLIError.runtime("\(error)")
        }
        let engine = LiveEngine(book: book, now: wallClock())
        var options = DashboardOptions(operatorName: operatorName ?? NSUserName(), readOnly: readOnly, theme: theme)
        options.feedName = feed.name
        let service = StoreReviewService(store: store, engine: engine, operatorName: options.operatorName)
        let (updates, sink) = AsyncStream<[PriceUpdate]>.makeStream(bufferingPolicy: .bufferingNewest(50_000))
        let ticks = Task {
            for await tick in feed.ticks() { sink.yield([PriceUpdate(tick)]) }
            sink.finish()
        }
        let statuses = Task {
            for await status in feed.statuses() { await engine.setFeedStatus(status.description, isLive: status.isLive) }
        }
        let changes = Task {
            // Accounts changed by other processes: reload and carry the live prices over.
            for await _ in await store.changes() {
                if let fresh = try? await store.loadBook() { _ = await engine.replace(book: fresh, now: wallClock()) }
            }
        }
        let storeStatus = Task {
            for await s in await store.statusUpdates() { await engine.setStoreStatus("\(s)") }
        }
        let app = await DashboardApp(engine: engine, reviews: service, options: options)
        let outcome: (any Error)?
        do {
            _ = try await app.run(updates: updates)
            outcome = nil
        } catch {
            outcome = error
        }
        ticks.cancel(); statuses.cancel(); changes.cancel(); storeStatus.cancel()
        await feed.stop()
        await store.close()
        if let outcome { throw CLIError.runtime("\(outcome)") }
    }
}
