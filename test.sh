#!/usr/bin/env bash
# The one test command: sets up what the tests need on this machine, then runs
#   go test -race -count=1 -timeout 30m ./...
#
#   ./test.sh                                   every test
#   ./test.sh -run TestHealth ./server/...      extra arguments go to go test; when some
#                                               name packages (./x, ./x/...), only those
#                                               are tested
#   ./test.sh --install-only                    only the set-up below (.ci/run uses it
#                                               before its benchmarks)
#
# Set-up, in three steps:
#   1. install_packages: the Debian packages the tests need, when missing, with
#      apt-get (through sudo when not root). Never a downloaded browser.
#   2. install_npm: the npm packages of the browser benchmark (Lighthouse, in
#      test/browser/lighthouse), with npm ci at the lockfile's versions when missing.
#   3. start_services: services the tests talk to, started for this run and stopped
#      when it ends (none yet).
set -euo pipefail
cd "$(dirname "$0")"

die() { echo "test.sh: $*" >&2; exit 1; }

# - strace: the crash harness (test/crash) traces the server's fsyncs with it;
# - chromium: the phone app's tests (test/browser) drive it headless;
# - firefox-esr: the web push test with a real subscription (push_firefox_test.go): its
#   push service is a preference, so the test gives it a local one (Chromium's is always
#   Google's FCM, out of reach here);
# - nodejs, npm: Lighthouse, which the browser benchmark runs (lighthouse_bench_test.go);
# - poppler-utils: pdftotext reads the PDFs in their tests (the journal for the archive, the
#   printed signing list);
# VARDAG_CHROMIUM and VARDAG_FIREFOX name other browsers; the tests use them.
install_packages() {
  local missing=()
  command -v strace >/dev/null || missing+=(strace)
  [ -x "${VARDAG_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium fonts-dejavu-core)
  [ -x "${VARDAG_FIREFOX:-/usr/bin/firefox-esr}" ] || missing+=(firefox-esr)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0

  command -v apt-get >/dev/null ||
    die "the tests need ${missing[*]} (Debian package names) and there is no apt-get: install them by hand"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "the tests need ${missing[*]}: install them as root (apt-get install ${missing[*]})"
    sudo=(sudo)
  fi
  echo "== installing ${missing[*]}"
  local start=$SECONDS
  # Another apt (an upgrade, a parallel install) may hold the lock: wait for it.
  local wait=(-o DPkg::Lock::Timeout=600)
  "${sudo[@]}" apt-get "${wait[@]}" update -qq >/dev/null ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
  echo "   (took $((SECONDS - start)) s)"
}

# Lighthouse for the browser benchmark, at the lockfile's versions; it runs on Debian's
# chromium (CHROME_PATH), so no browser is downloaded (puppeteer-core downloads none).
install_npm() {
  local dir=test/browser/lighthouse
  [ -f "$dir/node_modules/lighthouse/cli/index.js" ] && return 0
  echo "== npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) ||
    die "npm ci in $dir failed"
}

# Services the tests talk to start here, each stopped by stop_services (on any exit),
# and their addresses are passed to the tests in the environment. None yet.
start_services() {
  trap stop_services EXIT
}
stop_services() {
  :
}

install_packages
install_npm
if [ "${1:-}" = --install-only ]; then
  [ $# -eq 1 ] || die "--install-only takes no other arguments"
  exit 0
fi
start_services

# The packages: ./... unless an argument names packages (a folder, or a pattern ending in /...).
packages=(./...)
for arg in "$@"; do
  case $arg in
    */...) packages=() ;;
    . | ./* | ../*) [ -d "$arg" ] && packages=() ;;
  esac
done

# Not exec: stop_services runs when go test ends.
# -timeout: the browser and end-to-end packages each take several minutes with -race on a
# two-core machine, more than go test's default of ten.
go test -race -count=1 -timeout 30m "$@" "${packages[@]}"
