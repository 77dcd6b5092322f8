"""Where a bank's delivery history lives: ``<bank>.history.jsonl``, beside the bank.

Apart from `generator.results.history` (which needs numpy), so that `errata check` can see
whether a bank has a history without loading the statistics."""

from __future__ import annotations

from pathlib import Path


def history_path(bank: str | Path) -> Path:
    p = Path(bank)
    return p.with_name(p.stem + ".history.jsonl")
