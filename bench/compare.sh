#!/usr/bin/env bash
# testpress beside Allure 3, xunit-viewer and junit2html on the same JUnit files, timed in one
# hyperfine run, with ratios. The tools are installed from npm and PyPI into bench/work/tools
# (ignored by git).
#
#   bench/compare.sh [RUNS] [TESTS]        (default: 100 runs x 1000 tests = 100,000 results)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
tests=${2:-1000}
work=$PWD/bench/work
tools=$work/tools
mkdir -p "$tools"
command -v hyperfine >/dev/null || { echo "compare: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
if [ ! -x "$tools/node_modules/.bin/allure" ] || [ ! -x "$tools/node_modules/.bin/xunit-viewer" ]; then
  npm install --prefix "$tools" --no-audit --no-fund --silent allure@3.18.0 xunit-viewer@10.6.1
fi
if [ ! -d "$tools/py/junit2htmlreport" ]; then
  pip install --quiet --target "$tools/py" junit2html==31.1.4
fi
cargo build --release --quiet --bins
data=$work/cmp-data-$runs-$tests
flat=$work/cmp-flat-$runs-$tests
if [ ! -d "$flat" ]; then
  rm -rf "$data"
  ./target/release/gen_bench "$data" --format junit --runs "$runs" --tests "$tests"
  mkdir -p "$flat"
  for d in "$data"/bench/*; do cp "$d/junit.xml" "$flat/$(basename "$d").xml"; done
fi
out=$work/cmp-out
rm -rf "$out" && mkdir -p "$out"
export PYTHONPATH=$tools/py
hyperfine --warmup 1 --runs 3 --export-markdown "$work/compare.md" --export-json "$work/compare.json" \
  -n testpress "./target/release/testpress build $data -o $out/testpress -q" \
  -n "allure 3.18" "$tools/node_modules/.bin/allure generate $flat --output $out/allure" \
  -n "xunit-viewer 10.6" "$tools/node_modules/.bin/xunit-viewer -r $flat -o $out/xunit-viewer.html" \
  -n "junit2html 31.1" "python3 -m junit2htmlreport --merge $out/merged.xml $flat/*.xml && python3 -m junit2htmlreport $out/merged.xml $out/junit2html.html"
python3 - "$work/compare.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
tp = r["testpress"]
for name, t in r.items():
    print(f"{name:20s} {t:8.2f} s   {t / tp:6.1f} x testpress")
PY
du -sh "$out"/* | sed "s|$out/||"
