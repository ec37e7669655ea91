#!/usr/bin/env bash
# Proves deploy/Dockerfile's runtime stage without a Docker engine: bootstraps a minimal Debian bookworm root
# (debootstrap --variant=minbase, close to debian:bookworm-slim), installs exactly the Dockerfile's
# RUNTIME_PACKAGES, lays out the image's files and user as the Dockerfile does, and runs the static-stdlib release
# binary in it with chroot as that user, on 127.0.0.1, against the host's fake-nlpearl. Checks: no shared library
# is missing, /healthz answers (through the image's own health check script), /readyz is ready, one opt-out is
# deleted at the fake NLPearl, and SIGTERM exits 0. Prints PASS or FAIL; exits 0 only on PASS.
#
# Run as root from anywhere (about two minutes with the root cached, plus the release build):
#   deploy/verify-runtime.sh
# Environment: SCRATCH_PATH (swift build --scratch-path, default .build), VERIFY_CACHE (where the bootstrapped
# root is kept between runs, default /var/tmp/optout-bridge-verify-runtime), FAKE_NLPEARL (a built fake-nlpearl;
# default: build it), MIRROR, PORT, FAKE_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

scratch="${SCRATCH_PATH:-$repo/.build}"
cache="${VERIFY_CACHE:-/var/tmp/optout-bridge-verify-runtime}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
port="${PORT:-18480}"
fake_port="${FAKE_PORT:-18499}"
root="$cache/run"
work="$(mktemp -d)"
fake_pid=""
bridge_pid=""

step() { printf '== %s\n' "$*"; }
fail() {
    printf 'verify-runtime: %s\n' "$*" >&2
    echo "FAIL"
    exit 1
}

cleanup() {
    [ -n "$bridge_pid" ] && kill "$bridge_pid" 2>/dev/null || true
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
    if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root (debootstrap and chroot need it)"

# The package list, read from the Dockerfile so the two cannot drift apart.
RUNTIME_PACKAGES="$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' deploy/Dockerfile)"
[ -n "$RUNTIME_PACKAGES" ] || fail "no ARG RUNTIME_PACKAGES=\"...\" line in deploy/Dockerfile"
step "runtime packages: $RUNTIME_PACKAGES"

step "release build (static Swift standard library)"
swift build -c release --static-swift-stdlib --product optout-bridge --scratch-path "$scratch" \
    >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "release build failed"; }
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/optout-bridge"
fake="${FAKE_NLPEARL:-}"
if [ -z "$fake" ]; then
    swift build --product fake-nlpearl --scratch-path "$scratch" >>"$work/build.log" 2>&1 ||
        { tail -30 "$work/build.log" >&2; fail "fake-nlpearl build failed"; }
    fake="$(swift build --scratch-path "$scratch" --show-bin-path)/fake-nlpearl"
fi

if [ ! -f "$cache/base/.bootstrapped" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    step "debootstrap --variant=minbase bookworm into $cache/base"
    rm -rf "$cache/base"
    mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$cache/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -30 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
    touch "$cache/base/.bootstrapped"
fi

step "fresh root from the cached base; apt-get install exactly the runtime packages"
rm -rf "$root"
cp -a "$cache/base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $RUNTIME_PACKAGES \
        && rm -rf /var/lib/apt/lists/*" \
    >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; fail "installing the runtime packages failed"; }

step "the image's user, folders and files, as in the Dockerfile"
chroot "$root" sh -c '
    groupadd --system --gid 10001 optout-bridge &&
    useradd --system --uid 10001 --gid optout-bridge --home-dir /var/lib/optout-bridge \
        --shell /usr/sbin/nologin optout-bridge &&
    install -d -o optout-bridge -g optout-bridge -m 0750 /var/lib/optout-bridge &&
    install -d -m 0755 /etc/optout-bridge /run/secrets'
install -m 0755 "$bin" "$root/usr/local/bin/optout-bridge"
install -m 0755 deploy/healthcheck.sh "$root/usr/local/bin/optout-bridge-healthcheck"
# The shipped configuration, pointed at the fake NLPearl on the host's loopback.
sed -e "s#\"https://api.nlpearl.ai\"#\"http://127.0.0.1:$fake_port\"#" deploy/optout-bridge.json \
    >"$root/etc/optout-bridge/optout-bridge.json"
grep -q "127.0.0.1:$fake_port" "$root/etc/optout-bridge/optout-bridge.json" ||
    fail "could not point nlpearl.baseURL at the fake"
cat >"$root/etc/optout-bridge/mapping.json" <<'JSON'
{ "version": 1,
  "contacts": [
    { "keys": ["email:Jane.Doe@example.com", "phone:555-123-4567"],
      "leads": [ { "pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "6720c1aa9f1e2d3c4b5a6978" } ] } ] }
JSON
printf '%s' 'verify:secret' >"$root/run/secrets/nlpearl_api_token"
printf '%s' 'verify-api-token' >"$root/run/secrets/optout_api_token"
chroot "$root" sh -c 'chgrp optout-bridge /run/secrets/* && chmod 0440 /run/secrets/*'

step "shared libraries of the binary inside the root"
chroot "$root" ldd /usr/local/bin/optout-bridge | tee "$work/ldd.txt"
if grep -q "not found" "$work/ldd.txt"; then fail "a shared library is missing from the runtime packages"; fi
if grep -q "libswift" "$work/ldd.txt"; then fail "the binary links the Swift runtime dynamically"; fi

step "fake NLPearl on 127.0.0.1:$fake_port (host)"
"$fake" --host 127.0.0.1 --port "$fake_port" --token verify:secret >"$work/fake.log" 2>&1 &
fake_pid=$!

step "optout-bridge serve in the root as optout-bridge:optout-bridge on 127.0.0.1:$port"
chroot --userspec=optout-bridge:optout-bridge "$root" /usr/bin/env -i \
    PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/optout-bridge LOG_FORMAT=json \
    sh -c "cd /var/lib/optout-bridge && exec /usr/local/bin/optout-bridge serve \
        --config /etc/optout-bridge/optout-bridge.json --port $port" >"$work/serve.log" 2>&1 &
bridge_pid=$!

healthy=""
for _ in $(seq 1 100); do
    if chroot --userspec=optout-bridge:optout-bridge "$root" /usr/bin/env -i HEALTHCHECK_PORT="$port" \
        /usr/local/bin/optout-bridge-healthcheck 2>/dev/null; then
        healthy=yes
        break
    fi
    kill -0 "$bridge_pid" 2>/dev/null || break
    sleep 0.2
done
[ -n "$healthy" ] || { cat "$work/serve.log" >&2; fail "the image's health check never passed"; }
echo "healthcheck: /healthz 200"

ready="$(curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")"
echo "readyz: $ready"
[ "$ready" = 200 ] || { cat "$work/serve.log" >&2; fail "/readyz answered $ready"; }

answer="$(curl -sS --noproxy '*' -H 'Authorization: Bearer verify-api-token' -H 'Content-Type: application/json' \
    --data '{"keys": ["email:jane.doe@example.com"]}' -w ' %{http_code}' "http://127.0.0.1:$port/v1/opt-outs")"
echo "opt-out: $answer"
case "$answer" in
    *'"status":"deleted"'*' 200') ;;
    *) cat "$work/serve.log" >&2; fail "the opt-out was not deleted" ;;
esac
expected='DELETE /v2/Outbound/6720c0f8e4b0a1b2c3d4e5f6/Leads leadIds=\[6720c1aa9f1e2d3c4b5a6978\] → 200'
grep -q "$expected" "$work/fake.log" ||
    { cat "$work/fake.log" >&2; fail "the fake NLPearl did not receive the DELETE"; }
echo "fake NLPearl: $(grep DELETE "$work/fake.log")"
[ -s "$root/var/lib/optout-bridge/journal.sqlite" ] || fail "no journal in /var/lib/optout-bridge"

kill -TERM "$bridge_pid"
status=0
wait "$bridge_pid" || status=$?
bridge_pid=""
echo "SIGTERM: exit $status"
[ "$status" = 0 ] || { cat "$work/serve.log" >&2; fail "serve exited $status on SIGTERM"; }

echo "PASS"
