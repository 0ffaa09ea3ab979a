"""The data files shipped inside fakekapi's packages, read straight from the package's folder.

`importlib.resources` would find them too, but importing it (with the readers it loads for zip
imports) cost ~2-9 ms of every start for files that are always plain files: fakekapi is installed
as a wheel or from its source tree, never imported from a zip.
"""

from __future__ import annotations

import importlib
import sys
import zlib
from pathlib import Path


def package_dir(package: str) -> Path:
    """The folder of `package` (`fakekapi.catalog`), importing it if it is not yet."""
    module = sys.modules.get(package) or importlib.import_module(package)
    return Path(str(module.__file__)).parent


def read_bytes(package: str, *parts: str) -> bytes:
    """The bytes of the file at `parts` under `package`'s folder."""
    return package_dir(package).joinpath(*parts).read_bytes()


def read_gzip(package: str, *parts: str) -> bytes:
    """The decompressed bytes of the gzip file at `parts` under `package`'s folder.

    zlib reads the gzip format itself (wbits 16 + 15); the `gzip` module adds nothing for the
    one-member files the generators write, and importing it cost every start ~0.5 ms."""
    return zlib.decompress(read_bytes(package, *parts), 16 + zlib.MAX_WBITS)
