import Baton
import Testing

/// The environment's defaults for enqueue calls, as django-q's Q_CLUSTER settings.
@Suite struct TaskDefaultsTests {
    @Test func theEnvironmentSetsEachDefault() throws {
        let defaults = try TaskDefaults.fromEnvironment([
            "BATON_SYNC": "true", "BATON_CACHED": "60", "BATON_MAX_ATTEMPTS": "3", "BATON_RETRY_DELAY": "0.5",
            "BATON_TIMEOUT": "20",
        ])
        #expect(defaults == TaskDefaults(
            sync: true, cached: .expiring(after: .seconds(60)), maxAttempts: 3, retryDelay: .milliseconds(500),
            timeout: .seconds(20)))
        #expect(try TaskDefaults.fromEnvironment([:]) == TaskDefaults())
        #expect(try TaskDefaults.fromEnvironment(["BATON_CACHED": "true"]).cached == .forever)
        #expect(try TaskDefaults.fromEnvironment(["BATON_SYNC": " "]).sync == false, "blank is unset")
    }

    @Test(arguments: [
        ("BATON_SYNC", "maybe"), ("BATON_CACHED", "-5"), ("BATON_MAX_ATTEMPTS", "0"), ("BATON_RETRY_DELAY", "soon"),
        ("BATON_TIMEOUT", "0"),
    ])
    func aValueNotUnderstoodNamesItsVariable(name: String, value: String) {
        let error = #expect(throws: BatonError.self) { try TaskDefaults.fromEnvironment([name: value]) }
        #expect(error?.message.hasPrefix("\(name) is ") == true, "\(String(describing: error))")
        #expect(error?.message.contains(value) == true)
    }
}
