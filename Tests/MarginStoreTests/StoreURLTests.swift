import Foundation
import Testing

@testable import MarginStore

@Suite("Store URLs and passwords")
struct StoreURLTests {
    @Test func parse() throws {
        #expect(try StoreURL.parse("sqlite:/a/b.sqlite") == .sqlite(path: "/a/b.sqlite"))
        #expect(try StoreURL.parse("/a/b.sqlite") == .sqlite(path: "/a/b.sqlite"))
        #expect(try StoreURL.parse("rel/b.sqlite") == .sqlite(path: "rel/b.sqlite"))
        #expect(
            try StoreURL.parse("postgres://ops@db.internal:6543/risk")
                == .postgres(PostgresTarget(user: "ops", host: "db.internal", port: 6543, database: "risk")))
        #expect(
            try StoreURL.parse("postgres://ops@db/risk")
                == .postgres(PostgresTarget(user: "ops", host: "db", port: 5432, database: "risk")))
        #expect(throws: StoreError.self) { try StoreURL.parse("postgres://ops:pw@db/risk") }
        #expect(throws: StoreError.self) { try StoreURL.parse("postgres://ops@db:99999/risk") }
        #expect(throws: StoreError.self) { try StoreURL.parse("mysql://x@y/z") }
        #expect(throws: StoreError.self) { try StoreURL.parse("postgres://ops@db") }
    }

    @Test func defaultURL() {
        #expect(
            StoreURL.defaultURL(environment: ["XDG_DATA_HOME": "/x", "HOME": "/h"])
                == .sqlite(path: "/x/margintop/margintop.sqlite"))
        #expect(
            StoreURL.defaultURL(environment: ["HOME": "/h"])
                == .sqlite(path: "/h/.local/share/margintop/margintop.sqlite"))
    }

    @Test func pgpass() {
        let t = PostgresTarget(user: "ops", host: "db", port: 5432, database: "risk")
        let text = """
            # comment
            other:5432:risk:ops:nope
            db:5432:risk:ops:pa\\:ss\\\\word
            *:*:*:*:fallback
            """
        #expect(PGPass.lookup(text, t) == "pa:ss\\word")
        #expect(PGPass.lookup(text, PostgresTarget(user: "x", host: "h", port: 1, database: "d")) == "fallback")
        #expect(PGPass.password(for: t, environment: ["PGPASSWORD": "env"]) == "env")
        #expect(PGPass.password(for: t, environment: ["PGPASSFILE": "/nonexistent"]) == nil)
    }
}
