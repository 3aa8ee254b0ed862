"""Legacy and other word-processor files (.doc, .wps, .rtf, .odt) via LibreOffice.

LibreOffice headless converts them to .docx, which extract/docx.py reads; the
grid survives the round trip exactly. Starting soffice costs ~1.5 s and each
document ~0.2 s after that, so a batch should be converted with one start
(`convert_batch`); `read_office` converts a single file for `extract.read`.

Every soffice start gets its own profile directory and scratch HOME, so
parallel workers never share (and corrupt) a profile, and nothing is written
to the user's HOME. A conversion that hangs is killed with its whole process
group. Temporary files are always removed.
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .docx import read_docx
from .model import Document, ExtractError

log = logging.getLogger(__name__)

INSTALL_HINT = ("LibreOffice is needed to read .doc/.wps/.rtf/.odt files: "
                "apt-get install libreoffice-writer-nogui")
SOFFICE_NAMES = ("soffice", "libreoffice")
SOFFICE_PLACES = ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  "C:/Program Files/LibreOffice/program/soffice.exe")
START_SECONDS = 60.0     # time allowed for soffice to start, on a busy machine
PER_FILE_SECONDS = 20.0  # time allowed per document in a batch


def read_office(path: str, data: bytes, converted_dir: str | None = None) -> Document:
    """Convert one .doc/.wps/.rtf/.odt file to .docx with LibreOffice and read it.

    When the batch was converted ahead of time (`preconvert` into `converted_dir`), the
    converted copy is read instead of starting LibreOffice for this one file.
    """
    refuse_linking(data)
    ready = _preconverted(data, converted_dir)
    if ready is not None:
        doc = read_docx(path, ready.read_bytes())
        doc.source, doc.format = path, _extension(data, path).lstrip(".")
        return doc
    with tempfile.TemporaryDirectory(prefix="ogi-office-") as tmp:
        source = Path(tmp) / ("input" + _extension(data, path))
        source.write_bytes(data)
        result = convert_batch([str(source)], os.path.join(tmp, "out"))[str(source)]
        if isinstance(result, ExtractError):
            raise result
        doc = read_docx(path, Path(result).read_bytes())
    doc.source = path
    doc.format = _extension(data, path).lstrip(".")
    return doc


def convert_batch(paths: list[str], out_dir: str, timeout: float | None = None) -> dict[str, str | ExtractError]:
    """Convert many files to .docx with ONE soffice start.

    Contract:
    - `paths`: files of any type LibreOffice reads (.doc, .wps, .rtf, .odt, ...);
      duplicates and files with the same name in different folders are fine.
    - `out_dir`: created if missing; the caller owns it and removes it when
      done. Outputs are named `<n>.docx` (n = position in `paths`), never the
      input name, so two inputs never overwrite each other.
    - returns {path: docx path} for every converted file and {path: ExtractError}
      for every file that failed (the error message is one plain line).
    - `timeout`: seconds for the whole call (default 60 s + 20 s per file).
      When it runs out, soffice and all its children are killed; files
      converted so far are kept, the rest fail with "conversion timed out".
    - raises nothing for a bad file; when LibreOffice is not installed every
      file gets an ExtractError that says how to install it.
    - own profile and HOME per call: safe to run in parallel processes.
    """
    os.makedirs(out_dir, exist_ok=True)
    unique = list(dict.fromkeys(os.fspath(p) for p in paths))
    if not unique:
        return {}
    soffice = find_soffice()
    if soffice is None:
        return {p: ExtractError(INSTALL_HINT) for p in unique}
    if timeout is None:
        timeout = START_SECONDS + PER_FILE_SECONDS * len(unique)
    with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as scratch:
        staged = _stage(unique, Path(scratch) / "in")
        converted = Path(scratch) / "out"
        error = _run_soffice(soffice, list(staged.values()), converted, Path(scratch), timeout)
        results: dict[str, str | ExtractError] = {}
        for n, (original, link) in enumerate(staged.items()):
            produced = converted / (Path(link).stem + ".docx")
            if produced.is_file() and produced.stat().st_size > 0:
                target = Path(out_dir) / f"{n}.docx"
                shutil.move(str(produced), target)
                results[original] = str(target)
            else:
                results[original] = ExtractError(error or "LibreOffice could not convert this file "
                                                          "(damaged, encrypted or not a document)")
    return results


def preconvert(paths: list[str], folder: str) -> int:
    """Convert a batch's office files with one soffice start, ahead of the workers.

    Each result is stored as `<sha256 of the input>.docx` in `folder`; workers
    given `folder` (read_office's `converted_dir`) read those instead of
    converting file by file. Files already converted are skipped; failures are
    left for the per-file path to report. Returns how many were converted.
    """
    os.makedirs(folder, exist_ok=True)
    todo = {}
    for path in paths:
        try:
            data = Path(path).read_bytes()
            refuse_linking(data)
            digest = _sha256(data)
        except (OSError, ExtractError):
            continue  # left to the per-file path, which reports it
        if not (Path(folder) / f"{digest}.docx").exists():
            todo[path] = digest
    if not todo:
        return 0
    with tempfile.TemporaryDirectory(prefix="ogi-preconvert-", dir=folder) as tmp:
        results = convert_batch(list(todo), tmp)
        done = 0
        for path, result in results.items():
            if not isinstance(result, ExtractError):
                os.replace(result, Path(folder) / f"{todo[path]}.docx")
                done += 1
    return done


def _preconverted(data: bytes, folder: str | None) -> Path | None:
    if not folder:
        return None
    ready = Path(folder) / f"{_sha256(data)}.docx"
    return ready if ready.exists() else None


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def find_soffice() -> str | None:
    for name in SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in SOFFICE_PLACES if os.path.isfile(p)), None)


def _extension(data: bytes, path: str) -> str:
    """The extension LibreOffice should see: from the content, not the (often wrong) name."""
    if data.lstrip()[:5] == b"{\\rtf":
        return ".rtf"
    if data[:4] == b"PK\x03\x04":
        return ".odt"
    return ".wps" if path.lower().endswith(".wps") else ".doc"


def _stage(paths: list[str], folder: Path) -> dict[str, str]:
    """Symlink (or copy) inputs under unique names so outputs cannot collide."""
    folder.mkdir(parents=True)
    staged = {}
    for n, path in enumerate(paths):
        try:
            with open(path, "rb") as f:
                head = f.read(8)
        except OSError:
            head = b""
        link = folder / f"{n}{_extension(head, path)}"
        try:
            link.symlink_to(os.path.abspath(path))
        except OSError:
            shutil.copyfile(path, link)
        staged[path] = str(link)
    return staged


def _run_soffice(soffice: str, files: list[str], out: Path, scratch: Path, timeout: float) -> str | None:
    """Run one conversion; returns a plain reason when the run as a whole failed."""
    profile = scratch / "profile"
    home = scratch / "home"
    home.mkdir()
    _lock_down(profile)
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(scratch), "SAL_USE_VCLPLUGIN": "svp"}
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out), *files]
    started = time.monotonic()
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=str(scratch), start_new_session=True)
    except OSError as exc:
        return f"LibreOffice could not start ({exc.strerror or exc}); {INSTALL_HINT}"
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        log.warning("soffice timed out after %.0f s converting %d files", timeout, len(files))
        return f"conversion timed out after {timeout:.0f} s"
    log.debug("soffice converted %d files in %.1f s (exit %s)", len(files), time.monotonic() - started,
              proc.returncode)
    if proc.returncode != 0:
        reason = stderr.decode("utf-8", "replace").strip().splitlines()
        return f"LibreOffice failed (exit {proc.returncode}{': ' + reason[-1] if reason else ''})"
    return None


# A fresh profile with macros off and linked content never updated: a document that links an image or
# text on this machine (or a FIFO that would hang the conversion) must not make LibreOffice open it.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""
# Field codes that make Word-format files pull in other files when converted.
_LINKING_FIELDS = (b"INCLUDEPICTURE", b"INCLUDETEXT", "INCLUDEPICTURE".encode("utf-16-le"),
                   "INCLUDETEXT".encode("utf-16-le"))


def _lock_down(profile: Path) -> None:
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")


def refuse_linking(data: bytes) -> None:
    """Refuse .doc/.rtf files whose fields include other files: LibreOffice would open them."""
    for marker in _LINKING_FIELDS:
        if marker in data:
            raise ExtractError("the document includes other files (an INCLUDEPICTURE/INCLUDETEXT field); "
                               "refusing to convert it")


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill soffice and every process it started (oosplash forks soffice.bin)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()
