"""Vietnamese syllable knowledge: what a well-formed syllable looks like, and how often each one occurs.

Two sources, used together by the dropped-glyph repair in ``index.normalize``:

* **Phonotactics** (``is_valid_syllable``): Vietnamese is written one syllable per
  word, each syllable = onset × rhyme × tone. The onset and rhyme tables below are
  the standard orthographic ones (with the c/k/q, g/gh, ng/ngh spelling rules and
  the rule that a checked rhyme (-c, -ch, -p, -t) only takes the sắc or nặng
  tone). It tells a real syllable shape ("chỉ", "ực") from debris ("c", "iện").
* **Corpus frequency** (``SyllableInventory``): how often each syllable, and each
  pair of neighbouring syllables, occurs in the bundled corpus after NFC and the
  ``ƣ`` fix. It tells a common syllable ("thực") from a rare valid shape ("ực").

Counts are kept per document (keyed by a hash of the document's text) so the
repair can ignore the document it is repairing: a damaged report must not vote
for its own damage ("oạt" in seed 004 is there only because an ``H`` fell out).

Example:
    >>> is_valid_syllable("nghĩa"), is_valid_syllable("iện")
    (True, False)
    >>> inv = SyllableInventory.from_texts({"a": "thực hiện thực hiện"})
    >>> inv.count("thực"), inv.bigram("thực", "hiện")
    (2, 2)
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

INVENTORY_VERSION = 1
NON_SYLLABLE_WEIGHT = 0.1

# --- phonotactics -----------------------------------------------------------------------------

ONSETS: tuple[str, ...] = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)

# Toneless orthographic rhymes (nucleus + optional glide/final).
RHYMES: frozenset[str] = frozenset(
    """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oc oi om on ong op ot
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
    oe oec oen oeo oet ooc oong
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua uân uâng uât uây uc ui um un ung up ut uê uêch uênh uơ
    uy uya uych uyên uyêt uyn uynh uyp uyt uyu
    uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
    y yêm yên yêt yêu
    """.split()
)

# Combining marks that are tones (the others, ˆ ˘ ̛, belong to the letter).
_TONE_MARKS = {
    "\u0300": "huyền",
    "\u0301": "sắc",
    "\u0303": "ngã",
    "\u0309": "hỏi",
    "\u0323": "nặng",
}
TONES: tuple[str, ...] = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_CHECKED_FINALS = ("c", "ch", "p", "t")
_FRONT_VOWELS = ("i", "e", "ê", "y")


def strip_tone(syllable: str) -> tuple[str, str | None]:
    """Split a syllable into its toneless letters and its tone mark.

    Returns ``(toneless, tone)`` where ``tone`` is the combining mark, ``""`` for
    the level tone, or ``None`` when the syllable carries more than one tone mark
    (never valid).
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    toneless = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    if len(tones) > 1:
        return toneless, None
    return toneless, (tones[0] if tones else "")


def _onset_fits(onset: str, rhyme: str) -> bool:
    """Spelling rules that tie an onset to the rhyme that follows it."""
    first = rhyme[0]
    if rhyme.startswith("yê"):
        return onset in ("", "qu")         # yên, yêu; quyết is q+u+yêt
    if rhyme.startswith("iê") and onset == "":
        return False                       # zero onset writes yê… (yên), never iê…
    if onset in ("k", "gh", "ngh"):
        return first in _FRONT_VOWELS
    if onset in ("c", "g", "ng"):
        return first not in ("i", "e", "ê", "y") or (onset == "g" and first == "i")
    if onset == "qu":
        return first not in ("u", "o")
    if onset == "gi":
        return not rhyme.startswith("i")
    return True


@lru_cache(maxsize=65536)
def is_valid_syllable(token: str) -> bool:
    """True when ``token`` (any case) is a well-formed Vietnamese syllable: onset × rhyme × tone."""
    if not token or not token.isalpha():
        return False
    toneless, tone = strip_tone(token.lower())
    if tone is None:
        return False
    if toneless in ("gi", "gin"):      # gì, gìn: the i of gi is the nucleus
        return True
    for onset in sorted(ONSETS, key=len, reverse=True):
        if not toneless.startswith(onset):
            continue
        rhyme = toneless[len(onset):]
        if rhyme in RHYMES and _onset_fits(onset, rhyme):
            if rhyme.endswith(_CHECKED_FINALS) and tone not in ("\u0301", "\u0323"):
                continue
            return True
    return False


@lru_cache(maxsize=1)
def _toneless_prefixes() -> frozenset[str]:
    prefixes = {"g", "gi"}
    for onset in ONSETS:
        for rhyme in RHYMES:
            if _onset_fits(onset, rhyme):
                whole = onset + rhyme
                prefixes.update(whole[:i] for i in range(1, len(whole) + 1))
    return frozenset(prefixes)


@lru_cache(maxsize=131072)
def is_syllable_prefix(text: str) -> bool:
    """True when ``text`` (any case) can still grow into a valid syllable ("ngh" yes, "sởa" no)."""
    toneless, tone = strip_tone(text.lower())
    return tone is not None and toneless in _toneless_prefixes()


@lru_cache(maxsize=131072)
def syllable_key(word: str) -> str:
    """Counting key: lower case, tone mark moved to the end, so "hoà" and "hòa" count as one syllable."""
    toneless, tone = strip_tone(word.lower())
    return toneless + tone if tone else toneless


def _tone_position(rhyme: str) -> int:
    """Where the tone mark goes (modern convention); ``is_valid_syllable`` accepts either placement."""
    vowels = [i for i, ch in enumerate(rhyme) if ch in "aăâeêioôơuưy"]
    marked = [i for i in vowels if rhyme[i] in "ăâêôơư"]
    if marked:
        return marked[-1]                      # ươ → ơ, ê in iê/uyê
    if rhyme[-1] not in "aăâeêioôơuưy" or rhyme in ("oa", "oe", "uy"):
        return vowels[-1]                      # closed rhyme: last vowel (hoàn, hoà)
    return vowels[0] if len(vowels) <= 2 else vowels[1]   # ia → ìa, oai → oài


def syllable_shapes() -> Iterable[str]:
    """Every toned syllable shape the tables allow (onsets × rhymes × tones), for inspection and tests."""
    for onset in ONSETS:
        for rhyme in sorted(RHYMES):
            if not _onset_fits(onset, rhyme):
                continue
            position = _tone_position(rhyme)
            for tone in TONES:
                if rhyme.endswith(_CHECKED_FINALS) and tone not in ("\u0301", "\u0323"):
                    continue
                toned = rhyme[: position + 1] + tone + rhyme[position + 1 :]
                yield unicodedata.normalize("NFC", onset + toned)


# --- corpus frequencies -----------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def words_of_line(line: str) -> list[str]:
    """Letter runs of one line as counting keys (see ``syllable_key``): the tokens the inventory counts."""
    return [syllable_key(m.group(0)) for m in _WORD.finditer(line)]


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def clean_for_inventory(text: str) -> str:
    """The character fixes that come before counting: NFC, the PDF ``ƣ`` glyph, invisible characters."""
    return unicodedata.normalize("NFC", text).replace("ƣ", "ư").replace("Ƣ", "Ư").translate(_INVISIBLE)


def text_key(text: str) -> str:
    """Identity of a document's text for leave-one-out (hash of its cleaned form)."""
    return hashlib.sha256(clean_for_inventory(text).encode("utf-8")).hexdigest()


class SyllableInventory:
    """Syllable and syllable-bigram counts, per document and in total.

    Build with ``from_texts`` or ``from_corpus``; use ``excluding(text)`` to get
    the counts of every *other* document.

    Example:
        >>> inv = SyllableInventory.from_texts({"x": "chủ nghĩa", "y": "chủ tịch"})
        >>> inv.count("chủ"), inv.excluding("chủ tịch").count("chủ")
        (2, 1)
    """

    def __init__(self, per_doc: Mapping[str, tuple[Counter, Counter]]):
        self._per_doc = dict(per_doc)
        self.unigrams: Counter = Counter()
        self.bigrams: Counter = Counter()
        for uni, bi in self._per_doc.values():
            self.unigrams.update(uni)
            self.bigrams.update(bi)
        self.total = sum(self.unigrams.values())
        self._excluding_cache: dict[str, SyllableInventory] = {}

    # building
    @staticmethod
    def count_text(text: str) -> tuple[Counter, Counter]:
        """Unigram and within-line bigram counts of one text (already cleaned)."""
        uni: Counter = Counter()
        bi: Counter = Counter()
        for line in text.split("\n"):
            words = words_of_line(line)
            uni.update(words)
            bi.update(zip(words, words[1:]))
        return uni, bi

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> SyllableInventory:
        """Inventory of named texts (name → raw text); names only label the log."""
        per_doc = {}
        for name in sorted(texts):
            cleaned = clean_for_inventory(texts[name])
            per_doc[text_key(cleaned)] = cls.count_text(cleaned)
        return cls(per_doc)

    @classmethod
    def from_corpus(
        cls,
        corpus_root: Path,
        cache_dir: Path | None = None,
        ignore_names: tuple[str, ...] | None = None,
        refine: bool = True,
    ) -> SyllableInventory:
        """Inventory of every loadable file under ``corpus_root`` (sorted, deterministic).

        Args:
            corpus_root: folder scanned recursively with ``index.load.iter_corpus_files``.
            cache_dir: when given, the counts are stored there as JSON, keyed by the
                content hashes of the files, and reused while the files are unchanged.
            ignore_names: file names to skip; default ``Settings.ignore_names``
                (SOURCES.md quotes the damage, e.g. "C Ỉ ĐẠO", and must not vote).
            refine: count each document after repairing it (see ``refined``), so the
                debris of a damaged document ("oạt") is not taken for a real syllable
                when *other* documents are repaired.
        """
        from index.errors import UnreadableFileError
        from index.load import iter_corpus_files, load_file

        started = time.perf_counter()
        from index.settings import Settings

        if ignore_names is None:
            ignore_names = tuple(Settings.model_fields["ignore_names"].default)
        paths = iter_corpus_files(corpus_root, ignore_names=ignore_names)
        cache_file = None
        if cache_dir is not None:
            fingerprint = hashlib.sha256()
            fingerprint.update(f"v{INVENTORY_VERSION} refine={refine}".encode())
            for path in paths:
                fingerprint.update(path.relative_to(corpus_root).as_posix().encode())
                fingerprint.update(hashlib.sha256(path.read_bytes()).digest())
            cache_file = Path(cache_dir) / f"syllables-{fingerprint.hexdigest()[:16]}.json"
            if cache_file.exists():
                data = json.loads(cache_file.read_text(encoding="utf-8"))
                per_doc = {
                    key: (Counter(doc["uni"]), Counter({tuple(k.split(" ")): v for k, v in doc["bi"].items()}))
                    for key, doc in data["docs"].items()
                }
                logger.info("syllable inventory loaded from %s", cache_file)
                return cls(per_doc)
        texts = {}
        for path in paths:
            try:
                loaded = load_file(path, corpus_root)
            except UnreadableFileError as err:
                logger.warning("syllable inventory skips %s", err)
                continue
            texts[loaded.source] = loaded.text
        inventory = cls.from_texts(texts)
        if refine:
            inventory = inventory.refined(texts)
        logger.info(
            "syllable inventory: %d files, %d tokens, %d syllables in %.2fs",
            len(texts), inventory.total, len(inventory.unigrams), time.perf_counter() - started,
        )
        if cache_file is not None:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            docs = {
                key: {"uni": dict(uni), "bi": {" ".join(k): v for k, v in bi.items()}}
                for key, (uni, bi) in inventory._per_doc.items()
            }
            cache_file.write_text(json.dumps({"docs": docs}, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        return inventory

    def refined(self, texts: Mapping[str, str]) -> SyllableInventory:
        """Recount every document after normalizing it with this inventory (leave-one-out).

        Keys stay those of the raw texts, so ``excluding(raw_text)`` still finds them.
        """
        from index.normalize import normalize_vietnamese

        per_doc = {}
        for name in sorted(texts):
            normalized = normalize_vietnamese(texts[name], name, inventory=self)
            per_doc[text_key(texts[name])] = self.count_text(normalized.text)
        return SyllableInventory(per_doc)

    def excluding(self, text: str) -> SyllableInventory:
        """The inventory without the document whose text is ``text`` (itself if it is not in it)."""
        key = text_key(text)
        if key not in self._per_doc:
            return self
        if key not in self._excluding_cache:
            self._excluding_cache[key] = SyllableInventory(
                {k: v for k, v in self._per_doc.items() if k != key}
            )
        return self._excluding_cache[key]

    # queries
    def count(self, syllable: str) -> int:
        return self.unigrams.get(syllable_key(syllable), 0)

    def bigram(self, first: str, second: str) -> int:
        return self.bigrams.get((syllable_key(first), syllable_key(second)), 0)

    def is_common(self, token: str, min_count: int = 2) -> bool:
        """A valid syllable seen at least ``min_count`` times: no sign of damage."""
        return is_valid_syllable(token) and self.count(token) >= min_count

    def log_prob(self, word: str, previous: str | None = None, bigram_weight: float = 0.5) -> float:
        """Log probability of ``word`` after ``previous`` (interpolated bigram, smoothed unigram).

        An unseen but well-formed syllable gets a small share of probability mass;
        an unseen malformed one (debris such as "iện") almost none.
        """
        key = syllable_key(word)
        total = max(self.total, 1)
        seen = self.unigrams.get(key, 0)
        if seen:
            # a seen non-syllable ("c" of "c)", "ubnd") is a label or acronym: less likely as running text
            p_uni = seen / (total + 1.0) * (1.0 if is_valid_syllable(word) else NON_SYLLABLE_WEIGHT)
        else:
            p_uni = (0.5 if is_valid_syllable(word) else 1e-9) / (total + 1.0)
        if previous is None:
            return math.log(p_uni)
        prev_key = syllable_key(previous)
        prev_count = self.unigrams.get(prev_key, 0)
        pair = self.bigrams.get((prev_key, key), 0)
        p_bi = pair / prev_count if prev_count else 0.0
        return math.log(bigram_weight * p_bi + (1.0 - bigram_weight) * p_uni)


@lru_cache(maxsize=4)
def default_inventory(corpus_root: Path | None = None) -> SyllableInventory:
    """Inventory of the bundled sample corpus (built once per process)."""
    from index.settings import SAMPLE_CORPUS

    return SyllableInventory.from_corpus(Path(corpus_root) if corpus_root else SAMPLE_CORPUS)
