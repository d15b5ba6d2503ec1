#!/usr/bin/env bash
# Make the real dependencies of the test suite available on this machine, where that is possible:
# PostgreSQL on 127.0.0.1:5432 (trust auth for the local test user) and Debian's Chromium.
# Without root or apt-get it only reports; the tests then skip (locally) or fail (under CI=true).
set -uo pipefail

have_root_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null 2>&1; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v chromium >/dev/null 2>&1; then
  if have_root_apt; then echo "installing chromium"; apt_install chromium || echo "chromium install failed"; fi
fi

if ! pg_ready; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && have_root_apt; then
    echo "installing postgresql"; apt_install postgresql || echo "postgresql install failed"
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # A test machine only: let the local test user in over loopback without a password.
    if [ -f "$hba" ] && ! grep -q "helpline-test" "$hba"; then
      sed -i "1i host all all 127.0.0.1/32 trust # helpline-test" "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    for _ in $(seq 1 20); do pg_ready && break; sleep 0.5; done
  fi
fi

pg_ready && echo "postgresql: ready" || echo "postgresql: NOT available"
command -v chromium >/dev/null 2>&1 && echo "chromium: $(command -v chromium)" || echo "chromium: NOT available"
exit 0
