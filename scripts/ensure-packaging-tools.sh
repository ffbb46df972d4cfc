#!/usr/bin/env bash
# tests/system/src/packaging.test.ts checks packaging/ with the tools that consume it:
# `systemd-analyze verify` (Debian package systemd) for the unit and `desktop-file-validate`
# (desktop-file-utils) for the tel:/callto: handler. Install what is missing when we can (root
# with apt-get); otherwise say what to do. Never fails the caller: the tests do that on CI.
missing=()
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v desktop-file-validate >/dev/null 2>&1 || missing+=(desktop-file-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the packaging tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) \
    || echo "warning: could not install ${missing[*]}; the packaging checks will fail on CI" >&2
else
  echo "warning: ${missing[*]} missing; install with: sudo apt-get install -y ${missing[*]}" >&2
fi
exit 0
