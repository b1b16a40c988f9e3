"""ocr's announcements, handed to the services: a batch whose last scan has its text is done."""

from . import services


def text_settled(sender, file_text, **kwargs):
    services.text_settled(file_text)
