#!/bin/sh
# Installs the Debian packages kcnatrack needs to build and test, when any
# is missing. Needs root (or sudo) only when something must be installed.
set -eu
pkgs="build-essential cmake pkg-config libxml2-dev libcurl4-openssl-dev libpcre2-dev libsqlite3-dev sqlite3"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
