"""External programs some formats need, found on ``PATH``, with the install hint a clerk's IT person can act on.

Why programs and not Python packages: Tesseract (OCR with its Vietnamese data), LibreOffice
(legacy ``.doc``/``.odt``) and Poppler (PDF pages to images) are the maintained tools for
these jobs and ship as Debian packages; ``make`` installs them (target ``document-tools``).
A machine without one still indexes every other file: only the files that need the
missing program are rejected, with ``MissingToolError`` naming the package.

Example:
    >>> TESSERACT.install
    'apt-get install tesseract-ocr tesseract-ocr-vie'
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from index.errors import MissingToolError

#: Single-threaded Tesseract: its OpenMP threads spin against each other on a shared CPU; one
#: page per process and several processes side by side is faster (see ``index.ocr``).
OCR_ENV = {"OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True)
class Tool:
    """An external program: what it is called, what it is for, and the Debian packages that bring it."""

    command: str
    name: str
    install: str

    def locate(self, for_file: Path | str) -> str:
        """The program's full path.

        Raises:
            MissingToolError: not on ``PATH``; names ``install``.
        """
        found = shutil.which(self.command)
        if found is None:
            raise self.missing(for_file)
        return found

    def missing(self, for_file: Path | str) -> MissingToolError:
        """The error that rejects ``for_file`` for want of this tool."""
        return MissingToolError(for_file, self.name, self.install)


TESSERACT = Tool("tesseract", "Tesseract OCR", "apt-get install tesseract-ocr tesseract-ocr-vie")


def tesseract_data(language: str) -> Tool:
    """Tesseract's data for one language (Debian ships each as ``tesseract-ocr-<lang>``)."""
    return Tool("tesseract", f"dữ liệu ngôn ngữ '{language}' của Tesseract / Tesseract's '{language}' language data",
                f"apt-get install tesseract-ocr-{language}")

PDFTOPPM = Tool("pdftoppm", "Poppler (pdftoppm)", "apt-get install poppler-utils")
SOFFICE = Tool("soffice", "LibreOffice", "apt-get install libreoffice-writer-nogui")


def tool_env() -> dict[str, str]:
    """The environment external programs run with (the process's, plus ``OCR_ENV``)."""
    return {**os.environ, **OCR_ENV}


@functools.lru_cache(maxsize=8)
def _version_line(executable: str) -> str:
    try:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60,
                              env=tool_env())
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "?"


def version_of(executable: str) -> str:
    """First line of ``<program> --version`` (part of the extraction cache key), cached per process."""
    return _version_line(executable)


@functools.lru_cache(maxsize=8)
def tesseract_languages(executable: str) -> frozenset[str]:
    """Languages the installed Tesseract has data for (``tesseract --list-langs``)."""
    try:
        done = subprocess.run([executable, "--list-langs"], capture_output=True, text=True, timeout=60,
                              env=tool_env())
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())
