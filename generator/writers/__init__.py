"""Writers: a `Quiz` (or a `Bank`) → the files users take away. Each only reads the model.

`anki/` the .apkg deck and its lock; `pdf/` the printed quiz (typst); `html/` the self-quiz
page; `json`, `gift`, `moodle_xml` and `qti` the exports, found by name through `exporter`.
"""

from .registry import EXPORTERS, exporter, write_export

__all__ = ["EXPORTERS", "exporter", "write_export"]
