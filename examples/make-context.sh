#!/usr/bin/env bash
# make-context.sh python|node DEST
#
# Copies examples/<name>-service to DEST and adds the junk a real working copy has, which the
# naive Dockerfile then copies into its image: a git repository, an .env with a (fake) key,
# editor and CI folders, compiled Python files or a host node_modules, and for Python a local
# data set of ~40 MB. None of it is committed to this repository; it is made here, the same
# bytes every time (seeded generator, fixed git dates).
# Needs python3 and git; node/npm for the node example (network to the npm registry).
set -euo pipefail

name=${1:?usage: make-context.sh python|node DEST}
dest=${2:?usage: make-context.sh python|node DEST}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/$name-service
[ -d "$src" ] || { echo "make-context: no example $src" >&2; exit 1; }

mkdir -p "$dest"
# The committed files only, without caches a developer's run may have left in the example.
tar -C "$src" --exclude=__pycache__ --exclude=.pytest_cache --exclude=node_modules -c . | tar -C "$dest" -x
cd "$dest"

# An .env that should never reach an image (no secrets in layers).
cat > .env <<'ENV'
API_KEY=sk-layerlens-example-0000000000000000-not-a-real-key
DATABASE_URL=postgres://app:example-password@db.internal:5432/app
ENV
mkdir -p .vscode .github/workflows
cat > .vscode/settings.json <<'JSON'
{
  "editor.formatOnSave": true,
  "files.exclude": { "**/__pycache__": true, "**/node_modules": false }
}
JSON
cat > .github/workflows/ci.yml <<'YAML'
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t app .
YAML

case $name in
python)
  # A local data set under the app directory: raw readings (deleted by a later RUN in the naive
  # image) and a small processed file. Deterministic: a seeded generator.
  python3 - <<'PY'
import os, random
rng = random.Random(20240601)
os.makedirs("data/raw", exist_ok=True)
os.makedirs("data/processed", exist_ok=True)
for part in range(4):
    with open(f"data/raw/readings-{part:02d}.csv", "w") as f:
        f.write("sensor,timestamp,sepal_length,sepal_width,petal_length,petal_width,label\n")
        t = 1_700_000_000 + part * 10_000_000
        size = 0
        while size < 10_000_000:
            t += rng.randint(1, 30)
            row = [rng.gauss(5.8, 0.8), rng.gauss(3.0, 0.4), rng.gauss(3.7, 1.7), rng.gauss(1.2, 0.7)]
            line = (f"s{rng.randint(0, 63):02d},{t}," + ",".join(f"{v:.6f}" for v in row)
                    + f",{rng.choice(['setosa', 'versicolor', 'virginica'])}\n")
            f.write(line)
            size += len(line)
with open("data/processed/train.csv", "w") as f:
    f.write("sepal_length,sepal_width,petal_length,petal_width,label\n")
    for _ in range(20_000):
        f.write(",".join(f"{rng.gauss(5, 1):.4f}" for _ in range(4)) + f",{rng.randint(0, 2)}\n")
PY
  # __pycache__/*.pyc next to the sources, as any local run of the service or its tests leaves.
  python3 -m compileall -q app tests
  printf 'data/\n.env\n__pycache__/\n' > .gitignore
  ;;
node)
  # The host's node_modules, devDependencies included (jest, eslint), as `npm install` leaves it.
  npm install --no-audit --no-fund --loglevel=error >/dev/null
  printf 'node_modules/\n.env\n' > .gitignore
  ;;
*)
  echo "make-context: unknown example '$name' (python or node)" >&2; exit 1 ;;
esac

# A git repository with one commit (fixed author and dates, so the same objects every time).
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.invalid GIT_COMMITTER_NAME=dev \
       GIT_COMMITTER_EMAIL=dev@example.invalid \
       GIT_AUTHOR_DATE='2024-06-01T12:00:00Z' GIT_COMMITTER_DATE='2024-06-01T12:00:00Z'
git init -q -b main .
git add -A
git commit -q -m "$name-service"
echo "make-context: $name context in $dest ($(du -sh --apparent-size . | cut -f1))"
