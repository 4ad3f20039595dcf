#!/usr/bin/env bash
# The testpress benchmark: times full builds, a rebuild after one new run, and `summary`,
# and records peak memory and output size, on generated histories of three sizes.
#
#   bench/run.sh [10k|100k|1m ...]      (default: 10k 100k 1m)
#
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time). Data and sites go
# to bench/work/ (ignored by git). Results: bench/work/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-10k 100k 1m}")
read -r -a sizes <<< "${sizes[*]}"
work=bench/work
mkdir -p "$work"
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine time)" >&2; exit 1; }
done
cargo build --release --quiet --bins
tp=$PWD/target/release/testpress
gen=$PWD/target/release/gen_bench
results=$work/results.md
{
  echo "# testpress benchmark"
  echo
  echo "$(nproc) cores, $(uname -m), testpress $($tp --version | cut -d' ' -f2); $(date -u +%Y-%m-%d)"
  echo
  echo "| data | runs x tests | input | full build | rebuild + 1 run | summary --run latest | peak memory | site | site / input | largest page |"
  echo "| - | - | -: | -: | -: | -: | -: | -: | -: | -: |"
} > "$results"

mean() { python3 -c "import json,sys; print('%.3f s' % json.load(open(sys.argv[1]))['results'][0]['mean'])" "$1"; }

for size in "${sizes[@]}"; do
  case $size in
    10k) runs=10; tests=1000 ;;
    100k) runs=100; tests=1000 ;;
    1m) runs=200; tests=5000 ;;
    *) echo "bench: unknown size $size" >&2; exit 2 ;;
  esac
  for format in junit; do
    data=$work/data-$format-$size
    site=$work/site-$format-$size
    [ -d "$data" ] || "$gen" "$data" --format "$format" --runs "$runs" --tests "$tests"
    # The newest run is held back for the incremental case.
    last=$(ls -d "$data"/bench/* | sort | tail -n 1)
    held=$work/held-$format-$size
    rm -rf "$held" && mkdir -p "$held"
    hyperfine --warmup 1 --runs 5 --export-json "$work/full.json" \
      "$tp build $data -o $site -q" >&2
    hyperfine --runs 5 --export-json "$work/incr.json" \
      --prepare "mv $last $held/ && $tp build $data -o $site -q && mv $held/$(basename "$last") $data/bench/" \
      "$tp build $data -o $site -q" >&2
    hyperfine --warmup 1 --runs 5 --export-json "$work/summary.json" \
      "$tp summary $data --run latest --format json -o $work/summary-out.json" >&2
    peak=$(/usr/bin/time -v "$tp" build "$data" -o "$site" -q 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2/1024}')
    in_b=$(du -sb "$data" | cut -f1)
    out_b=$(du -sb "$site" | cut -f1)
    largest=$(find "$site" -name '*.html' -printf '%s\n' | sort -n | tail -n 1)
    printf '| %s %s | %s x %s | %s MB | %s | %s | %s | %s | %s MB | %.1f | %s KB |\n' \
      "$format" "$size" "$runs" "$tests" "$((in_b / 1000000))" "$(mean "$work/full.json")" \
      "$(mean "$work/incr.json")" "$(mean "$work/summary.json")" "$peak" "$((out_b / 1000000))" \
      "$(python3 -c "print($out_b / $in_b)")" "$((largest / 1000))" >> "$results"
  done
done
echo >> "$results"
echo "Stage times of the last full build (--timings):" >> "$results"
"$tp" build "$data" -o "$site" -q --timings 2>> "$results"
cat "$results"
