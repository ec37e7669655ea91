import Foundation
import MicroHTTP
import OptOutCore
import SenderSchema

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Salesforce Outbound Messages: SOAP `notifications` with up to 100 `Notification`s, answered in SOAP.
///
/// Salesforce does not sign outbound messages. The message is accepted when its `OrganizationId` is one of
/// `organizationIds` (compared on the first 15 characters, so the 15- and 18-character forms of an id match) and,
/// when `token` is set, the URL's `token` parameter matches it.
///
/// A `Notification` is an opt-out when its `sObject` has `HasOptedOutOfEmail` or `DoNotCall` true. One that has
/// neither field is also an opt-out: the outbound message is then a bare "this contact opted out" signal, fired by a
/// flow or workflow rule whose criteria are the opt-out, and ignoring it would lose the opt-out silently. The event
/// id is the notification's `Id`, which Salesforce keeps across its retries. A `Notification` without `sObject`, or
/// one whose fields name no usable contact, is invalid, and the others of the message are decoded.
///
/// Salesforce retries until it reads `<Ack>true</Ack>`, so every answer is the SOAP `notificationsResponse`
/// envelope with `Ack` true once the message is journaled, and a SOAP fault otherwise.
public struct SalesforceSender: WebhookSender {
    public static let type = "salesforce"

    public let name: String
    /// The accepted organization ids, 15-character form.
    private let organizationIds: Set<String>
    private let token: Secret?
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [
        .strings("organizationIds", required: true), .secret("token", required: false),
    ]

    public init(name: String, checked options: SenderOptions) {
        var accepted = Set<String>()
        for id in options.requiredStrings("organizationIds") {
            let wellFormed = id.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            }
            guard id.utf8.count == 15 || id.utf8.count == 18, wellFormed else {
                options.error(
                    "'organizationIds' must hold Salesforce organization ids of 15 or 18 letters and digits "
                        + "(Setup → Company Information), not '\(id)'",
                    about: "organizationIds")
                continue
            }
            accepted.insert(String(id.prefix(15)))
        }
        if options.strings("organizationIds")?.isEmpty == true {
            options.error("'organizationIds' must name at least one organization id", about: "organizationIds")
        }
        self.name = name
        self.organizationIds = accepted
        self.token = options.secret("token")
        self.defaultCountryCode = options.defaultCountryCode
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        if let token {
            try URLToken.check(request, against: token, place: "the outbound message's endpoint")
        }
        let message = try SalesforceOutboundMessage.parse(request.body, untilOrganizationId: true)
        guard let organizationId = message.organizationId else {
            throw .unauthorized("the message carries no OrganizationId")
        }
        guard organizationIds.contains(String(organizationId.prefix(15))) else {
            throw .unauthorized("OrganizationId \(organizationId) is not one of this sender's organizationIds")
        }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let message = try SalesforceOutboundMessage.parse(request.body, untilOrganizationId: false)
        return DecodedEvents(batch: message.notifications) { (_, notification) throws(InvalidEvent) in
            guard let fields = notification.fields else {
                throw InvalidEvent(eventId: notification.id, reason: "the Notification has no sObject")
            }
            let emailOptOut = fields["HasOptedOutOfEmail"]
            let doNotCall = fields["DoNotCall"]
            if emailOptOut != nil || doNotCall != nil {
                guard Self.isTrue(emailOptOut) || Self.isTrue(doNotCall) else { return nil }
            }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(fields["Id"])
            keys.email(fields["Email"])
            keys.phone(fields["Phone"])
            keys.phone(fields["MobilePhone"])
            return try keys.event(eventId: notification.id)
        }
    }

    /// An `xsd:boolean` true.
    private static func isTrue(_ text: String?) -> Bool {
        text == "true" || text == "1"
    }

    // MARK: Answer

    public func respond(_ answer: WebhookAnswer) -> HTTPResponse {
        switch answer {
        case .handled, .unmapped:
            // Journaled: an Ack stops Salesforce's retries.
            return Self.soap(200, Self.acknowledgement)
        case .retryLater(let seconds, let problem):
            var response = Self.soap(500, Self.fault(code: "soapenv:Server", message: problem.detail))
            response.headers[.retryAfter] = String(seconds)
            return response
        case .refused(let error):
            return Self.soap(HTTPStatus(code: error.status), Self.fault(code: "soapenv:Client", message: error.message))
        }
    }

    private static let acknowledgement = """
        <?xml version="1.0" encoding="UTF-8"?>\
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>\
        <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>\
        </soapenv:Body></soapenv:Envelope>
        """

    private static func fault(code: String, message: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>\
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>\
        <soapenv:Fault><faultcode>\(code)</faultcode><faultstring>\(escapeXML(message))</faultstring></soapenv:Fault>\
        </soapenv:Body></soapenv:Envelope>
        """
    }

    private static func soap(_ status: HTTPStatus, _ xml: String) -> HTTPResponse {
        .text(status, xml, contentType: "text/xml; charset=utf-8")
    }

    private static func escapeXML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    // MARK: Signing

    /// The URL with `?token=` when a token is configured; Salesforce sends no signature headers.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        return SignedRequest(
            url: token.map { URLToken.append($0, to: url) } ?? url,
            headers: [.init("Content-Type", "text/xml; charset=utf-8"), .init("SOAPAction", "\"\"")])
    }
}

/// The parts of an outbound message that matter here.
private struct SalesforceOutboundMessage {
    struct Notification {
        var id: String?
        /// The `sObject`'s fields by local name (`Id`, `Email`, …); `nil` when the notification has no `sObject`.
        var fields: [String: String]?
    }

    var organizationId: String?
    var notifications: [Notification] = []

    static let soapNamespace = "http://schemas.xmlsoap.org/soap/envelope/"
    static let outboundNamespace = "http://soap.sforce.com/2005/09/outbound"

    /// Parses the SOAP envelope; with `untilOrganizationId`, stops as soon as the organization id is read.
    static func parse(_ body: [UInt8], untilOrganizationId: Bool) throws(WebhookError) -> SalesforceOutboundMessage {
        // SOAP forbids a DTD; refusing one also shuts out entity-expansion attacks on the XML parser.
        if containsDoctype(body) { throw .badRequest("a SOAP message must not contain a document type declaration") }
        // FoundationXML's XMLParser force-unwraps the element and attribute names libxml2 hands it as UTF-8, and
        // libxml2 passes invalid bytes on: one such byte would abort the process (found by Fuzz/FuzzHTTP). Salesforce
        // sends UTF-8 only.
        guard String(validating: body, as: UTF8.self) != nil else {
            throw .badRequest("the body is not valid UTF-8, the only encoding Salesforce sends")
        }
        let reader = SalesforceMessageReader(stopAtOrganizationId: untilOrganizationId)
        let parser = XMLParser(data: Data(body))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        let finished = parser.parse()
        if let problem = reader.problem { throw .badRequest(problem) }
        if !finished && !(untilOrganizationId && reader.message.organizationId != nil) {
            let detail = parser.parserError.map { " (\($0.localizedDescription))" } ?? ""
            throw .badRequest(
                "the body is not well-formed XML near line \(parser.lineNumber), column \(parser.columnNumber)"
                    + detail)
        }
        // libxml2 does not always report a document that ends with elements still open.
        if finished && !reader.isClosed {
            throw .badRequest("the body ends before the SOAP envelope is closed")
        }
        if !reader.sawNotifications && !untilOrganizationId {
            throw .badRequest("expected a SOAP envelope holding Salesforce outbound 'notifications'")
        }
        return reader.message
    }

    private static func containsDoctype(_ body: [UInt8]) -> Bool {
        let marker = Array("<!DOCTYPE".utf8)
        guard body.count >= marker.count else { return false }
        var index = 0
        while index <= body.count - marker.count {
            if body[index] == UInt8(ascii: "<"), body[index + 1] == UInt8(ascii: "!"),
                Array(body[index..<(index + marker.count)]) == marker
            {
                return true
            }
            index += 1
        }
        return false
    }
}

/// The XML parser's delegate: follows the element path and collects the message's fields.
private final class SalesforceMessageReader: NSObject, XMLParserDelegate {
    let stopAtOrganizationId: Bool
    var message = SalesforceOutboundMessage()
    var sawNotifications = false
    /// Why the document is not an outbound message, when it is well-formed XML of another shape.
    var problem: String?

    /// Local names of the open elements, outermost first.
    private var path: [String] = []
    private var sawRoot = false
    /// Whether the root element was read to its end.
    var isClosed: Bool { sawRoot && path.isEmpty }
    private var text = ""
    private var current: SalesforceOutboundMessage.Notification?
    /// Depth of the current notification's `sObject` in ``path``, while inside one.
    private var sObjectDepth: Int?
    private var fieldIsNil = false

    init(stopAtOrganizationId: Bool) {
        self.stopAtOrganizationId = stopAtOrganizationId
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let parent = path.last
        if path.isEmpty, !(elementName == "Envelope" && namespaceURI == SalesforceOutboundMessage.soapNamespace) {
            problem = "expected a SOAP 1.1 Envelope, found the element '\(qualifiedName ?? elementName)'"
            parser.abortParsing()
            return
        }
        if elementName == "notifications", namespaceURI == SalesforceOutboundMessage.outboundNamespace,
            parent == "Body"
        {
            sawNotifications = true
        } else if elementName == "Notification", parent == "notifications" {
            current = SalesforceOutboundMessage.Notification()
        } else if elementName == "sObject", parent == "Notification" {
            if current != nil, current?.fields == nil { current?.fields = [:] }
            sObjectDepth = path.count + 1
        }
        fieldIsNil = attributes.contains { ($0.key == "nil" || $0.key.hasSuffix(":nil")) && $0.value == "true" }
        sawRoot = true
        path.append(elementName)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        let depth = path.count
        path.removeLast()
        let parent = path.last
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        text = ""
        if let sObjectDepth, depth == sObjectDepth + 1 {
            // A direct field of the sObject; nil or empty fields count as absent.
            if !fieldIsNil, !value.isEmpty { current?.fields?[elementName] = value }
        } else if depth == sObjectDepth {
            sObjectDepth = nil
        } else if elementName == "Id", parent == "Notification",
            namespaceURI == SalesforceOutboundMessage.outboundNamespace
        {
            current?.id = value.isEmpty ? nil : value
        } else if elementName == "Notification", parent == "notifications", let notification = current {
            message.notifications.append(notification)
            current = nil
        } else if elementName == "OrganizationId", parent == "notifications",
            namespaceURI == SalesforceOutboundMessage.outboundNamespace
        {
            message.organizationId = value.isEmpty ? nil : value
            if stopAtOrganizationId { parser.abortParsing() }
        }
        fieldIsNil = false
    }
}
