"""Errata: facts → questions whose wrong options are the errors real sources make.

One folder per stage: bank → check → quiz → writers; responses → results.

- `bank/`: a YAML bank file → the `Bank` model, with every structural problem located;
- `check/`: a `Bank` → every problem of meaning and the item-writing lint, as a `Report`;
- `quiz/`: a `Bank` → a `Quiz` whose wrong options carry their provenance;
- `writers/`: a `Quiz` (or `Bank`) → Anki deck, printed quiz, JSON, GIFT, Moodle XML, QTI;
- `audit/`: a `Bank` and its source files → every quote checked, a scorecard per source;
- `text/`: the bank's text rules every stage shares (normalisation, markup);
- `atomic`, `diagnostics`: writing files whole, and problems with their places.
"""
