#!/usr/bin/env bash
# The MQTT tests (packages/mqtt) start Debian's mosquitto broker themselves on a free loopback
# port with a temp config; they never use a system broker on 1883. Install the broker and
# mosquitto_passwd (and openssl, which makes the TLS test's certificate) when missing and we can
# (root with apt-get); otherwise say what to do.
# Never fails the caller: under CI the tests fail loudly when the broker is missing.
if [ -x /usr/sbin/mosquitto ] && command -v mosquitto_passwd >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's mosquitto and mosquitto-clients for the MQTT tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients openssl >/dev/null) \
    || echo "warning: could not install mosquitto; the MQTT tests will fail" >&2
else
  echo "warning: mosquitto is missing; install it (sudo apt-get install -y mosquitto mosquitto-clients openssl) for the MQTT tests" >&2
fi
exit 0
