/// Why paging through a campaign's leads (``NLPearlLeadPages``) stopped before its end.
///
/// A struct with a code, so that codes can be added without breaking a `switch`. ``skip`` says where the page
/// that failed began: a caller that retries later may start a new ``NLPearlClient/allLeads(campaignId:pageSize:skip:)``
/// there.
public struct LeadPagingError: Error, Sendable, Equatable {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: Sendable, Hashable {
            case searchFailed, emptyPage, invalidPageSize
        }

        private let kind: Kind

        /// A search answered something other than a page: ``LeadPagingError/outcome`` says what.
        public static let searchFailed = Code(kind: .searchFailed)
        /// A page came back empty although `count` said that more leads follow: leads were deleted while
        /// paging, or NLPearl's count and results disagree. Paging on would loop forever.
        public static let emptyPage = Code(kind: .emptyPage)
        /// The page size was below 1, so that paging could never progress; nothing was sent.
        public static let invalidPageSize = Code(kind: .invalidPageSize)

        public var description: String {
            switch kind {
            case .searchFailed: return "searchFailed"
            case .emptyPage: return "emptyPage"
            case .invalidPageSize: return "invalidPageSize"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The search's outcome, for ``Code/searchFailed`` (and the empty page, for ``Code/emptyPage``).
    public var outcome: SearchLeadsOutcome?
    /// The `skip` of the page that failed.
    public var skip: Int
    /// The last `count` that NLPearl answered, if any page came.
    public var count: Int?

    /// Creates an error.
    public init(code: Code, outcome: SearchLeadsOutcome? = nil, skip: Int, count: Int? = nil) {
        self.code = code
        self.outcome = outcome
        self.skip = skip
        self.count = count
    }

    /// Whether paging again from ``skip`` later may succeed: the failed search's ``SearchLeadsOutcome/isRetryable``,
    /// true for an empty page (the campaign changed), false for an invalid page size.
    public var isRetryable: Bool {
        switch code {
        case .searchFailed: return outcome?.isRetryable ?? false
        case .emptyPage: return true
        default: return false
        }
    }
}

extension LeadPagingError: CustomStringConvertible {
    /// One line for logs, such as `paging leads failed at skip 300: rate limited (429, retry after 5 seconds)`;
    /// never the token, which no outcome's description holds.
    public var description: String {
        switch code {
        case .searchFailed:
            return "paging leads failed at skip \(skip): \(outcome.map(String.init(describing:)) ?? "no outcome")"
        case .emptyPage:
            return "paging leads stopped at skip \(skip): an empty page although count is \(count ?? 0)"
        default:
            return "paging leads not started: the page size must be at least 1"
        }
    }
}
