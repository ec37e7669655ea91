extension Journal {
    /// Counters of the group-commit writer.
    public struct Statistics: Sendable, Hashable {
        /// Write transactions committed.
        public var transactions = 0
        /// Of those, the ones whose callers waited for an fsync of the WAL: every one that carried an append or
        /// other durable work. Groups of delivery outcomes alone do not wait for one.
        public var durableTransactions = 0
        /// fsyncs of the WAL; one covers every transaction committed before it began.
        public var walSyncs = 0
        /// Write requests committed (appends, outcome batches, retries, probes…), over all transactions.
        public var operations = 0
        /// Transactions that failed and were rolled back; every request in them threw.
        public var failedTransactions = 0
        /// The most requests one transaction carried.
        public var largestGroup = 0

        /// Zero counters.
        public init() {}
    }
}
