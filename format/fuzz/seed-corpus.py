#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seeds the parse_block corpus with the metadata blocks of real volumes.

    format/fuzz/seed-corpus.py IMAGE... [--out format/fuzz/corpus/parse_block]

Every block of each image that carries an OCFS2 signature (inodes and the superblock,
extent blocks, group descriptors, directory index roots and leaves, xattr and refcount
blocks), ends in a directory trailer, or holds a JBD2 superblock is written as one input:
the block followed by its block number (8 bytes, little endian), which is how the target
reads inputs of at least 520 bytes.  Mutations of valid blocks get past the signature and
block-number checks that random bytes rarely pass.
"""

import hashlib
import os
import struct
import sys

SIGNATURES = (b"OCFSV2", b"INODE01", b"EXBLK01", b"GROUP01", b"DXDIR01", b"DXLEAF01",
              b"XATTR01", b"REFCNT01")
JBD2_MAGIC = struct.pack(">I", 0xC03B3998)
DIR_TRAILER = b"DIRTRL1"


def block_size(f):
    """The block size whose block 2 holds the superblock signature."""
    for bs in (512, 1024, 2048, 4096):
        f.seek(2 * bs)
        if f.read(8).startswith(b"OCFSV2"):
            return bs
    return None


def seeds(path):
    with open(path, "rb") as f:
        bs = block_size(f)
        if bs is None:
            print(f"{path}: no OCFS2 superblock", file=sys.stderr)
            return
        size = os.fstat(f.fileno()).st_size
        for blkno in range(size // bs):
            f.seek(blkno * bs)
            block = f.read(bs)
            if not any(block):
                continue
            interesting = (block.startswith(SIGNATURES) or block[:4] == JBD2_MAGIC
                           or block[bs - 64 + 0x10:bs - 64 + 0x17] == DIR_TRAILER)
            if interesting:
                yield block + struct.pack("<Q", blkno)


def main(argv):
    out = "format/fuzz/corpus/parse_block"
    images = []
    args = iter(argv)
    for arg in args:
        if arg == "--out":
            out = next(args)
        else:
            images.append(arg)
    if not images:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    count = 0
    for image in images:
        for data in seeds(image):
            name = os.path.join(out, hashlib.sha1(data).hexdigest())
            if not os.path.exists(name):
                with open(name, "wb") as f:
                    f.write(data)
                count += 1
    print(f"{count} new inputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
