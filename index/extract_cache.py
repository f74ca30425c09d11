"""Text extracted the slow way (OCR, LibreOffice conversion), kept by the file's content hash.

Why: OCR takes seconds per page and a conversion seconds per file, and ``soanthao index``
re-reads every file on each run (that is how it notices changes). With this cache an
unchanged scan is never read by Tesseract again, however often the index is rebuilt; a
changed file has a new hash and is read afresh. Entries live in ``<data_dir>/cache/extracted``
(outside the index folder, so a build that fails after an hour of OCR keeps what it read),
one JSON file per content hash, written aside and renamed; ``prune`` drops the entries of
files no longer indexed after each successful build.

Example:
    >>> cache = ExtractionCache(Path("/tmp/x"))
    >>> cache.put("ab" * 32, "ocr=1", Extracted("chữ", "ocr", (1,), (1,)))
    >>> cache.get("ab" * 32, "ocr=1").text
    'chữ'
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

logger = logging.getLogger(__name__)

CACHE_FOLDER = Path("cache") / "extracted"


@dataclass(frozen=True)
class Extracted:
    """What a slow extractor produced for one file.

    Args:
        text: the decoded text, ``\\n`` line ends.
        encoding: how it was read (``pdf+ocr``, ``ocr``, ``doc→docx`` …).
        pages: first line (1-based) of each page; empty for formats without pages.
        ocr_pages: the pages whose text came from OCR.
    """

    text: str
    encoding: str
    pages: tuple[int, ...] = ()
    ocr_pages: tuple[int, ...] = ()


class ExtractionCache:
    """Extracted text by content hash and extractor key, on disk.

    Args:
        folder: where entries are kept (``<data_dir>/cache/extracted``).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> "ExtractionCache":
        return cls(Path(data_dir) / CACHE_FOLDER)

    def _path(self, content_hash: str) -> Path:
        return self.folder / f"{content_hash}.json"

    def get(self, content_hash: str, key: str) -> Extracted | None:
        """The entry, when one was written for these bytes by the same extractor (``key``)."""
        path = self._path(content_hash)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        if data.get("key") != key:
            return None
        return Extracted(text=data["text"], encoding=data["encoding"], pages=tuple(data.get("pages", ())),
                         ocr_pages=tuple(data.get("ocr_pages", ())))

    def put(self, content_hash: str, key: str, extracted: Extracted) -> None:
        """Keep an entry; a cache that cannot be written only costs time later, so it is logged, not raised."""
        path = self._path(content_hash)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps({"key": key, **asdict(extracted)}, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            logger.warning("extracted text of %s not cached (%s): it will be extracted again next time",
                           content_hash[:12], exc)
            tmp.unlink(missing_ok=True)

    def prune(self, keep: Iterable[str]) -> int:
        """Remove entries whose content hash is not in ``keep``; returns how many were removed."""
        wanted = {f"{h}.json" for h in keep}
        removed = 0
        if not self.folder.is_dir():
            return 0
        for path in self.folder.glob("*.json"):
            if path.name not in wanted:
                try:
                    path.unlink()
                    removed += 1
                except OSError as exc:
                    logger.warning("cannot remove stale cache entry %s: %s", path, exc)
        return removed
