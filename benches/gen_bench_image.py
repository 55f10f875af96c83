#!/usr/bin/env python3
"""Write a large, deterministic `docker save` archive (legacy layout: manifest.json, <id>.json
config, <id>/layer.tar) for benchmarks: by default 4 layers of 50,000 files each, about 1 KB a
file on average (varied sizes, pseudo-random content), over a realistic directory tree. Layers
2 and 3 overwrite some files of earlier layers; layer 3 also deletes files and whole directories
with whiteouts, so the efficiency pass has real work. The config's rootfs.diff_ids are the sha256
of each layer tar, as Docker writes them. Same arguments, same bytes.

usage: gen_bench_image.py [-o /tmp/bench-200k.tar] [--layers 4] [--files 50000] [--seed 1]
                         [--order random|walk]
"""
import argparse
import hashlib
import io
import json
import os
import random
import sys
import tarfile

MTIME = 1700000000
CREATED = "2023-11-14T22:13:20Z"

# Where files go in each layer: (root, depth range, weight), like an OS, its packages and an app.
LAYER_PLANS = [
    ("base system", "COPY rootfs.tar.gz /", [
        ("usr/lib/x86_64-linux-gnu", 1, 3), ("usr/share/doc", 1, 2), ("usr/share/locale", 2, 2),
        ("usr/include", 2, 1), ("usr/bin", 0, 1), ("etc", 1, 1), ("usr/share/man", 2, 1)]),
    ("dependencies", "pip install -r requirements.txt", [
        ("usr/local/lib/python3.11/site-packages", 3, 5), ("root/.cache/pip/http", 4, 1),
        ("var/lib/apt/lists", 0, 1), ("usr/share/zoneinfo", 2, 1)]),
    ("node modules", "npm ci", [
        ("app/node_modules", 3, 6), ("root/.npm/_cacache/content-v2/sha512", 3, 2)]),
    ("application", "COPY . /app && chmod -R 755 /app", [
        ("app/src", 3, 4), ("app/static", 2, 2), ("app/tests", 2, 1), ("app/.git/objects", 1, 2)]),
]

WORDS = ("core util net http json io sys fmt log auth db cache model view api cli test data "
         "config parse render crypto time sync pool queue event stream codec image text").split()
EXTS = (".py", ".js", ".so", ".h", ".txt", ".json", ".gz", ".md", ".pyc", ".css", ".map", "")


def file_size(rng):
    # Log-normal around a few hundred bytes, mean about 1 KB, capped at 64 KiB; a few are empty.
    if rng.random() < 0.02:
        return 0
    return min(int(rng.lognormvariate(6.35, 1.05)), 65536)


def walk_key(name):
    """Where a directory walk (Docker's tar writer) puts a name: component by component."""
    return name.rstrip("/").split("/")


class Layer:
    def __init__(self, order="random"):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.GNU_FORMAT)
        self.dirs = set()
        # In "walk" order, members wait here and are written sorted as Docker writes them.
        self.held = [] if order == "walk" else None

    def _add(self, info, data=None):
        if self.held is None:
            self.tar.addfile(info, None if data is None else io.BytesIO(data))
        else:
            self.held.append((walk_key(info.name), info, data))

    def _dir(self, path):
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                info = tarfile.TarInfo(d + "/")
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = MTIME
                self._add(info)

    def add_file(self, path, data, mode=0o644):
        self._dir(os.path.dirname(path))
        info = tarfile.TarInfo(path)
        info.size = len(data)
        info.mode = mode
        info.mtime = MTIME
        self._add(info, data)

    def add_whiteout(self, path):
        parent, name = os.path.split(path)
        self._dir(parent)
        info = tarfile.TarInfo(os.path.join(parent, ".wh." + name))
        info.mode = 0
        info.mtime = MTIME
        self._add(info)

    def finish(self):
        if self.held is not None:
            self.held.sort(key=lambda m: m[0])
            for _, info, data in self.held:
                self.tar.addfile(info, None if data is None else io.BytesIO(data))
        self.tar.close()
        return self.buf.getvalue()


def make_dirs(rng, roots, count):
    dirs = []
    weights = [w for _, _, w in roots]
    for _ in range(count):
        root, depth, _ = rng.choices(roots, weights)[0]
        parts = [root] + [rng.choice(WORDS) + (str(rng.randrange(40)) if rng.random() < 0.5 else "")
                          for _ in range(rng.randint(max(depth - 1, 0), depth))]
        dirs.append("/".join(parts))
    return sorted(set(dirs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default="/tmp/bench-200k.tar")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--files", type=int, default=50000, help="regular files per layer")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--order", choices=["random", "walk"], default="random",
                    help="members in generation order, or sorted as a directory walk writes "
                         "them (Docker's order)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pool = rng.randbytes(8 << 20)  # content is cut from this pool at random offsets
    all_files = []  # (path, layer) of every regular file written so far
    all_dirs = set()
    layer_tars, history = [], []

    for li in range(args.layers):
        name, command, roots = LAYER_PLANS[li % len(LAYER_PLANS)]
        layer = Layer(args.order)
        written = set()
        n_over = n_wh = n_dwh = 0
        if li >= 2 and all_files:
            # Overwrite about 4% of this layer's count with files of earlier layers.
            for path, _ in rng.sample(all_files, min(args.files // 25, len(all_files))):
                if path in written:
                    continue
                size = file_size(rng)
                off = rng.randrange(len(pool) - size - 1)
                layer.add_file(path, pool[off:off + size])
                written.add(path)
                n_over += 1
        dirs = make_dirs(rng, roots, max(args.files // 40, 1))
        while len(written) < args.files:
            d = rng.choice(dirs)
            path = f"{d}/{rng.choice(WORDS)}_{rng.randrange(100000):05d}{rng.choice(EXTS)}"
            if path in written or path in all_dirs:
                continue
            size = file_size(rng)
            off = rng.randrange(len(pool) - size - 1)
            mode = 0o755 if path.startswith("usr/bin") or li == 3 else 0o644
            layer.add_file(path, pool[off:off + size], mode)
            written.add(path)
        if li == args.layers - 1 and li > 0:
            # Delete about 2% of earlier files one by one, and a few whole directories.
            earlier = [p for p, l in all_files if p not in written]
            for path in rng.sample(earlier, min(args.files // 50, len(earlier))):
                layer.add_whiteout(path)
                n_wh += 1
            candidates = sorted(d for d in all_dirs if d.count("/") >= 3)
            # Only directories this layer neither wrote into nor touched with a file whiteout.
            for d in rng.sample(candidates, min(10, len(candidates))):
                if d not in layer.dirs and not any(w.startswith(d + "/") for w in written):
                    layer.add_whiteout(d)
                    n_dwh += 1
        data = layer.finish()
        layer_tars.append(data)
        all_files.extend((p, li) for p in written)
        all_dirs |= layer.dirs
        history.append({"created": CREATED, "created_by": f"/bin/sh -c {command}",
                        "comment": f"layer {li}: {name}"})
        if li == 0:
            history.append({"created": CREATED, "created_by": "/bin/sh -c #(nop)  ENV LANG=C.UTF-8",
                            "empty_layer": True})
        print(f"layer {li} ({name}): {len(written)} files ({n_over} overwrite earlier ones), "
              f"{n_wh} file whiteouts, {n_dwh} directory whiteouts, {len(data)} bytes",
              file=sys.stderr)

    diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in layer_tars]
    config = {
        "architecture": "amd64", "os": "linux", "created": CREATED,
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"],
                   "Cmd": ["/bin/sh"], "WorkingDir": "/app"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    image_id = hashlib.sha256(config_bytes).hexdigest()
    # v1-style layer ids, chained like Docker's: each depends on its parent and its diff_id.
    ids, parent = [], ""
    for d in diff_ids:
        parent = hashlib.sha256((parent + " " + d).encode()).hexdigest()
        ids.append(parent)
    manifest = [{"Config": image_id + ".json", "RepoTags": ["bench-200k:latest"],
                 "Layers": [i + "/layer.tar" for i in ids]}]

    tmp = args.output + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.GNU_FORMAT) as out:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = MTIME
            out.addfile(info, io.BytesIO(data))
        for i, data in zip(ids, layer_tars):
            d = tarfile.TarInfo(i + "/")
            d.type = tarfile.DIRTYPE
            d.mode = 0o755
            d.mtime = MTIME
            out.addfile(d)
            add(i + "/VERSION", b"1.0")
            add(i + "/layer.tar", data)
        add(image_id + ".json", config_bytes)
        add("manifest.json", json.dumps(manifest, separators=(",", ":")).encode())
        add("repositories", json.dumps({"bench-200k": {"latest": ids[-1]}}).encode())
    os.replace(tmp, args.output)
    total = sum(len(t) for t in layer_tars)
    print(f"wrote {args.output}: {os.path.getsize(args.output)} bytes, layers {total} bytes, "
          f"image id sha256:{image_id}", file=sys.stderr)


if __name__ == "__main__":
    main()
