# SPDX-License-Identifier: MIT
# Sourced by chroot-test and piuparts-test: sets $mirror, $security and
# $base, the tar of a debootstrapped Debian 12 minbase (plus systemd and
# bash-completion), made once and kept in $KMSDNS_TEST_CACHE (default
# /var/cache/kmsdns-test) with the .debs apt fetched ($cache/archives).
cache=${KMSDNS_TEST_CACHE:-/var/cache/kmsdns-test}
suite=bookworm
include=systemd,bash-completion
base="$cache/$suite-minbase-${include//,/-}.tar"
mkdir -p "$cache/archives"

# The mirror of this machine's apt sources (deb822 or one-line style).
mirror_of() { # mirror_of SUITE
  local m=""
  m=$(awk -v s="$1" '/^URIs:/ {u = $2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == s) {print u; exit}}' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1) || true
  [ -n "$m" ] || m=$(awk -v s="$1" '$1 == "deb" && $3 == s {print $2; exit}' /etc/apt/sources.list 2>/dev/null) || true
  echo "$m"
}
mirror=${KMSDNS_TEST_MIRROR:-$(mirror_of $suite)}
mirror=${mirror:-http://deb.debian.org/debian}
security=$(mirror_of $suite-security)
security=${security:-http://deb.debian.org/debian-security}

if [ ! -s "$base" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -q --no-install-recommends debootstrap
  echo "base.sh: debootstrap $suite from $mirror (once; cached as $base)"
  tmpbase=$(mktemp -d /var/tmp/kmsdns-debootstrap.XXXXXX)
  debootstrap --variant=minbase --include="$include" "$suite" "$tmpbase" "$mirror" \
    >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$tmpbase"; exit 1; }
  rm -f "$tmpbase"/var/cache/apt/archives/*.deb
  tar -C "$tmpbase" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$tmpbase"
fi

