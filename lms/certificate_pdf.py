"""A certificate as a PDF: rendered from a template by WeasyPrint, with the verification
address as a QR code. Everything is inline; rendering never touches the network."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string

from lms.models import Certificate


def qr_data_uri(text: str) -> str:
    """``text`` as a QR code, an SVG data URI ready for an ``<img src>``."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """The PDF of ``certificate``: learner, course, date, grade, verification address and QR;
    a revoked one is marked REVOKED across the page with the date of revocation."""
    # Imported here: WeasyPrint loads its fonts and stylesheets on import, which only PDF
    # downloads should pay for.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "lms/certificates/certificate_pdf.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "qr_code": qr_data_uri(verify_url),
        },
    )
    # The template is self-contained: only inline data URIs load, never the network or files.
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
