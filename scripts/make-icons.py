#!/usr/bin/env python3
"""Draws Pollen's app icons with the Python standard library only (zlib + struct for PNG).

The design: a flower seen from above on a dark green field (#1d3b2a): two rings of petals and a
golden disc dotted with pollen grains laid out on a sunflower (Vogel) spiral.

Writes, relative to the repository root:
  static/icons/icon-192.png      192x192, "any" purpose
  static/icons/icon-512.png      512x512, "any" purpose
  static/icons/maskable-512.png  512x512, flower shrunk into the maskable safe zone (radius 40%)
  static/icons/icon.svg          the same drawing as a small SVG

Usage: python3 scripts/make-icons.py
"""

import math
import os
import struct
import zlib

BACKGROUND = (0x1D, 0x3B, 0x2A)
PETAL_BACK = (0xE0, 0xA8, 0x2E)   # outer ring, between the front petals
PETAL_FRONT = (0xF6, 0xD8, 0x6B)  # front ring
DISC = (0xC9, 0x7E, 0x12)         # golden centre
DISC_RIM = (0x8F, 0x55, 0x0B)     # thin ring around the centre
POLLEN = (0xFF, 0xE8, 0x9A)       # grains on the disc

# Geometry in units of the icon's side (centre at 0.5, 0.5); `scale` shrinks it for maskable.
PETALS = 10
PETAL_DISTANCE = 0.235  # centre of a petal from the flower's centre
PETAL_LENGTH = 0.175    # semi-axis along the radius
PETAL_WIDTH = 0.078     # semi-axis across
BACK_EXTRA = 0.02       # back petals reach a little further out
DISC_RADIUS = 0.15
RIM_WIDTH = 0.014
GRAINS = 34
GRAIN_RADIUS = 0.0125
GRAIN_SPREAD = 0.0205   # Vogel spiral: r = spread * sqrt(i + 0.5)
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def ellipse_distance(u, v, a, b):
    """Approximate signed distance from (u, v) to an axis-aligned ellipse with semi-axes a, b."""
    k0 = math.hypot(u / a, v / b)
    if k0 == 0:
        return -min(a, b)
    k1 = math.hypot(u / (a * a), v / (b * b))
    return k0 * (k0 - 1) / k1


def grains():
    out = []
    for i in range(GRAINS):
        r = GRAIN_SPREAD * math.sqrt(i + 0.5)
        t = i * GOLDEN_ANGLE
        out.append((r * math.cos(t), r * math.sin(t)))
    return out


def petal_rings():
    """(angle offset, distance, length, width, colour) for the back and the front ring."""
    step = 2 * math.pi / PETALS
    return [
        (step / 2 - math.pi / 2, PETAL_DISTANCE + BACK_EXTRA / 2, PETAL_LENGTH + BACK_EXTRA / 2,
         PETAL_WIDTH, PETAL_BACK),
        (-math.pi / 2, PETAL_DISTANCE, PETAL_LENGTH, PETAL_WIDTH, PETAL_FRONT),
    ]


def blend(under, over, alpha):
    if alpha <= 0:
        return under
    if alpha >= 1:
        return over
    return tuple(u + (o - u) * alpha for u, o in zip(under, over))


def coverage(distance, pixel):
    """Fraction of a pixel covered by a shape, from the signed distance (a one-pixel ramp)."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def render(size, scale):
    pixel = 1.0 / size / scale  # one pixel, in flower units
    step = 2 * math.pi / PETALS
    rings = petal_rings()
    dots = grains()
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            # Flower coordinates: centred, y down, in units of the (unscaled) icon side.
            x = ((px + 0.5) / size - 0.5) / scale
            y = ((py + 0.5) / size - 0.5) / scale
            r = math.hypot(x, y)
            colour = BACKGROUND
            if r < PETAL_DISTANCE + PETAL_LENGTH + BACK_EXTRA + 2 * pixel:
                theta = math.atan2(y, x)
                for offset, dist, length, width, petal_colour in rings:
                    # Only the two petals nearest in angle can cover this pixel.
                    k = math.floor((theta - offset) / step)
                    best = float('inf')
                    for j in (k, k + 1):
                        a = offset + j * step
                        ca, sa = math.cos(a), math.sin(a)
                        u = x * ca + y * sa - dist   # along the petal's radius
                        v = -x * sa + y * ca         # across it
                        best = min(best, ellipse_distance(u, v, length, width))
                    colour = blend(colour, petal_colour, coverage(best, pixel))
            if r < DISC_RADIUS + 2 * pixel:
                colour = blend(colour, DISC_RIM, coverage(r - DISC_RADIUS, pixel))
                colour = blend(colour, DISC, coverage(r - (DISC_RADIUS - RIM_WIDTH), pixel))
                for gx, gy in dots:
                    d = math.hypot(x - gx, y - gy) - GRAIN_RADIUS
                    if d < pixel:
                        colour = blend(colour, POLLEN, coverage(d, pixel))
            row.extend(int(round(c)) for c in colour)
        rows.append(bytes(row))
    return rows


def png_bytes(rows, size):
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)

    raw = b''.join(b'\x00' + row for row in rows)  # filter type 0 (None) on every scanline
    header = struct.pack('>IIBBBBB', size, size, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header)
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def hex_colour(rgb):
    return '#%02x%02x%02x' % rgb


def svg_text():
    """The same drawing on a 512 viewBox (rounded to 0.1 units)."""
    side = 512

    def n(value):
        text = ('%.1f' % (value * side)).rstrip('0').rstrip('.')
        return '0' if text == '-0' else text

    step_deg = 360 / PETALS
    lines = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">',
        '<title>Pollen</title>',
        '<rect width="512" height="512" fill="%s"/>' % hex_colour(BACKGROUND),
        '<g transform="translate(256 256)">',
    ]
    for offset, dist, length, width, colour in petal_rings():
        lines.append('<g fill="%s">' % hex_colour(colour))
        for i in range(PETALS):
            angle = math.degrees(offset) + i * step_deg
            lines.append('<ellipse transform="rotate(%s)" cx="%s" rx="%s" ry="%s"/>'
                         % (('%.1f' % angle).rstrip('0').rstrip('.'), n(dist), n(length), n(width)))
        lines.append('</g>')
    lines.append('<circle r="%s" fill="%s"/>' % (n(DISC_RADIUS), hex_colour(DISC_RIM)))
    lines.append('<circle r="%s" fill="%s"/>' % (n(DISC_RADIUS - RIM_WIDTH), hex_colour(DISC)))
    lines.append('<g fill="%s">' % hex_colour(POLLEN))
    for gx, gy in grains():
        lines.append('<circle cx="%s" cy="%s" r="%s"/>' % (n(gx), n(gy), n(GRAIN_RADIUS)))
    lines.append('</g>')
    lines.append('</g>')
    lines.append('</svg>')
    return '\n'.join(lines) + '\n'


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'static', 'icons')
    out_dir = os.path.normpath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    # Maskable: the platform may crop to a circle of radius 40% of the side; the flower's outer
    # edge (0.43 unscaled) is scaled to about 0.32 so it keeps a margin inside that zone.
    targets = [
        ('icon-192.png', 192, 1.0),
        ('icon-512.png', 512, 1.0),
        ('maskable-512.png', 512, 0.75),
    ]
    for name, size, scale in targets:
        path = os.path.join(out_dir, name)
        with open(path, 'wb') as f:
            f.write(png_bytes(render(size, scale), size))
        print('wrote %s (%dx%d)' % (os.path.relpath(path), size, size))
    svg_path = os.path.join(out_dir, 'icon.svg')
    with open(svg_path, 'w', encoding='utf-8') as f:
        f.write(svg_text())
    print('wrote %s' % os.path.relpath(svg_path))


if __name__ == '__main__':
    main()
