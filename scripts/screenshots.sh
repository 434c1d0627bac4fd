#!/usr/bin/env bash
# Regenerates the screenshots in docs/img/ that README shows: pages steelsim writes, opened in
# headless Chromium at 1280 px wide, as a planner would see them.
#
#   scripts/screenshots.sh        (needs Debian's chromium: apt-get install chromium)
#
# - docs/img/report.png          the baseline's report.html (1,000 replications, seed 7), first screen
# - docs/img/compare-report.png  compare's report.html: the Sarakhs relief tracks against the backlog
# - docs/img/timeline-page.png   the timeline of replication 253 of the baseline, as a browser shows it
# - docs/img/map-page.png        the baseline's network map (figures/map.svg), as a browser shows it
# - docs/img/serve.png           `steelsim serve`'s page: a fourth interchange gang at Sarakhs (seed 7)
# and copies two of the baseline's figures as steelsim draws them: docs/img/completion.png and
# docs/img/tonnes.png.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium found: apt-get install chromium" >&2; exit 2; }
cargo build --release --quiet
bin="$repo/target/release/steelsim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" run scenarios/baseline.toml -n 1000 --seed 7 --out "$work/baseline" --quiet
"$bin" compare scenarios/sarakhs_backlog.toml scenarios/sarakhs_relief_tracks.toml -n 1000 --seed 7 \
    --out "$work/compare" --quiet >/dev/null
"$bin" trace "$work/baseline" 253 --out "$work/trace" >/dev/null

# The flags keep Chromium off the network (this machine has none) and out of the user's profile.
shot() { # PAGE HEIGHT OUT
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --window-size="1280,$2" --screenshot="$3" "file://$1" 2>/dev/null
    echo "wrote $3"
}
cp "$work/baseline/figures/completion.png" "$work/baseline/figures/tonnes.png" docs/img/
shot "$work/baseline/report.html" 1500 docs/img/report.png
shot "$work/compare/report.html" 1500 docs/img/compare-report.png
# The timeline and the map are figures, not pages: shown inline, fitted to the width, with the
# font the reports carry (an SVG opened on its own falls back to the system's sans-serif).
page() { # SVG OUT
    {
        printf '<!DOCTYPE html><html><head><meta charset="utf-8">'
        grep -o "<style>@font-face[^<]*</style>" "$work/baseline/report.html"
        printf '<style>body{margin:0}svg{width:100%%;height:auto}</style></head><body>'
        sed -n '/<svg/,$p' "$1"
        printf '</body></html>'
    } >"$2"
}
page "$work/trace/timeline.svg" "$work/trace/page.html"
shot "$work/trace/page.html" 800 docs/img/timeline-page.png
page "$work/baseline/figures/map.svg" "$work/map.html"
shot "$work/map.html" 800 docs/img/map-page.png
# The what-if page, served on a free port and photographed once its run has answered (the
# virtual time budget lets the page's request finish before the picture).
"$bin" serve scenarios/baseline.toml --port 0 >"$work/serve.out" 2>/dev/null &
server=$!
for _ in $(seq 50); do grep -q http "$work/serve.out" 2>/dev/null && break; sleep 0.2; done
url=$(grep -o 'http://[^ ]*' "$work/serve.out")
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1280,1000 --virtual-time-budget=30000 \
    --screenshot=docs/img/serve.png "${url}#n=1000&seed=7&set.nodes.sarakhs.stages%5B0%5D.capacity=4" 2>/dev/null
kill "$server"
echo "wrote docs/img/serve.png"
