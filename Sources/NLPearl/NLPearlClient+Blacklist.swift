/// What one `POST /v2/Account/Blacklist` call came to.
///
/// The same type as ``DeleteLeadsOutcome``: its cases are the answers of NLPearl's endpoints that
/// answer a boolean, so ``DeleteLeadsOutcome/deleted`` here means 200 `true` (the numbers were
/// added), ``DeleteLeadsOutcome/notDeleted`` 200 `false`, and every other case, ``DeleteLeadsOutcome/isRetryable``
/// included, reads as for a delete.
public typealias BlacklistOutcome = DeleteLeadsOutcome

extension NLPearlClient {
    /// The longest entry that NLPearl's blacklist takes, in characters.
    ///
    /// From the published reference of `POST /v2/Account/Blacklist`: "Maximum length per entry: 25 characters."
    public static let maxBlacklistEntryLength = 25

    /// Adds phone numbers to NLPearl's account blacklist, so that no campaign of the account calls them again.
    ///
    /// Sends `POST {baseURL}/v2/Account/Blacklist` with `{"phoneNumbers":[...]}`, with the token, headers,
    /// deadline, refused redirects and redaction of ``deleteLeads(pearlId:leadIds:)``, and reads the answer
    /// into the same outcomes. Never throws: every failure is an outcome.
    ///
    /// NLPearl's published reference (https://developers.nlpearl.ai/api-reference/v2/account/add-to-blacklist,
    /// "Add Phone Numbers To Blacklist", OpenAPI `post /v2/Account/Blacklist`) says:
    /// - the body is `AddRemoveNumbersToBlacklistRequest`, `{"phoneNumbers": string[] | null}`, sent as
    ///   `application/json`, `text/json` or `application/*+json`; the same schema serves removal;
    /// - an entry is a full number (`+1234567890`) or a prefix that blocks a range (`+41`, `+41837`), at most
    ///   25 characters (``maxBlacklistEntryLength``), and the list must not contain duplicates;
    /// - 200 answers "the result of the add operation", a boolean; bad input is 400 with
    ///   `ValidationProblemDetails`, and a call without a valid bearer token 401.
    ///
    /// It says nothing of numbers already on the blacklist, and the stored copy names no removal endpoint;
    /// `POST /v2/Account/Blacklist/Search` pages through the list (`BlackListTableSearchApi`).
    ///
    /// The numbers are sent as given, in order: checking them is NLPearl's business, and a 400 names the
    /// entries at fault (``DeleteLeadsOutcome/invalid(_:)``), as a delete's names the leads.
    ///
    /// - Parameter phoneNumbers: E.164 numbers or `+` prefixes, each at most ``maxBlacklistEntryLength``
    ///   characters, without duplicates.
    /// - Returns: What NLPearl answered (``DeleteLeadsOutcome/deleted`` for 200 `true`), or why no answer came.
    public func addToBlacklist(phoneNumbers: [String]) async -> DeleteLeadsOutcome {
        let wire = BlacklistRequest(baseURL: configuration.baseURL, phoneNumbers: phoneNumbers)
        return await send(.POST, url: wire.url, body: wire.body)
    }
}
