"""HTML to PDF (WeasyPrint) for printed pages: briefings, place cards.

The HTML is the app's own template output; the PDF may load nothing from outside it (no
file, no network: an address in a guest's name must not make the server fetch anything),
only ``data:`` URLs. Fonts come from the system (DejaVu covers æ ø å ä ö ü ß).
"""

from __future__ import annotations

import weasyprint


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document that carries its CSS inline. Any URL but ``data:`` is
    refused (WeasyPrint notes it in its log and leaves the resource out)."""
    fetch_inline_only = weasyprint.URLFetcher(allowed_protocols={"data"},
                                              allow_redirects=False, timeout=1)
    return weasyprint.HTML(string=html, base_url="about:blank",
                           url_fetcher=fetch_inline_only).write_pdf()
