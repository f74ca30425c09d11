"""Back up and restore what a shared server must not lose: accounts, document owners, the audit
log, uploaded documents and the index.

What lives in the data folder (``SOANTHAO_DATA_DIR``):

| path | what | in a backup |
|---|---|---|
| ``access.sqlite3`` | accounts (argon2 hashes) and who added which upload | yes (SQLite online backup: consistent while the app runs) |
| ``audit.jsonl`` | the append-only audit log | yes (copied under its lock) |
| ``uploads/`` | documents clerks uploaded | yes |
| ``index/`` | the search index (rebuildable with ``soanthao index``, but that re-embeds everything) | yes |
| ``exports/``, ``tmp/`` | drafts for download, Gradio's upload cache | no (short-lived) |

The bundled corpus (``SOANTHAO_CORPUS_DIR``) is part of the installation, not of the data.
An archive carries ``backup.json`` with each file's SHA-256; ``restore`` checks every one before
anything in the data folder is replaced, and extracts with the standard library's ``data`` filter
(no absolute names, no ``..``, no links out of the folder).

Example:
    >>> backup(Path("data"), Path("soanthao-2026-12-04.tar.gz"))     # doctest: +SKIP
    >>> restore(Path("soanthao-2026-12-04.tar.gz"), Path("data"))     # doctest: +SKIP
"""

from __future__ import annotations

import fcntl
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from assistant.access.accounts import DB_NAME, now_iso
from assistant.access.audit import AUDIT_NAME
from assistant.errors import InvalidRequestError
from index.model_identity import sha256_file

MANIFEST = "backup.json"
FOLDERS = ("uploads", "index")
RESTORED = (DB_NAME, AUDIT_NAME, *FOLDERS)
#: Attempts to copy the index when a build swaps it in the middle of the copy.
INDEX_COPY_ATTEMPTS = 3


@dataclass(frozen=True)
class BackupReport:
    archive: str
    files: int
    bytes: int
    created_at: str


def _copy_index(source: Path, target: Path) -> None:
    """Copy the index folder; again if its manifest changed meanwhile (a build swapped it in)."""
    manifest = source / "manifest.json"
    for _ in range(INDEX_COPY_ATTEMPTS):
        before = manifest.read_bytes() if manifest.exists() else b""
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(source, target)
        except (FileNotFoundError, shutil.Error):
            continue
        if (manifest.read_bytes() if manifest.exists() else b"") == before:
            return
    raise InvalidRequestError("Chỉ mục đang được dựng lại; thử sao lưu lại sau / the index is being rebuilt, "
                              "try the backup again later")


def backup(data_dir: Path, archive: Path) -> BackupReport:
    """Write ``archive`` (.tar.gz) with the accounts database, audit log, uploads and index of ``data_dir``."""
    data_dir, archive = Path(data_dir), Path(archive)
    if not data_dir.is_dir():
        raise InvalidRequestError(f"Không có thư mục dữ liệu {data_dir} / no data folder {data_dir}")
    with tempfile.TemporaryDirectory(prefix="soanthao-backup-") as tmp:
        stage = Path(tmp)
        if (data_dir / DB_NAME).exists():
            with closing(sqlite3.connect(data_dir / DB_NAME)) as src, closing(sqlite3.connect(stage / DB_NAME)) as dst:
                src.backup(dst)
        if (data_dir / AUDIT_NAME).exists():
            with open(data_dir / AUDIT_NAME, "rb") as f:
                fcntl.flock(f, fcntl.LOCK_SH)
                (stage / AUDIT_NAME).write_bytes(f.read())
        if (data_dir / "uploads").is_dir():
            shutil.copytree(data_dir / "uploads", stage / "uploads")
        if (data_dir / "index").is_dir():
            _copy_index(data_dir / "index", stage / "index")
        files = {p.relative_to(stage).as_posix(): sha256_file(p) for p in sorted(stage.rglob("*")) if p.is_file()}
        created = now_iso()
        (stage / MANIFEST).write_text(json.dumps({"created_at": created, "files": files}, ensure_ascii=False,
                                                 indent=1), encoding="utf-8")
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            for entry in sorted(stage.iterdir()):
                tar.add(entry, arcname=entry.name)
        partial.replace(archive)
    archive.chmod(0o600)
    return BackupReport(str(archive), len(files), archive.stat().st_size, created)


def restore(archive: Path, data_dir: Path, force: bool = False) -> dict[str, object]:
    """Put an archive's accounts, audit log, uploads and index back into ``data_dir``.

    Raises:
        InvalidRequestError: not a backup, a file that does not match its checksum, or a data folder
            that already holds data (``force`` replaces it; the replaced parts are kept beside it).
    """
    archive, data_dir = Path(archive), Path(data_dir)
    if not archive.is_file():
        raise InvalidRequestError(f"Không có tệp sao lưu {archive} / no backup file {archive}")
    present = [name for name in RESTORED if (data_dir / name).exists()]
    if present and not force:
        raise InvalidRequestError(
            f"Thư mục dữ liệu {data_dir} đã có {', '.join(present)}; thêm --force để thay / "
            f"{data_dir} already holds {', '.join(present)}: use --force to replace them")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as tmp:
        stage = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(stage, filter="data")
            manifest = json.loads((stage / MANIFEST).read_text(encoding="utf-8"))
        except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
            raise InvalidRequestError(f"{archive.name} không phải bản sao lưu của Soạn Thảo ({exc}) / "
                                      f"not a Soạn Thảo backup") from exc
        for name, digest in manifest["files"].items():
            path = stage / name
            if not path.is_file() or sha256_file(path) != digest:
                raise InvalidRequestError(f"{archive.name}: tệp {name} hỏng hoặc thiếu / {name} is damaged or missing")
        aside = data_dir / f"replaced-{now_iso().replace(':', '')}"
        for name in RESTORED:
            if not (stage / name).exists():
                continue
            if (data_dir / name).exists():
                aside.mkdir(exist_ok=True)
                shutil.move(str(data_dir / name), str(aside / name))
            shutil.move(str(stage / name), str(data_dir / name))
    return {"archive": str(archive), "created_at": manifest.get("created_at"), "files": len(manifest["files"]),
            "replaced_kept_in": str(aside) if aside.exists() else None}


def describe(data_dir: Path) -> str:
    """Where the data lives and how to back it up, for ``soanthao serve --help`` and the admin tab."""
    data_dir = Path(data_dir)
    buf = io.StringIO()
    buf.write(f"Dữ liệu / data: {data_dir}\n")
    for name, what in ((DB_NAME, "tài khoản, chủ sở hữu tài liệu / accounts, document owners"),
                       (AUDIT_NAME, "nhật ký / audit log"), ("uploads/", "tài liệu tải lên / uploads"),
                       ("index/", "chỉ mục / index"), ("exports/", "bản .docx tạm / temporary .docx (auto-removed)")):
        buf.write(f"  {data_dir / name}  — {what}\n")
    buf.write("Sao lưu / back up:  soanthao backup BACKUP.tar.gz\n")
    buf.write("Khôi phục / restore: soanthao restore BACKUP.tar.gz [--force]  (dừng máy chủ trước / stop the server first)\n")
    return buf.getvalue()
