#!/usr/bin/env bash
# Makes the two base images the examples build on, without Docker Hub:
#   layerlens-example/debian:bookworm       debootstrap --variant=minbase, imported as one layer
#   layerlens-example/debian:bookworm-slim  the same root filesystem "slimified" the way Debian's
#                                           official -slim images are (debuerreotype-slimify)
# Needs root, debootstrap (apt-get install debootstrap), a Docker daemon, and network access to the
# Debian archive. Idempotent: an image that already exists is left alone (FORCE=1 remakes both).
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
FULL=layerlens-example/debian:bookworm
SLIM=layerlens-example/debian:bookworm-slim

have() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

if [ "${FORCE:-0}" != 1 ] && have "$FULL" && have "$SLIM"; then
  echo "make-bases: $FULL and $SLIM exist; nothing to do (FORCE=1 remakes them)"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "make-bases: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "make-bases: install debootstrap first (apt-get install debootstrap)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/layerlens-bases.XXXXXX)
cleanup() {
  # debootstrap may leave /proc or /sys mounted in the target when it fails half-way
  for m in proc sys dev/pts; do
    for d in "$work/rootfs" "$work/slim"; do
      mountpoint -q "$d/$m" 2>/dev/null && umount -l "$d/$m" || true
    done
  done
  rm -rf "$work"
}
trap cleanup EXIT

rootfs=$work/rootfs
echo "make-bases: debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" > "$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

# The apt sources an official image has (updates and security included), in deb822 form.
rm -f "$rootfs/etc/apt/sources.list"
cat > "$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# What debuerreotype-fixup removes: logs of the bootstrap itself and ldconfig's cache.
rm -f "$rootfs/var/log/dpkg.log" "$rootfs/var/log/bootstrap.log" \
      "$rootfs/var/log/alternatives.log" "$rootfs/var/cache/ldconfig/aux-cache"
rm -rf "$rootfs/debootstrap"
# Extra CA certificates (EXTRA_CA_CERTS: files; by default the host's own
# /usr/local/share/ca-certificates/*.crt). Where the host reaches PyPI and npm through a
# TLS-inspecting proxy, images need its CA too: the file waits in the base, and the
# ca-certificates package adds it to /etc/ssl/certs when a Dockerfile installs it (python3-pip and
# npm depend on ca-certificates), exactly as on the host. Set EXTRA_CA_CERTS= (empty) for none.
extra_certs=${EXTRA_CA_CERTS-$(ls /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)}
if [ -n "$extra_certs" ]; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  for crt in $extra_certs; do
    install -m 0644 "$crt" "$rootfs/usr/local/share/ca-certificates/$(basename "$crt")"
    echo "make-bases: extra CA certificate $(basename "$crt")"
  done
fi

# Note: debuerreotype-minimizing-config (apt "docker-clean" hooks, gzipped indexes, no
# translations) is deliberately NOT applied: these bases behave like a plain Debian system, so
# a Dockerfile that does not clean up keeps its /var/cache/apt/archives/*.deb and lists.

# Import one root filesystem as a single-layer image. /proc, /sys, /dev contents and the apt
# caches stay out of the tarball, as in debuerreotype-tar.
import_rootfs() {
  local dir=$1 tag=$2
  tar -C "$dir" --numeric-owner --xattrs --sort=name \
      --exclude=./proc/'*' --exclude=./sys/'*' --exclude=./dev/'*' \
      --exclude=./var/cache/apt/'*' --exclude=./var/lib/apt/lists/'*' \
      -c . \
    | "$DOCKER" import --change 'CMD ["bash"]' \
        --message "layerlens example base: debootstrap --variant=minbase $SUITE ($tag)" - "$tag"
  echo "make-bases: $tag $("$DOCKER" image inspect -f '{{.Size}}' "$tag") bytes"
}

# ---- slim: debuerreotype-slimify, on a copy ----
slim=$work/slim
cp -a "$rootfs" "$slim"
slim_excludes=(
  '/usr/share/doc/*'
  '/usr/share/groff/*'
  '/usr/share/info/*'
  '/usr/share/linda/*'
  '/usr/share/lintian/overrides/*'
  '/usr/share/locale/*'
  '/usr/share/man/*'
)
slim_includes=(
  '/usr/share/doc/*/copyright'
  '/usr/share/doc/kde/HTML/C/*'
  '/usr/share/gnome/help/*/C/*'
  '/usr/share/locale/all_languages'
  '/usr/share/locale/currency/*'
  '/usr/share/locale/l10n/*'
  '/usr/share/locale/languages'
  '/usr/share/locale/locale.alias'
  '/usr/share/omf/*/*-C.emf'
)
cfg=$slim/etc/dpkg/dpkg.cfg.d/docker
{
  echo '# This is the "slim" variant of the Debian base image.'
  echo '# Many files which are normally unnecessary in containers are excluded,'
  echo '# and this configuration file keeps them that way.'
} > "$cfg"
include_expr=()
for inc in "${slim_includes[@]}"; do
  [ ${#include_expr[@]} -eq 0 ] || include_expr+=(-o)
  include_expr+=(-path "$inc")
done
for exc in "${slim_excludes[@]}"; do
  {
    echo
    echo "# dpkg -S '$exc'"
    # the packages that ship files there; for a pattern no package ships (linda, groff in
    # minbase) dpkg's message itself, as debuerreotype writes it
    if out=$(chroot "$slim" dpkg -S "$exc" 2>&1); then
      echo "$out" | sed 's/: .*//; s/, /\n/g' | sort -u | xargs
    else
      echo "$out"
    fi | fold -w 76 -s | sed 's/^/#  /'
    echo "path-exclude $exc"
  } >> "$cfg"
  parent=$(dirname "$exc")
  [ -d "$slim$parent" ] || continue
  # Pass 1: delete every file that no include pattern keeps (directories and symlinks stay).
  chroot "$slim" find "$parent" -depth -mindepth 1 \
    -not \( "${include_expr[@]}" \) -not \( -type d -o -type l \) -exec rm -f '{}' +
  # Pass 2: delete dangling symlinks and empty directories until there are none.
  while [ "$(chroot "$slim" find "$parent" -depth -mindepth 1 \( -empty -o -xtype l \) \
              -exec rm -rf '{}' ';' -printf . | wc -c)" -gt 0 ]; do :; done
done
{
  echo
  for inc in "${slim_includes[@]}"; do echo "path-include $inc"; done
} >> "$cfg"
chmod 0644 "$cfg"

import_rootfs "$rootfs" "$FULL"
import_rootfs "$slim" "$SLIM"
