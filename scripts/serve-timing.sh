#!/usr/bin/env bash
# How long a what-if takes through `steelsim serve`, against `steelsim run` of the same count on
# the same machine in the same minutes (docs/performance.md, issue 17's target: a 1,000-replication
# what-if of the baseline within 1.5 times `steelsim run -n 1000`).
#
#   scripts/serve-timing.sh [REPLICATIONS]      (default 1000; needs curl)
#
# Each is timed three times, wall clock, and the median taken. The what-ifs change the Sarakhs
# interchange's gangs (4, 5, 2); the unchanged scenario's run is kept by the server after the
# first request for a seed and count (and made at start for the defaults), so a what-if costs one
# run: the first request, which also runs the unchanged scenario, is reported on its own.
set -euo pipefail
n=${1:-1000}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --release --quiet
bin="$repo/target/release/steelsim"
work=$(mktemp -d)
server=""
trap '[ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
median() { sort -g | sed -n 2p; }

for i in 1 2 3; do
    t0=$(now)
    "$bin" run scenarios/baseline.toml -n "$n" --seed 7 --out "$work/run" --force --quiet >/dev/null
    echo "$(now) - $t0" | bc -l
done | median >"$work/run.s"

"$bin" serve scenarios/baseline.toml --port 0 >"$work/serve.out" 2>/dev/null &
server=$!
for _ in $(seq 100); do grep -q http "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/serve.out")
whatif() { # GANGS
    local t0
    t0=$(now)
    curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"set\": {\"nodes.sarakhs.stages[0].capacity\": $1}, \"replications\": $n, \"seed\": 7}" \
        "${url}api/whatif" >/dev/null
    echo "$(now) - $t0" | bc -l
}
whatif 3 >"$work/first.s"
for g in 4 5 2; do whatif "$g"; done | median >"$work/whatif.s"

run=$(cat "$work/run.s")
first=$(cat "$work/first.s")
what=$(cat "$work/whatif.s")
printf 'steelsim run -n %s (median of 3):                %.2f s\n' "$n" "$run"
printf 'first what-if (also runs the unchanged scenario): %.2f s  (%.2f x run)\n' "$first" "$(echo "$first / $run" | bc -l)"
printf 'what-if (median of 3):                            %.2f s  (%.2f x run)\n' "$what" "$(echo "$what / $run" | bc -l)"
