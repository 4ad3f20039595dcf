#!/usr/bin/env bash
# The testpress benchmark, in one command from a clean clone:
#
#   bench/run.sh [10k|100k|1m|runs20k ...] [--no-compare] [--work DIR]    (default: 10k 100k 1m)
#
# 1. Installs what is missing: hyperfine and GNU time (apt-get, with sudo when not root), and
#    for the comparison Allure 3, xunit-viewer (npm) and junit2html (PyPI) into bench/work/tools.
# 2. For each size, on generated JUnit histories: a cold full build into an empty folder, a
#    rebuild with nothing changed, a rebuild after one new run, `summary`, peak memory and stage
#    times of a cold full build, site size and largest page.
# 3. Unless --no-compare: bench/compare.sh on 100 runs x 1000 tests (testpress beside the other
#    tools: time, ratio, output size, peak memory).
#
# Data, sites and caches go to bench/work/ (ignored by git), or to DIR with --work (e.g. a
# tmpfs such as /dev/shm/testpress-bench: a disk folder where thousands of files were just
# deleted can make creating files ten times slower, which then swamps what is measured).
# The comparison tools stay in bench/work/tools. Results, as markdown ready for the guide:
# bench/work/results.md, printed at the end. Sizes: 10k = 10 runs x 1000 tests, 100k = 100 x
# 1000, 1m = 200 x 5000; runs20k (not in the default set) = 20000 runs x 10 tests, for what
# grows with the number of runs of a testbed.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

usage() { echo "usage: bench/run.sh [10k|100k|1m|runs20k ...] [--no-compare] [--work DIR]   (default: 10k 100k 1m)" >&2; }
compare=1
sizes=()
work=$PWD/bench/work
while [ $# -gt 0 ]; do
  case $1 in
    --no-compare) compare=0 ;;
    --work)
      [ $# -ge 2 ] || { usage; die "--work needs a folder"; }
      work=$(mkdir -p "$2" && cd "$2" && pwd)
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    10k | 100k | 1m | runs20k) sizes+=("$1") ;;
    *) usage; die "unknown argument: $1" ;;
  esac
  shift
done
export BENCH_WORK=$work
[ ${#sizes[@]} -gt 0 ] || sizes=(10k 100k 1m)

ensure_bench_tools
# Before the long measurements, so that a failed install stops the run early.
[ "$compare" = 0 ] || ensure_compare_tools "$PWD/bench/work/tools"

cargo build --release --quiet --bins
tp=$PWD/target/release/testpress
gen=$PWD/target/release/gen_bench
json=$work/json
mkdir -p "$json" "$PWD/bench/work"
results=$PWD/bench/work/results.md
if has_cache_dir "$tp"; then cache=1; else cache=0; fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
{
  echo "# testpress benchmark"
  echo
  echo "- Machine: $(nproc) cores (nproc), ${cpu:-unknown CPU}, $(uname -m), $mem memory, Linux $(uname -r)"
  echo "- testpress $("$tp" --version | cut -d' ' -f2) (commit $commit), $(hyperfine --version)"
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M') UTC"
  if [ "$cache" = 1 ]; then
    echo "- Build cache: \`--cache-dir\` used; deleted before each full build, so the full build is a cold one"
  else
    echo "- Build cache: none (this testpress has no \`build --cache-dir\`)"
  fi
  echo
  echo "Times are hyperfine medians of 10 runs (1m, runs20k: 3 runs). Full build: into an empty folder."
  echo "Rebuild, nothing changed: the same build again over the existing site. Rebuild + 1 run: the"
  echo "site is built without the newest run, then the timed build adds it. Peak memory: one cold"
  echo "full build under GNU time."
  echo
  echo "| data | runs x tests | input | full build | rebuild, nothing changed | rebuild + 1 run | + 1 run / full | summary --run latest | peak memory | site | site / input | largest page |"
  echo "| - | - | -: | -: | -: | -: | -: | -: | -: | -: | -: | -: |"
} > "$results"
timings=()

# ensure_data FORMAT DIR RUNS TESTS: generated data in DIR, made once.
ensure_data() {
  if [ ! -d "$2" ]; then
    echo "bench: generating $1 data ($3 runs x $4 tests) in $2" >&2
    rm -rf "$2.tmp"
    "$gen" "$2.tmp" --format "$1" --runs "$3" --tests "$4" >&2
    mv "$2.tmp" "$2"
  fi
}

dims() {
  case $1 in
    10k) runs=10; tests=1000; n=10 ;;
    100k) runs=100; tests=1000; n=10 ;;
    1m) runs=200; tests=5000; n=3 ;;
    runs20k) runs=20000; tests=10; n=3 ;;
  esac
}

for size in "${sizes[@]}"; do
  dims "$size"
  format=junit
  data=$work/data-$format-$size
  site=$work/site-$format-$size
  held=$work/held-$format-$size
  cachedir=$work/cache-$size
  # A run held back by an interrupted earlier benchmark goes back first.
  if [ -d "$data/bench" ]; then
    for d in "$held"/*; do mv "$d" "$data/bench/"; done
  fi
  ensure_data "$format" "$data" "$runs" "$tests"
  run_dirs=("$data"/bench/*)
  [ ${#run_dirs[@]} -ge 2 ] || die "$data/bench has fewer than 2 runs; delete $data and run again"
  # The newest run (the glob is sorted) is held back for the incremental case.
  last=${run_dirs[${#run_dirs[@]} - 1]}
  rm -rf "$held" && mkdir -p "$held"

  build="$(q "$tp") build $(q "$data") -o $(q "$site") -q"
  clean="rm -rf $(q "$site")"
  cache_args=()
  if [ "$cache" = 1 ]; then
    build+=" --cache-dir $(q "$cachedir")"
    clean+=" $(q "$cachedir")"
    cache_args=(--cache-dir "$cachedir")
  fi
  echo "bench: $size: full build" >&2
  hyperfine --shell=bash --warmup 1 --runs "$n" --export-json "$json/full-$size.json" \
    --prepare "$clean" "$build" >&2
  echo "bench: $size: rebuild, nothing changed" >&2
  hyperfine --shell=bash --warmup 1 --runs "$n" --export-json "$json/same-$size.json" \
    "$build" >&2
  echo "bench: $size: rebuild + 1 run" >&2
  hyperfine --shell=bash --runs "$n" --export-json "$json/incr-$size.json" \
    --prepare "mv $(q "$last") $(q "$held/") && $build && mv $(q "$held/$(basename "$last")") $(q "$data/bench/")" \
    "$build" >&2
  echo "bench: $size: summary" >&2
  hyperfine --shell=bash --warmup 1 --runs "$n" --export-json "$json/summary-$size.json" \
    "$(q "$tp") summary $(q "$data") --run latest --format json -o $(q "$work/summary-out.json")${cache_args[*]:+ --cache-dir $(q "$cachedir")}" >&2
  echo "bench: $size: peak memory (cold full build)" >&2
  rm -rf "$site" "$cachedir"
  /usr/bin/time -v -o "$work/time-$size.txt" \
    "$tp" build "$data" -o "$site" -q --timings "${cache_args[@]}" 2> "$work/timings-$size.txt"
  timings+=("- $format $size: $(sed -n 's/^timings: //p' "$work/timings-$size.txt")")

  in_b=$(du -sb "$data" | cut -f1)
  out_b=$(du -sb "$site" | cut -f1)
  largest=$(find "$site" -name '*.html' -printf '%s\n' | sort -n | tail -n 1)
  printf '| %s %s | %s x %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s KB |\n' \
    "$format" "$size" "$runs" "$tests" "$(mb "$in_b")" "$(median "$json/full-$size.json")" \
    "$(median "$json/same-$size.json")" "$(median "$json/incr-$size.json")" \
    "$(share "$json/incr-$size.json" "$json/full-$size.json")" \
    "$(median "$json/summary-$size.json")" "$(peak_mib "$work/time-$size.txt")" "$(mb "$out_b")" \
    "$(awk -v o="$out_b" -v i="$in_b" 'BEGIN {printf "%.1f", o / i}')" "$((largest / 1000))" >> "$results"
done
{
  echo
  echo "Stage times of the cold full build (--timings):"
  echo
  printf '%s\n' "${timings[@]}"
} >> "$results"

# The other input formats, for size: one cold full build each (medians of 3). What testpress
# writes (pages, reports, summary.json, the stylesheet) apart from the files it copies from
# the run folders (Octoprobe's and MicroPython's files, run.json, logs).
{
  echo
  echo "Site size by input format (one cold full build each, the median of 3 runs):"
  echo
  echo "| data | runs x tests | input | full build | site | site / input | written / input | copied / input | largest page |"
  echo "| - | - | -: | -: | -: | -: | -: | -: | -: |"
} >> "$results"
for format in octoprobe reportlog; do
  for size in "${sizes[@]}"; do
    case $size in 1m | runs20k) continue ;; esac
    dims "$size"
    data=$work/data-$format-$size
    site=$work/site-$format-$size
    ensure_data "$format" "$data" "$runs" "$tests"
    echo "bench: $format $size: full build" >&2
    hyperfine --shell=bash --runs 3 --export-json "$json/full-$format-$size.json" \
      --prepare "rm -rf $(q "$site")" "$(q "$tp") build $(q "$data") -o $(q "$site") -q --no-cache" >&2
    in_b=$(du -sb "$data" | cut -f1)
    out_b=$(du -sb "$site" | cut -f1)
    written=$(find "$site" -type f \( -name '*.html' -o -name '*.md' -o -name summary.json -o -path '*/static/*' \) \
      -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    files=$(find "$site" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    largest=$(find "$site" -name '*.html' -printf '%s\n' | sort -n | tail -n 1)
    printf '| %s %s | %s x %s | %s | %s | %s | %s | %s | %s | %s KB |\n' \
      "$format" "$size" "$runs" "$tests" "$(mb "$in_b")" "$(median "$json/full-$format-$size.json")" \
      "$(mb "$out_b")" \
      "$(awk -v o="$out_b" -v i="$in_b" 'BEGIN {printf "%.1f", o / i}')" \
      "$(awk -v o="$written" -v i="$in_b" 'BEGIN {printf "%.1f", o / i}')" \
      "$(awk -v f="$files" -v w="$written" -v i="$in_b" 'BEGIN {printf "%.1f", (f - w) / i}')" \
      "$((largest / 1000))" >> "$results"
  done
done

status=0
if [ "$compare" = 1 ]; then
  echo "bench: comparison with other tools (bench/compare.sh 100 1000)" >&2
  if BENCH_BUILT=1 bash bench/compare.sh 100 1000 > /dev/null; then
    { echo; cat "$work/compare-results.md"; } >> "$results"
  else
    status=1
    { echo; echo "The comparison (bench/compare.sh 100 1000) failed; see its output."; } >> "$results"
  fi
fi
echo >&2
cat "$results"
exit "$status"
