import NLPearl
import OptOutCore

/// The contact keys of one NLPearl lead: `phone:` of its phone number, normalised as the mapping file's keys are,
/// and `{externalIdNamespace}:{externalId}` when the campaigns' external ids are CRM ids (SPEC §10).
///
/// What `mapping sync` writes for a lead, what the sweep checks against the suppression list, and what a search on
/// opt-out compares its results with: one rule for all three, so that a lead found one way is found every way.
public struct LeadKeys: Sendable, Hashable {
    /// The keys, phone first; empty when the lead has neither a usable phone number nor an external id.
    public var keys: [ContactKey]
    /// Whether the lead has a phone number that does not normalise (and so no `phone:` key).
    public var phoneUnparseable: Bool

    /// The keys of `lead`.
    ///
    /// - Parameters:
    ///   - namespace: `campaigns.externalIdNamespace`; nil when external ids are not CRM ids.
    ///   - defaultCountryCode: `mapping.defaultCountryCode`, for numbers written without one.
    public init(_ lead: NLPearlLead, namespace: String?, defaultCountryCode: String?) {
        keys = []
        phoneUnparseable = false
        if let number = lead.phoneNumber, !number.isEmpty {
            if let key = try? ContactKey.phone(number, defaultCountryCode: defaultCountryCode) {
                keys.append(key)
            } else {
                phoneUnparseable = true
            }
        }
        if let namespace, let externalId = lead.externalId, !externalId.isEmpty,
            let key = try? ContactKey(namespace: namespace, value: externalId)
        {
            keys.append(key)
        }
    }
}
