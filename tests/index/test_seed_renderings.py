"""Real renderings of the five seed reports (``bench.formats``: .docx, .doc, text PDF, scanned PDF) give
the same document as the seed's .txt: unit, year, number, signer, section tree, and the directive
references ``check`` finds. OCR's character error rate is printed (target ≤ 2 %)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.formats import (
    FORMATS,
    character_error_rate,
    missing_tools,
    read_file,
    render_all,
    renderings_dir,
    seed_paths,
    tree_differences,
)
from index.settings import SAMPLE_CORPUS, Settings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(missing_tools()), reason=f"needs {missing_tools()} (make document-tools)")]
SEEDS = [p.name for p in seed_paths()]


@pytest.fixture(scope="session")
def renderings(tmp_path_factory):
    folder = renderings_dir(tmp_path_factory.getbasetemp().parent)
    # the OCR cache lives beside the renderings: later sessions read the scans from it, as a clerk's
    # second `soanthao index` does
    return render_all(folder), Settings(data_dir=folder / "data")


@pytest.fixture(scope="session")
def readings(renderings):
    files, settings = renderings
    out = {}
    for seed in SEEDS:
        out[seed] = {"txt": read_file(SAMPLE_CORPUS / "seeds" / seed, settings)}
        for fmt in FORMATS:
            out[seed][fmt] = read_file(files[seed][fmt], settings)
    return out


def _check_refs(path, registry, settings) -> Counter:
    from assistant.check import check_file

    result = check_file(path, registry, settings)
    return Counter((r.id, tuple(sorted(p.code for p in r.problems))) for r in result.references)


def _without(registry, source: str):
    """The registry without one source: the .txt and its renderings are then checked alike, as drafts
    the corpus does not hold (a rendering is not the corpus file, so it would be checked against its twin)."""
    from index.registry import Registry

    out = Registry()
    for other in registry.sources:
        if other != source:
            out.add(other, registry.entry(other))
    return out


#: What is not the same yet, and why (strict: a case that starts passing fails, so this list stays true).
#: Seed 001 is Markdown: two headings ("### Quan điểm", "## NHIỆM VỤ, GIẢI PHÁP …") are headings only by
#: their marks, which the .docx keeps as Word heading styles but a PDF keeps only as bold type, and a
#: long heading set as one Word paragraph is glued in the PDF to the paragraph after it (pypdf gives
#: no blank line between them). Seed 002's scan keeps two OCR errors the repairs cannot prove wrong:
#: "vụ, tỉnh thần" (the pair "vụ tinh" is not in the corpus) and "11-QĐÐ/TW" (a doubled letter).
KNOWN_DIFFERENT = {
    ("001_fbaec8e52927d2a0.txt", "pdf"): "headings marked only by Markdown/Word heading style are not in a PDF",
    ("001_fbaec8e52927d2a0.txt", "scan"): "headings marked only by Markdown/Word heading style are not in a scan",
    ("002_2cc0b2eb3d9fdbc1.txt", "scan"): "OCR: 'tỉnh thần' in heading 5, 'QĐÐ' in 11-QĐ/TW",
}
KNOWN_CHECK_DIFFERENT = {("002_2cc0b2eb3d9fdbc1.txt", "scan"): "OCR: 'QĐÐ' in 11-QĐ/TW"}


def _case(seed: str, fmt: str, known: dict):
    reason = known.get((seed, fmt))
    return pytest.param(seed, fmt, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else \
        pytest.param(seed, fmt)


@pytest.mark.parametrize("seed, fmt", [_case(seed, fmt, KNOWN_DIFFERENT) for seed in SEEDS for fmt in FORMATS])
def test_every_rendering_is_the_same_document(readings, seed, fmt):
    txt, other = readings[seed]["txt"], readings[seed][fmt]
    assert other.rejected is None, other.rejected
    assert other.meta == txt.meta, tree_differences(txt, other)
    assert other.tree == txt.tree, tree_differences(txt, other)
    assert other.directives == txt.directives


@pytest.mark.parametrize("seed, fmt", [_case(seed, fmt, KNOWN_CHECK_DIFFERENT) for seed in SEEDS for fmt in FORMATS])
def test_check_finds_the_same_references(renderings, corpus_registry, seed, fmt):
    files, settings = renderings
    registry = _without(corpus_registry, f"seeds/{seed}")
    assert _check_refs(files[seed][fmt], registry, settings) == _check_refs(SAMPLE_CORPUS / "seeds" / seed, registry,
                                                                            settings)


def test_ocr_character_error_rate(readings):
    rates = {seed: character_error_rate(readings[seed]["txt"].text, readings[seed]["scan"].text) for seed in SEEDS}
    for seed, rate in rates.items():
        print(f"OCR CER {seed}: {rate:.2%} ({readings[seed]['scan'].pages} pages)")
    assert all(rate <= 0.02 for rate in rates.values()), rates
    assert all(readings[seed]["scan"].pages == readings[seed]["pdf"].pages > 1 for seed in SEEDS)
