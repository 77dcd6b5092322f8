"""Quiz: a `Bank` → a `Quiz` of questions whose wrong options carry their provenance.

`generate` picks each fact's options (source errors, curated, borrowed) by seed;
`select_facts` applies the --topic/--tag/--count filters; `arrange` orders a version.
"""

from .generate import (DEFAULT_OPTIONS, MAX_OPTIONS, MIN_OPTIONS, Generator, arrange, check_options, generate,
                       own_options, select_facts)
from .model import BORROWED, CURATED, SOURCE_ERROR, Option, Provenance, Question, Quiz

__all__ = ["BORROWED", "CURATED", "DEFAULT_OPTIONS", "Generator", "MAX_OPTIONS", "MIN_OPTIONS", "Option",
           "Provenance", "Question", "Quiz", "SOURCE_ERROR", "arrange", "check_options", "generate", "own_options", "select_facts"]
