#!/usr/bin/env python3
"""The hashing floor of a file: its sha256 computed over N equal slices at once, one process
per slice (OpenSSL's sha256 through hashlib, SHA-NI where the CPU has it). One sha256 stream
cannot be split, so this is a lower bound no verifying tool can reach on an image whose bytes
are mostly one layer; it is the floor issue 12 measures against.

usage: benches/sha_floor.py [-j N] FILE   (prints the wall seconds)
"""
import argparse
import hashlib
import os
import sys
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("file")
    a = ap.parse_args()
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
