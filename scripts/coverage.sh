#!/usr/bin/env bash
# The coverage suite at full size (docs/validation.md, "Intervals that cover"): 5,000 runs of
# 1,000 replications of tests/fixtures/known.toml, of a variant and of one with an uncertain
# unloading speed (the control-variate intervals), each printing its 95 %
# intervals, checked against the closed-form truth. CI runs the same test with 200 runs.
#
#   scripts/coverage.sh [RUNS]      (default 5000; about twelve minutes in a release build)
#
# Prints the table of docs/validation.md; fails if a coverage lies outside its expected value
# +/- 3.29 standard errors, or outside 94-96 %.
set -euo pipefail
runs=${1:-5000}
cd "$(dirname "$0")/.."
STEELSIM_COVERAGE_MACRO=$runs cargo test --release --quiet --test it coverage -- --nocapture --test-threads=1 2>&1 \
  | grep -E '^\||variance removed'
