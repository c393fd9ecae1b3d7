#!/usr/bin/env python3
"""Writes SIZE bytes of Substrate-style node log lines to PATH.

Every 10,000th line is a block-authoring line containing "Prepared block";
the rest are the usual "Idle (N peers), best: …" / "Imported #…" lines with
changing numbers and hashes, so nothing compresses or repeats trivially.
Usage: genlog.py PATH SIZE_BYTES
"""
import os
import random
import sys

KEYWORD_EVERY = 10_000


def main():
    path, size = sys.argv[1], int(sys.argv[2])
    rng = random.Random(42)
    hexes = [os.urandom(32).hex() for _ in range(4096)]
    block, second, written, n = 1_843_201, 0, 0, 0
    tmp = path + ".part"
    with open(tmp, "wb", buffering=1 << 20) as out:
        while written < size:
            lines = []
            for _ in range(KEYWORD_EVERY):
                n += 1
                second += 1
                ts = "2026-11-25 %02d:%02d:%02d.%03d" % (
                    (second // 3600) % 24, (second // 60) % 60, second % 60, rng.randrange(1000))
                h1, h2 = rng.choice(hexes), rng.choice(hexes)
                if n % KEYWORD_EVERY == 0:
                    lines.append(
                        f"{ts}  INFO tokio-runtime-worker sc_basic_authorship::basic_authorship: "
                        f"\U0001F381 Prepared block for proposing at {block + 1} ({rng.randrange(1, 40)} ms) "
                        f"[hash: 0x{h1}; parent_hash: 0x{h2[:4]}\u2026{h2[-4:]}; extrinsics (1): [0x{h2[8:16]}\u2026{h1[8:16]}]]\n")
                elif n % 6 == 0:
                    block += 1
                    lines.append(
                        f"{ts}  INFO tokio-runtime-worker substrate: \u2728 Imported #{block} (0x{h1[:4]}\u2026{h1[-4:]})\n")
                else:
                    lines.append(
                        f"{ts}  INFO tokio-runtime-worker substrate: \U0001F4A4 Idle ({rng.randrange(8, 40)} peers), "
                        f"best: #{block} (0x{h1[:4]}\u2026{h1[-4:]}), finalized #{block - 3} (0x{h2[:4]}\u2026{h2[-4:]}), "
                        f"\u2b07 {rng.randrange(1, 900) / 10}kiB/s \u2b06 {rng.randrange(1, 900) / 10}kiB/s\n")
            data = "".join(lines).encode()
            data = data[: size - written]
            out.write(data)
            written += len(data)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
