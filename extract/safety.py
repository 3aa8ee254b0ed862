"""Limits that keep a hostile or broken file from hurting a batch.

A .docx, .odt or .mht is a container: its members are checked (count, sizes,
compression ratio) before anything is unpacked, so a zip bomb is refused at
the cost of reading its directory.
"""
from __future__ import annotations

import zipfile

from .model import ExtractError

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 100 * 1024 * 1024     # one unpacked member
MAX_TOTAL_BYTES = 300 * 1024 * 1024      # the whole unpacked container
MAX_RATIO = 200                           # unpacked / packed, for members over 1 MB


def check_zip(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractError(f"zip has {len(infos)} members (limit {MAX_MEMBERS}); refusing to unpack")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise ExtractError(f"zip member {info.filename} unpacks to {info.file_size // 1048576} MB; refusing")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise ExtractError(f"zip member {info.filename} is compressed {info.file_size // max(1, info.compress_size)}:1 "
                               f"(a zip bomb?); refusing")
    if total > MAX_TOTAL_BYTES:
        raise ExtractError(f"zip unpacks to {total // 1048576} MB (limit {MAX_TOTAL_BYTES // 1048576} MB); refusing")
