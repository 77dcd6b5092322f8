"""The printed quiz: a `Quiz` → student papers per version, an answer sheet and a key, as PDFs.

Typeset by typst from the templates in `typst/`; the data reaches typst as JSON, never as markup.
"""

from .printout import (LETTERS, MAX_VERSIONS, PAPERS, Printout, PrintError, estimate_pages, make_versions, page_count,
                       render_printout)

__all__ = ["LETTERS", "MAX_VERSIONS", "PAPERS", "PrintError", "Printout", "estimate_pages", "make_versions",
           "page_count", "render_printout"]
