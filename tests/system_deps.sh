#!/usr/bin/env bash
# Install the Debian packages the test suite drives: Chromium for page tests, and
# Virtuoso (virtuoso-t, isql-vt) for the remote store tests in tests/remote/.
# Without root or apt-get, print what is missing; the tests that need it then skip.
# The tests start their own Virtuoso on 127.0.0.1 with a database in a temporary
# folder. NOTE: where no policy-rc.d forbids it (Docker images ship one that does), the
# package also starts Debian's own Virtuoso service on ports 1111 and 8890, which the
# tests do not use: stop it with `service virtuoso-opensource-7 stop`.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/virtuoso-t ] || missing+=(virtuoso-opensource)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "not root or no apt-get: ${missing[*]} not installed, the tests needing them will skip"
fi
exit 0
