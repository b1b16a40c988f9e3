"""What the ocr app announces to the apps above it (search indexes the text; the archive follows its batch).

- `text_ready`: sent with `file_text=` (an ocr.FileText) once its text is known: state done or no_text, after the
  first extraction and after every page correction. Receivers read `file_text.text` / `file_text.pages` and
  `file_text.content_type` / `object_id` / `field` to find the file's owner. Sent after the transaction commits.
- `text_failed`: sent with `file_text=` when extraction gave up (state failed, attempts exhausted).
"""

from django.dispatch import Signal

text_ready = Signal()
text_failed = Signal()
