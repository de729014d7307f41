#!/usr/bin/env bash
# Install the browser the dashboard's end-to-end tests drive (tests/test_web*.py): Debian's
# `chromium`, launched by Playwright for Python through executable_path=/usr/bin/chromium.
# Playwright's own browser download (`playwright install`) is never used: it cannot work here.
#
# Idempotent: does nothing when /usr/bin/chromium is there. Installs with apt-get only when
# running as root; otherwise says what to run. Never fails the caller: without the browser the
# browser tests skip with a message.
set -u

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "install-test-browser: $CHROMIUM present ($("$CHROMIUM" --version 2>/dev/null | head -n 1)), nothing to do"
    exit 0
fi

if [ "$(id -u)" != "0" ]; then
    echo "install-test-browser: $CHROMIUM missing and not root: run 'sudo apt-get install -y chromium'" \
         "(browser tests will be skipped)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-browser: $CHROMIUM missing and no apt-get here (browser tests will be skipped)"
    exit 0
fi

echo "install-test-browser: installing Debian package chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    echo "install-test-browser: installed $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
else
    echo "install-test-browser: apt-get could not install chromium (browser tests will be skipped)"
fi
exit 0
