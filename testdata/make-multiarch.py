#!/usr/bin/env python3
"""Make a two-platform OCI image layout from a one-platform one (testdata/tiny.oci).

The result is laid out as `skopeo copy --all` and `docker buildx --output type=oci` write it:
index.json has one entry, tagged by org.opencontainers.image.ref.name, pointing at an image
index blob that lists a linux/amd64 and a linux/arm64 manifest. The arm64 manifest reuses the
amd64 layer blobs (the bytes are x86 busybox: fine for analysis, never for running) with its own
config saying architecture arm64, variant v8, and a different history line so a test can tell
which platform it picked.

usage: make-multiarch.py SRC.oci DST.oci [TAG]
"""
import hashlib
import json
import os
import shutil
import sys


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def main(src, dst, tag="latest"):
    def read_blob(root, digest):
        algo, hexd = digest.split(":", 1)
        with open(os.path.join(root, "blobs", algo, hexd), "rb") as f:
            return f.read()

    with open(os.path.join(src, "index.json")) as f:
        src_index = json.load(f)
    if len(src_index["manifests"]) != 1:
        sys.exit(f"{src}: expected one manifest in index.json")
    amd_desc = src_index["manifests"][0]
    amd_manifest_bytes = read_blob(src, amd_desc["digest"])
    amd_manifest = json.loads(amd_manifest_bytes)
    amd_config = json.loads(read_blob(src, amd_manifest["config"]["digest"]))

    if os.path.exists(dst):
        shutil.rmtree(dst)
    blob_dir = os.path.join(dst, "blobs", "sha256")
    os.makedirs(blob_dir)

    def write_blob(data):
        digest = sha256(data)
        with open(os.path.join(blob_dir, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest

    # Every blob of the source (layers, amd64 config and manifest) is kept as it is.
    for name in os.listdir(os.path.join(src, "blobs", "sha256")):
        shutil.copyfile(os.path.join(src, "blobs", "sha256", name), os.path.join(blob_dir, name))

    arm_config = dict(amd_config)
    arm_config["architecture"] = "arm64"
    arm_config["variant"] = "v8"
    arm_config["history"] = [dict(h) for h in amd_config.get("history", [])]
    arm_config["history"].append({
        "created": arm_config["history"][-1]["created"] if arm_config["history"] else "1970-01-01T00:00:00Z",
        "created_by": "/bin/sh -c #(nop)  LABEL platform=linux/arm64",
        "empty_layer": True,
    })
    arm_config.setdefault("config", {}).setdefault("Labels", {})
    arm_config["config"]["Labels"] = dict(arm_config["config"]["Labels"] or {}, platform="linux/arm64")
    arm_config_bytes = dumps(arm_config)
    arm_config_digest = write_blob(arm_config_bytes)

    arm_manifest = dict(amd_manifest)
    arm_manifest["config"] = dict(amd_manifest["config"], digest=arm_config_digest, size=len(arm_config_bytes))
    arm_manifest_bytes = dumps(arm_manifest)
    arm_manifest_digest = write_blob(arm_manifest_bytes)

    media = "application/vnd.oci.image.manifest.v1+json"
    image_index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": media, "digest": amd_desc["digest"], "size": len(amd_manifest_bytes),
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": media, "digest": arm_manifest_digest, "size": len(arm_manifest_bytes),
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        ],
    }
    image_index_bytes = dumps(image_index)
    image_index_digest = write_blob(image_index_bytes)

    top = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": image_index_digest,
            "size": len(image_index_bytes),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    }
    with open(os.path.join(dst, "index.json"), "wb") as f:
        f.write(dumps(top))
    with open(os.path.join(dst, "oci-layout"), "wb") as f:
        f.write(b'{"imageLayoutVersion": "1.0.0"}')
    print(f"{dst}: image index {image_index_digest}")
    print(f"  linux/amd64 manifest {amd_desc['digest']}")
    print(f"  linux/arm64 manifest {arm_manifest_digest} (config {arm_config_digest})")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
