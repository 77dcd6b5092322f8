"""Which writer module renders which export format.

Each writer module provides ``render(quiz) -> bytes``, ``SUFFIX`` (the usual file
ending) and ``BINARY`` (True when the output cannot go to a terminal).
"""

from __future__ import annotations

import importlib

EXPORTERS = {
    "json": "generator.writers.json",
    "gift": "generator.writers.gift",
    "moodle-xml": "generator.writers.moodle_xml",
    "qti": "generator.writers.qti",
}


def exporter(name: str):
    return importlib.import_module(EXPORTERS[name])
