"""Real renderings of the five seed reports in the formats clerks keep, made by code (used by tests and bench).

From each seed ``.txt``:

* ``.docx`` — python-docx, one paragraph per line of the text; a Markdown heading line becomes a
  paragraph in Word's "Heading N" style, ``**bold**`` a bold run (what an author's Word file has);
* ``.doc`` — that ``.docx`` saved as Word 97–2003 by LibreOffice;
* ``.pdf`` — that ``.docx`` printed to PDF by LibreOffice (a text PDF);
* ``-scan.pdf`` — every page of that PDF rendered to a grey image at 200 dpi by Poppler and put
  back into a PDF of images only, as a scanner does (no text layer at all).

The renderings are kept next to pytest's temp folders, one set per checkout and version of this
module, so only the first session pays for LibreOffice and Poppler.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from index.settings import PROJECT_ROOT, SAMPLE_CORPUS

#: Bump when a rendering changes (the cached set is rebuilt).
RENDERING_VERSION = "1"
FORMATS = ("docx", "doc", "pdf", "scan")
SCAN_DPI = 200
TOOLS = ("soffice", "pdftoppm", "tesseract")

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def seed_paths() -> list[Path]:
    return sorted((SAMPLE_CORPUS / "seeds").glob("*.txt"))


def _runs(paragraph, text: str) -> None:
    """``text`` into ``paragraph``: ``**x**`` as bold runs, other Markdown emphasis marks dropped."""
    pos = 0
    for match in _BOLD.finditer(text):
        if match.start() > pos:
            paragraph.add_run(text[pos:match.start()].replace("*", ""))
        paragraph.add_run(match.group(1).replace("*", "")).bold = True
        pos = match.end()
    if pos < len(text):
        paragraph.add_run(text[pos:].replace("*", ""))


def write_docx(txt: Path, out: Path) -> Path:
    """The seed as a Word file: one paragraph per line, Markdown headings in Word heading styles."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    for line in txt.read_text(encoding="utf-8").split("\n"):
        heading = _MD_HEADING.match(line.strip())
        if heading:
            paragraph = document.add_paragraph(style=f"Heading {len(heading.group(1))}")
            _runs(paragraph, heading.group(2))
        else:
            _runs(document.add_paragraph(), line)
    document.save(out)
    return out


def libreoffice(path: Path, target: str, out_dir: Path) -> Path:
    """``soffice --headless --convert-to TARGET`` with a private profile."""
    with tempfile.TemporaryDirectory(prefix="render-lo-") as profile:
        subprocess.run(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                        "--convert-to", target, "--outdir", str(out_dir), str(path)],
                       check=True, capture_output=True, timeout=300)
    produced = out_dir / f"{path.stem}.{target}"
    assert produced.is_file(), f"LibreOffice did not write {produced}"
    return produced


def scan_pdf(text_pdf: Path, out: Path, dpi: int = SCAN_DPI) -> Path:
    """Each page rendered to a grey image and bound into an image-only PDF."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="render-scan-") as scratch:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(text_pdf), f"{scratch}/page"],
                       check=True, capture_output=True, timeout=300)
        pages = sorted(Path(scratch).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        images = [Image.open(p).convert("L") for p in pages]
        images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out


def render_seed(txt: Path, folder: Path) -> dict[str, Path]:
    """All renderings of one seed into ``folder``; returns format → file."""
    folder.mkdir(parents=True, exist_ok=True)
    docx_path = write_docx(txt, folder / f"{txt.stem}.docx")
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        doc = libreoffice(docx_path, "doc", Path(scratch))
        pdf = libreoffice(docx_path, "pdf", Path(scratch))
        doc_path = shutil.move(doc, folder / f"{txt.stem}.doc")
        pdf_path = shutil.move(pdf, folder / f"{txt.stem}.pdf")
    scan = scan_pdf(Path(pdf_path), folder / f"{txt.stem}-scan.pdf")
    return {"docx": docx_path, "doc": Path(doc_path), "pdf": Path(pdf_path), "scan": scan}


def renderings_dir(base: Path) -> Path:
    """The cached set for this checkout and rendering version (under ``base``, pytest's temp root)."""
    checkout = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:10]
    seeds = hashlib.sha256(b"".join(p.read_bytes() for p in seed_paths())).hexdigest()[:10]
    return base / f"soanthao-seed-renderings-{checkout}-v{RENDERING_VERSION}-{seeds}"


def render_all(folder: Path) -> dict[str, dict[str, Path]]:
    """Seed name → format → file, rendered once into ``folder`` (reused when complete)."""
    out: dict[str, dict[str, Path]] = {}
    for txt in seed_paths():
        target = folder / txt.stem
        expected = {"docx": target / f"{txt.stem}.docx", "doc": target / f"{txt.stem}.doc",
                    "pdf": target / f"{txt.stem}.pdf", "scan": target / f"{txt.stem}-scan.pdf"}
        if not all(p.is_file() and p.stat().st_size for p in expected.values()):
            if target.exists():
                shutil.rmtree(target)
            expected = render_seed(txt, target)
        out[txt.name] = expected
    return out
