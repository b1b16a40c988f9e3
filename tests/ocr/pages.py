"""Vietnamese test pages rendered from known text, and the character error rate of what OCR reads back.

Five pages at 300 dpi: Liberation Serif (the Times New Roman of official documents, Decree 30), Liberation Sans 10 pt,
Liberation Serif bold, DejaVu Sans skewed by 3 degrees, and Liberation Serif with scanner noise (2.5 % speckles and
a blur). The fonts come with the repository (core/fonts) and Debian's fonts-dejavu-core.
"""

import random
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS_DIR = Path(__file__).resolve().parents[2] / "core" / "fonts"
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

TEXTS = [
    [
        "ỦY BAN NHÂN DÂN TỈNH KON TUM",
        "Về việc triển khai công tác phòng, chống thiên tai",
        "và tìm kiếm cứu nạn năm 2026 trên địa bàn tỉnh.",
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
        "Xét đề nghị của Giám đốc Sở Nông nghiệp và Môi trường.",
    ],
    [
        "BỘ NỘI VỤ",
        "Quyết định về việc ban hành quy chế quản lý văn bản",
        "đi, văn bản đến và lập hồ sơ điện tử của cơ quan.",
        "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng.",
        "Điều 2. Trách nhiệm của văn thư và người ký ban hành.",
    ],
    [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thông báo kết luận của Chủ tịch Ủy ban nhân dân",
        "tại cuộc họp về tiến độ giải ngân vốn đầu tư công.",
    ],
    [
        "Kính gửi: Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
        "Đề nghị các đơn vị rà soát, thống kê số liệu",
        "và gửi báo cáo trước ngày 15 tháng 12 năm 2026.",
        "Nơi nhận: Như trên; Lưu: VT, VP.",
    ],
    [
        "Công văn hướng dẫn số hóa tài liệu lưu trữ",
        "Các cơ quan, tổ chức thực hiện chỉnh lý hồ sơ,",
        "quét tài liệu giấy và nhập dữ liệu đặc tả",
        "theo đúng quy định của pháp luật về lưu trữ.",
    ],
]

# (font file, size in points, skew degrees, noisy)
STYLES = [
    (FONTS_DIR / "LiberationSerif-Regular.ttf", 13, 0.0, False),
    (FONTS_DIR / "LiberationSans-Regular.ttf", 10, 0.0, False),
    (FONTS_DIR / "LiberationSerif-Bold.ttf", 13, 0.0, False),
    (DEJAVU_SANS, 11, 3.0, False),
    (FONTS_DIR / "LiberationSerif-Regular.ttf", 13, 0.0, True),
]
NAMES = ["serif 13 pt", "sans 10 pt", "serif bold 13 pt", "DejaVu sans 11 pt skewed 3°", "serif 13 pt noisy"]

DPI = 300


def _noisy(image, seed):
    rng = random.Random(seed)
    pixels = image.load()
    width, height = image.size
    for _ in range(width * height // 40):  # 2.5 % speckles, black and white
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))
    return image.filter(ImageFilter.GaussianBlur(1.2))


def page_image(index):
    font_path, points, skew, noisy = STYLES[index]
    font = ImageFont.truetype(str(font_path), round(points * DPI / 72))
    lines = TEXTS[index]
    line_height = round(points * DPI / 72 * 1.6)
    image = Image.new("L", (2000, 160 + line_height * len(lines) + 120), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((150, 160 + number * line_height), line, font=font, fill=0)
    if skew:
        image = image.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if noisy:
        image = _noisy(image, seed=index)
    return image


def pages_pdf(path, indexes=None):
    """A scanned PDF (images only, no text layer) of the test pages."""
    images = [page_image(index).convert("RGB") for index in (indexes or range(len(TEXTS)))]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=DPI)
    return path


def _canonical(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


def distance(a, b):
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def cer(reference, recognised):
    """Character error rate: edit distance over the reference's length, spaces collapsed, NFC; a missing or wrong
    diacritic counts as a wrong character (ế for ê is one substitution)."""
    reference, recognised = _canonical(reference), _canonical(recognised)
    return distance(reference, recognised) / max(len(reference), 1)


def reference(index):
    return "\n".join(TEXTS[index])


TEXT_LAYER_PAGE = "Trang có lớp văn bản: Quyết định phê duyệt kế hoạch chuyển đổi số năm 2026."


def mixed_pdf(path):
    """Page 1 carries a text layer (drawn with Liberation Serif), pages 2 to 6 are the scanned test pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("OcrTestSerif", str(FONTS_DIR / "LiberationSerif-Regular.ttf")))
    document = canvas.Canvas(str(path), pagesize=A4)
    document.setFont("OcrTestSerif", 12)
    document.drawString(72, 760, TEXT_LAYER_PAGE)
    document.showPage()
    for index in range(len(TEXTS)):
        image = page_image(index)
        width, height = image.size[0] * 72 / DPI, image.size[1] * 72 / DPI
        document.setPageSize((width, height))
        document.drawImage(ImageReader(image.convert("RGB")), 0, 0, width, height)
        document.showPage()
    document.save()
    return path


def text_pdf_bytes(*page_texts):
    """A PDF with a real text layer (Liberation Serif embedded, so Vietnamese letters are mapped), a page per text."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("OcrTestSerif", str(FONTS_DIR / "LiberationSerif-Regular.ttf")))
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=A4)
    for text in page_texts:
        document.setFont("OcrTestSerif", 12)
        document.drawString(72, 760, text)
        document.showPage()
    document.save()
    return buffer.getvalue()
