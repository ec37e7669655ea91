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
              "OptOutRequest": {
                "type": "object",
                "additionalProperties": false,
                "description": "At least one of keys or leads.",
                "properties": {
                  "keys": {
                    "type": "array",
                    "items": { "type": "string", "example": "email:jane.doe@example.com" },
                    "description": "Contact keys (email:, phone:, or SENDER:ID) resolved through the mapping."
                  },
                  "leads": { "type": "array", "items": { "$ref": "#/components/schemas/Lead" } },
                  "idempotencyKey": { "type": "string", "minLength": 1, "maxLength": 200 }
                }
              },
              "Status": {
                "type": "string",
                "enum": ["deleted", "queued", "ignored", "not_deleted", "rejected", "dry_run", "failed"]
              },
              "LeadStatus": {
                "type": "string",
                "enum": ["pending", "deleted", "not_deleted", "rejected", "dry_run", "failed"]
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
                  "reason": { "type": "string" },
                  "idempotencyKey": { "type": "string" },
                  "requestId": { "type": "string" },
                  "leads": { "type": "array", "items": { "$ref": "#/components/schemas/LeadOutcome" } }
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
              }
            }
          },
          "paths": {
            "/v1/opt-outs": {
              "post": {
                "summary": "Submit one opt-out, or an array of them",
                "security": [{ "apiToken": [] }],
                "parameters": [
                  { "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string" } }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "oneOf": [
                          { "$ref": "#/components/schemas/OptOutRequest" },
                          { "type": "array", "minItems": 1, "maxItems": 1000, "items": { "$ref": "#/components/schemas/OptOutRequest" } }
                        ]
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Deleted (or dry run); for an array, one result per item.",
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
                  "400": { "$ref": "#/components/responses/Problem" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/Problem" },
                  "413": { "description": "The body is larger than listen.maxBodyBytes." },
                  "422": {
                    "description": "NLPearl answered false (an OptOut with status not_deleted) or 400 (a Problem with its errors).",
                    "content": {
                      "application/json": { "schema": { "$ref": "#/components/schemas/OptOut" } },
                      "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
                    }
                  },
                  "503": { "$ref": "#/components/responses/Problem" }
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
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "503": { "$ref": "#/components/responses/Problem" }
                }
              }
            },
            "/hooks/{sender}": {
              "post": {
                "summary": "Webhook intake of a configured sender; its body, authentication and answer follow the sender's own dialect",
                "parameters": [ { "name": "sender", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {
                  "200": { "description": "Handled, in the sender's dialect." },
                  "202": { "description": "Journaled; delivery goes on." },
                  "400": { "$ref": "#/components/responses/Problem" },
                  "401": { "$ref": "#/components/responses/Problem" },
                  "404": { "$ref": "#/components/responses/Problem" },
                  "405": { "$ref": "#/components/responses/Problem" },
                  "413": { "description": "The body is larger than listen.maxBodyBytes." },
                  "429": { "description": "Retry later (GoHighLevel's dialect for 503)." },
                  "503": { "description": "Retry later." }
                }
              }
            },
            "/healthz": {
              "get": {
                "summary": "Liveness",
                "responses": { "200": { "description": "The process serves.", "content": { "application/json": { "schema": { "type": "object" } } } } }
              }
            },
            "/readyz": {
              "get": {
                "summary": "Readiness: mapping loaded, journal writable, NLPearl token accepted",
                "responses": {
                  "200": { "description": "Ready.", "content": { "application/json": { "schema": { "type": "object" } } } },
                  "503": { "description": "Not ready, with the reasons.", "content": { "application/json": { "schema": { "type": "object" } } } }
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus metrics",
                "responses": { "200": { "description": "Text exposition format 0.0.4.", "content": { "text/plain": { "schema": { "type": "string" } } } } }
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.0.", "content": { "application/json": { "schema": { "type": "object" } } } } }
              }
            }
          }
        }
        """#
}
