#!/usr/bin/env python3
"""The hashing floor of a file: its sha256 computed over N equal slices at once, one process
per slice (OpenSSL's sha256 through hashlib, SHA-NI where the CPU has it). One sha256 stream
cannot be split, so this is a lower bound no verifying tool can reach on an image whose bytes
are mostly one layer; it is the floor issue 12 measures against.

With --largest-member, FILE is a tar (a `docker save` archive, an OCI archive) and what is
hashed is its largest member alone, in one stream, in this process: the part of the floor that
no number of cores shortens. For a legacy `docker save` archive that member is the largest
layer, uncompressed, whose sha256 is its diff_id, which every verifying tool must compute.

usage: benches/sha_floor.py [-j N] FILE   (prints the wall seconds)
       benches/sha_floor.py --largest-member FILE
"""
import argparse
import hashlib
import os
import sys
import tarfile
import time
from multiprocessing import Process

CHUNK = 1 << 20


def hash_slice(path, start, end):
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        fd = f.fileno()
        pos = start
        while pos < end:
            b = os.pread(fd, min(CHUNK, end - pos), pos)
            if not b:
                break
            h.update(b)
            pos += len(b)
    h.hexdigest()


def largest_member(path):
    """(start, end) of the data of the largest regular member of the tar at `path`."""
    best = (0, 0)
    with tarfile.open(path, "r:") as tar:
        for m in tar:
            if m.isfile() and m.size > best[1] - best[0]:
                best = (m.offset_data, m.offset_data + m.size)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--largest-member", action="store_true",
                    help="hash only the tar's largest member, in one stream")
    ap.add_argument("file")
    a = ap.parse_args()
    if a.largest_member:
        start, end = largest_member(a.file)
        t = time.monotonic()
        hash_slice(a.file, start, end)
        print(f"{time.monotonic() - t:.2f}")
        return 0
    size = os.path.getsize(a.file)
    step = -(-size // a.j)
    t = time.monotonic()
    procs = [Process(target=hash_slice, args=(a.file, i * step, min(size, (i + 1) * step)))
             for i in range(a.j)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"{time.monotonic() - t:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
