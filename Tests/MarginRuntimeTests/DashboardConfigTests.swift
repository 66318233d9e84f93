import Foundation
import MarginMetrics
import MarginRuntime
import MarginTUI
import Testing

/// `config.toml` and its precedence (issue 12, item 16): every key read, a bad key or value named with
/// its file and line, the command line over the file over the defaults.
@Suite struct DashboardConfigTests {
    static let full = """
        # desk defaults
        store = "sqlite:/tmp/desk.sqlite"
        feed = "sim:accel=2"
        theme = "monochrome"
        operator = "alice"
        columns = ["id", "dist", "state", "ratio"]   # in this order
        sort = "-equity"
        near = 0.1
        read-only = true
        """

    @Test func everyKeyIsRead() throws {
        let c = try DashboardConfig.parse(Self.full, file: "desk.toml")
        #expect(c.store == "sqlite:/tmp/desk.sqlite")
        #expect(c.feed == "sim:accel=2")
        #expect(c.theme == "monochrome")
        #expect(c.operatorName == "alice")
        #expect(c.columns == [.id, .distance, .state, .ratio])
        #expect(c.sort == .equity && c.sortReversed == true)
        #expect(c.near == 0.1)
        #expect(c.readOnly == true)
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try DashboardConfig.parse(text, file: "/home/a/.config/margintop/config.toml")
            return nil
        } catch { return error }
    }

    @Test func badKeysAndValuesNameKeyFileAndLine() throws {
        let unknown = try #require(error("theme = \"light\"\ncolumnz = [\"id\"]\n"))
        #expect(unknown.key == "columnz" && unknown.line == 2 && unknown.code == 65)
        #expect(unknown.description.contains("/home/a/.config/margintop/config.toml:2"))
        #expect(unknown.description.contains("key 'columnz': unknown key; the keys are store, feed"))

        let column = try #require(error("columns = [\"id\", \"colour\"]"))
        #expect(column.key == "columns" && column.description.contains("unknown column 'colour'"))
        #expect(try #require(error("columns = \"id,name\"")).description.contains("expected an array"))
        #expect(try #require(error("columns = []")).description.contains("no column listed"))
        #expect(try #require(error("sort = \"size\"")).description.contains("unknown sort 'size'"))
        #expect(try #require(error("near = 5%")).key == "near")
        #expect(try #require(error("near = 0")).key == "near")
        #expect(try #require(error("near = nan")).key == "near")
        #expect(try #require(error("theme = monochrome")).description.contains("expected a quoted string"))
        #expect(try #require(error("read-only = yes")).description.contains("expected true or false"))
        #expect(try #require(error("theme = \"a\"\ntheme = \"b\"")).description.contains("set twice"))
        #expect(try #require(error("[dashboard]\ntheme = \"a\"")).description.contains("unexpected section"))
        #expect(try #require(error("theme \"a\"")).line == 1)
        #expect(try #require(error("operator = \"a\u{1B}[2J\"")).key == "operator")
    }

    @Test func commandLineWinsOverFileOverDefaults() throws {
        let file = try DashboardConfig.parse(Self.full, file: "desk.toml")
        // Nothing given: the file.
        let fromFile = try DashboardSettings.resolve(.init(), config: file, loginName: "login")
        #expect(fromFile.store == "sqlite:/tmp/desk.sqlite" && fromFile.feed == "sim:accel=2")
        #expect(fromFile.theme == "monochrome" && fromFile.operatorName == "alice" && fromFile.readOnly)
        #expect(fromFile.columns == [.id, .distance, .state, .ratio])
        #expect(fromFile.sort == .equity && fromFile.sortReversed && fromFile.near == 0.1)

        // Everything given: the command line.
        var cli = DashboardSettings.CommandLine()
        (cli.store, cli.feed, cli.theme, cli.operatorName) = ("sqlite:/tmp/b", "sim", "light", "bob")
        (cli.columns, cli.sort, cli.near) = ("name,id", "distance", "0.02")
        let given = try DashboardSettings.resolve(cli, config: file, loginName: "login")
        #expect(given.store == "sqlite:/tmp/b" && given.feed == "sim" && given.theme == "light")
        #expect(given.operatorName == "bob" && given.columns == [.name, .id])
        #expect(given.sort == .distance && !given.sortReversed && given.near == 0.02)

        // No file: the defaults.
        let none = try DashboardSettings.resolve(.init(), config: DashboardConfig(), loginName: "login")
        #expect(none == DashboardSettings(operatorName: "login"))
        #expect(none.feed == "sim:accel=1" && none.theme == "default" && none.columns == OverviewColumn.defaults)
    }

    /// Issue 13, item 4: `metrics = "HOST:PORT"` in the file, `--metrics` on the command line winning;
    /// a bad address is exit 65 naming the key in the file, 64 naming the option on the command line.
    @Test func metricsAddressFromFileOrCommandLine() throws {
        let file = try DashboardConfig.parse("metrics = \"127.0.0.1:9464\"\n", file: "desk.toml")
        #expect(file.metrics == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try DashboardSettings.resolve(.init(), config: file, loginName: "a").metrics?.port == 9464)
        var cli = DashboardSettings.CommandLine()
        cli.metrics = "[::1]:0"
        let given = try DashboardSettings.resolve(cli, config: file, loginName: "a")
        #expect(given.metrics == MetricsAddress(host: "::1", port: 0))
        #expect(try DashboardSettings.resolve(.init(), config: DashboardConfig(), loginName: "a").metrics == nil)

        let bad = try #require(error("theme = \"light\"\nmetrics = \"9464\"\n"))
        #expect(bad.key == "metrics" && bad.line == 2 && bad.code == 65, "\(bad)")
        #expect(bad.description.contains("'9464': no port"), "\(bad)")
        cli.metrics = "localhost:http"
        do {
            _ = try DashboardSettings.resolve(cli, config: file, loginName: "a")
            Issue.record("localhost:http was taken")
        } catch {
            #expect(error.code == 64 && error.message.hasPrefix("--metrics 'localhost:http': "), "\(error)")
        }
    }

    @Test func badCommandLineValuesAreUsageErrors() {
        for (cli, what) in [
            (
                {
                    var c = DashboardSettings.CommandLine()
                    c.columns = "id,bogus"
                    return c
                }(), "--columns"
            ),
            (
                {
                    var c = DashboardSettings.CommandLine()
                    c.sort = "bogus"
                    return c
                }(), "--sort"
            ),
            (
                {
                    var c = DashboardSettings.CommandLine()
                    c.near = "inf"
                    return c
                }(), "--near"
            ),
        ] {
            do {
                _ = try DashboardSettings.resolve(cli, config: DashboardConfig(), loginName: "x")
                Issue.record("\(what) accepted")
            } catch {
                #expect(error.code == 64 && error.message.contains(what), "\(error.message)")
            }
        }
    }

    @Test func fileLookup() throws {
        let dir = NSTemporaryDirectory() + "mt-config-\(UUID().uuidString)"
        #expect(DashboardConfig.defaultPath(environment: ["XDG_CONFIG_HOME": dir]) == dir + "/margintop/config.toml")
        // No default file: no config. A --config file that is missing: a runtime failure naming it.
        #expect(try DashboardConfig.load(nil, environment: ["XDG_CONFIG_HOME": dir]) == DashboardConfig())
        do {
            _ = try DashboardConfig.load(dir + "/nope.toml", environment: [:])
            Issue.record("a missing --config file was accepted")
        } catch {
            #expect(error.code == 1 && error.description.contains("nope.toml: no such file"))
        }
        try FileManager.default.createDirectory(atPath: dir + "/margintop", withIntermediateDirectories: true)
        try "sort = \"distance\"\n".write(toFile: dir + "/margintop/config.toml", atomically: true, encoding: .utf8)
        #expect(try DashboardConfig.load(nil, environment: ["XDG_CONFIG_HOME": dir]).sort == .distance)
    }
}
