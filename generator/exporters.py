"""Which writer module renders which export format.

Each writer module provides ``render(quiz) -> bytes``, ``SUFFIX`` (the usual file
ending) and ``BINARY`` (True when the output cannot go to a terminal).
"""

from __future__ import annotations

import importlib

EXPORTERS = {
    "json": "generator.write_json",
    "gift": "generator.write_gift",
    "moodle-xml": "generator.write_moodle",
    "qti": "generator.write_qti",
}


def exporter(name: str):
    return importlib.import_module(EXPORTERS[name])
