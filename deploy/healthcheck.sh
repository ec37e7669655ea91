#!/bin/bash
# Container health check: GET /healthz on the local listener, with nothing but bash.
# Exits 0 when the answer's status line says 200 within HEALTHCHECK_TIMEOUT seconds (default 5).
# HEALTHCHECK_PORT overrides the port (default 8080).
# With listen.tls set, probe from outside instead (a TLS client is deliberately not in the image).
set -eu
port="${HEALTHCHECK_PORT:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
status=""
IFS= read -r -t "${HEALTHCHECK_TIMEOUT:-5}" status <&3 || true
case "$status" in
    "HTTP/1."?" 200 "*) exit 0 ;;
    *) echo "healthz: ${status:-no answer}" >&2; exit 1 ;;
esac
