"""Errors raised by library code; only the CLI and the Gradio app turn them into messages.

Every message says what was expected and how to fix it, in Vietnamese then English.
"""

from __future__ import annotations

from pathlib import Path


class SoanThaoError(Exception):
    """Base class: anything the user can act on."""


class UnreadableFileError(SoanThaoError):
    """A file could not be loaded (encoding, format, damage, size)."""

    def __init__(self, path: Path | str, reason_vi: str, reason_en: str):
        self.path = str(path)
        self.reason_vi = reason_vi
        self.reason_en = reason_en
        super().__init__(f"Không đọc được tệp {self.path}: {reason_vi} / Cannot read {self.path}: {reason_en}")


class ModelMismatchError(SoanThaoError):
    """The index was built with another embedding model than the configured one."""


class IndexNotFoundError(SoanThaoError):
    """No index in the data folder yet."""


class ModelNotPreparedError(SoanThaoError):
    """The embedding model folder is missing or incomplete."""


class MissingToolError(UnreadableFileError):
    """A file needs an external program (Tesseract, LibreOffice, Poppler) that is not installed here.

    Only that file is rejected; the message names what to install.
    """

    def __init__(self, path: Path | str, tool: str, install: str):
        self.tool = tool
        self.install = install
        super().__init__(
            path,
            f"cần {tool} mà máy này chưa cài; cài bằng: {install}",
            f"needs {tool}, which is not installed here; install it with: {install}",
        )


class IndexBusyError(SoanThaoError):
    """Another process is updating the index of the same data folder and did not finish in time."""


class IndexWriteError(SoanThaoError):
    """The operating system refused a write while building the index (disk full, permission);
    the previous index is left as it was."""
