"""The self-quiz page: a `Quiz` → one offline HTML file students open in any browser.

`render(quiz)` gives the page's bytes; `page_data` and `reveal` are what the page holds,
for tools and tests. Results downloaded from the page follow docs/selfquiz-results.md.
"""

from .page import FORMAT, RESULTS_FORMAT, RESULTS_VERSION, SUFFIX, VERSION, page_data, render, reveal

__all__ = ["FORMAT", "RESULTS_FORMAT", "RESULTS_VERSION", "SUFFIX", "VERSION", "page_data", "render", "reveal"]
