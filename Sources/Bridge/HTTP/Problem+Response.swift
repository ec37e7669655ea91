import MicroHTTP
import OptOutCore

extension Problem {
    /// The problem as an `application/problem+json` answer.
    public var response: HTTPResponse {
        HTTPResponse.json(HTTPStatus(code: status), json, contentType: "application/problem+json")
    }
}
