@testable import BatonCluster
import Foundation
import Testing

/// When a cluster may start a task it holds, and what a heartbeat renews, without a database.
@Suite struct LeaseBookTests {
    let start = ContinuousClock.now
    let first = UUID()
    let second = UUID()

    @Test func aTaskMayStartOnlyWhileItsLeaseIsSurelyHeld() {
        var book = LeaseBook(lease: .seconds(30))
        book.hold([first], sent: start)
        #expect(book.mayStart(first, at: start + .seconds(29)))
        // Paused past its lease: another cluster may have it.
        #expect(!book.mayStart(first, at: start + .seconds(30)))
        #expect(!book.mayStart(second, at: start), "not held at all")
    }

    @Test func aRenewalExtendsNeverShortensAndTakesNothingBack() {
        var book = LeaseBook(lease: .seconds(30))
        book.hold([first, second], sent: start + .seconds(10))
        // A renewal sent before the claim (its answer late) does not shorten the lease.
        book.renewed([first], sent: start)
        #expect(book.mayStart(first, at: start + .seconds(39)))
        book.renewed([first], sent: start + .seconds(20))
        #expect(book.mayStart(first, at: start + .seconds(49)))
        // A task let go while the beat was out is not taken on again by its answer.
        book.drop([second])
        book.renewed([second], sent: start + .seconds(20))
        #expect(!book.mayStart(second, at: start + .seconds(21)))
        #expect(book.ids == [first])
    }
}
