import HTTPTypes

/// A request method, as swift-http-types models it: `.get`, `.post`, or any other token.
///
/// Typealiases rather than `@_exported import HTTPTypes`: that module has its own `HTTPRequest` and `HTTPResponse`,
/// which would make this module's names ambiguous in every file that imports it.
public typealias HTTPMethod = HTTPTypes.HTTPRequest.Method

/// A response status, as swift-http-types models it; an integer literal is one (`404`), ``code`` is its number.
public typealias HTTPStatus = HTTPTypes.HTTPResponse.Status

/// An ordered list of header fields, as received or to be sent; a `String` subscript (HTTPFields+Lookup.swift) looks
/// one up by its name as text.
public typealias HTTPFields = HTTPTypes.HTTPFields

/// One header field: a validated ``HTTPField/Name`` and a value.
public typealias HTTPField = HTTPTypes.HTTPField
