"""Legacy Word (``.doc``) and OpenDocument (``.odt``) files, converted to ``.docx`` by LibreOffice headless.

Why LibreOffice: it is the maintained reader of Word 97–2003's binary format (still the
commonest format in commune offices) and of OpenDocument; the converted ``.docx`` is then read
by the same code as any other Word file (``index.load``). Each conversion runs with its own
throw-away LibreOffice profile (``-env:UserInstallation``), so two conversions at once — two
``soanthao index`` runs, or the app and the command line — never share a profile and collide.

Example:
    >>> docx = convert_to_docx(Path("bao-cao.doc"), Path("/tmp/out"))   # doctest: +SKIP
    >>> docx.name                                                       # doctest: +SKIP
    'bao-cao.docx'
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path

from index.errors import UnreadableFileError
from index.tools import SOFFICE, tool_env

logger = logging.getLogger(__name__)

#: Bump when the conversion changes: cached converted text is keyed on it.
CONVERTER_VERSION = "1"
CONVERT_TIMEOUT_SECONDS = 300.0


def convert_with_libreoffice(path: Path, out_dir: Path, target: str = "docx",
                             timeout: float = CONVERT_TIMEOUT_SECONDS) -> Path:
    """Convert ``path`` into ``out_dir`` as ``target`` (``docx``, ``pdf``, ``doc``, …); returns the new file.

    Raises:
        MissingToolError: LibreOffice is not installed.
        UnreadableFileError: LibreOffice could not convert the file (damaged, or not what its name says).
    """
    executable = SOFFICE.locate(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="soanthao-lo-profile-") as profile:
        command = [executable, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nologo", "--convert-to", target, "--outdir", str(out_dir), str(path)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=tool_env())
        except subprocess.TimeoutExpired as err:
            raise UnreadableFileError(
                path, f"LibreOffice không chuyển đổi xong trong {timeout:.0f} giây",
                f"LibreOffice did not finish converting within {timeout:.0f} s") from err
    produced = out_dir / f"{path.stem}.{target}"
    if done.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
        detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise UnreadableFileError(
            path, f"LibreOffice không mở được tệp (hỏng hoặc không đúng định dạng): {detail[0]}",
            f"LibreOffice could not open the file (damaged, or not the format its name says): {detail[0]}")
    logger.debug("converted %s to %s", path, produced)
    return produced


def convert_to_docx(path: Path, out_dir: Path) -> Path:
    """A ``.doc``/``.odt`` file as ``.docx`` in ``out_dir`` (see ``convert_with_libreoffice``)."""
    return convert_with_libreoffice(path, out_dir, "docx")
