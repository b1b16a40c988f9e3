"""Demo signature and seal images (transparent PNGs), so that a fresh portal shows the Decree 30 appearance.

The signature: the person's name slanted like handwriting, in blue ink, with a stroke under it. The seal: two red
rings, the agency's name in capitals around the top, a five-pointed star in the centre. Both are for
demonstrations; people and agencies upload their own.
"""

import math
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from .signing import FONT_DIR

SIGNATURE_INK = (18, 52, 168, 255)
SEAL_INK = (206, 22, 32, 255)
SERIF_BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
SERIF = FONT_DIR / "LiberationSerif-Regular.ttf"


def _png(image):
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def signature_png(full_name, *, height=220):
    """A blue, slanted rendering of the name (the given name first, as people sign) on a transparent ground."""
    text = full_name.strip()
    font = ImageFont.truetype(str(SERIF), int(height * 0.38))
    left, top, right, bottom = font.getbbox(text)
    width = right - left + int(height * 0.9)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((int(height * 0.25) - left, int(height * 0.22) - top), text, font=font, fill=SIGNATURE_INK)
    underline_y = int(height * 0.22) + bottom - top + int(height * 0.12)
    draw.line(
        [(int(height * 0.2), underline_y + 8), (width // 2, underline_y), (width - int(height * 0.3), underline_y - 10)],
        fill=SIGNATURE_INK, width=max(3, height // 60), joint="curve",
    )
    # Slant to the right, as a hand writes: x' = x + k·(height - y).
    slant = 0.3
    image = image.transform(
        (width + int(slant * height), height), Image.Transform.AFFINE,
        (1, slant, -slant * height, 0, 1, 0), resample=Image.Resampling.BICUBIC,
    )
    return _png(image.crop(image.getbbox()))


def _star(centre, outer, inner):
    cx, cy = centre
    points = []
    for n in range(10):
        radius = outer if n % 2 == 0 else inner
        angle = math.pi / 5 * n - math.pi / 2
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _text_on_arc(image, text, *, radius, font, arc_degrees, least_degrees=120):
    """Characters upright to the circle, centred on the top, spread over `least_degrees` to `arc_degrees`."""
    cx, cy = image.width / 2, image.height / 2
    widths = [font.getlength(ch) for ch in text]
    spacing = font.size * 0.12
    total = sum(widths) + spacing * (len(text) - 1)
    span = min(math.radians(arc_degrees), max(math.radians(least_degrees), total / radius))
    scale = span / (total / radius)  # squeeze or spread the letters to fit the arc
    angle = -span / 2
    for ch, width in zip(text, widths, strict=True):
        step = (width + spacing) * scale / radius
        middle = angle + width * scale / radius / 2
        if ch.strip():
            glyph = Image.new("RGBA", (int(font.size * 2), int(font.size * 2)), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=SEAL_INK, anchor="mm")
            glyph = glyph.rotate(-math.degrees(middle), resample=Image.Resampling.BICUBIC)
            x = cx + radius * math.sin(middle) - glyph.width / 2
            y = cy - radius * math.cos(middle) - glyph.height / 2
            image.alpha_composite(glyph, (int(x), int(y)))
        angle += step


def seal_png(agency_name, *, size=720):
    """A round red seal: the agency's name around the top, a star in the centre, transparent outside the ink."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    outer = size / 2 - size * 0.01
    draw.ellipse(
        [centre - outer, centre - outer, centre + outer, centre + outer], outline=SEAL_INK, width=int(size * 0.03)
    )
    inner = outer * 0.64
    draw.ellipse(
        [centre - inner, centre - inner, centre + inner, centre + inner], outline=SEAL_INK, width=int(size * 0.012)
    )
    draw.polygon(_star((centre, centre), inner * 0.62, inner * 0.25), fill=SEAL_INK)
    name = " ".join(agency_name.upper().split())
    font_size = int(size * 0.095)
    while font_size > size * 0.04:
        font = ImageFont.truetype(str(SERIF_BOLD), font_size)
        if sum(font.getlength(ch) for ch in name) / (outer * 0.8) <= math.radians(300):
            break
        font_size -= 2
    _text_on_arc(image, name, radius=outer * 0.8, font=font, arc_degrees=300)
    return _png(image)
