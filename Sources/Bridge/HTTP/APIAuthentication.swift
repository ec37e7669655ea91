import Config
import MicroHTTP
import OptOutCore

/// `Authorization: Bearer <api token>`, checked the same way for every `/v1/` endpoint.
struct APIAuthentication: Sendable {
    let api: BridgeConfiguration.APISettings

    /// The 401 to answer, or nil when the request carries one of the configured tokens.
    func refusal(_ request: HTTPRequest) -> HTTPResponse? {
        guard !api.tokens.isEmpty else {
            return Problem.unauthorized("No API token is configured: add one to api.tokens (e.g. \"env:API_TOKEN\").")
                .response
        }
        guard let header = request.headers["Authorization"], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            var response = Problem.unauthorized("Send 'Authorization: Bearer <api token>'.").response
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        let token = header.dropFirst(7)
        // APISettings compares every token in constant time, so timing tells nothing about which one nearly matched.
        guard api.accepts(token) else {
            var response = Problem.unauthorized("The API token is not valid.").response
            response.headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
            return response
        }
        return nil
    }
}
