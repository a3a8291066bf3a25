"""report.pdf and revisjon.pdf: each edition's HTML printed by WeasyPrint as a tagged PDF (PDF/UA-1).
A4, page numbers and the outline come from the print CSS in the template.

Where the time goes (1× demo, the two editions, 51 pages): WeasyPrint's text layout (Pango, one
call per line and table cell) and drawing; the seven SVG figures ~0.5 s (the heat map ~0.3 s, see
report/figures.py); font subsetting (HarfBuzz), the PDF/UA tags and compression ~0.1 s each;
parsing the template's CSS ~0.01 s. Two things are done about it here:

- ``<wbr>`` is printed as the character it stands for: WeasyPrint's own stylesheet makes each
  ``<wbr>`` an element whose ``::before`` holds U+200B, i.e. two boxes per break opportunity
  (~1 ms each: 0.5 s for the 521 of the 1× auditor's edition), and it breaks a rule id at any
  letter rather than at them. The character itself is one break opportunity in the text; the PDF
  text is the same, and the HTML files keep ``<wbr>`` (a browser copies no character for it).
- The editions are printed at the same time, one in a child process, when a CPU is idle (the
  child imports WeasyPrint and this module, nothing else of the pipeline).

Measured and left: sharing one FontConfiguration (or one parsed stylesheet) between the two
documents saves nothing measurable; WeasyPrint lays out two pages more than a document has (for
the page counters), so there is no re-layout to skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

PDF_VARIANT = "pdf/ua-1"
# What the print gets instead of the HTML's markup (see the module docstring).
FOR_PRINT = (("<wbr>", "\u200b"),)


def for_print(html: str) -> str:
    for markup, text in FOR_PRINT:
        html = html.replace(markup, text)
    return html


def render_pdf(html: str, target: Path) -> Path:
    """One edition's HTML printed as a tagged PDF."""
    from weasyprint import HTML  # imported only when a PDF is written

    HTML(string=for_print(html)).write_pdf(target, pdf_variant=PDF_VARIANT)
    return target


def idle_cpus() -> float:
    """CPUs this process may use less the 1-minute load average (which counts this run itself)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        load = 0.0
    return cpus - load


def _child(source: Path, target: Path) -> tuple[subprocess.Popen, object]:
    """A Python that prints one edition with this very module: the folder holding this package (the
    checkout, or the site-packages of an installed wheel) first on its path, so neither the working
    directory nor another copy of the package can stand in for it."""
    root = str(Path(__file__).resolve().parents[2])
    code = f"import sys; sys.path.insert(0, {root!r}); from {__name__} import main; sys.exit(main(sys.argv[1:]))"
    errors = tempfile.TemporaryFile()  # not a pipe: WeasyPrint's warnings must not fill one nobody reads yet
    child = subprocess.Popen([sys.executable, "-c", code, str(source), str(target)], stdout=subprocess.DEVNULL,
                             stderr=errors)
    return child, errors


def render_pdfs(editions: list[tuple[Path, Path]], parallel: bool | None = None) -> list[Path]:
    """Each (html file, pdf file) printed. In parallel (``parallel=None``: when at least half a CPU
    is idle) every edition but the first is printed in a child process meanwhile. The PDFs are the
    same either way; the time is not: both editions of the 1× demo on 2 otherwise idle CPUs
    5.5 s → 3.8 s wall, but 6.1 s → 6.9 s when other work keeps both CPUs busy (the child's own
    WeasyPrint import, ~0.6 s CPU, is paid and nothing runs beside it)."""
    parallel = len(editions) > 1 and idle_cpus() >= 0.5 if parallel is None else parallel
    children = [(*_child(html, pdf), pdf) for html, pdf in editions[1:]] if parallel else []
    try:
        for html, pdf in editions[: 1 if parallel else None]:
            render_pdf(Path(html).read_text(encoding="utf-8"), Path(pdf))
    finally:
        failed = []
        for child, errors, pdf in children:
            child.wait()
            errors.seek(0)
            err = errors.read().decode("utf-8", "replace").strip()
            errors.close()
            if child.returncode:
                failed.append(f"{pdf}: exit code {child.returncode}\n{err[-4000:]}")
    if failed:
        raise RuntimeError("WeasyPrint failed in a child process: " + "\n".join(failed))
    return [Path(pdf) for _html, pdf in editions]


def main(argv: list[str]) -> int:
    source, target = argv
    render_pdf(Path(source).read_text(encoding="utf-8"), Path(target))
    return 0
