#!/usr/bin/env python3
"""Renders `tmux capture-pane -e -p` output (ANSI colours) to a PNG with Pillow.

Usage: tmux capture-pane -e -p -t SESSION | python3 assets/render-screenshot.py assets/tui.png
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
COLORS = {30: "#1e1e1e", 31: "#e06c75", 32: "#98c379", 33: "#e5c07b", 34: "#61afef",
          35: "#c678dd", 36: "#56b6c2", 37: "#dcdfe4", 90: "#7f848e"}
FG, BG = "#dcdfe4", "#1e2127"

font = ImageFont.truetype(FONT, 15)
bold = ImageFont.truetype(BOLD, 15)
cw = font.getbbox("M")[2]
ch = 19
lines = sys.stdin.read().rstrip("\n").split("\n")
cols = 120
img = Image.new("RGB", (cols * cw + 16, len(lines) * ch + 16), BG)
d = ImageDraw.Draw(img)
for y, line in enumerate(lines):
    fg, bg, b, rev, x = FG, None, False, False, 0
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if m:
            codes = [int(c) for c in m.group(1).split(";") if c] or [0]
            # 38;5;N (256-colour index N < 8) as the basic colour 30+N.
            i = 0
            while i < len(codes):
                if codes[i] == 38 and i + 2 < len(codes) and codes[i + 1] == 5:
                    n = codes[i + 2]
                    codes[i:i + 3] = [30 + n if n < 8 else 90]
                i += 1
            for c in codes:
                if c == 0:
                    fg, bg, b, rev = FG, None, False, False
                elif c == 1:
                    b = True
                elif c == 7:
                    rev = True
                elif c in COLORS:
                    fg = COLORS[c]
                elif c == 39:
                    fg = FG
            continue
        for chr_ in part:
            f, k = (fg, bg)
            if rev:
                f, k = (BG, fg)
            px, py = 8 + x * cw, 8 + y * ch
            if k:
                d.rectangle([px, py, px + cw, py + ch], fill=k)
            d.text((px, py), chr_, font=bold if b else font, fill=f)
            x += 1
img.save(sys.argv[1])
