"""HTML export of an executed notebook: one self-contained file that reads offline (suite spec, publishing).

* Math — ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and ``\\begin{env}...\\end{env}`` in
  markdown cells and ``text/markdown`` outputs, and ``text/latex`` outputs — is rendered to MathML
  here, at export (``latex2mathml``), so no MathJax is needed. A formula latex2mathml cannot
  read is shown as its source in a ``<code>``, without its delimiters, and counted.
* Nothing is fetched: require.js, MathJax, mermaid and the widget manager (all from CDNs in
  nbconvert's lab template) are left out, and :func:`remote_references` finds any remote
  ``src``/``href``/``url()`` left (the export refuses to return such a page).
* Every image gets alt text: the ``alt`` of its cell's metadata, else a sentence naming the
  figure's section.
* A :class:`ReportHeader` puts a header on top: back to the index, previous/next notebook, the
  parameters used and the command that reproduces the run. Code inputs are folded behind one
  toggle (``show_code=True`` exports them open).
"""

from __future__ import annotations

import copy
import html
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import nbformat

__all__ = [
    "HEADLINE_TAG",
    "MathResult",
    "ReportHeader",
    "latex_to_mathml",
    "remote_references",
    "render_math",
    "report_header",
    "reproduce_command",
    "to_html",
]

#: the cell tag that marks a notebook's headline figure (the index card's thumbnail)
HEADLINE_TAG = "headline"

_PLACEHOLDER = "nestlabmath{:05d}z"
_PLACEHOLDER_RE = re.compile(r"nestlabmath(\d{5})z")
_MATH_RE = re.compile(
    r"(?<!\\)\$\$(?P<dd>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|(?P<env>\\begin\{(?P<envname>[a-zA-Z]+\*?)\}.+?\\end\{(?P=envname)\})"
    r"|(?<![\\$\w])\$(?P<d>[^\s$](?:[^$\n]|\n(?!\s*\n))*?)(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)
_CODE_RE = re.compile(r"(^|\n)(```|~~~).*?\n\2[^\n]*|`+[^`\n]*`+", re.DOTALL)
_REMOTE_RE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
                        r"""(?:https?:)?//""", re.IGNORECASE)


class MathResult(NamedTuple):
    """What :func:`render_math` did: formulas rendered and those left as source."""

    rendered: int
    failed: list[str]


def latex_to_mathml(latex: str, *, display: bool = False) -> str | None:
    """MathML of one formula (without delimiters), or ``None`` if latex2mathml cannot read it."""
    import latex2mathml.converter  # loads its symbol tables: only when exporting

    try:
        out = latex2mathml.converter.convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 — any parser failure falls back to the source
        return None
    return out


def _math_html(latex: str, display: bool, failed: list[str]) -> str:
    mathml = latex_to_mathml(latex, display=display)
    if mathml is not None:
        return mathml
    failed.append(latex)
    tag = "div" if display else "span"
    return f'<{tag} class="nestlab-math-source"><code>{html.escape(latex.strip())}</code></{tag}>'


def _substitute(text: str, store: list[str], failed: list[str]) -> str:
    """Replace each formula of a markdown text (outside code) by a placeholder; MathML to ``store``."""
    pieces, last = [], 0
    for code in _CODE_RE.finditer(text):
        pieces.append((text[last:code.start()], True))
        pieces.append((code.group(0), False))
        last = code.end()
    pieces.append((text[last:], True))

    def repl(m: re.Match) -> str:
        if m.group("env"):
            latex, display = m.group("env"), True
        elif m.group("dd") is not None or m.group("bracket") is not None:
            latex, display = m.group("dd") or m.group("bracket"), True
        else:
            latex, display = m.group("paren") or m.group("d"), False
        store.append(_math_html(latex, display, failed))
        return _PLACEHOLDER.format(len(store) - 1)

    return "".join(_MATH_RE.sub(repl, piece) if is_text else piece for piece, is_text in pieces)


def render_math(nb: nbformat.NotebookNode) -> tuple[list[str], MathResult]:
    """Render the math of a notebook (in place) ready for export.

    Markdown cells and ``text/markdown`` outputs get placeholders (markdown must not see MathML:
    it would read ``*`` or ``_`` inside it), to be swapped back by the caller; ``text/latex``
    outputs without HTML get a ``text/html`` rendering.

    Returns:
        The placeholders' HTML (index = placeholder number) and the :class:`MathResult`.
    """
    store: list[str] = []
    failed: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _substitute(cell.source, store, failed)
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            if "text/markdown" in data:
                data["text/markdown"] = _substitute(data["text/markdown"], store, failed)
            if "text/latex" in data and "text/html" not in data:
                before = len(store)
                body = _substitute(data["text/latex"], store, failed)
                if len(store) == before:  # a bare formula without delimiters
                    store.append(_math_html(body, True, failed))
                    body = _PLACEHOLDER.format(len(store) - 1)
                data["text/html"] = _swap(f'<div class="nestlab-latex">{body}</div>', store)
    return store, MathResult(len(store) - len(failed), failed)


def _swap(page: str, store: list[str]) -> str:
    """Put the MathML back: in text, the formula; inside a tag (a heading's id), the word ``math``."""
    parts = re.split(r"(<[^>]*>)", page)
    for i, part in enumerate(parts):
        if "nestlabmath" in part:
            if part.startswith("<"):
                parts[i] = _PLACEHOLDER_RE.sub("math", part)
            else:
                parts[i] = _PLACEHOLDER_RE.sub(lambda m: store[int(m.group(1))], part)
    return "".join(parts)


def remote_references(page: str) -> list[str]:
    """Every remote ``src``/``href``/``url(...)``/``@import`` of a page (an offline report has none)."""
    return [page[m.start():m.end() + 60].split()[0] for m in _REMOTE_RE.finditer(page)]


def reproduce_command(name: str, parameters: Mapping[str, Any], *, profile: str | None = None,
                      profile_values: Mapping[str, Any] | None = None,
                      notebooks: str | Path | None = None) -> str:
    """The ``nestlab run`` command that reproduces a run (shell-quoted).

    Args:
        name: the notebook.
        parameters: the values the run used that differ from the notebook's own.
        profile: the profile, if any.
        profile_values: the values the profile sets (``-p`` repeats only those that differ).
        notebooks: the notebooks folder when it is not the suite's.
    """
    import json

    parts = ["nestlab", "run", name]
    if notebooks is not None:
        parts += ["--notebooks", str(notebooks)]
    if profile:
        parts += ["--profile", profile]
    from_profile = profile_values or {}
    for key, value in parameters.items():
        if key in from_profile and from_profile[key] == value:
            continue
        parts += ["-p", key, value if isinstance(value, str) else json.dumps(value)]
    return shlex.join(parts)


@dataclass(frozen=True)
class ReportHeader:
    """What a report's header shows (every field optional)."""

    title: str = ""
    index: str = "index.html"
    previous: str | None = None
    next: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    command: str = ""
    profile: str | None = None

    def render(self, *, show_code: bool) -> str:
        """The header's HTML."""
        esc = html.escape
        nav = [f'<a href="{esc(self.index)}">&larr; all reports</a>']
        if self.previous:
            nav.append(f'<a rel="prev" href="{esc(self.previous)}.html">previous: {esc(self.previous)}</a>')
        if self.next:
            nav.append(f'<a rel="next" href="{esc(self.next)}.html">next: {esc(self.next)}</a>')
        params = "".join(f"<dt>{esc(str(k))}</dt><dd><code>{esc(repr(v))}</code></dd>"
                         for k, v in self.parameters.items())
        label = "Hide code" if show_code else "Show code"
        return (
            '<header class="nestlab-header"><nav>' + " · ".join(nav)
            + f'<button type="button" id="nestlab-code-toggle" aria-pressed="{str(show_code).lower()}">'
            f"{label}</button></nav>"
            + (f"<details><summary>Parameters ({esc(self.profile or 'notebook defaults')}) and "
               f"the command that reproduces this report</summary><dl>{params}</dl>"
               f"<pre class='nestlab-command'><code>{esc(self.command)}</code></pre></details>"
               if self.command or params else "")
            + "</header>"
        )


def report_header(plan: Any) -> ReportHeader:
    """The header of a planned run's report: its neighbours in the catalogue, parameters, command.

    Args:
        plan: a :class:`~nestlab.runner.catalogue.RunPlan`.
    """
    from nestlab.paths import notebooks_dir
    from nestlab.runner.catalogue import discover, load_profile
    from nestlab.runner.params import check_value

    info = plan.info
    folder = info.path.parent
    names = list(discover(folder))
    i = names.index(info.name) if info.name in names else -1
    profile_values: dict[str, Any] = {}
    if plan.profile:
        for key, text in load_profile(plan.profile, folder).get(info.name, {}).items():
            if key in info.specs:
                profile_values[key] = check_value(key, info.specs[key], text)
    suite = folder.resolve() == notebooks_dir().resolve()
    return ReportHeader(
        title=info.title, previous=names[i - 1] if i > 0 else None,
        next=names[i + 1] if 0 <= i < len(names) - 1 else None,
        parameters={**info.parameters, **plan.parameters}, profile=plan.profile,
        command=reproduce_command(info.name, plan.parameters, profile=plan.profile,
                                  profile_values=profile_values,
                                  notebooks=None if suite else folder))


_HEADER_CSS = """
.nestlab-header{font-family:system-ui,sans-serif;font-size:.9rem;border-bottom:1px solid #ddd;
padding:.5rem 1rem;margin-bottom:1rem;background:#fafafa}
.nestlab-header nav{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.nestlab-header button{margin-left:auto}
.nestlab-header dl{display:grid;grid-template-columns:auto 1fr;gap:0 .8rem;margin:.4rem 0}
.nestlab-header dd{margin:0}
body.nestlab-hide-code .jp-CodeCell .jp-Cell-inputWrapper{display:none}
body.nestlab-hide-code .jp-CodeCell .jp-OutputPrompt{visibility:hidden}
.nestlab-math-source code{color:#a33}
math[display=block]{margin:.5em 0}
"""

_TOGGLE_JS = """
document.getElementById('nestlab-code-toggle').addEventListener('click', function () {
  var hidden = document.body.classList.toggle('nestlab-hide-code');
  this.textContent = hidden ? 'Show code' : 'Hide code';
  this.setAttribute('aria-pressed', String(!hidden));
});
"""

# the lab template without anything fetched from a CDN, with alt text on every image
_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% macro img(output, mime, extra_class) -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:{{ mime }};base64,{{ output.data[mime] | escape_html }}"
 alt="{{ output.metadata.get('nestlab_alt', 'figure') | escape_html }}"
{%- set width=output | get_metadata('width', mime) -%}
{%- if width is not none %} width={{ width | escape_html }}{%- endif %}>
</div>
{%- endmacro %}
{% block data_png scoped %}{{ img(output, 'image/png', extra_class) }}{% endblock data_png %}
{% block data_jpg scoped %}{{ img(output, 'image/jpeg', extra_class) }}{% endblock data_jpg %}
{% block data_svg scoped %}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}" role="img"
 aria-label="{{ output.metadata.get('nestlab_alt', 'figure') | escape_html }}">
{{ output.data['image/svg+xml'] }}
</div>
{% endblock data_svg %}
{% block data_widget_view scoped %}
<div class="jp-OutputArea-output nestlab-widget">(an interactive widget: open the notebook in JupyterLab to use it)</div>
{% endblock data_widget_view %}
"""


def _add_alt_text(nb: nbformat.NotebookNode) -> None:
    """Set ``nestlab_alt`` on every image output: the cell's ``alt`` metadata, else its section."""
    title, section, count = nb.metadata.get("title", ""), "", 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if re.match(r"#{1,6}\s", line):
                    heading = _PLACEHOLDER_RE.sub("…", line.lstrip("#").strip())
                    title = title or heading
                    section = heading
            continue
        for out in cell.get("outputs", []):
            if any(m in out.get("data", {}) for m in ("image/png", "image/jpeg", "image/svg+xml")):
                count += 1
                alt = cell.metadata.get("alt")
                if not isinstance(alt, str) or not alt.strip():
                    alt = f"Figure {count}" + (f" of section “{section}”" if section else "") \
                        + (f" in “{title}”" if title and title != section else "")
                out.setdefault("metadata", {})["nestlab_alt"] = alt


def to_html(notebook: str | Path | nbformat.NotebookNode, *, header: ReportHeader | None = None,
            show_code: bool = False) -> str:
    """Render an executed notebook as one self-contained, offline HTML page.

    Args:
        notebook: an ``.ipynb`` path or a loaded notebook (not modified).
        header: the report header (navigation, parameters, command); ``None``: only the code toggle.
        show_code: export code inputs open (default: folded behind the toggle).

    Returns:
        The page.

    Raises:
        RuntimeError: the page would still reference a remote resource (a template change).
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter  # nbconvert pulls in jinja2/mistune/bleach: load on use

    nb = (nbformat.read(str(notebook), as_version=4) if isinstance(notebook, str | Path)
          else copy.deepcopy(notebook))
    store, _ = render_math(nb)
    _add_alt_text(nb)
    exporter = HTMLExporter(template_name="lab", embed_images=True,
                            extra_loaders=[DictLoader({"nestlab_report.html.j2": _TEMPLATE})])
    exporter.template_file = "nestlab_report.html.j2"
    body, _ = exporter.from_notebook_node(nb)
    body = _swap(body, store)
    head = (header or ReportHeader()).render(show_code=show_code)
    body = body.replace("</head>", f"<style>{_HEADER_CSS}</style></head>", 1)
    body_class = "jp-Notebook" if show_code else "jp-Notebook nestlab-hide-code"
    body = re.sub(r'<body class="jp-Notebook"', f'<body class="{body_class}"', body, count=1)
    body = body.replace("<main>", f"{head}<main>", 1)
    body = body.replace("</body>", f"<script>{_TOGGLE_JS}</script></body>", 1)
    remote = remote_references(body)
    if remote:
        raise RuntimeError(f"to_html(): the report would fetch {remote[0]!r}; an offline report "
                           "references no remote resource")
    return body
