#!/usr/bin/env bash
# The directory tests (packages/directory) start their own Debian slapd and radicale on a
# loopback port with a temporary database; they never use a system instance. Install the
# packages when missing and we can (root with apt-get), noninteractively; otherwise say what to
# do. Never fails the caller: under CI the tests fail with a message naming what is missing.
missing=()
[ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] || missing+=(slapd ldap-utils)
command -v radicale >/dev/null 2>&1 || [ -x /usr/bin/radicale ] || missing+=(radicale)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${missing[*]} for the directory tests…"
  # slapd's postinst asks for an admin password and starts a system slapd; neither is needed
  # (the tests run their own), so answer noninteractively and keep policy-rc.d from starting it.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  (apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null) ||
    echo "warning: could not install ${missing[*]}; the directory tests will fail under CI" >&2
  [ "$created_policy" = 1 ] && rm -f "$policy"
else
  echo "warning: ${missing[*]} missing; install them (sudo apt-get install -y slapd ldap-utils radicale) for the directory tests" >&2
fi
exit 0
