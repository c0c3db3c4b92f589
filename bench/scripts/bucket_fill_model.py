#!/usr/bin/env python3
"""Bytes per entry and buckets read per miss of 8-slot, 144-byte buckets (8x8), by a Poisson model.

Used in docs/BENCHMARKS.md ("Goals that 8-slot buckets and blocking threads on 2 cores cannot reach") to show
what growing one bucket at a time (linear hashing) could give against Go's doubling. A bucket whose hash range
holds lam keys on average holds a Poisson(lam) number of them; every 8 beyond the first 8 take one more
144-byte overflow bucket. Nothing here is measured: it is the arithmetic behind the table in that section.

    python3 bench/scripts/bucket_fill_model.py
"""
import math

BUCKET = 144  # 8 tophash bytes, 8 keys, 8 values, the overflow reference
SLOTS = 8


def overflow_buckets(lam):
    """Expected overflow buckets of a bucket holding Poisson(lam) keys."""
    p = math.exp(-lam)
    total = 0.0
    for k in range(1, 400):
        p *= lam / k
        if k > SLOTS:
            total += p * math.ceil((k - SLOTS) / SLOTS)
    return total


def go_doubling(n, load_factor=6.5):
    """Go's map: 2^B buckets, the smallest B with n <= 6.5 * 2^B."""
    b = 0
    while n > load_factor * 2 ** b:
        b += 1
    ov = overflow_buckets(n / 2 ** b)
    return 2 ** b * (1 + ov) * BUCKET / n, 1 + ov


def linear_hashing(n, per_bucket):
    """Buckets split one at a time, kept at per_bucket keys per bucket: 2^b + x buckets, x of the 2^b split."""
    buckets = math.ceil(n / per_bucket)
    b = int(math.floor(math.log2(buckets)))
    x = buckets - 2 ** b
    per_unit = n / 2 ** (b + 1)          # keys per half-range; a split bucket covers one, an unsplit two
    split, unsplit = 2 * x, 2 ** b - x
    ov_split, ov_unsplit = overflow_buckets(per_unit), overflow_buckets(2 * per_unit)
    total = buckets + split * ov_split + unsplit * ov_unsplit
    reads = (split * (1 + ov_split) + 2 * unsplit * (1 + ov_unsplit)) / 2 ** (b + 1)
    return total * BUCKET / n, reads


if __name__ == "__main__":
    for n in (1_000_000, 10_000_000):
        print(f"{n:,} entries")
        print("  Go doubling at 6.5:     %5.1f B/entry, %.2f buckets per miss" % go_doubling(n))
        for per_bucket in (6.5, 7, 8, 9, 10):
            print("  linear hashing at %4.1f: %5.1f B/entry, %.2f buckets per miss" % ((per_bucket,) + linear_hashing(n, per_bucket)))
