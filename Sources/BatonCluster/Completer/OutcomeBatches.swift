/// Which outcomes go into the completer's next batch, and when another writer starts: a pure
/// value, tested without a database. While `writers` batches are being written the outcomes
/// that arrive wait, and go together in the next batch, at most `maxBatch` of them; an idle
/// cluster's outcome starts a writer at once.
struct OutcomeBatches<Item> {
    let maxBatch: Int
    let writers: Int
    private(set) var pending: [Item] = []
    /// Writers running now.
    private(set) var writing = 0

    init(maxBatch: Int, writers: Int) {
        (self.maxBatch, self.writers) = (maxBatch, writers)
    }

    /// Queues an outcome; true when a writer should start for it.
    mutating func submit(_ item: Item) -> Bool {
        pending.append(item)
        guard writing < writers else { return false }
        writing += 1
        return true
    }

    /// The next batch of a running writer; nil when nothing waits, and that writer stops.
    mutating func nextBatch() -> [Item]? {
        guard !pending.isEmpty else {
            writing -= 1
            return nil
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(batch.count)
        return batch
    }
}
