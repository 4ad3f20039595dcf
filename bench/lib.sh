# Helpers shared by bench/run.sh and bench/compare.sh (sourced, not run).
# shellcheck shell=bash

die() {
  echo "bench: $*" >&2
  exit 1
}

# Runs a command as root: directly when we are root, through sudo when it exists.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "bench: not root and no sudo, cannot run: $*" >&2
    return 1
  fi
}

# apt_install PKG...: installs Debian packages; updates the package lists once when the first
# try fails (a fresh machine has none).
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand, then run again"
  echo "bench: installing $* (apt-get install -y $*)" >&2
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2; then
    echo "bench: apt-get install failed; running apt-get update and trying again" >&2
    { as_root apt-get update -qq >&2 &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2; } ||
      die "could not install $* with apt-get: install it by hand (apt-get install -y $*), then run again"
  fi
}

# hyperfine, GNU time and python3 (which reads hyperfine's JSON).
ensure_bench_tools() {
  local missing=()
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  command -v hyperfine >/dev/null || die "hyperfine is still missing after installing it"
  /usr/bin/time -v true >/dev/null 2>&1 || die "/usr/bin/time is not GNU time (-v failed): apt-get install -y time"
  command -v cargo >/dev/null || die "cargo is missing: install Rust (https://rustup.rs), then run again"
}

# ensure_compare_tools DIR: Allure 3 and xunit-viewer from npm, junit2html from PyPI, into DIR.
ensure_compare_tools() {
  local tools=$1
  mkdir -p "$tools"
  if [ ! -x "$tools/node_modules/.bin/allure" ] || [ ! -x "$tools/node_modules/.bin/xunit-viewer" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    echo "bench: installing allure 3.18.0 and xunit-viewer 10.6.1 from npm into $tools" >&2
    npm install --prefix "$tools" --no-audit --no-fund --silent allure@3.18.0 xunit-viewer@10.6.1 >&2 ||
      die "npm install of allure@3.18.0 xunit-viewer@10.6.1 failed (see above)"
    if [ ! -x "$tools/node_modules/.bin/allure" ] || [ ! -x "$tools/node_modules/.bin/xunit-viewer" ]; then
      die "npm install ran but $tools/node_modules/.bin lacks allure or xunit-viewer"
    fi
  fi
  if [ ! -d "$tools/py/junit2htmlreport" ]; then
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    echo "bench: installing junit2html 31.1.4 from PyPI into $tools/py" >&2
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools/py" junit2html==31.1.4 >&2 ||
      die "pip install of junit2html==31.1.4 failed (see above)"
  fi
}

# Whether this testpress build has a build cache (`build --cache-dir`). The help is captured
# first: with pipefail, `--help | grep -q` could fail on SIGPIPE.
has_cache_dir() {
  local help
  help=$("$1" build --help)
  grep -q -- '--cache-dir' <<< "$help"
}

# q ARG: ARG quoted for the shell that hyperfine runs commands in (bash).
q() { printf '%q' "$1"; }

# median FILE: the median of the first hyperfine result in FILE, in seconds. (On a shared
# 2-core machine a run now and then takes twice as long; the median does not follow it.)
median() {
  python3 - "$1" <<'PY'
import json, sys
print("%.3f s" % json.load(open(sys.argv[1]))["results"][0]["median"])
PY
}

# share A.json B.json: hyperfine median of A as a percentage of B's.
share() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p))["results"][0]["median"] for p in sys.argv[1:3])
print(f"{100 * a / b:.0f} %")
PY
}

# peak_mib FILE: "Maximum resident set size" from a `/usr/bin/time -v -o FILE` report, in MiB.
peak_mib() {
  awk -F': ' '/Maximum resident/ {printf "%.0f MiB", $2 / 1024}' "$1"
}

# mb BYTES: decimal megabytes, one decimal.
mb() {
  awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'
}
