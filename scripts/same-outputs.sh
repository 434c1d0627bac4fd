#!/usr/bin/env bash
# Shows that a change leaves every output byte-identical: builds BASE (default: HEAD) in a
# temporary worktree, runs the same commands with both binaries (every scenario, shards and
# merge, compare, sweep, tornado, plan, plot, explain, calibrate, validate's errors, schema,
# init), and compares the results byte for byte. Only timings (run.json, "... in N s") differ
# by nature and are left out.
#
#   scripts/same-outputs.sh [BASE]          e.g. scripts/same-outputs.sh 28d8dd2
#   STEELSIM_BASE_BIN=/path/to/old/steelsim scripts/same-outputs.sh   (skip building BASE)
#
# Exit code 0 when everything is identical, 1 with the differences listed otherwise.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
base=${1:-HEAD}
n=${N:-30}
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

if [ -n "${STEELSIM_BASE_BIN:-}" ]; then
    old_bin=$STEELSIM_BASE_BIN
else
    echo "== building $base in a worktree"
    git -C "$repo" worktree add --detach "$work/base-src" "$base" >/dev/null
    (cd "$work/base-src" && CARGO_TARGET_DIR="${BASE_TARGET_DIR:-$work/base-target}" cargo build --release --quiet)
    old_bin="${BASE_TARGET_DIR:-$work/base-target}/release/steelsim"
fi
echo "== building the working tree"
(cd "$repo" && cargo build --release --quiet)
new_bin="$repo/target/release/steelsim"

# Runs every command with one binary, in a folder of its own with the same relative paths,
# so that paths printed or recorded in outputs are the same for both.
exercise() {
    local bin=$1 root=$2
    mkdir -p "$root/tests"
    cp -r "$repo/scenarios" "$root/scenarios"
    cp -r "$repo/tests/fixtures" "$root/tests/fixtures"
    cd "$root"
    local log=log
    mkdir -p $log
    # r NAME CMD...: runs a command, keeps its stdout, stderr and exit code.
    r() {
        local name=$1; shift
        set +e
        "$@" >"$log/$name.out" 2>"$log/$name.err"
        echo $? >"$log/$name.rc"
        set -e
        # timings are the one thing that may differ
        sed -i -E 's/[0-9.]+ events in [0-9.]+ s \([0-9.]+ million events\/s\)/EVENTS in TIME/' "$log/$name.out"
    }
    for s in scenarios/*.toml; do
        name=$(basename "$s" .toml)
        r "run-$name" "$bin" run "$s" -n "$n" --seed 7 --out "run/$name" --quiet
    done
    for f in tests/fixtures/*.toml; do
        name=$(basename "$f" .toml)
        r "fixture-$name" "$bin" run "$f" -n "$n" --seed 3 --out "fixture/$name" --quiet
    done
    r run-json "$bin" run tests/fixtures/tiny.toml -n 20 --seed 5 --out json/tiny --json
    r run-check "$bin" run tests/fixtures/tiny.toml -n 8 --seed 5 --out check/tiny --check --quiet
    r run-set "$bin" run scenarios/baseline.toml -n 10 --seed 5 --out set/baseline --quiet --set pools.wagons_1435.units=900
    r run-precision "$bin" run tests/fixtures/tiny.toml -n 50 --seed 5 --precision 0.05 --out precision/tiny --quiet
    r shard0 "$bin" run scenarios/baseline.toml -n "$n" --seed 7 --shard 0/2 --out shards/0 --quiet
    r shard1 "$bin" run scenarios/baseline.toml -n "$n" --seed 7 --shard 1/2 --out shards/1 --quiet
    r merge "$bin" merge shards/0 shards/1 --out merged/baseline
    r plot "$bin" plot merged/baseline
    r compare "$bin" compare scenarios/baseline.toml scenarios/more_wagons.toml scenarios/sarakhs_backlog.toml -n "$n" --seed 7 --out studies/compare --quiet
    r compare-json "$bin" compare tests/fixtures/tiny.toml tests/fixtures/variants/plus_100_wagons.toml -n 20 --seed 7 --out studies/compare-json --quiet --json
    r sweep "$bin" sweep scenarios/baseline.toml --set pools.wagons_1435.units=800,1300 -n 20 --seed 7 --out studies/sweep --quiet
    r sweep-grid "$bin" sweep tests/fixtures/tiny.toml --set pools.narrow.units=20..40:10 --set mills.north.rate_t_per_day=200,400 -n 20 --seed 7 --out studies/grid --quiet
    r tornado "$bin" sweep tests/fixtures/tiny.toml --tornado 20 -n 20 --seed 7 --out studies/tornado --quiet
    r tornado-rounds "$bin" sweep tests/fixtures/tiny.toml --tornado 20 -n 400 --seed 7 --out studies/tornado-rounds --quiet
    r compare-select "$bin" compare scenarios/baseline.toml scenarios/more_wagons.toml scenarios/sarakhs_relief_tracks.toml --select destination --indifference 0.02 --max-replications 600 -n 100 --seed 7 --out studies/compare-select --quiet
    r plan "$bin" plan tests/fixtures/tiny.toml --target 0.8 --vary pools.narrow.units=5..40:5 -n 50 --max-replications 400 --seed 7 --out studies/plan --quiet
    r plan-handover "$bin" plan scenarios/baseline.toml --target 0.9 --at handover --vary pools.wagons_1435.units=600..1000:200 -n 20 --max-replications 80 --seed 7 --out studies/plan-handover --quiet
    for d in studies/compare studies/sweep studies/tornado; do
        r "plot-$(basename $d)" "$bin" plot "$d"
    done
    r explain "$bin" explain scenarios/baseline.toml
    r explain-tiny "$bin" explain tests/fixtures/tiny.toml --set pools.narrow.units=10
    r calibrate "$bin" calibrate scenarios/baseline.toml -n 20 --seed 7
    r calibrate-json "$bin" calibrate scenarios/baseline.toml -n 20 --seed 7 --json
    r schema-summary "$bin" schema summary
    r schema-scenario "$bin" schema scenario
    r init "$bin" init starter.toml
    for f in tests/fixtures/bad/*.toml tests/fixtures/variants/bad_variant.toml; do
        r "validate-$(basename "$f" .toml)" "$bin" validate "$f"
        r "run-bad-$(basename "$f" .toml)" "$bin" run "$f" -n 2 --out bad/x --quiet
    done
    r validate-all "$bin" validate scenarios/*.toml
    r bad-set "$bin" run tests/fixtures/tiny.toml --set pools.narow.units=3 --out bad/y --quiet
    r bad-shard "$bin" run tests/fixtures/tiny.toml --shard 3/2 --out bad/z --quiet
    # timings are recorded here by design
    find . -name run.json -delete
}

echo "== running the commands with $base"
(exercise "$old_bin" "$work/old")
echo "== running the commands with the working tree"
(exercise "$new_bin" "$work/new")

echo "== comparing"
if diff -r -q "$work/old" "$work/new"; then
    echo "identical: $(find "$work/new" -type f | wc -l) files"
else
    echo "outputs differ (first differences):"
    diff -r "$work/old" "$work/new" | head -60 || true
    exit 1
fi
