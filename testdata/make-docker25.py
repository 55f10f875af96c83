#!/usr/bin/env python3
"""Turn a legacy `docker save` archive (Docker <= 24: <id>/layer.tar + manifest.json) into the
archive Docker 25+ writes: an OCI image layout (oci-layout, index.json, blobs/sha256/...) with
uncompressed layer blobs, plus Docker's own manifest.json and repositories pointing into blobs/.

The config blob is the original config bytes, so its digest is still the image ID, as with
Docker 25. Layer blobs are the layer tars byte for byte, so each blob digest is its diff_id.

usage: make-docker25.py LEGACY.tar OUT.tar
"""
import hashlib
import io
import json
import sys
import tarfile

MTIME = 0  # fixed, so the output is byte-for-byte reproducible


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def main(src, dst):
    with tarfile.open(src) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        if len(manifest) != 1:
            sys.exit(f"{src}: expected one image in manifest.json, found {len(manifest)}")
        entry = manifest[0]
        config_bytes = tar.extractfile(entry["Config"]).read()
        layers = [tar.extractfile(name).read() for name in entry["Layers"]]

    config = json.loads(config_bytes)
    diff_ids = config["rootfs"]["diff_ids"]
    blobs = {}  # digest hex -> bytes, in insertion order
    layer_descs = []
    for data, diff_id in zip(layers, diff_ids):
        digest = sha256(data)
        if "sha256:" + digest != diff_id:
            sys.exit(f"{src}: layer digest sha256:{digest} does not match diff_id {diff_id}")
        blobs[digest] = data
        layer_descs.append({
            "mediaType": "application/vnd.oci.image.layer.v1.tar",
            "digest": "sha256:" + digest,
            "size": len(data),
        })
    config_digest = sha256(config_bytes)
    blobs[config_digest] = config_bytes

    oci_manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + config_digest,
            "size": len(config_bytes),
        },
        "layers": layer_descs,
    }, separators=(",", ":")).encode()
    manifest_digest = sha256(oci_manifest)
    blobs[manifest_digest] = oci_manifest

    tags = entry.get("RepoTags") or []
    annotations = {}
    if tags:
        repo, _, tag = tags[0].rpartition(":")
        name = repo if "/" in repo else "docker.io/library/" + repo
        annotations = {
            "io.containerd.image.name": f"{name}:{tag}",
            "org.opencontainers.image.ref.name": tag,
        }
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:" + manifest_digest,
            "size": len(oci_manifest),
            **({"annotations": annotations} if annotations else {}),
        }],
    }
    docker_manifest = [{
        "Config": "blobs/sha256/" + config_digest,
        "RepoTags": tags,
        "Layers": ["blobs/sha256/" + d["digest"][len("sha256:"):] for d in layer_descs],
    }]
    repositories = {}
    for t in tags:
        repo, _, tag = t.rpartition(":")
        repositories.setdefault(repo, {})[tag] = layer_descs[-1]["digest"][len("sha256:"):]

    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as out:
        def add_dir(name):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = MTIME
            out.addfile(info)

        def add_file(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = MTIME
            out.addfile(info, io.BytesIO(data))

        add_dir("blobs")
        add_dir("blobs/sha256")
        for digest, data in blobs.items():
            add_file("blobs/sha256/" + digest, data)
        add_file("index.json", json.dumps(index, separators=(",", ":")).encode() + b"\n")
        add_file("manifest.json", json.dumps(docker_manifest, separators=(",", ":")).encode() + b"\n")
        add_file("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_file("repositories", json.dumps(repositories, separators=(",", ":")).encode() + b"\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
