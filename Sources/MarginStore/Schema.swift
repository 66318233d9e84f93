/// The tables both backends share, and the change-log triggers generated for each dialect.
///
/// Account-side tables key children by the account's integer `pk` (its position
/// in the book), so loading is a merge of sorted scans. Every market or account
/// row written logs a change (triggers), unless the writing transaction set the
/// suppress flag (an import logs one `reset` instead of a million rows).
enum Schema {
    /// Market-side tables whose changes log `market`.
    static let marketTables = [
        "market", "assets", "venues", "instruments", "brackets",
        "history_dates", "history_series", "history_returns",
    ]
    /// Children of an account whose changes log `account/changed`.
    static let accountChildTables = ["subaccounts", "collateral", "positions"]
}
