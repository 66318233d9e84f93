import MarginCore
// MarginFeeds: price feeds for margintop with honest status.
//
// Start here:
// - `FeedSpec.parse(_:)` turns a `--feed` spec into a typed value (errors say what is wrong);
//   `FeedFactory.make(_:universe:symbolMap:clock:logger:)` builds the feed.
// - Every feed is a `PriceFeed`: `ticks()` (an `AsyncStream<PriceUpdate>`, starts the feed),
//   `statuses()`, `counters()`, `lastUpdate(symbol:)`, `stop()`.
// - `SimFeed` (seeded market model `SimMarket` over a `SimUniverse`), `ReplayFeed`
//   (NDJSON ticks or the real-data CSV layout), `NDJSONFeed` (stdin/file), `WebSocketFeed`
//   with `ExchangeAdapter.binance()/.deribit(...)/.coinbase(...)`.
// - `FeedRecorder.record(_:toPath:duration:clock:)` writes NDJSON tick lines (`TickLine`).
// - Time is injected through MarginCore's `MarginClock` (`SystemClock`, `ManualClock` for tests),
//   in seconds since the epoch; prices are MarginCore's `PriceUpdate`.
//
// Concurrency rule inside `FeedCore`: no AsyncStream continuation is yielded to or finished
// while the state lock is held (task cancellation runs `onTermination`, which takes that lock,
// under the runtime's task lock; yielding under our lock deadlocked once under load).
