/// The OpenAPI 3.0 document of the bridge's own endpoints, served at `/openapi.json`.
///
/// Kept as literal JSON so it is exactly what clients see; a test validates it and checks it against the routes.
enum OpenAPIDocument {
    static let json = Array(text.utf8)

    static let text = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "optout-bridge",
            "version": "1",
            "description": "Receives opt-outs from CRM webhooks and the API, journals them, and deletes the contact's leads at NLPearl."
          },
          "components": {
            "securitySchemes": {
              "apiToken": { "type": "http", "scheme": "bearer", "description": "One of the configured api.tokens." }
            },
            "schemas": {
              "Lead": {
                "type": "object",
                "required": ["pearlId", "leadId"],
                "additionalProperties": false,
                "properties": {
                  "pearlId": { "type": "string", "minLength": 1 },
                  "leadId": { "type": "string", "minLength": 1 }
                }
              },
              "ContactKey": {
                "type": "string",
                "description": "NAMESPACE:VALUE. email: one address with text on both sides of a single @ and no blank or control character (trimmed and lower-cased). phone: an international number, '+' or '00' and 8 to 15 digits, blanks, '.', '/' and '-' ignored; a national number (no '+' or '00') is accepted too when mapping.defaultCountryCode is set. Any other namespace is a sender name ([a-z0-9-]+) whose value is matched exactly.",
                "pattern": "^(?:email:[\\t-\\r ]*[^@\\s\\x00-\\x1f\\x7f]+@[^@\\s\\x00-\\x1f\\x7f]+[\\t-\\r ]*|phone:[\\t\\n\\r .\\/-]*(?:\\+|00)[1-9](?:[\\t\\n\\r .\\/-]*[0-9]){7,14}[\\t\\n\\r .\\/-]*|(?!email:|phone:)[a-z0-9-]+:[\\s\\S]+)$",
                "example": "email:jane.doe@example.com"
              },
              "OptOutRequest": {
                "type": "object",
                "additionalProperties": false,
                "description": "At least one of keys or leads, not empty.",
                "properties": {
                  "keys": {
                    "type": "array",
                    "items": { "$ref": "#/components/schemas/ContactKey" },
                    "description": "Contact keys resolved through the mapping."
                  },
                  "leads": { "type": "array", "items": { "$ref": "#/components/schemas/Lead" } },
                  "idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 200 }
                },
                "anyOf": [
                  { "required": ["keys"], "properties": { "keys": { "minItems": 1 } } },
                  { "required": ["leads"], "properties": { "leads": { "minItems": 1 } } }
                ]
              },
              "Status": {
                "type": "string",
                "enum": ["deleted", "queued", "ignored", "not_deleted", "rejected", "dry_run", "failed", "suppressed", "invalid"]
              },
              "LeadStatus": {
                "type": "string",
                "enum": ["pending", "deleted", "not_deleted", "rejected", "dry_run", "failed"]
              },
              "BlacklistState": {
                "type": "string",
                "enum": ["pending", "blacklisted", "not_blacklisted", "rejected", "failed", "dry_run"]
              },
              "BlacklistOutcome": {
                "type": "object",
                "required": ["phoneNumber", "status"],
                "properties": {
                  "phoneNumber": { "type": "string", "example": "+15551234567" },
                  "status": { "$ref": "#/components/schemas/BlacklistState" },
                  "problem": { "type": "object" },
                  "attemptCount": { "type": "integer" },
                  "nextAttemptAt": { "type": "string", "format": "date-time" },
                  "lastError": { "type": "string" },
                  "attempts": { "type": "array", "items": { "$ref": "#/components/schemas/Attempt" } }
                }
              },
              "Suppression": {
                "type": "object",
                "required": ["key", "suppressed", "since", "firstOptOutId", "latestOptOutId", "optOutCount"],
                "properties": {
                  "key": { "type": "string", "example": "phone:+15551234567" },
                  "suppressed": { "type": "boolean", "enum": [true] },
                  "since": { "type": "string", "format": "date-time" },
                  "firstOptOutId": { "type": "string" },
                  "firstSource": { "type": "string" },
                  "latestOptOutId": { "type": "string" },
                  "latestSource": { "type": "string" },
                  "latestAt": { "type": "string", "format": "date-time" },
                  "optOutCount": { "type": "integer" },
                  "identifiers": { "type": "array", "items": { "type": "string" }, "description": "The identifiers as the senders sent them." },
                  "blacklist": {
                    "type": "object",
                    "required": ["state"],
                    "properties": {
                      "state": { "$ref": "#/components/schemas/BlacklistState" },
                      "updatedAt": { "type": "string", "format": "date-time" }
                    }
                  }
                }
              },
              "SuppressionCheckRequest": {
                "type": "object",
                "required": ["keys"],
                "additionalProperties": false,
                "properties": {
                  "keys": { "type": "array", "minItems": 1, "maxItems": 10000, "items": { "type": "string" } }
                }
              },
              "SuppressionCheckResults": {
                "type": "object",
                "required": ["results", "suppressed"],
                "properties": {
                  "suppressed": { "type": "integer", "description": "How many of the keys are suppressed." },
                  "results": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["key", "suppressed"],
                      "properties": {
                        "key": { "type": "string", "description": "As given." },
                        "normalizedKey": { "type": "string" },
                        "suppressed": { "type": "boolean" },
                        "since": { "type": "string", "format": "date-time" },
                        "blacklist": { "$ref": "#/components/schemas/BlacklistState" },
                        "valid": { "type": "boolean", "enum": [false], "description": "Present when the key is not a contact key." },
                        "problem": { "type": "string" }
                      }
                    }
                  }
                }
              },
              "Attempt": {
                "type": "object",
                "required": ["at", "outcome"],
                "properties": {
                  "at": { "type": "string", "format": "date-time" },
                  "outcome": { "type": "string" },
                  "httpStatus": { "type": "integer" },
                  "detail": { "type": "string" }
                }
              },
              "LeadOutcome": {
                "type": "object",
                "required": ["pearlId", "leadId", "status"],
                "properties": {
                  "pearlId": { "type": "string" },
                  "leadId": { "type": "string" },
                  "status": { "$ref": "#/components/schemas/LeadStatus" },
                  "problem": { "type": "object" },
                  "attemptCount": { "type": "integer" },
                  "nextAttemptAt": { "type": "string", "format": "date-time" },
                  "lastError": { "type": "string" },
                  "attempts": { "type": "array", "items": { "$ref": "#/components/schemas/Attempt" } }
                }
              },
              "OptOut": {
                "type": "object",
                "required": ["id", "status", "source", "receivedAt", "keys", "leads"],
                "properties": {
                  "id": { "type": "string", "example": "op_01JD9Z8K2V3W4X5Y6Z7A8B9C0D" },
                  "status": { "$ref": "#/components/schemas/Status" },
                  "duplicate": { "type": "boolean" },
                  "source": { "type": "string" },
                  "receivedAt": { "type": "string", "format": "date-time" },
                  "updatedAt": { "type": "string", "format": "date-time" },
                  "keys": { "type": "array", "items": { "type": "string" } },
                  "identifiers": { "type": "array", "items": { "type": "string" }, "description": "As the sender sent them (GET only)." },
                  "reason": { "type": "string" },
                  "suppressedBy": { "type": "string", "description": "For source suppression: the opt-out whose key this record enforces." },
                  "idempotencyKey": { "type": "string" },
                  "requestId": { "type": "string" },
                  "leads": { "type": "array", "items": { "$ref": "#/components/schemas/LeadOutcome" } },
                  "blacklist": { "type": "array", "items": { "$ref": "#/components/schemas/BlacklistOutcome" } }
                }
              },
              "Problem": {
                "type": "object",
                "description": "RFC 9457 problem details.",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                  "type": { "type": "string" },
                  "title": { "type": "string" },
                  "status": { "type": "integer" },
                  "detail": { "type": "string" },
                  "errors": { "type": "object", "additionalProperties": { "type": "array", "items": { "type": "string" } } },
                  "optOut": { "$ref": "#/components/schemas/OptOut" }
                }
              },
              "BatchResults": {
                "type": "object",
                "required": ["results"],
                "properties": {
                  "results": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["status"],
                      "properties": {
                        "status": { "type": "string" },
                        "httpStatus": { "type": "integer" },
                        "problem": { "$ref": "#/components/schemas/Problem" }
                      }
                    }
                  }
                }
              }
            },
            "responses": {
              "Problem": {
                "description": "An error.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "BadRequest": {
                "description": "Malformed: the body, a header or the request target (invalid UTF-8, ambiguous framing).",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "MethodNotAllowed": {
                "description": "Wrong method; the Allow header lists the right ones.",
                "headers": { "Allow": { "schema": { "type": "string" } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "HookRefused": {
                "description": "Refused: unknown sender, bad signature or token, or a body the sender's decoder cannot read. A problem, or for Salesforce a SOAP fault.",
                "content": {
                  "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } },
                  "text/xml": { "schema": { "type": "string" } }
                }
              },
              "TooLarge": {
                "description": "The body is larger than listen.maxBodyBytes; answered before it is read when Content-Length says so.",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              },
              "Unavailable": {
                "description": "Shutting down (after the drain), the answer took too long, or too many request bodies are held (listen.maxBufferedBodyBytes); retry after Retry-After seconds.",
                "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            }
          },
          "paths": {
            "/v1/opt-outs": {
              "post": {
                "summary": "Submit one opt-out, or an array of them",
                "security": [{ "apiToken": [] }],
                "parameters": [
                  {
                    "name": "Idempotency-Key", "in": "header", "required": false,
                    "description": "Instead of idempotencyKey; for an array, item i gets the key KEY#i. Printable ASCII, spaces and tabs, not blank at either end.",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e](?:[\\t\\x20-\\x7e]*[\\x21-\\x7e])?$" }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "oneOf": [
                          { "$ref": "#/components/schemas/OptOutRequest" },
                          {
                            "type": "array", "minItems": 1, "maxItems": 1000,
                            "items": { "description": "An OptOutRequest. An item that is not one is answered in its own result (status invalid, httpStatus 400), not by a 400 for the whole array." }
                          }
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Deleted, suppressed (no lead mapped: the keys are on the suppression list) or dry run; for an array, one result per item.",
                    "content": {
                      "application/json": {
                        "schema": { "oneOf": [ { "$ref": "#/components/schemas/OptOut" }, { "$ref": "#/components/schemas/BatchResults" } ] }
                      }
                    }
                  },
                  "202": {
                    "description": "Journaled; delivery goes on (durable ack mode).",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OptOut" } } }
                  },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "413": { "$ref": "#/components/responses/TooLarge" },
                  "422": {
                    "description": "NLPearl answered false (an OptOut with status not_deleted) or 400 (a Problem with its errors).",
                    "content": {
                      "application/json": { "schema": { "$ref": "#/components/schemas/OptOut" } },
                      "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
                    }
                  },
                  "503": {
                    "description": "Not done, retry after Retry-After seconds: the journal is not writable, shutting down, sync ack mode with delivery pending, or a Problem of type delivery-failed (the opt-out was given up after giveUpAfterHours; its record in optOut).",
                    "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                    "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
                  }
                }
              }
            },
            "/v1/opt-outs/{id}": {
              "get": {
                "summary": "The journal's record of one opt-out, with every attempt",
                "security": [{ "apiToken": [] }],
                "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {
                  "200": { "description": "The record.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OptOut" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/v1/suppressions/{key}": {
              "get": {
                "summary": "One key of the suppression list: since when, by which opt-outs, its blacklist state",
                "security": [{ "apiToken": [] }],
                "parameters": [ { "name": "key", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/ContactKey" } } ],
                "responses": {
                  "200": { "description": "Suppressed.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Suppression" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/v1/suppressions/check": {
              "post": {
                "summary": "Which of up to 10,000 keys are suppressed, to filter leads before importing them into NLPearl",
                "security": [{ "apiToken": [] }],
                "requestBody": {
                  "required": true,
                  "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SuppressionCheckRequest" } } }
                },
                "responses": {
                  "200": { "description": "One result per key, in order.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SuppressionCheckResults" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "413": { "$ref": "#/components/responses/TooLarge" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/hooks/{sender}": {
              "parameters": [ { "name": "sender", "in": "path", "required": true, "schema": { "type": "string" } } ],
              "post": {
                "summary": "Webhook intake of a configured sender; its body, authentication and answer follow the sender's own dialect",
                "description": "The body is the CRM's own payload (JSON, a form, or Salesforce's SOAP message), signed or tokened as that sender does; a body its decoder cannot read is answered 400. Salesforce answers every outcome as a SOAP envelope (text/xml), Twilio a success as empty TwiML.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": { "schema": {} },
                    "application/x-www-form-urlencoded": { "schema": { "type": "object", "additionalProperties": { "type": "string" } } }
                  }
                },
                "responses": {
                  "200": { "description": "Handled, in the sender's dialect." },
                  "202": { "description": "Journaled; delivery goes on." },
                  "400": { "$ref": "#/components/responses/HookRefused" },
                  "401": { "$ref": "#/components/responses/HookRefused" },
                  "404": { "$ref": "#/components/responses/HookRefused" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "413": { "$ref": "#/components/responses/TooLarge" },
                  "429": { "description": "Retry later (GoHighLevel's dialect for 503)." },
                  "500": {
                    "description": "Retry later, in Salesforce's dialect: a SOAP fault.",
                    "content": { "text/xml": { "schema": { "type": "string" } } }
                  },
                  "503": { "description": "Retry later." }
                }
              },
              "get": {
                "summary": "URL validation of the senders that check the URL before use (Mailchimp); 405 for the others",
                "responses": {
                  "200": { "description": "The URL is valid." },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "401": { "$ref": "#/components/responses/HookRefused" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/healthz": {
              "get": {
                "summary": "Liveness",
                "responses": {
                  "200": { "description": "The process serves.", "content": { "application/json": { "schema": { "type": "object" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/readyz": {
              "get": {
                "summary": "Readiness: mapping loaded and journal writable",
                "description": "A rejected NLPearl token does not make the bridge unready: the journal still takes opt-outs and holds them until NLPearl accepts a token, and failing every replica at once would refuse the webhooks. It shows in the body (checks.nlpearl), the metric optout_bridge_nlpearl_token_rejected and the log.",
                "responses": {
                  "200": { "description": "Ready. checks.nlpearl.ok is false, with a reason, while NLPearl rejects the API token (401/403).", "content": { "application/json": { "schema": { "type": "object" } } } },
                  "503": {
                    "description": "Not ready: the mapping is not loaded or the journal is not writable, with the reasons; or shutting down (a problem).",
                    "content": {
                      "application/json": { "schema": { "type": "object" } },
                      "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
                    }
                  },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" }
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus metrics",
                "responses": {
                  "200": { "description": "Text exposition format 0.0.4.", "content": { "text/plain": { "schema": { "type": "string" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This document",
                "responses": {
                  "200": { "description": "OpenAPI 3.0.", "content": { "application/json": { "schema": { "type": "object" } } } },
                  "400": { "$ref": "#/components/responses/BadRequest" },
                  "405": { "$ref": "#/components/responses/MethodNotAllowed" },
                  "503": { "$ref": "#/components/responses/Unavailable" }
                }
              }
            }
          }
        }
        """#
}
