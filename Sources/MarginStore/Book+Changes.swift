import MarginCore

extension Book {
    /// The book with account changes from the store applied in order: added and changed accounts
    /// replace the one with the same id (or are appended), removed ones go. Returns `nil` when a
    /// change needs the whole book reloaded (`marketChanged`, `bookReplaced`).
    public func applying(_ changes: [StoreChange]) -> Book? {
        var book = self
        var index: [String: Int] = [:]
        index.reserveCapacity(book.accounts.count)
        for (i, a) in book.accounts.enumerated() { index[a.id] = i }
        var removed = Set<String>()
        for change in changes {
            switch change {
            case .accountAdded(let a), .accountChanged(let a):
                removed.remove(a.id)
                if let i = index[a.id] {
                    book.accounts[i] = a
                } else {
                    index[a.id] = book.accounts.count
                    book.accounts.append(a)
                }
            case .accountRemoved(let id):
                if index[id] != nil { removed.insert(id) }
            case .marketChanged, .bookReplaced:
                return nil
            }
        }
        if !removed.isEmpty { book.accounts.removeAll { removed.contains($0.id) } }
        return book
    }
}
