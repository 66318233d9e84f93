import MarginFeeds

extension FeedError {
    /// The exit status of cli.md for a feed `watch` cannot start: a bad spec is usage (64), an
    /// unreadable file a runtime failure (1), bad file content or URL invalid data (65).
    public var exitCode: Int32 {
        switch code {
        case .badSpec: 64
        case .badFile: 1
        case .badURL: 65
        }
    }
}
