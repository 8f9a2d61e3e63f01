#!/usr/bin/env bash
# The systemd unit as configured by CMake (build dir's systemd/reconcilerd.service):
# - `systemd-analyze verify` is clean. verify insists that ExecStart= names an existing
#   executable; the configured unit names the install location (/usr/sbin/reconcilerd), which
#   need not exist on a build machine, so a temporary copy has ExecStart= rewritten to the
#   binary just built (everything else byte for byte the same).
# - `systemd-analyze security --offline=true` rates its exposure at most 1.5.
# - LimitCORE=0 is set (memory holds secrets) and there is no ConfigurationDirectory=
#   (it would create /etc/reconcilerd root-owned 0750 when missing: unreadable by the daemon).
# Usage: unit_test.sh CONFIGURED_UNIT BUILT_DAEMON
# Exit 77 (CTest SKIP_RETURN_CODE) only when systemd-analyze is not installed.
set -euo pipefail

unit=${1:?usage: unit_test.sh CONFIGURED_UNIT BUILT_DAEMON}
daemon=${2:?usage: unit_test.sh CONFIGURED_UNIT BUILT_DAEMON}
max_exposure=1.5

if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze is not installed (Debian package systemd; scripts/install-deps)"
  exit 77
fi
[[ -f "$unit" ]] || { echo "FAIL: no configured unit at $unit"; exit 1; }
[[ -x "$daemon" ]] || { echo "FAIL: no built daemon at $daemon"; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

scratch=$(mktemp -d /tmp/reconcilerd-unit-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
copy="$scratch/reconcilerd.service"

# --- the unit's settings (comments excluded)
settings=$(grep -Ev '^[[:space:]]*([#;]|$)' "$unit")
if grep -qx 'LimitCORE=0' <<<"$settings"; then pass "LimitCORE=0"; else fail "LimitCORE=0 is missing"; fi
if grep -q '^ConfigurationDirectory' <<<"$settings"; then
  fail "the unit has $(grep '^ConfigurationDirectory' <<<"$settings" | head -1)"
else
  pass "no ConfigurationDirectory="
fi
execstart=$(grep '^ExecStart=' <<<"$settings" || true)
[[ $(grep -c . <<<"$execstart") -eq 1 ]] || fail "expected exactly one ExecStart=, got: $execstart"
installed_bin=$(sed -E 's/^ExecStart=[-@:+!]*([^ ]+).*/\1/' <<<"$execstart")
[[ "$(basename "$installed_bin")" == reconcilerd ]] || fail "ExecStart= runs $installed_bin, not reconcilerd"

# --- verify, on a copy whose ExecStart= runs the built binary
awk -v bin="$daemon" -v inst="$installed_bin" '
  /^ExecStart=/ { i = index($0, inst); if (i) $0 = substr($0, 1, i - 1) bin substr($0, i + length(inst)) }
  { print }' "$unit" >"$copy"
grep -q "^ExecStart=$daemon " "$copy" || fail "could not rewrite ExecStart= in the copy"
if verify_out=$(cd "$scratch" && systemd-analyze verify "$copy" 2>&1); then
  if grep -q 'reconcilerd' <<<"$verify_out"; then
    fail "systemd-analyze verify complains about the unit:"; echo "$verify_out"
  else
    pass "systemd-analyze verify is clean"
    [[ -z "$verify_out" ]] || { echo "  (notes about other units:)"; printf '  %s\n' "$verify_out"; }
  fi
else
  fail "systemd-analyze verify failed:"; echo "$verify_out"
fi

# --- exposure
security_out=$(cd "$scratch" && systemd-analyze security --offline=true --no-pager "$copy" 2>&1) || true
exposure=$(sed -nE 's/.*Overall exposure level for reconcilerd\.service: ([0-9]+\.[0-9]+).*/\1/p' <<<"$security_out")
if [[ -z "$exposure" ]]; then
  fail "no exposure level in the output of systemd-analyze security:"; echo "$security_out"
elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
  pass "exposure $exposure <= $max_exposure"
else
  fail "exposure $exposure > $max_exposure; the exposed settings:"
  grep '✗' <<<"$security_out" || true
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
