#!/usr/bin/env bash
# Install the Debian packages the test suite drives: Chromium for page tests.
# Without root or apt-get, print what is missing; the tests that need it then skip.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "not root or no apt-get: ${missing[*]} not installed, the tests needing them will skip"
fi
exit 0
