#!/usr/bin/env bash
# Installs every Debian tool and server the test suite starts (Chromium, promtool, systemd-analyze,
# slapd, radicale, mosquitto, nats-server, …) by running each scripts/ensure-*.sh in turn, so the
# one test command (`npm test`) works on a fresh machine. Each script is a no-op when its tool is
# already there and says what to do when it cannot install it; none of them stops the run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
for script in "$here"/ensure-*.sh; do
  [ "$(basename "$script")" = "ensure-tools.sh" ] && continue
  bash "$script" || echo "ensure-tools: $(basename "$script") could not install its tool; the tests that need it will say so" >&2
done
exit 0
