#!/usr/bin/env python3
"""Generate src/report/map/outlines.json: simplified country outlines for the
report map of Iran, Turkmenistan, Uzbekistan and their neighbours.

Source: Natural Earth 1:50m Admin 0 countries (public domain), as packaged in
the npm package world-atlas (version pinned below, file countries-50m.json,
TopoJSON; the world-atlas packaging is under the ISC licence). The Caspian Sea
is water in Natural Earth admin-0, so it appears as the gap between countries.

What it does:
  1. `npm pack world-atlas@<pinned>` in a temporary directory and read
     package/countries-50m.json from the tarball (its SHA-256 is checked);
  2. decode the TopoJSON (quantized, delta-encoded arcs; negative arc index
     ~i means arc i reversed; arcs stitched into closed rings);
  3. keep the countries with a vertex inside lon 38..78 E, lat 20..50 N, and of
     those only the rings (outer rings and holes, as separate rings) with a
     vertex inside that box;
  4. simplify each ring with Douglas-Peucker (tolerance TOLERANCE degrees),
     round to 2 decimals, drop consecutive duplicates and rings under 4 points;
  5. write compact JSON sorted by name, one country per line, and run
     point-in-polygon self-checks (exit status 1 if any fails).

The output is deterministic: running the script twice gives the same file.

Run from the repository root (needs Python 3.11+ and npm):
    python3 scripts/outlines.py
or, with an already downloaded tarball:
    python3 scripts/outlines.py --tarball world-atlas-2.0.2.tgz
"""

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile

WORLD_ATLAS_VERSION = "2.0.2"
MEMBER = "package/countries-50m.json"
MEMBER_SHA256 = "04342cdc1e3016bcd7db1630de95684d67b79fe3c8c460321e87aef469502394"

BOX = (38.0, 20.0, 78.0, 50.0)  # lon_min, lat_min, lon_max, lat_max
TOLERANCE = 0.03  # degrees, Douglas-Peucker
DECIMALS = 2
MIN_POINTS = 4  # a closed ring needs at least 4 points (first == last)

SOURCE = (
    "Natural Earth 1:50m Admin 0 countries (public domain), via the npm "
    f"package world-atlas {WORLD_ATLAS_VERSION}; scripts/outlines.py"
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "src", "report", "map", "outlines.json")


# --------------------------------------------------------------------------
# Fetching


def load_topology(tarball=None):
    """Return the raw bytes of countries-50m.json from the pinned package."""
    if tarball is not None:
        data = read_member(tarball)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                ["npm", "pack", f"world-atlas@{WORLD_ATLAS_VERSION}", "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            )
            name = out.stdout.strip().splitlines()[-1]
            data = read_member(os.path.join(tmp, name))
    digest = hashlib.sha256(data).hexdigest()
    if digest != MEMBER_SHA256:
        sys.exit(f"{MEMBER}: SHA-256 {digest}, expected {MEMBER_SHA256}")
    return json.loads(data)


def read_member(path):
    with tarfile.open(path, "r:gz") as tar:
        f = tar.extractfile(MEMBER)
        if f is None:
            sys.exit(f"{path}: no {MEMBER}")
        return f.read()


# --------------------------------------------------------------------------
# TopoJSON decoding


def decode_arcs(topology):
    """Absolute lon/lat coordinates of every arc (undo quantization + deltas)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for p in arc:
            x += p[0]
            y += p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def stitch_ring(indices, arcs):
    """Join the arcs of one ring; ~i (negative) means arc i reversed."""
    ring = []
    for i in indices:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        # Consecutive arcs share their joint point: keep it only once.
        ring.extend(points if not ring else points[1:])
    return ring


def geometry_rings(geometry, arcs):
    """All rings (outer rings and holes alike) of a Polygon/MultiPolygon."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        polygons = geometry["arcs"]
    else:
        return []
    return [stitch_ring(ring, arcs) for polygon in polygons for ring in polygon]


# --------------------------------------------------------------------------
# Geometry


def in_box(point):
    lon, lat = point
    return BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]


def segment_distance(p, a, b):
    """Distance from p to the segment a-b (plain lon/lat degrees)."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(points, tolerance):
    """Simplify an open polyline, keeping both end points (iterative)."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[n - 1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = -1.0, -1
        for i in range(first + 1, last):
            d = segment_distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring, tolerance):
    """Douglas-Peucker on a closed ring: split it at the vertex farthest from
    the first one so that neither half has coincident end points."""
    if ring[0] != ring[-1]:
        ring = ring + [ring[0]]
    if len(ring) <= MIN_POINTS:
        return ring
    start = ring[0]
    far = max(
        range(1, len(ring) - 1),
        key=lambda i: (math.hypot(ring[i][0] - start[0], ring[i][1] - start[1]), -i),
    )
    a = douglas_peucker(ring[: far + 1], tolerance)
    b = douglas_peucker(ring[far:], tolerance)
    return a + b[1:]


def round_ring(ring):
    out = []
    for lon, lat in ring:
        p = (round(lon, DECIMALS) + 0.0, round(lat, DECIMALS) + 0.0)  # no -0.0
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def point_in_ring(point, ring):
    """Even-odd ray casting test."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y):
            if x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def point_in_country(point, rings):
    """Even-odd over all rings, so holes are handled."""
    return sum(point_in_ring(point, r) for r in rings) % 2 == 1


def distance_to_rings(point, rings):
    return min(
        segment_distance(point, a, b) for r in rings for a, b in zip(r, r[1:])
    )


# --------------------------------------------------------------------------
# Main


def build(topology, tolerance):
    arcs = decode_arcs(topology)
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = (geometry.get("properties") or {}).get("name")
        rings = [r for r in geometry_rings(geometry, arcs) if any(map(in_box, r))]
        if not name or not rings:
            continue
        simplified = []
        for ring in rings:
            ring = round_ring(simplify_ring(ring, tolerance))
            if len(ring) >= MIN_POINTS:
                simplified.append(ring)
        if simplified:
            countries.append({"name": name, "rings": simplified})
    countries.sort(key=lambda c: (c["name"], json.dumps(c["rings"])))
    return countries


def render(countries):
    def dumps(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    lines = ",\n".join(
        dumps({"name": c["name"], "rings": [[list(p) for p in r] for r in c["rings"]]})
        for c in countries
    )
    return '{"source":' + dumps(SOURCE) + ',"countries":[\n' + lines + "\n]}\n"


def self_check(countries):
    by_name = {}
    for c in countries:
        by_name.setdefault(c["name"], []).extend(c["rings"])
    ok = True

    def report(label, passed):
        nonlocal ok
        ok = ok and passed
        print(f"  [{'ok' if passed else 'FAIL'}] {label}")

    print("self-checks:")
    for label, point, name in [
        ("Mashhad (59.6 E, 36.3 N) in Iran", (59.6, 36.3), "Iran"),
        ("Ashgabat (58.4 E, 37.95 N) in Turkmenistan", (58.4, 37.95), "Turkmenistan"),
        ("Tashkent (69.28 E, 41.31 N) in Uzbekistan", (69.28, 41.31), "Uzbekistan"),
    ]:
        report(label, name in by_name and point_in_country(point, by_name[name]))
    caspian = (51.0, 42.0)
    holders = [c["name"] for c in countries if any(point_in_ring(caspian, r) for r in c["rings"])]
    report(
        "Caspian (51.0 E, 42.0 N) inside no ring" + (f" (in {holders})" if holders else ""),
        not holders,
    )
    if "Turkmenistan" in by_name:
        coast = (53.5, 38.5)
        d = distance_to_rings(coast, by_name["Turkmenistan"])
        inside = point_in_country(coast, by_name["Turkmenistan"])
        print(
            f"  [info] (53.5 E, 38.5 N) is {d:.2f} deg from the Turkmenistan outline"
            f" ({'inside' if inside else 'outside'})"
        )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", help="use this world-atlas .tgz instead of npm pack")
    parser.add_argument("--output", default=OUTPUT, help="output path")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = parser.parse_args()

    countries = build(load_topology(args.tarball), args.tolerance)
    text = render(countries)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

    points = sum(len(r) for c in countries for r in c["rings"])
    rings = sum(len(c["rings"]) for c in countries)
    print(f"wrote {os.path.relpath(args.output)}: {len(text.encode('utf-8'))} bytes")
    print(f"{len(countries)} countries, {rings} rings, {points} points")
    print("  " + ", ".join(c["name"] for c in countries))
    if not self_check(countries):
        sys.exit(1)


if __name__ == "__main__":
    main()
