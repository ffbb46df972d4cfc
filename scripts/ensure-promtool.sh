#!/usr/bin/env bash
# The metrics tests hand GET /api/metrics to Prometheus's own checker, `promtool check metrics`
# (Debian package prometheus, about 19 MB; --no-install-recommends keeps it to the binaries).
# Install it when missing and we can (root with apt-get); otherwise say what to do. Never fails
# the caller: the tests do that on CI, with a message naming what is missing.
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's prometheus (for promtool) for the metrics tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null) \
    || echo "warning: could not install prometheus; the promtool checks will fail on CI" >&2
else
  echo "warning: promtool is missing; install it (sudo apt-get install -y --no-install-recommends prometheus) for the metrics tests" >&2
fi
exit 0
