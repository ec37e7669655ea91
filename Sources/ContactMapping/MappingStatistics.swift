/// Counts that describe a loaded mapping, as `optout-bridge check` prints them.
public struct MappingStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Entries in the file's `contacts` array.
    public var contacts: Int
    /// Distinct normalised keys.
    public var keys: Int
    /// Distinct (`pearlId`, `leadId`) pairs.
    public var leads: Int
    /// Distinct campaigns.
    public var pearlIds: Int

    /// Creates statistics.
    public init(contacts: Int, keys: Int, leads: Int, pearlIds: Int) {
        self.contacts = contacts
        self.keys = keys
        self.leads = leads
        self.pearlIds = pearlIds
    }

    /// `N contacts, N keys, N leads, N pearlIds`.
    public var description: String {
        "\(contacts) contacts, \(keys) keys, \(leads) leads, \(pearlIds) pearlIds"
    }
}
