#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a fixed time; exits non-zero if any of them crashed or hung.
#
#   Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60. TARGET is FuzzMapping, FuzzHTTP, FuzzSenders (every sender type, each for
# SECONDS_PER_TARGET) or FuzzSenders/<type>; all of them by default. Seeds come from Corpus/ (make-corpus.py); what
# libFuzzer finds goes to a working corpus under $FUZZ_WORK (default /tmp/optout-bridge-fuzz), so that the committed
# seeds stay small. Crashes, hangs and broken invariants go to Fuzz/artifacts/<target>/. Extra libFuzzer flags can be
# given in FUZZ_FLAGS (e.g. FUZZ_FLAGS=-jobs=2).
set -uo pipefail

seconds="${1:-60}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${FUZZ_WORK:-/tmp/optout-bridge-fuzz}"
artifacts="$here/artifacts"
cd "$here"

senders=(activecampaign close generic gohighlevel hubspot intercom klaviyo mailchimp pipedrive salesforce sendgrid
    standard twilio zoho)
targets=()
for target in "${@:-FuzzMapping FuzzHTTP FuzzSenders}"; do
    for name in $target; do
        if [[ "$name" == FuzzSenders ]]; then
            for type in "${senders[@]}"; do targets+=("FuzzSenders/$type"); done
        else
            targets+=("$name")
        fi
    done
done

# Release with ASan: debug builds run about ten times slower. -sanitize=fuzzer instruments for coverage and links
# libFuzzer's driver, which each target's entry point calls.
echo "== building (release, -sanitize=fuzzer,address)"
if ! swift build -c release -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "__asan_extra_spill_area"; then
    echo "build failed" >&2
    exit 2
fi
bin="$(swift build -c release -Xswiftc -sanitize=fuzzer,address --show-bin-path)"

# The Swift runtime's backtracer would wait on a crashed process; ASan and libFuzzer report crashes themselves.
# Swift's runtime keeps metadata caches for the life of the process, which LeakSanitizer would call leaks.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

summary=()
failed=0
for target in "${targets[@]}"; do
    executable="${target%%/*}"
    label="${target//\//-}"
    corpus="$work/corpus/$target"
    mkdir -p "$corpus" "$artifacts/$target"
    log="$work/logs/$label.log"
    mkdir -p "$(dirname "$log")"
    if [[ "$executable" == FuzzSenders ]]; then export FUZZ_SENDER="${target#*/}"; else unset FUZZ_SENDER; fi
    dictionary=()
    [[ -f "Dictionaries/$executable.dict" ]] && dictionary=("-dict=Dictionaries/$executable.dict")
    echo "== $target: ${seconds}s (log $log)"
    before="$(ls "$artifacts/$target" | wc -l)"
    # Standard output is the service's own logging (FuzzHTTP); libFuzzer reports on standard error.
    # shellcheck disable=SC2086
    "$bin/$executable" "$corpus" "Corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 \
        -detect_leaks=0 -print_final_stats=1 "${dictionary[@]}" -artifact_prefix="$artifacts/$target/" \
        ${FUZZ_FLAGS:-} </dev/null >/dev/null 2>"$log"
    status=$?
    after="$(ls "$artifacts/$target" | wc -l)"
    final="$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse|RELOAD)' "$log" | tail -1)"
    runs="$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -1)"
    rate="$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' | tail -1)"
    cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$final")"
    features="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$final")"
    found=$((after - before))
    if [[ $status -ne 0 || $found -gt 0 ]]; then
        failed=1
        echo "!! $target: exit $status, $found new artifact(s) in $artifacts/$target" >&2
        grep -E 'ERROR|HANG|invariant|Fatal error|SUMMARY|deadly|timeout' "$log" | head -5 >&2
    fi
    summary+=("$(printf '%-28s %12s %8s %6s %7s %8s %5s' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" \
        "${features:-?}" "$found" "$status")")
done

echo
printf '%-28s %12s %8s %6s %7s %8s %5s\n' target runs exec/s cov ft crashes exit
printf '%s\n' "${summary[@]}"
exit "$failed"
