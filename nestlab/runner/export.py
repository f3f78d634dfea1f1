"""HTML export of an executed notebook: one self-contained file (nbconvert lab template).

Images are embedded; require.js (which serves only live widget/JS outputs, which an offline report
cannot show anyway) is dropped, so a report makes no network request for it.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["to_html"]


def to_html(notebook_path: str | Path) -> str:
    """Render an executed notebook as self-contained HTML (lab template, images embedded)."""
    from nbconvert import HTMLExporter  # nbconvert pulls in jinja2/mistune/bleach: load on use

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_filename(str(notebook_path))
    return re.sub(r'<script src="https://[^"]*require[^"]*"></script>\s*', "", body)
