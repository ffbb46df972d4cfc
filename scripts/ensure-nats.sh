#!/usr/bin/env bash
# Cluster mode's tests (packages/cluster-nats, tests/cluster) start Debian's nats-server
# themselves on free loopback ports; they never use a system server. Install it when missing and
# we can (root with apt-get); otherwise say what to do. The default mode never needs it.
# Never fails the caller: under CI the cluster tests fail loudly when the binary is missing.
if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's nats-server for the cluster-mode tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null) \
    || echo "warning: could not install nats-server; the cluster tests will fail" >&2
else
  echo "warning: nats-server is missing; install it (sudo apt-get install -y nats-server) for the cluster tests" >&2
fi
exit 0
