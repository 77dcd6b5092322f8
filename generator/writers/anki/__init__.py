"""The Anki writer: a bank → an .apkg that students re-import without losing anything.

- `notetypes`: the two note types (fixed ids, fields, card types), designed once;
- `templates`: their HTML, script and CSS;
- `notes`: the notes of a bank (GUIDs and their slots, fields, tags, decks);
- `lock`: the lock file beside the bank (per-note slot, id, modification time, digest);
- `package`: the .apkg itself (genanki tables, DEFLATE zip, fixed times), and read back;
- `build`: all of it, for `errata build`.
"""

from .build import BuildResult, apkg_path, build_deck, describe
from .lock import LockError, lock_path

__all__ = ["BuildResult", "LockError", "apkg_path", "build_deck", "describe", "lock_path"]
