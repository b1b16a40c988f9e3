"""The signature report of pki.validation as every page shows it: {% signature_report report %} for a report in
hand, {% stored_signature_report fieldfile sha256 %} for a stored file (validated once, then cached)."""

from django import template

from pki.validation import validate_stored

register = template.Library()


@register.inclusion_tag("pki/_signature_report.html")
def signature_report(report, moot=False, article_5=True):
    """`moot`: the file shown is not the one that was signed (no check may read as passed); `article_5`: say
    whether the file meets Decree 30 Art. 5 (main files; attachments carry only the agency's signature)."""
    entries = [(signature, signature.rows(moot=moot)) for signature in report.signatures] if report else []
    return {"report": report, "entries": entries, "moot": moot, "article_5": article_5}


@register.inclusion_tag("pki/_signature_report.html")
def stored_signature_report(fieldfile, sha256="", article_5=True):
    return signature_report(validate_stored(fieldfile, sha256) if fieldfile else None, article_5=article_5)
