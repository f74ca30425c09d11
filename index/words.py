"""Vietnamese words (not syllables) for the third BM25 field: segmented once when indexing, matched by
the index's own vocabulary when searching.

Why: most Vietnamese words are two or more syllables ("tiếp xúc", "nhân dân", "Ủy ban nhân dân"); the
syllable fields count "tiếp" and "xúc" apart, and their adjacent pairs also pair syllables across word
boundaries ("bộ_xã"). A field of real words weighs what a clerk's question and a passage share as words.

* **Passages** are segmented by underthesea's ``word_tokenize`` (a CRF model shipped inside the package,
  offline; nothing else of underthesea is used, its other features download models). It is imported
  only while indexing: about 3 s to import and ~1 ms a sentence.
* **Queries** are segmented without underthesea, by longest match of their syllables against the words
  the index holds (``longest_match``): no import and no model at search time, and a query word is cut
  the way the corpus's words were. A syllable no indexed word starts with stays a one-syllable word.

Words are lower-cased NFC, tone placement unified (``index.lexical.unify_tone_placement``), stopwords
(``STOPWORDS_VI``) and punctuation dropped, syllables joined by ``_`` ("tiếp_công_dân").

Example:
    >>> longest_match(["tiếp", "công", "dân", "ở", "xã"], {"tiếp_công_dân", "công_dân"})
    ['tiếp_công_dân', 'ở', 'xã']
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from pathlib import Path
from typing import Collection, Sequence

logger = logging.getLogger(__name__)

#: Where an index keeps its passages' segmented words, so the next build reuses them.
SEGMENTED_NAME = "segmented_words.json"

#: Longest word (in syllables) a query is matched against.
MAX_WORD_SYLLABLES = 4

_SYLLABLE = re.compile(r"\w+")


def segment_passage(text: str, stopwords: Collection[str]) -> list[str]:
    """The words of a passage (underthesea ``word_tokenize``), normalized as the module docstring says."""
    from underthesea import word_tokenize

    from index.lexical import unify_tone_placement

    words = []
    for word in word_tokenize(unicodedata.normalize("NFC", text)):
        syllables = _SYLLABLE.findall(word.lower())
        if not syllables or (len(syllables) == 1 and syllables[0] in stopwords):
            continue
        words.append("_".join(unify_tone_placement(s) for s in syllables))
    return words


def longest_match(syllables: Sequence[str], vocabulary: Collection[str],
                  max_len: int = MAX_WORD_SYLLABLES) -> list[str]:
    """Cut ``syllables`` into the longest words found in ``vocabulary``, left to right."""
    out: list[str] = []
    i = 0
    while i < len(syllables):
        for n in range(min(max_len, len(syllables) - i), 0, -1):
            word = "_".join(syllables[i:i + n])
            if n == 1 or word in vocabulary:
                out.append(word)
                i += n
                break
    return out


def text_key(text: str) -> str:
    """The key of a passage's segmentation: a hash of its text (the segmenter's only input)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_segmented(path: Path) -> dict[str, list[str]]:
    """Segmentations an earlier build saved (empty when missing or unreadable: they are only a cache)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the word segmentation cache %s: %s", path, exc)
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list)} if isinstance(data, dict) else {}


def save_segmented(path: Path, segmented: dict[str, list[str]], keep: Collection[str]) -> None:
    """Write the segmentations of the passages ``keep`` names (text keys), dropping the rest."""
    Path(path).write_text(json.dumps({k: segmented[k] for k in keep if k in segmented}, ensure_ascii=False),
                          encoding="utf-8")
