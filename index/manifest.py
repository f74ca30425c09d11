"""The ingestion manifest: one entry per input file, indexed or rejected with the reason.

Why a manifest: a clerk drops a folder of mixed files into the corpus; one
unreadable scan must not stop the others, and the person must be able to see
which files made it into the index and why the others did not. The content hash
lets the index builder skip files that did not change.

Example:
    >>> entry = ManifestEntry("seeds/a.txt", "ab12", "rejected", "file is empty", None, 0)
    >>> ManifestEntry.from_dict(entry.to_dict()) == entry
    True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

__all__ = ["ManifestEntry", "Status", "write_entries", "read_entries"]

Status = Literal["indexed", "rejected"]


@dataclass(frozen=True)
class ManifestEntry:
    """What happened to one input file.

    Args:
        source: corpus-relative path (``seeds/000_ad1bc2404d8aad29.txt``).
        content_hash: sha256 of the raw bytes; "" when the file could not even be read.
        status: ``indexed`` or ``rejected``.
        reason: why it was rejected (Vietnamese / English), None when indexed.
        doc_id: the document id when indexed.
        chunk_count: chunks produced (0 when rejected).
        path: absolute path on disk (the index builder re-reads files added from
            outside the corpus folder); None in entries built by hand.
    """

    source: str
    content_hash: str
    status: Status
    reason: str | None
    doc_id: str | None
    chunk_count: int
    path: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ("indexed", "rejected"):
            raise ValueError(f"status must be 'indexed' or 'rejected', got {self.status!r}")
        if self.status == "rejected" and not self.reason:
            raise ValueError(f"{self.source}: a rejected entry needs a reason")

    @property
    def indexed(self) -> bool:
        return self.status == "indexed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ManifestEntry":
        return cls(
            source=str(data["source"]),
            content_hash=str(data.get("content_hash") or ""),
            status=data["status"],
            reason=data.get("reason"),
            doc_id=data.get("doc_id"),
            chunk_count=int(data.get("chunk_count", 0)),
            path=data.get("path"),
        )


def write_entries(entries: Iterable[ManifestEntry], path: Path) -> None:
    """Write entries as a JSON list (UTF-8, Vietnamese kept readable)."""
    payload = [entry.to_dict() for entry in entries]
    Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


def read_entries(path: Path) -> list[ManifestEntry]:
    """Read entries written by ``write_entries``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of manifest entries")
    return [ManifestEntry.from_dict(item) for item in data]
