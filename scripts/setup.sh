#!/usr/bin/env bash
# Installs what Elevate needs to build, run and test on Debian/Ubuntu, and only what is
# missing: a second run does nothing and takes about a second.
#   scripts/setup.sh system    Debian packages (apt-get as root, or through sudo)
set -euo pipefail

BUILD_PACKAGES=(
  build-essential pkg-config file libssl-dev libdbus-1-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev
)
# Headless desktop for the tests: X server, D-Bus session, keyring, WebDriver, tools.
TEST_PACKAGES=(
  xvfb xauth x11-utils xdotool imagemagick librsvg2-bin webkit2gtk-driver
  gnome-keyring libsecret-tools dbus dbus-x11 libnotify-bin at-spi2-core procps
  python3-venv
)

system() {
  local missing=()
  for pkg in "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "setup: these Debian packages are missing and I am not root (no sudo either):" >&2
      echo "  ${missing[*]}" >&2
      echo "setup: install them as root with: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

case "${1:-}" in
  system) system ;;
  *) echo "usage: $0 system" >&2; exit 2 ;;
esac
