import JSON

import struct Foundation.Date

extension StoredLead {
    /// The lead as Search Leads answers it (`LeadApiSearchView`): `timeZone` is always `null`, as the fake does
    /// not model time zones.
    func writeSearchView(to json: inout JSONWriter) {
        json.object { writeSearchMembers(to: &$0) }
    }

    /// The lead as Get Lead answers it (`LeadApiView`): the search view, and no calls yet.
    var getView: [UInt8] {
        JSONWriter.bytes { json in
            json.object { json in
                writeSearchMembers(to: &json)
                json.member("callsId", [String]())
                json.nullMember("lastCall")
                json.nullMember("collectedData")
            }
        }
    }

    /// A Search Leads answer: `{"count":N,"results":[...]}`.
    static func searchAnswer(count: Int, page: [StoredLead]) -> [UInt8] {
        JSONWriter.bytes(capacity: page.count * 200 + 32) { json in
            json.object { json in
                json.member("count", count)
                json.member("results") { json in
                    json.array { json in
                        for lead in page { lead.writeSearchView(to: &json) }
                    }
                }
            }
        }
    }

    /// An Add Lead answer: `{"leadId":"..."}`.
    static func addAnswer(_ id: LeadID) -> [UInt8] {
        JSONWriter.bytes { $0.object { $0.member("leadId", id.hex) } }
    }

    /// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ`, the form of the reference's example.
    static func iso8601(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(seconds)).formatted(createdStyle)
    }

    /// ISO 8601 in UTC, whole seconds: the default style, built once rather than per lead of a page.
    private static let createdStyle = Date.ISO8601FormatStyle()

    /// The members of `LeadApiSearchView`, in the reference's order, which ``getView`` extends.
    private func writeSearchMembers(to json: inout JSONWriter) {
        json.member("id", id.hex)
        if let externalId { json.member("externalId", externalId) } else { json.nullMember("externalId") }
        json.member("phoneNumber", phoneNumber)
        json.nullMember("timeZone")
        json.member("status", Int(status))
        json.member("created", Self.iso8601(created))
        if let callData {
            json.member("callData") { json in
                json.object { json in
                    for key in callData.keys.sorted() { json.member(key, callData[key]) }
                }
            }
        } else {
            json.nullMember("callData")
        }
    }
}
