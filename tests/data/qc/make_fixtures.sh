#!/usr/bin/env bash
# Regenerate the qc fixtures with the real qc (qualitative-coding on PyPI), from the
# example study's own export. Not run by the tests (CI has no qc); the files it writes are.
#
#   python3 -m venv /tmp/qc-venv && /tmp/qc-venv/bin/pip install qualitative-coding==1.7.8
#   tests/data/qc/make_fixtures.sh /tmp/qc-venv/bin/qc
#
# qc 1.7.8 leaves a breakpoint() in its REFI-QDA reader: PYTHONBREAKPOINT=0 steps over it.
set -euo pipefail
QC=${1:?the qc executable}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cp -r "$ROOT/examples/peer-support" "$WORK/study"
rm -rf "$WORK/study/.gioia" "$WORK/study/report"
"$ROOT/.venv/bin/gioia" export "$WORK/study" --format qdpx --out "$WORK/gioia.qdpx"
mkdir "$WORK/qc" && cd "$WORK/qc"
PYTHONBREAKPOINT=0 "$QC" init --import "$WORK/gioia.qdpx" >/dev/null 2>&1
"$QC" codes stats --expanded --format tsv --outfile "$HERE/qc-code-counts.csv" >/dev/null
"$QC" export "$HERE/example-through-qc.qdpx" >/dev/null 2>&1
"$QC" version > "$HERE/qc-version.txt"
