import Foundation
import OptOutCore
import Testing

@Suite("Contact keys")
struct ContactKeyTests {
    @Test(
        "keys are normalised",
        arguments: [
            ("email:Jane.Doe@Example.com", nil, "email:jane.doe@example.com"),
            ("email:  JANE@EXAMPLE.COM \t", nil, "email:jane@example.com"),
            ("email:J\u{D6}RG@Beispiel.DE", nil, "email:j\u{F6}rg@beispiel.de"),
            ("email:\u{A0}ana@example.com\u{2003}", nil, "email:ana@example.com"),
            ("phone:+1 (555) 123-4567", nil, "phone:+15551234567"),
            ("phone:+1.555.123.4567", nil, "phone:+15551234567"),
            ("phone: +44 (0)20 7946 0958 ", nil, "phone:+442079460958"),
            ("phone:+44 (0) 20 7946 0958", "+1", "phone:+442079460958"),
            ("phone:0044 20 7946 0958", nil, "phone:+442079460958"),
            ("phone:555.123.4567", "+1", "phone:+15551234567"),
            ("phone:(555) 123-4567", "+1", "phone:+15551234567"),
            ("phone:1-555-123-4567", "+1", "phone:+15551234567"),
            ("phone:5551234567", "1", "phone:+15551234567"),
            ("phone:5551234567", "001", "phone:+15551234567"),
            ("phone:020 7946 0958", "+44", "phone:+442079460958"),
            ("phone:06 12 34 56 78", "+33", "phone:+33612345678"),
            ("phone:06 1234 5678", "+39", "phone:+390612345678"),
            ("phone:030/1234567", "+49", "phone:+49301234567"),
            ("phone:+15551234567", nil, "phone:+15551234567"),
            ("phone:+123456789012345", nil, "phone:+123456789012345"),
            ("phone:+12345678", nil, "phone:+12345678"),
            ("hubspot:1246965", nil, "hubspot:1246965"),
            ("salesforce:003XYZ Abc ", nil, "salesforce:003XYZ Abc "),
            ("zoho:a:b", nil, "zoho:a:b"),
            ("my-crm2:ID-7", nil, "my-crm2:ID-7"),
        ] as [(String, String?, String)])
    func normalised(raw: String, countryCode: String?, expected: String) throws {
        let key = try ContactKey.parse(raw, defaultCountryCode: countryCode)
        #expect(key.description == expected)
        // Normalisation is idempotent: the canonical form parses to the same key, without a country code.
        #expect(try ContactKey.parse(key.description, defaultCountryCode: nil) == key)
    }

    @Test(
        "malformed keys are rejected with a reason",
        arguments: [
            ("jane@example.com", nil, ContactKeyError.Code.missingNamespace, "has no namespace"),
            ("Email:x@y", nil, .invalidNamespace, "'Email' is not a valid key namespace"),
            (":x", nil, .invalidNamespace, "is not a valid key namespace"),
            ("hub spot:1", nil, .invalidNamespace, "is not a valid key namespace"),
            ("hubspot:", nil, .emptyValue, "key 'hubspot:' has an empty value"),
            ("email:", nil, .emptyValue, "empty value"),
            ("email:   ", nil, .emptyValue, "empty value"),
            ("email:jane.example.com", nil, .invalidEmail, "it has no '@'"),
            ("email:a@b@c", nil, .invalidEmail, "more than one '@'"),
            ("email:@example.com", nil, .invalidEmail, "text on both sides"),
            ("email:jane@", nil, .invalidEmail, "text on both sides"),
            ("email:ja ne@example.com", nil, .invalidEmail, "blank"),
            ("email:j\u{F6} rg@example.com", nil, .invalidEmail, "blank"),
            ("phone:555-123-4567", nil, .missingCountryCode, "set mapping.defaultCountryCode"),
            ("phone:+1 555 12", nil, .invalidPhone, "8 to 15 digits"),
            ("phone:+1234567890123456", nil, .invalidPhone, "8 to 15 digits"),
            ("phone:+1234567890123456789012345", nil, .invalidPhone, "at most 15 digits"),
            ("phone:555 12", "+1", .invalidPhone, "8 to 15 digits"),
            ("phone:+1 555 CALL NOW", nil, .invalidPhone, "'C' is not allowed"),
            ("phone:+1 555 123 4567 ext 8", nil, .invalidPhone, "'e' is not allowed"),
            ("phone:12+34", nil, .invalidPhone, "'+' may only come first"),
            ("phone:++15551234567", nil, .invalidPhone, "'+' may only come first"),
            ("phone:", nil, .emptyValue, "empty value"),
            ("phone:()", nil, .invalidPhone, "no digits"),
            ("phone:+0123456789", nil, .invalidPhone, "cannot start with 0"),
            ("phone:555", "abc", .invalidCountryCode, "'abc' is not a country code"),
            ("phone:555", "+1234", .invalidCountryCode, "is not a country code"),
            ("phone:555", "+0", .invalidCountryCode, "is not a country code"),
        ] as [(String, String?, ContactKeyError.Code, String)])
    func rejected(raw: String, countryCode: String?, code: ContactKeyError.Code, message: String) {
        #expect {
            try ContactKey.parse(raw, defaultCountryCode: countryCode)
        } throws: { error in
            guard let error = error as? ContactKeyError else { return false }
            return error.code == code && error.message.contains(message) && error.description == error.message
        }
    }

    @Test("convenience constructors normalise like parse")
    func constructors() throws {
        #expect(try ContactKey.email(" Jane@Example.COM ").description == "email:jane@example.com")
        #expect(try ContactKey.phone("(555) 123-4567", defaultCountryCode: "+1").description == "phone:+15551234567")
        #expect(try ContactKey.phone("+44 20 7946 0958").value == "+442079460958")
        let crm = try ContactKey.crm(sender: "hubspot", id: "1246965")
        #expect(crm.namespace == "hubspot")
        #expect(crm.value == "1246965")
        #expect(crm == (try ContactKey.parse("hubspot:1246965", defaultCountryCode: nil)))
        #expect(throws: ContactKeyError.self) { try ContactKey.crm(sender: "Bad Sender", id: "1") }
        #expect(throws: ContactKeyError.self) { try ContactKey.crm(sender: "hubspot", id: "") }
        #expect(throws: ContactKeyError.self) { try ContactKey.email("nobody") }
        #expect(try ContactKey(namespace: "email", value: "A@B.C") == ContactKey.email("a@b.c"))
    }

    @Test("country codes normalise to + and digits")
    func countryCodes() throws {
        #expect(try ContactKey.normalizedCountryCode("1") == "+1")
        #expect(try ContactKey.normalizedCountryCode("+44") == "+44")
        #expect(try ContactKey.normalizedCountryCode("0049") == "+49")
        #expect(throws: ContactKeyError.self) { try ContactKey.normalizedCountryCode("+") }
    }

    @Test("keys encode as their canonical string")
    func codable() throws {
        let keys = [try ContactKey.email("Jane@Example.com"), try ContactKey.crm(sender: "zoho", id: "42")]
        let data = try JSONEncoder().encode(keys)
        #expect(String(decoding: data, as: UTF8.self) == #"["email:jane@example.com","zoho:42"]"#)
        #expect(try JSONDecoder().decode([ContactKey].self, from: data) == keys)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ContactKey].self, from: Data(#"["nonamespace"]"#.utf8))
        }
    }

    @Test("keys order by namespace, then value")
    func ordering() throws {
        let keys = [try ContactKey.crm(sender: "zoho", id: "1"), try ContactKey.email("b@x.y"), try .email("a@x.y")]
        #expect(keys.sorted().map(\.description) == ["email:a@x.y", "email:b@x.y", "zoho:1"])
    }
}
