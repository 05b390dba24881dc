#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Bar charts (PNG) of inventory-bench --json output, in pure Python (zlib + struct only).

  plot.py compare.jsonl [-o docs/performance-compare.png]
      one panel per (durability, in_flight) that both engines ran: ops/s per workload on a log
      scale, inventory beside sqlite, the ratio above each pair.
  plot.py --sweep sweep.jsonl [-o docs/performance-sweep.png]
      one panel per (workload, durability, in_flight): ops/s per thread count, both engines.

Input: one JSON object per line (other lines are ignored), as inventory-bench --json prints;
repetitions of a run are reduced to their median.
No matplotlib needed: the chart is drawn into an RGB buffer with a built-in 5x7 font.
"""

import argparse
import json
import math
import struct
import sys
import zlib

from tables import aggregate  # Medians over repetitions, as in the report's tables.

# 5x7 glyphs: rows of five bits, the leftmost pixel in bit 4; letters with a descender have two
# more rows. Text is drawn lowercase, but for M (millions).
FONT = {
    " ": [0, 0, 0, 0, 0, 0, 0],
    "0": [14, 17, 19, 21, 25, 17, 14], "1": [4, 12, 4, 4, 4, 4, 14],
    "2": [14, 17, 1, 2, 4, 8, 31], "3": [31, 2, 4, 2, 1, 17, 14],
    "4": [2, 6, 10, 18, 31, 2, 2], "5": [31, 16, 30, 1, 1, 17, 14],
    "6": [6, 8, 16, 30, 17, 17, 14], "7": [31, 1, 2, 4, 8, 8, 8],
    "8": [14, 17, 17, 14, 17, 17, 14], "9": [14, 17, 17, 15, 1, 2, 12],
    "a": [0, 0, 14, 1, 15, 17, 15], "b": [16, 16, 22, 25, 17, 17, 30],
    "c": [0, 0, 14, 16, 16, 17, 14], "d": [1, 1, 13, 19, 17, 17, 15],
    "e": [0, 0, 14, 17, 31, 16, 14], "f": [6, 9, 8, 28, 8, 8, 8],
    "g": [0, 0, 15, 17, 17, 17, 15, 1, 14], "h": [16, 16, 22, 25, 17, 17, 17],
    "i": [4, 0, 12, 4, 4, 4, 14], "j": [2, 0, 6, 2, 2, 2, 2, 18, 12],
    "k": [16, 16, 18, 20, 24, 20, 18], "l": [12, 4, 4, 4, 4, 4, 14],
    "m": [0, 0, 26, 21, 21, 17, 17], "n": [0, 0, 22, 25, 17, 17, 17],
    "o": [0, 0, 14, 17, 17, 17, 14], "p": [0, 0, 30, 17, 17, 17, 30, 16, 16],
    "q": [0, 0, 15, 17, 17, 17, 15, 1, 1], "r": [0, 0, 22, 25, 16, 16, 16],
    "s": [0, 0, 14, 16, 14, 1, 30], "t": [8, 8, 28, 8, 8, 9, 6],
    "u": [0, 0, 17, 17, 17, 19, 13], "v": [0, 0, 17, 17, 17, 10, 4],
    "w": [0, 0, 17, 17, 21, 21, 10], "x": [0, 0, 17, 10, 4, 10, 17],
    "y": [0, 0, 17, 17, 17, 17, 15, 1, 14], "z": [0, 0, 31, 2, 4, 8, 31],
    ".": [0, 0, 0, 0, 0, 12, 12], ",": [0, 0, 0, 0, 12, 4, 8],
    ":": [0, 12, 12, 0, 12, 12, 0], "(": [2, 4, 8, 8, 8, 4, 2],
    ")": [8, 4, 2, 2, 2, 4, 8], "/": [0, 1, 2, 4, 8, 16, 0],
    "-": [0, 0, 0, 31, 0, 0, 0], "_": [0, 0, 0, 0, 0, 0, 31],
    "%": [24, 25, 2, 4, 8, 19, 3], "=": [0, 0, 31, 0, 31, 0, 0],
    "+": [0, 4, 4, 31, 4, 4, 0], ">": [8, 4, 2, 1, 2, 4, 8],
    "<": [2, 4, 8, 16, 8, 4, 2], "M": [17, 27, 21, 21, 17, 17, 17],
}

WHITE = (255, 255, 255)
BLACK = (30, 30, 30)
GRID = (225, 225, 225)
AXIS = (120, 120, 120)
COLORS = {"inventory": (31, 119, 180), "sqlite": (255, 127, 14)}
ORDER = ["flash_sale", "catalog", "cart", "restock", "read_mostly"]
DURABILITY_ORDER = {"sync": 0, "buffered": 1, "none": 2}


class Canvas:
    def __init__(self, width, height):
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0, y0, x1, y1, color):
        x0, x1 = max(0, int(x0)), min(self.width, int(x1))
        y0, y1 = max(0, int(y0)), min(self.height, int(y1))
        if x0 >= x1:
            return
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def text(self, x, y, s, color=BLACK, scale=2, anchor="left"):
        s = "".join(c if c in FONT else c.lower() for c in s)
        width = len(s) * 6 * scale - scale
        if anchor == "center":
            x -= width // 2
        elif anchor == "right":
            x -= width
        for i, ch in enumerate(s):
            glyph = FONT.get(ch, FONT[" "])
            for row, bits in enumerate(glyph):
                for col in range(5):
                    if bits & (16 >> col):
                        px = x + (i * 6 + col) * scale
                        py = y + row * scale
                        self.rect(px, py, px + scale, py + scale, color)
        return width

    def save(self, path):
        raw = bytearray()
        stride = self.width * 3
        for y in range(self.height):
            raw.append(0)  # Filter: none.
            raw += self.pixels[y * stride:(y + 1) * stride]

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
            f.write(chunk(b"IHDR", header))
            f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 9)))
            f.write(chunk(b"IEND", b""))


def human(value):
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= limit:
            scaled = value / limit
            text = "%.0f" % scaled if scaled >= 10 else "%.1f" % scaled
            return (text[:-2] if text.endswith(".0") else text) + suffix
    return "%.0f" % value


def ratio_text(ratio):
    return ("%.0fx" % ratio) if ratio >= 10 else ("%.1fx" % ratio)


def panel(canvas, x, y, width, height, title, groups, low, high):
    """groups: list of (label, {engine: ops_per_sec}). Log scale from 10^low to 10^high."""
    canvas.text(x + width // 2, y, title, anchor="center")
    left, top, bottom = x + 60, y + 40, y + height - 50
    right = x + width - 10

    def to_y(value):
        value = max(value, 10 ** low)
        return bottom - (math.log10(value) - low) / (high - low) * (bottom - top)

    for decade in range(low, high + 1):
        gy = int(to_y(10 ** decade))
        canvas.rect(left, gy, right, gy + 1, GRID)
        canvas.text(left - 6, gy - 6, human(10 ** decade), AXIS, anchor="right")
    canvas.rect(left, top, left + 1, bottom, AXIS)
    canvas.rect(left, bottom, right, bottom + 1, AXIS)
    slot = (right - left) / max(1, len(groups))
    bar = max(4, int(slot * 0.3))
    for i, (label, values) in enumerate(groups):
        cx = left + slot * (i + 0.5)
        engines = [e for e in ("inventory", "sqlite") if e in values]
        for j, engine in enumerate(engines):
            bx = cx - bar * len(engines) / 2 + j * bar
            canvas.rect(bx + 1, to_y(values[engine]), bx + bar - 1, bottom, COLORS[engine])
        if len(engines) == 2 and values["sqlite"] > 0:
            ratio = values["inventory"] / values["sqlite"]
            top_y = min(to_y(values["inventory"]), to_y(values["sqlite"]))
            canvas.text(int(cx), int(top_y) - 18, ratio_text(ratio), BLACK, anchor="center")
        for line, part in enumerate(label.split("_")):  # flash_sale: two lines.
            canvas.text(int(cx), bottom + 8 + line * 20, part, BLACK, anchor="center")


def legend(canvas, x, y):
    for engine, color in COLORS.items():
        canvas.rect(x, y, x + 14, y + 14, color)
        x += 20 + canvas.text(x + 20, y, engine) + 20


def read_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                runs.append(json.loads(line))
    if not runs:
        sys.exit("plot.py: no JSON lines in %s" % path)
    return aggregate(runs)



def grid_layout(count, columns, panel_w, panel_h, header):
    rows = (count + columns - 1) // columns
    return Canvas(columns * panel_w, header + rows * panel_h)


def decades(runs):
    values = [r["ops_per_sec"] for r in runs if r["ops_per_sec"] > 0]
    return int(math.floor(math.log10(min(values)))), int(math.ceil(math.log10(max(values))))


def config_title(durability, in_flight, threads):
    what = {"sync": "sync", "buffered": "buffered", "none": "none (in memory)"}[durability]
    return "%s, in flight %d, %d threads" % (what, in_flight, threads)


def plot_compare(runs, out):
    configs = sorted({(r["durability"], r["in_flight"], r["threads"]) for r in runs},
                     key=lambda c: (DURABILITY_ORDER.get(c[0], 9), c[1], c[2]))
    low, high = decades(runs)
    columns, panel_w, panel_h, header = 2, 620, 380, 70
    canvas = grid_layout(len(configs), columns, panel_w, panel_h, header)
    canvas.text(20, 16, "inventory-bench --compare: ops/s (log scale), inventory / sqlite above")
    legend(canvas, 20, 40)
    for index, (durability, in_flight, threads) in enumerate(configs):
        groups = []
        for workload in ORDER:
            values = {r["engine"]: r["ops_per_sec"] for r in runs
                      if (r["workload"], r["durability"], r["in_flight"], r["threads"]) ==
                      (workload, durability, in_flight, threads)}
            if values:
                groups.append((workload, values))
        x = (index % columns) * panel_w
        y = header + (index // columns) * panel_h
        panel(canvas, x, y, panel_w, panel_h - 10, config_title(durability, in_flight, threads),
              groups, low, high)
    canvas.save(out)


def plot_sweep(runs, out):
    panels = sorted({(r["workload"], r["durability"], r["in_flight"]) for r in runs},
                    key=lambda p: (ORDER.index(p[0]) if p[0] in ORDER else 9,
                                   DURABILITY_ORDER.get(p[1], 9), p[2]))
    low, high = decades(runs)
    columns, panel_w, panel_h, header = 2, 480, 340, 70
    canvas = grid_layout(len(panels), columns, panel_w, panel_h, header)
    canvas.text(20, 16, "inventory-bench --sweep: ops/s by threads (log scale)")
    legend(canvas, 20, 40)
    for index, (workload, durability, in_flight) in enumerate(panels):
        groups = []
        for threads in sorted({r["threads"] for r in runs}):
            values = {r["engine"]: r["ops_per_sec"] for r in runs
                      if (r["workload"], r["durability"], r["in_flight"], r["threads"]) ==
                      (workload, durability, in_flight, threads)}
            if values:
                groups.append(("%d thread%s" % (threads, "" if threads == 1 else "s"), values))
        x = (index % columns) * panel_w
        y = header + (index // columns) * panel_h
        title = "%s, %s, in flight %d" % (workload, durability, in_flight)
        panel(canvas, x, y, panel_w, panel_h - 10, title, groups, low, high)
    canvas.save(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="inventory-bench --json output")
    parser.add_argument("-o", "--output", help="PNG to write")
    parser.add_argument("--sweep", action="store_true", help="plot a --sweep run")
    args = parser.parse_args()
    runs = read_runs(args.input)
    if args.sweep:
        plot_sweep(runs, args.output or "docs/performance-sweep.png")
    else:
        plot_compare(runs, args.output or "docs/performance-compare.png")


if __name__ == "__main__":
    main()
