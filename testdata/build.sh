#!/usr/bin/env bash
# Rebuild every image under testdata/ from testdata/images/*/Dockerfile, with the real Docker
# daemon that `bash .ci/test` starts, and regenerate the dive reference outputs.
# See testdata/README.md for what each file is. Needs: dockerd up, skopeo, busybox-static, dive.
set -euo pipefail
cd "$(dirname "$0")"

# Debian's dockerd is 20.10 (API 1.41): its own client /usr/bin/docker with the legacy builder.
# (A Docker 28 client also works: it negotiates API 1.41 down and falls back to the legacy builder
# with a deprecation notice; DOCKER_BUILDKIT=1 fails there because buildx is not installed.)
DOCKER=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=0 DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

for name in tiny classic; do
    cp /bin/busybox "images/$name/busybox"
done

# classic's /app: five files of 20-100 KB, pseudo-random but the same on every build.
rm -rf images/classic/app
python3 - <<'PY'
import os, random
rng = random.Random(20240601)
os.makedirs("images/classic/app/lib", exist_ok=True)
files = [("main.py", 20 * 1024 + 123), ("lib/util.py", 36 * 1024 + 7),
         ("lib/models.py", 52 * 1024), ("static.bin", 100 * 1024 - 1), ("data.json", 73 * 1024 + 500)]
for name, size in files:
    with open(os.path.join("images/classic/app", name), "wb") as f:
        f.write(rng.randbytes(size))
PY
chmod 644 images/classic/app/*.* images/classic/app/lib/*

for name in tiny classic; do
    "$DOCKER" build -q --no-cache -t "$name:latest" "images/$name"
    rm -f "$name.docker.tar"
    "$DOCKER" save "$name:latest" -o "$name.docker.tar"
    rm -rf "$name.oci"
    skopeo copy -q "docker-archive:$name.docker.tar" "oci:$name.oci:latest"
done

rm -rf classic.oci-zstd classic.oci-archive.tar
skopeo copy -q --dest-compress-format zstd docker-archive:classic.docker.tar oci:classic.oci-zstd:latest
skopeo copy -q docker-archive:classic.docker.tar oci-archive:classic.oci-archive.tar:latest
python3 make-docker25.py classic.docker.tar classic.docker25.tar
python3 make-multiarch.py tiny.oci multiarch.oci latest

# dive 0.13.1 references. dive reads CI=true from the environment, so unset it for --json.
for name in classic tiny classic.docker25; do
    case $name in *.docker25) archive=$name.tar ;; *) archive=$name.docker.tar ;; esac
    env -u CI dive --source docker-archive --json "$name.dive.json" "$archive" >/dev/null
    set +e
    CI=true dive --source docker-archive "$archive" </dev/null >"$name.dive-ci.raw" 2>&1
    echo $? >"$name.dive-ci.exit"
    set -e
    # Strip ANSI colour codes (dive 0.13.1 emits none when stdout is not a terminal).
    sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$name.dive-ci.raw" >"$name.dive-ci.txt"
    if ! cmp -s "$name.dive-ci.raw" "$name.dive-ci.txt"; then
        echo "note: dive emitted ANSI escapes in CI output for $archive" >&2
    fi
    rm -f "$name.dive-ci.raw"
done
