#!/bin/sh
# Writes the GNU tar sparse fixtures: one 3 MiB sparse file (data at 0, 1 MiB and the end)
# and a following app/.env, archived by GNU tar in the old GNU format (type 'S') and in the
# PAX sparse formats 0.0, 0.1 and 1.0. Run from this directory; commit the .tar files.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app"
f="$work/app/disk.img"
truncate -s 3M "$f"
printf 'head of the file' | dd of="$f" conv=notrunc status=none
printf 'middle' | dd of="$f" bs=1 seek=1048576 conv=notrunc status=none
printf 'tail' | dd of="$f" bs=1 seek=3145724 conv=notrunc status=none
printf 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' > "$work/app/.env"
opts="--sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 --blocking-factor=1 -C $work"
tar --format=gnu --sparse $opts -cf gnu-sparse.tar app/disk.img app/.env
for v in 0.0 0.1 1.0; do
  tar --format=pax --sparse --sparse-version=$v --pax-option=delete=atime,delete=ctime $opts \
    -cf pax-sparse-$v.tar app/disk.img app/.env
done
