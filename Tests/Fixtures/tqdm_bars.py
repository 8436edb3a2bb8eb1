#!/usr/bin/env python3
"""Prints real tqdm progress bars to stderr (a pipe), for trainbell's recognizer tests.

Usage: tqdm_bars.py SHAPE      (SHAPE: plain, desc, unknown-total, nested, ascii, seconds-per-item)
       tqdm_bars.py --list

The clock tqdm reads is replaced by a fake one that advances a fixed time per
item, so the output is the same on every run of the same tqdm version (and
`s/it` rates need no sleeping). Every update is drawn (`mininterval=0`), and
tqdm's monitor thread is off. The recorded fixtures next to this script are
its output with tqdm 4.70.1: `python3 tqdm_bars.py SHAPE 2> tqdm_SHAPE.txt`.
"""
import sys

import tqdm
import tqdm.std


class FakeClock:
    """Seconds since the start of the script, advanced by `tick`."""

    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += seconds


clock = FakeClock()
tqdm.std.time = clock  # tqdm.std does `from time import time`; each bar reads it in __init__
tqdm.tqdm.monitor_interval = 0

COMMON = dict(file=sys.stderr, mininterval=0, miniters=1, ncols=80)


def plain():
    for _ in tqdm.tqdm(range(40), **COMMON):
        clock.tick(0.025)


def desc():
    for epoch in range(2):
        for _ in tqdm.tqdm(range(25), desc=f"Epoch {epoch + 1}", **COMMON):
            clock.tick(0.1)


def unknown_total():
    def batches():
        yield from range(30)

    for _ in tqdm.tqdm(batches(), desc="Batches", **COMMON):
        clock.tick(0.05)
    for _ in tqdm.tqdm(batches(), **COMMON):
        clock.tick(0.05)


def nested():
    for _ in tqdm.tqdm(range(3), desc="epochs", position=0, **COMMON):
        for _ in tqdm.tqdm(range(8), desc="batches", position=1, leave=False, **COMMON):
            clock.tick(0.2)


def ascii_bar():
    for _ in tqdm.tqdm(range(20), ascii=True, desc="ascii", **COMMON):
        clock.tick(0.3)


def seconds_per_item():
    for _ in tqdm.tqdm(range(6), desc="slow", **COMMON):
        clock.tick(2.5)


SHAPES = {
    "plain": plain,
    "desc": desc,
    "unknown-total": unknown_total,
    "nested": nested,
    "ascii": ascii_bar,
    "seconds-per-item": seconds_per_item,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SHAPES:
        print("\n".join(SHAPES) if sys.argv[1:] == ["--list"] else __doc__, file=sys.stdout)
        sys.exit(0 if sys.argv[1:] == ["--list"] else 64)
    SHAPES[sys.argv[1]]()
