#!/usr/bin/env bash
# testpress beside Allure 3, xunit-viewer and junit2html on the same JUnit files: mean time in
# one hyperfine run (each build into an empty folder), ratio to testpress, output size, and peak
# memory (one /usr/bin/time -v run each). Installs what it needs when missing: hyperfine and
# GNU time with apt-get, the other tools from npm and PyPI into bench/work/tools (ignored by git).
#
#   bench/compare.sh [RUNS] [TESTS]        (default: 100 runs x 1000 tests = 100,000 results)
#
# Writes a markdown section to bench/work/compare-results.md and prints it. bench/run.sh calls
# this script and appends that section to bench/work/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
runs=${1:-100}
tests=${2:-1000}
[[ $runs =~ ^[1-9][0-9]*$ && $tests =~ ^[1-9][0-9]*$ ]] || die "usage: bench/compare.sh [RUNS] [TESTS]"
# Data and outputs in BENCH_WORK (bench/run.sh --work), the tools always in bench/work/tools.
work=${BENCH_WORK:-$PWD/bench/work}
tools=$PWD/bench/work/tools
mkdir -p "$work"
ensure_bench_tools
ensure_compare_tools "$tools"
# run.sh has built already.
[ "${BENCH_BUILT:-}" = 1 ] || cargo build --release --quiet --bins
tp=$PWD/target/release/testpress

data=$work/cmp-data-$runs-$tests
flat=$work/cmp-flat-$runs-$tests
if [ ! -d "$flat" ] || [ ! -d "$data" ]; then
  rm -rf "$data" "$flat" "$flat.tmp"
  ./target/release/gen_bench "$data" --format junit --runs "$runs" --tests "$tests" >&2
  mkdir -p "$flat.tmp"
  for d in "$data"/bench/*; do cp "$d/junit.xml" "$flat.tmp/$(basename "$d").xml"; done
  mv "$flat.tmp" "$flat"
fi
out=$work/cmp-out
scratch=$work/cmp-scratch
cache=$work/cmp-cache
rm -rf "$out" "$scratch" "$cache"
mkdir -p "$out" "$scratch"
export PYTHONPATH=$tools/py

# A later testpress may keep a build cache: give it one and delete it before each run, so every
# testpress build is a cold one, like the other tools' builds.
cache_arg=
if has_cache_dir "$tp"; then
  cache_arg=" --cache-dir $(q "$cache")"
fi
bin=$tools/node_modules/.bin
# One entry per tool: name, output (file or folder, measured with du -sb), command.
names=(testpress "allure 3.18" "xunit-viewer 10.6" "junit2html 31.1")
outputs=("$out/testpress" "$out/allure" "$out/xunit-viewer.html" "$out/junit2html.html")
cmds=(
  "$(q "$tp") build $(q "$data") -o $(q "${outputs[0]}") -q$cache_arg"
  "$(q "$bin/allure") generate $(q "$flat") --output $(q "${outputs[1]}")"
  "$(q "$bin/xunit-viewer") -r $(q "$flat") -o $(q "${outputs[2]}")"
  "python3 -m junit2htmlreport --merge $(q "$scratch/merged.xml") $(q "$flat")/*.xml && python3 -m junit2htmlreport $(q "$scratch/merged.xml") $(q "${outputs[3]}")"
)
prepares=(
  "rm -rf $(q "${outputs[0]}") $(q "$cache")"
  "rm -rf $(q "${outputs[1]}")"
  "rm -f $(q "${outputs[2]}")"
  "rm -f $(q "${outputs[3]}") $(q "$scratch/merged.xml")"
)
args=()
for i in "${!names[@]}"; do
  args+=(--prepare "${prepares[$i]}")
done
for i in "${!names[@]}"; do
  args+=(-n "${names[$i]}" "${cmds[$i]}")
done
hyperfine --shell=bash --warmup 1 --runs 3 --export-json "$work/compare.json" "${args[@]}" >&2

# Peak memory: one more run of each, under GNU time. For a tool that starts other processes
# this is the largest single process.
peaks=()
for i in "${!names[@]}"; do
  bash -c "${prepares[$i]}"
  /usr/bin/time -v -o "$work/cmp-time.txt" bash -c "${cmds[$i]}" >/dev/null 2>&1 ||
    die "${names[$i]} failed under /usr/bin/time: ${cmds[$i]}"
  peaks+=("$(peak_mib "$work/cmp-time.txt")")
done
sizes=()
for i in "${!names[@]}"; do
  sizes+=("$(mb "$(du -sb "${outputs[$i]}" | cut -f1)")")
done

in_b=$(du -sb "$flat" | cut -f1)
section=$work/compare-results.md
{
  echo "## Beside other tools"
  echo
  echo "The same $runs runs x $tests tests ($((runs * tests)) results, $(mb "$in_b") of JUnit XML), each"
  echo "tool building into an empty folder (hyperfine, 1 warmup + 3 runs; testpress cold$([ -n "$cache_arg" ] && echo ", cache deleted before each run")):"
  echo
  echo "| tool | mean time | ratio to testpress | output | peak memory |"
  echo "| - | -: | -: | -: | -: |"
  python3 - "$work/compare.json" "${sizes[@]}" "${peaks[@]}" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
n = len(results)
sizes, peaks = sys.argv[2:2 + n], sys.argv[2 + n:2 + 2 * n]
tp = results[0]["mean"]
for r, size, peak in zip(results, sizes, peaks):
    sd = r.get("stddev") or 0.0
    print(f"| {r['command']} | {r['mean']:.2f} ± {sd:.2f} s | {r['mean'] / tp:.1f} x | {size} | {peak} |")
PY
  echo
  echo "testpress reads the run folders (junit.xml + run.json); the others read the same junit.xml"
  echo "files copied flat into one folder. junit2html's time includes its --merge step; its"
  echo "output size is the HTML only. Peak memory is the largest single process (GNU time)."
} > "$section"
cat "$section"
