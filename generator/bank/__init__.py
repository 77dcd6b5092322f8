"""Bank: a YAML bank file → the `Bank` model and a `Report` of its structural problems.

`load_bank` reads (a fast line reader, libyaml for the rest) and validates against the
format said once in `schema`; `finish` gives every diagnostic its line and column.
"""

from .load import finish, load_bank
from .model import Bank, Confirmation, Deck, Defect, Fact, Reference, Source, SourceError
from .schema import json_schema, suggest
from .yamlsource import Document, gc_paused, read_yaml

__all__ = ["Bank", "Confirmation", "Deck", "Defect", "Document", "Fact", "Reference", "Source", "SourceError",
           "finish", "gc_paused", "json_schema", "load_bank", "read_yaml", "suggest"]
