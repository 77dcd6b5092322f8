"""Whatever the input, `errata check` answers with diagnostics and exit 0 or 1, never a crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli

EXAMPLE = (Path(__file__).parent.parent / "examples" / "solar-system.yaml").read_text(encoding="utf-8")
PIECES = st.sampled_from(["", ":", ": ", "- ", "  ", "\t", "\n", "#", "&a ", "*a", "!!str ", "!x ", "[", "]", "{",
                          "}", '"', "'", "|", ">-", "~", "null", "\\", "\u2028", "\x85", "é", "\ufeff", "---\n",
                          "? ", "<<: ", "%YAML 1.1\n", "0x1F", "\x00", "\x1b[31m"])


@st.composite
def mutated(draw):
    text = EXAMPLE
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 40))
        text = text[:at] + draw(PIECES) + text[at + cut:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_check_never_crashes(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "bank.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    old = sys.argv
    sys.argv = ["errata", "check", str(path)]
    try:
        with pytest.raises(SystemExit) as exc:
            cli.main()
    finally:
        sys.argv = old
    assert exc.value.code in (0, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_writers_never_crash_on_what_check_accepts(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("fuzzw")
    path = folder / "bank.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    commands = [["check", str(path)]]
    commands += [["export", str(path), "-f", fmt, "-o", str(folder / f"out.{fmt}")]
                 for fmt in ("json", "gift", "moodle-xml", "qti")]
    commands += [["build", str(path), "-o", str(folder / "decks")]]
    old = sys.argv
    try:
        for args in commands:
            sys.argv = ["errata", *args]
            with pytest.raises(SystemExit) as exc:
                cli.main()
            assert exc.value.code in (0, 1), args
            if args[0] == "check" and exc.value.code != 0:
                break  # the writers refuse a bank with errors: checked elsewhere
    finally:
        sys.argv = old
