/// How ``openStore(_:access:seedIfEmpty:clock:)`` opens a store.
///
/// ```swift
/// let store = try await openStore(url, access: .readOnly)   // export, review list, watch
/// ```
/// Only the default store is created on first use, whatever the access: a named SQLite store
/// must exist unless the access is ``create``, so a mistyped path is an error instead of a new,
/// empty database.
public enum StoreAccess: Sendable, Equatable {
    /// Reads only: no migration, no seeding, no write. A read-only file or folder can be read;
    /// a store of an older schema is upgraded first when it can be written (as a read-write open
    /// would), else refused with ``StoreError/schemaOutdated(found:known:)``.
    case readOnly
    /// Reads and writes an existing store, upgrading its schema.
    case readWrite
    /// Reads and writes, creating the store (and its folders) when it does not exist: `import`.
    case create
}
