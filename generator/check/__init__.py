"""Check: a bank file → the `Bank` and a `Report` of every problem, located, in one run.

Structure comes from `generator.bank`; here are the problems of meaning and the
item-writing lint. `read_bank` is the strict form for scripts and tests.
"""

from .check import check_bank, check_loaded, check_semantics, lint_question, read_bank
from .lint_bank import lint_bank

__all__ = ["check_bank", "check_loaded", "check_semantics", "lint_bank", "lint_question", "read_bank"]
