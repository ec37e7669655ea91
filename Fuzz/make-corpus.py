#!/usr/bin/env python3
"""Regenerates the seed corpus in Fuzz/Corpus/ from the repository's fixtures and examples.

    python3 Fuzz/make-corpus.py

Corpus/FuzzSenders/<type>/  the sender fixtures of Tests/SendersTests/Fixtures and Tests/BridgeTests/Fixtures, each
                            as a signed input (first byte 0x00: sign, then authenticate and decode), and as a
                            fuzzed-headers input (first byte 0x03) whose header lines are garbled
Corpus/FuzzMapping/         examples/mapping.json and hand-written mappings (first byte even), and the example
                            configuration files (first byte odd)
Corpus/FuzzHTTP/            raw HTTP/1.1 requests for every route, with valid credentials where no timestamp is
                            signed (so that they stay valid), chunked, pipelined and Expect: 100-continue requests,
                            and framed copies (first byte 0x01: Content-Length fixed up by the harness)

The layout of each input is described at the top of each target's source in Fuzz/Sources/. Files are named by the
SHA-1 of their content, as libFuzzer names the inputs it finds; the folders are emptied first.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import shutil
import urllib.parse

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CORPUS = FUZZ / "Corpus"
SENDER_FIXTURES = [ROOT / "Tests/SendersTests/Fixtures", ROOT / "Tests/BridgeTests/Fixtures"]
EXAMPLE_SENDERS = json.loads((ROOT / "examples/senders/optout-bridge.senders.json").read_text())["senders"]
SENDERS = {sender["type"]: sender for sender in EXAMPLE_SENDERS}
# Fixture files that are keys or signatures, not payloads.
NOT_PAYLOADS = ("-signature.txt", ".pem", "-public-key.txt")
API_TOKEN = "fuzz-api-token"  # FuzzHTTP configures this token.


def write(folder: pathlib.Path, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def payloads(sender_type: str) -> list[tuple[str, bytes]]:
    """The fixture payloads of a type, without duplicates."""
    prefix = sender_type + "-"
    seen: dict[bytes, str] = {}
    for folder in SENDER_FIXTURES:
        for path in sorted(folder.iterdir()):
            if path.name.startswith(prefix) and not path.name.endswith(NOT_PAYLOADS):
                seen.setdefault(path.read_bytes(), path.name)
    return [(name, data) for data, name in seen.items()]


def senders_corpus() -> None:
    for sender_type in sorted(SENDERS):
        folder = CORPUS / "FuzzSenders" / sender_type
        for _, body in payloads(sender_type):
            write(folder, b"\x00" + body)
            # Fuzzed headers: every signed header's value replaced, an extra header, and a query.
            meta = b"\n".join([b"x", b"sha256=00", b"v1,AAAA", b"X-Extra: 1", b"?token=wrong"])
            write(folder, b"\x03" + bytes([len(meta)]) + meta + body)
        if sender_type == "mailchimp":
            write(folder, b"\x04")  # GET validation, signed with the token
        if sender_type == "gohighlevel":
            for _, body in payloads(sender_type):
                write(folder, b"\x10" + body)  # signed with the Ed25519 key


def mapping_corpus() -> None:
    folder = CORPUS / "FuzzMapping"
    mappings = [
        (ROOT / "examples/mapping.json").read_bytes(),
        b'{"version": 1, "contacts": []}',
        json.dumps({"version": 1, "contacts": [
            {"keys": ["email:Jane.Doe@example.com", "phone:+1 (555) 123-4567", "hubspot:1246965"],
             "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-jane"}]},
            {"keys": ["email:john@example.com", "phone:0044 (0)20 7946 0958", "phone:555-123-4567"],
             "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-john-1"},
                       {"pearlId": "6720c0f8e4b0a1b2c3d4e5f7", "leadId": "lead-john-2"}]},
            {"keys": ["email:john@example.com", "zoho:\u00e9\\u00e9"],
             "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-shared"}]},
        ]}, indent=1).encode(),
        b'{"version": 1, "contacts": [{"keys": ["phone:06 12 34 56 78", "close:lead_\\u00e9\\ud83d\\ude00"], '
        b'"leads": [{"pearlId": "p", "leadId": "l"}]}], "extra": 1}',
        b'{"version": 2, "contacts": [{"keys": [], "leads": []}, {"keys": ["bad"], "leads": [{}]}]}',
    ]
    for index, mapping in enumerate(mappings):
        write(folder, bytes([(index % 4) << 1]) + mapping)
    for path in [ROOT / "examples/optout-bridge.json", ROOT / "examples/senders/optout-bridge.senders.json",
                 ROOT / "deploy/optout-bridge.json"]:
        if path.exists():
            write(folder, b"\x01" + path.read_bytes())
    write(folder, b"\x01" + json.dumps({
        "listen": {"host": "::1", "port": 8443, "tls": {"certificateFile": "file:cert.pem", "keyFile": "k.pem"}},
        "nlpearl": {"token": "env:FUZZ_SECRET"}, "api": {"tokens": ["env:FUZZ_SECRET", "file:token.txt"]},
        "senders": [{"name": "x", "type": "generic", "bearer": "env:FUZZ_SECRET", "fields": {"email": "/e"}}],
        "unmapped": "reject", "dryRun": True, "unknown": 1,
    }).encode())


def request(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"",
            length: bool = True) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for name, value in headers:
        head += f"{name}: {value}\r\n"
    if length and (body or method == "POST"):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def chunked(body: bytes) -> bytes:
    half = len(body) // 2
    parts = [body[:half], body[half:]]
    return b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in parts if part) + b"0\r\n\r\n"


def webhook(sender_type: str, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """The target and headers that authenticate `body` where no timestamp is signed; others get what they need to
    reach authentication."""
    sender = SENDERS[sender_type]
    target = "/hooks/" + sender["name"]
    headers = [("Content-Type", "application/json")]
    if sender_type in ("activecampaign", "mailchimp", "salesforce"):
        target += "?token=" + urllib.parse.quote(sender["token"], safe="")
        headers = [("Content-Type", "text/xml; charset=utf-8" if sender_type == "salesforce"
                    else "application/x-www-form-urlencoded")]
    elif sender_type == "zoho":
        body = body.replace(b"TOKEN_FOR_VERIFICATION", sender["token"].encode())
    elif sender_type == "pipedrive":
        credentials = base64.b64encode(f"{sender['username']}:{sender['password']}".encode()).decode()
        headers.append(("Authorization", "Basic " + credentials))
    elif sender_type == "intercom":
        digest = hmac.new(sender["secret"].encode(), body, hashlib.sha1).hexdigest()
        headers.append(("X-Hub-Signature", "sha1=" + digest))
    elif sender_type == "generic":
        digest = hmac.new(sender["secret"].encode(), body, hashlib.sha256).hexdigest()
        headers.append((sender["hmac"]["header"], sender["hmac"]["prefix"] + digest))
    elif sender_type == "twilio":
        pairs = sorted(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        signed = sender["publicURL"] + "".join(name + value for name, value in pairs)
        digest = hmac.new(sender["authToken"].encode(), signed.encode(), hashlib.sha1).digest()
        headers = [("Content-Type", "application/x-www-form-urlencoded"),
                   ("X-Twilio-Signature", base64.b64encode(digest).decode())]
    elif sender_type == "hubspot":
        headers += [("X-HubSpot-Signature-v3", "AAAA"), ("X-HubSpot-Request-Timestamp", "1767225600000")]
    elif sender_type == "klaviyo":
        headers += [("Klaviyo-Signature", "00"), ("Klaviyo-Timestamp", "1767225600")]
    elif sender_type == "close":
        headers += [("close-sig-hash", "00"), ("close-sig-timestamp", "1767225600")]
    elif sender_type == "standard":
        headers += [("webhook-id", "msg_1"), ("webhook-timestamp", "1767225600"), ("webhook-signature", "v1,AAAA")]
    elif sender_type == "sendgrid":
        headers += [("X-Twilio-Email-Event-Webhook-Signature", "MEUCIQ=="),
                    ("X-Twilio-Email-Event-Webhook-Timestamp", "1767225600")]
    elif sender_type == "gohighlevel":
        headers.append(("x-wh-signature", "AAAA"))
    return target, headers, body


def http_corpus() -> None:
    folder = CORPUS / "FuzzHTTP"
    bearer = ("Authorization", f"Bearer {API_TOKEN}")
    json_type = ("Content-Type", "application/json")
    requests = [
        request("GET", "/healthz", []),
        request("HEAD", "/healthz", []),
        request("GET", "/readyz", []),
        request("GET", "/metrics", []),
        request("GET", "/openapi.json", [("Accept", "application/json")]),
        request("GET", "/v1/opt-outs/op_01JD9Z0000000000000000000", [bearer]),
        request("GET", "/v1/opt-outs/%2e%2e/%00?x=1", [bearer]),
        request("DELETE", "/v1/opt-outs", [bearer]),
        request("GET", "/nothing/here?q=%zz", [("X-Request-Id", "fuzz-1")]),
        request("POST", "/v1/opt-outs", [bearer, json_type, ("Idempotency-Key", "fuzz-1")],
                b'{"keys": ["email:jane.doe@example.com"]}'),
        request("POST", "/v1/opt-outs", [bearer, json_type],
                json.dumps({"keys": ["phone:+1 (555) 123-4567", "hubspot:1246965"],
                            "leads": [{"pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-x"}],
                            "idempotencyKey": "ticket-4711"}).encode()),
        request("POST", "/v1/opt-outs", [bearer, json_type],
                b'[{"keys": ["email:john@example.com"]}, {"keys": ["email:nobody@example.com"]}, {"keys": []}, 1]'),
        request("POST", "/v1/opt-outs", [json_type], b'{"keys": ["email:jane.doe@example.com"]}'),
        request("POST", "/v1/opt-outs", [("Authorization", "Bearer wrong"), json_type], b"{}"),
        request("POST", "/v1/opt-outs", [bearer, json_type, ("Transfer-Encoding", "chunked")],
                chunked(b'{"keys": ["email:john@example.com"], "idempotencyKey": "chunked"}'), length=False),
        request("POST", "/v1/opt-outs", [bearer, json_type, ("Expect", "100-continue")],
                b'{"keys": ["email:jane.doe@example.com"]}'),
        request("POST", "/v1/opt-outs", [bearer, json_type, ("Content-Length", "5")], b"{", length=False),
        request("GET", "/healthz", [("Connection", "keep-alive")]) + request("GET", "/metrics", [])
        + request("POST", "/v1/opt-outs", [bearer, json_type], b'{"keys": ["email:john@example.com"]}'),
        b"GET /healthz HTTP/1.0\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
    ]
    for sender_type in sorted(SENDERS):
        for _, body in payloads(sender_type):
            target, headers, signed_body = webhook(sender_type, body)
            requests.append(request("POST", target, headers, signed_body))
    requests.append(request("GET", "/hooks/mailchimp?token=demo-mailchimp-token", []))
    requests.append(request("GET", "/hooks/hubspot", []))
    for raw in requests:
        write(folder, raw)
        if b"POST" in raw[:5]:
            write(folder, b"\x01" + raw)


def main() -> None:
    for target in ("FuzzSenders", "FuzzMapping", "FuzzHTTP"):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    senders_corpus()
    mapping_corpus()
    http_corpus()
    leaves = [path for path in CORPUS.rglob("*") if path.is_dir() and not any(p.is_dir() for p in path.iterdir())]
    for folder in sorted(leaves):
        print(f"{folder.relative_to(FUZZ)}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()
