extension Duration {
    /// Whole and fractional seconds: `2.5`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration as PostgreSQL interval text, to microseconds: `3 seconds 250000 microseconds`.
    public var postgresInterval: String {
        let (seconds, attoseconds) = components
        return "\(seconds) seconds \(attoseconds / 1_000_000_000_000) microseconds"
    }
}
