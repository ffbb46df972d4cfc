#!/usr/bin/env bash
# The web UI's browser tests drive Debian's Chromium (/usr/bin/chromium); a test tool's own
# browser download does not work on these machines. Install it when missing and we can (root
# with apt-get); otherwise say what to do. Never fails the caller: the browser tests do that,
# with a message naming what is missing.
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser tests will fail" >&2
else
  echo "warning: /usr/bin/chromium is missing; install it (sudo apt-get install -y chromium) for the browser tests" >&2
fi
exit 0
