#!/usr/bin/env python3
"""Regenerates README's example outputs from the commands README shows.

Usage: scripts/refresh-readme.py [path/to/steelsim]   (default: target/release/steelsim)

It rewrites three text blocks: the main command's summary (after "The run prints a summary like
this"), the Incoterm comparison's contract rows (after "Its rows under the contract") and the
re-planning example's lines (after "the plan beside the new answer"); the excerpt of a
status file in docs/status.md. (The pictures README shows, the timeline of replication 253
among them, are made by scripts/screenshots.sh.) The
prose around them quotes some of their numbers: tests/it/readme.rs checks those and says
what to change. Run `cargo build --release` first.
"""

import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


def run(binary, args):
    out = subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def replace_block(text, after, block):
    start = text.index(after)
    begin = text.index("```text\n", start) + len("```text\n")
    end = text.index("\n```", begin)
    return text[:begin] + block + text[end:]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/steelsim")
    readme = open(README, encoding="utf-8").read()
    with tempfile.TemporaryDirectory() as tmp:
        printed = run(binary, ["run", "scenarios/baseline.toml", "--seed", "7", "--out", f"{tmp}/b"])
        # All but the last line (timings and the folder) and the blank line before it.
        summary = "\n".join(printed.rstrip("\n").split("\n")[:-2])
        readme = replace_block(readme, "The run prints a summary like this", summary)

        section = readme.split("### Which Incoterm to sign?")[1]
        command = re.search(r"```sh\ncargo run --release -- (.*)\n", section).group(1).split(" ")
        printed = run(binary, [*command, "--out", f"{tmp}/c", "-q"] if "-q" not in command else command)
        rows = [
            line
            for line in printed.split("\n")
            if line.endswith(" minus baseline") or line.startswith("  point ") or line.startswith("  contract ")
        ]
        readme = replace_block(readme, "Its rows under the contract", "\n".join(rows))

        section = readme.split("### Re-planning an order in flight")[1]
        commands = re.findall(r"cargo run --release -- (.*)\n", section.split("```sh\n")[1].split("```")[0])
        # As a user would: from the repository, into output/ (which git ignores).
        for c in commands:
            printed = run(binary, c.split(" "))
        lines = printed.split("\n")
        first = next(i for i, line in enumerate(lines) if line.startswith("Started from the shipment status"))
        last = lines.index("", first)
        readme = replace_block(readme, "the plan beside the new answer", "\n".join(lines[first:last]))
        status = open(os.path.join(ROOT, "output/day35/status.csv"), encoding="utf-8").read().split("\n")
        kinds = ["delivered", "in_service", "queued", "departed", "in_yard", "producing", "to_produce"]
        kinds += ["carriers_away", "background"]
        excerpt = [status[0]] + [next(l for l in status if f",{k}," in l) for k in kinds if any(f",{k}," in l for l in status)]
        doc_path = os.path.join(ROOT, "docs/status.md")
        doc = open(doc_path, encoding="utf-8").read()
        open(doc_path, "w", encoding="utf-8").write(replace_block(doc, "writes:", "\n".join(excerpt)))
    open(README, "w", encoding="utf-8").write(readme)
    print("README.md refreshed; now run `cargo test --test it readme` for the prose around the blocks")


if __name__ == "__main__":
    main()
