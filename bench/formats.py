"""Formats a clerk keeps: parse speed in pages/s per format (OCR included), OCR character error rate,
and whether each rendering of the seeds gives the same document as its ``.txt``.

Renderings of the five seed reports, made by code (also used by ``tests/index/test_seed_renderings.py``
and ``tests/index/test_clerk_files.py``). From each seed ``.txt``:

* ``.docx`` — python-docx, one paragraph per line of the normalized text; a Markdown heading line becomes a
  paragraph in Word's "Heading N" style, ``**bold**`` a bold run (what an author's Word file has);
* ``.doc`` — that ``.docx`` saved as Word 97–2003 by LibreOffice;
* ``.pdf`` — that ``.docx`` printed to PDF by LibreOffice (a text PDF);
* ``-scan.pdf`` — every page of that PDF rendered to a grey image at 200 dpi by Poppler and put
  back into a PDF of images only, as a scanner does (no text layer at all).

The benchmark ingests every rendering through the project's pipeline (``index.pipeline``) with an
empty OCR cache, so OCR is really run: pages/s per format against the ``.txt`` baseline measured
in the same run, the OCR character error rate of each scan against the text it was printed from
(target ≤ 2 %), and, per seed and format, whether unit, year, number, signer and the section tree
equal the ``.txt``'s. ``--quick`` takes one seed. Renderings are cached under the bench work folder.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.settings import PROJECT_ROOT, SAMPLE_CORPUS

#: Bump when a rendering changes (the cached set is rebuilt).
RENDERING_VERSION = "2"
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
    """The seed as a Word file: one paragraph per line, Markdown headings in Word heading styles.

    The lines are the seed's *normalized* text: the report as it reads, not the damage its own
    extraction left in the ``.txt`` (PDF glyphs ``ƣ`` for ``ư``, dropped capitals), which no Word file has.
    """
    import docx
    from docx.shared import Pt

    from index.normalize import normalize_vietnamese

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    for line in normalize_vietnamese(txt.read_text(encoding="utf-8"), txt.name).lines:
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


# --- comparing a rendering with its .txt ---------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What the pipeline read from one file: the facts compared across formats."""

    source: str
    meta: dict[str, Any]                      # unit, year, number, signer
    tree: tuple[tuple[int, str, str], ...]    # (level, number, title) of every heading
    text: str                                 # the parsed blocks' text, whitespace collapsed
    pages: int                                # 0 for formats without pages
    directives: tuple[str, ...]               # ids of the directive mentions found in it (sorted)
    rejected: str | None = None

    def same_document_as(self, other: "Reading") -> bool:
        return self.meta == other.meta and self.tree == other.tree


_HEADING_MARKS = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def flat_text(text: str) -> str:
    """Text as it reads on the page: no heading marks, whitespace collapsed (what CER compares)."""
    return " ".join(_HEADING_MARKS.sub("", text).split())


def read_file(path: Path, settings: Any) -> Reading:
    """One file through the project's pipeline (load, normalize, parse, directives)."""
    from index.pipeline import ingest_paths

    result = ingest_paths([path], path.parent, settings)
    entry = result.entries[0]
    if not result.documents:
        return Reading(entry.source, {}, (), "", 0, (), rejected=entry.reason)
    doc = result.documents[0]
    m = doc.meta
    directives = result.directives[entry.source]
    pages = max((c.meta.get("page_end") or 0 for c in result.chunks), default=0)
    return Reading(entry.source, {"unit": m.unit, "year": m.year, "number": m.number, "signer": m.signer},
                   tuple((h.level, h.number, title_key(h.title)) for h in doc.headings),
                   flat_text("\n".join(b.text for b in doc.blocks)), pages,
                   tuple(sorted(mention.id for mention in directives.mentions)))


def title_key(title: str) -> str:
    """A heading as compared across formats: spacing around dashes is layout ("I - X" / "I- X"), not wording."""
    return " ".join(title.replace("-", " - ").replace("–", " – ").split())


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over the reference length (characters, NFC, whitespace collapsed)."""
    from rapidfuzz.distance import Levenshtein

    return Levenshtein.distance(reference, hypothesis) / max(1, len(reference))


def tree_differences(reference: Reading, other: Reading) -> list[str]:
    """Readable lines for what differs (metadata fields, headings missing or changed)."""
    import difflib

    out = [f"{k}: {reference.meta.get(k)!r} → {other.meta.get(k)!r}"
           for k in reference.meta if reference.meta.get(k) != other.meta.get(k)]
    out += [line for line in difflib.unified_diff([str(h) for h in reference.tree], [str(h) for h in other.tree],
                                                  lineterm="", n=0) if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    return out


# --- the benchmark ------------------------------------------------------------------------------------

NAME = "formats"


def run(ctx: Any) -> Any:
    """Pages/s per format (OCR included), OCR CER, same-document checks, on renderings of the seeds."""
    import time

    from bench.common import BenchResult, BenchSkipped, ratio, throughput

    missing = missing_tools()
    if missing:
        raise BenchSkipped(f"needs {', '.join(missing)} (make document-tools)")
    result = BenchResult(NAME)
    renderings = render_all(Path(ctx.work_dir) / "seed-renderings")
    seeds = sorted(renderings)[:1] if ctx.quick else sorted(renderings)
    settings = ctx.settings.model_copy(update={"data_dir": Path(ctx.work_dir) / "formats-data"})
    shutil.rmtree(Path(settings.data_dir), ignore_errors=True)          # an empty OCR cache: OCR really runs
    txt = {seed: read_file(SAMPLE_CORPUS / "seeds" / seed, settings) for seed in seeds}
    pages = {seed: read_file(renderings[seed]["pdf"], settings).pages for seed in seeds}
    total_pages = sum(pages.values())
    seconds: dict[str, float] = {}
    readings: dict[str, dict[str, Reading]] = {seed: {} for seed in seeds}
    for fmt in ("txt", *FORMATS):
        started = time.perf_counter()
        for seed in seeds:
            path = SAMPLE_CORPUS / "seeds" / seed if fmt == "txt" else renderings[seed][fmt]
            readings[seed][fmt] = read_file(path, settings)
        seconds[fmt] = time.perf_counter() - started
    started = time.perf_counter()
    for seed in seeds:                                                   # unchanged scans: from the cache
        read_file(renderings[seed]["scan"], settings)
    seconds["scan (cached)"] = time.perf_counter() - started

    txt_rate = throughput(total_pages, seconds["txt"])
    for fmt, spent in seconds.items():
        rate = throughput(total_pages, spent)
        label = {"scan": "scan (OCR)"}.get(fmt, fmt)
        if fmt == "txt":
            result.add(f"{label} parse", rate, "pages/s")
        else:
            result.add(f"{label} parse", rate, "pages/s", baseline=f"txt {txt_rate:.1f} pages/s",
                       ratio=ratio(rate, txt_rate))
    cers = {seed: character_error_rate(readings[seed]["txt"].text, readings[seed]["scan"].text) for seed in seeds}
    for seed, cer in cers.items():
        result.add(f"OCR CER {seed[:3]}", cer * 100, "%", target="≤ 2 %", verdict="PASS" if cer <= 0.02 else "FAIL")
    same = {seed: {fmt: readings[seed][fmt].same_document_as(txt[seed]) for fmt in FORMATS} for seed in seeds}
    for fmt in FORMATS:
        n = sum(same[seed][fmt] for seed in seeds)
        result.add(f"same document as .txt: {fmt}", f"{n}/{len(seeds)}", target=f"{len(seeds)}/{len(seeds)}",
                   verdict="PASS" if n == len(seeds) else "FAIL")
    result.data = {
        "pages": pages, "seconds": seconds,
        "ocr_workers": settings.ocr_settings().workers, "ocr_dpi": settings.ocr_dpi,
        "cer": cers,
        "same_document": same,
        "differences": {seed: {fmt: tree_differences(txt[seed], readings[seed][fmt]) for fmt in FORMATS}
                        for seed in seeds},
        "directives_differ": {seed: {fmt: readings[seed][fmt].directives != txt[seed].directives
                                     for fmt in FORMATS} for seed in seeds},
    }
    result.notes.append(
        f"{len(seeds)} seed(s), {total_pages} pages (A4, as LibreOffice prints the .docx); scans at {SCAN_DPI} dpi, "
        f"read at {settings.ocr_dpi} dpi by {settings.ocr_settings().workers} single-threaded Tesseract processes; "
        "pages/s = the same pages through load + normalize + parse + chunk + directives.")
    return result
