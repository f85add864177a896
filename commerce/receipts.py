"""A paid order's receipt as a PDF, rendered from the same template data as the receipt page."""

from __future__ import annotations

from django.template.loader import render_to_string
from weasyprint import HTML

from commerce.models import Order


def receipt_pdf(order: Order) -> bytes:
    """The receipt of ``order`` (with its items, tax and refunds prefetched) as PDF bytes."""
    html = render_to_string("commerce/receipt_pdf.html", {"order": order})
    return HTML(string=html).write_pdf()
