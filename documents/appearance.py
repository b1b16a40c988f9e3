"""The agency's seal appearance when the agency has uploaded no seal image: its name in red, no drawn seal.

Decree 30 wants the seal image (red, actual size); an agency that has not uploaded one still signs, and the
appearance says in words whose signature it is instead of imitating a seal.
"""

import textwrap
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from pki.signing import SERIF

RED = (200, 16, 32, 255)
PIXELS = 600  # of the square box the seal field has (its diameter), enough for print


@lru_cache(maxsize=32)
def seal_text_png(agency_name):
    """A transparent square PNG with “Đã ký số” and the agency's name in red, centred."""
    image = Image.new("RGBA", (PIXELS, PIXELS), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    lines = ["ĐÃ KÝ SỐ", *textwrap.wrap(agency_name.upper(), width=22)[:5]]
    font = ImageFont.truetype(str(SERIF), 48)
    heights = [draw.textbbox((0, 0), line, font=font)[3] + 14 for line in lines]
    y = (PIXELS - sum(heights)) / 2
    for line, height in zip(lines, heights, strict=True):
        width = draw.textlength(line, font=font)
        draw.text(((PIXELS - width) / 2, y), line, font=font, fill=RED)
        y += height
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
