@testable import BatonDashboard
import Testing

/// The overview chart's bars from one reading, placed by the database's clock and moved on
/// by the time since the reading (a refresh that reuses it, `LastHourReadings`).
@Suite struct LastHourTests {
    // Read 30 s into a minute: the current minute, the one before, and one 59 minutes back.
    let reading = LastHour(minutes: [6_000: (5, 1), 5_940: (2, 0), 2_460: (7, 0)], readAt: 6_030, reach: nil)

    @Test func eachMinuteIsABarCountedBackFromTheReading() {
        let bars = reading.lastSixty(elapsed: .zero)
        #expect(bars.count == 60)
        #expect(bars[59] == (5, 1) && bars[58] == (2, 0) && bars[0] == (7, 0))
        #expect(bars.map(\.succeeded).reduce(0, +) == 14)
    }

    @Test func aReusedReadingMovesOnAndDropsWhatLeftTheHour() {
        let bars = reading.lastSixty(elapsed: .seconds(40))
        #expect(bars[58] == (5, 1) && bars[57] == (2, 0) && bars[59] == (0, 0))
        #expect(bars.map(\.succeeded).reduce(0, +) == 7, "the minute 59 minutes back left the hour")
    }

    @Test func noResultNoBars() {
        #expect(LastHour().lastSixty(elapsed: .seconds(5)).allSatisfy { $0 == (0, 0) })
    }
}
