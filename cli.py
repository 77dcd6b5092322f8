"""Errata's command line: parse arguments, call the pipeline, print, set the exit code.

Exit codes: 0 success (warnings allowed), 1 the bank (or a source) has errors,
2 usage errors (bad options, unreadable files). No command prints a Python
traceback; an unexpected failure is one line asking for a bug report.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from generator.bank import Bank
from generator.check import check_bank
from generator.diagnostics import Report
from generator.quiz import DEFAULT_OPTIONS, MAX_OPTIONS, MIN_OPTIONS, generate, select_facts

DEFAULT_BANK = "questions.yaml"

app = typer.Typer(
    help="Errata: quizzes and Anki decks whose wrong options are the errors real sources make.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class UsageError(Exception):
    """Exit 2 with a message."""


def say(text: str = "", err: bool = False) -> None:
    typer.echo(text, err=err)


def print_report(report: Report, quiet_warnings: bool = False) -> None:
    for d in report.sorted():
        if d.is_error or not quiet_warnings:
            say(d.format(), err=True)


def summary(file: str, report: Report) -> str:
    e, w = len(report.errors), len(report.warnings)
    return f"{file}: {e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"


def _bank_path(bank: str) -> str:
    p = Path(bank)
    if not p.exists():
        raise UsageError(f"cannot read '{bank}': no such file"
                         + (" (run this in the folder that holds your bank, or name it)" if bank == DEFAULT_BANK
                            else ""))
    if p.is_dir():
        raise UsageError(f"'{bank}' is a folder, not a bank file")
    return str(p)


def _output_folder(output: str, what: str) -> Path:
    """A folder to write into (created when missing), or a usage error when a file stands there."""
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output '{output}' is a file: name a folder ({what})")
    return out


def _options(n: int) -> int:
    if not MIN_OPTIONS <= n <= MAX_OPTIONS:
        raise UsageError(f"--options must be between {MIN_OPTIONS} and {MAX_OPTIONS}, not {n}")
    return n


def selected_facts(bank: Bank, topic: list[str], tag: list[str], count: int | None, seed: int):
    """The facts --topic, --tag and --count pick (export and quiz alike), or a usage error."""
    if count is not None and count < 1:
        raise UsageError(f"--count must be at least 1, not {count}")
    facts = select_facts(bank, topic, tag, count, seed)
    if not facts:
        raise UsageError("no fact matches the --topic/--tag filters")
    return facts


def load_checked(bank: str, options: int = DEFAULT_OPTIONS, strict: bool = False) -> Bank:
    """The bank, or exit 1 with its errors printed (warnings are summarised only)."""
    path = _bank_path(bank)
    result, report = check_bank(path, options=options, strict=strict)
    if not report.ok or result is None:
        print_report(report, quiet_warnings=True)
        say(summary(path, report) + " (run 'errata check' for the warnings too)" if report.warnings
            else summary(path, report), err=True)
        raise typer.Exit(1)
    return result


BankArg = typer.Argument(DEFAULT_BANK, help="The bank file.", show_default=True)
SeedOpt = typer.Option(0, "--seed", help="Seed: the same bank and seed give the same questions and order.")
OptionsOpt = typer.Option(DEFAULT_OPTIONS, "--options", "-k",
                          help=f"Options per question, key included ({MIN_OPTIONS}-{MAX_OPTIONS}).")


@app.command()
def check(
    bank: str = BankArg,
    options: int = OptionsOpt,
    strict: bool = typer.Option(False, "--strict", help="A fact that cannot reach --options options is an error."),
):
    """Validate a bank; print every problem, compiler style."""
    path = _bank_path(bank)
    _, report = check_bank(path, options=_options(options), strict=strict)
    print_report(report)
    say(summary(path, report), err=not report.ok)
    raise typer.Exit(0 if report.ok else 1)


class ExportFormat(str, Enum):
    json = "json"
    gift = "gift"
    moodle_xml = "moodle-xml"
    qti = "qti"


@app.command()
def export(
    bank: str = BankArg,
    format: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f", help="Output format."),
    seed: int = SeedOpt,
    options: int = OptionsOpt,
    topic: list[str] = typer.Option([], "--topic", help="Only facts of this topic (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Only facts with this tag (repeatable)."),
    count: Optional[int] = typer.Option(None, "--count", help="At most this many questions, drawn by seed."),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Output file; '-' or none: standard output (text formats)."),
):
    """Write the generated questions as JSON (the canonical quiz model), GIFT, Moodle XML or QTI 1.2."""
    from generator.atomic import write_bytes
    from generator.writers import exporter

    writer = exporter(format.value)
    b = load_checked(bank, _options(options))
    facts = selected_facts(b, topic, tag, count, seed)
    quiz = generate(b, seed=seed, options=options, facts=facts)
    data = writer.render(quiz)
    if output in (None, "-"):
        if writer.BINARY:
            raise UsageError(f"{format.value} is a binary package: name the file with -o, "
                             f"e.g. -o {b.deck.id}{writer.SUFFIX}")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_bytes(output, data)
        say(f"wrote {output}: {len(quiz.questions)} questions", err=True)


@app.command()
def audit(
    bank: str = BankArg,
    sources: str = typer.Option(..., "--sources", "-s",
                                help="Folder holding the sources' text files (the 'file' of each source)."),
    uncovered: bool = typer.Option(False, "--uncovered",
                                   help="Also list each source's sentences that no error, confirmation or defect quotes yet."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Also write the audit as a Markdown report."),
):
    """Check every quote against its source file; print a scorecard per source."""
    from generator.atomic import write_text
    from generator.audit import audit_bank, audit_markdown, audit_summary, audit_table, uncovered_text

    folder = Path(sources)
    if not folder.is_dir():
        raise UsageError(f"--sources '{sources}' is not a folder" if folder.exists()
                         else f"--sources '{sources}': no such folder")
    if output and Path(output).is_dir():
        raise UsageError(f"--output '{output}' is a folder: name the report file, e.g. {Path(output) / 'audit.md'}")
    result = audit_bank(load_checked(bank), folder)
    print_report(result.report)
    sys.stdout.write(audit_table(result))
    if uncovered and uncovered_text(result):
        sys.stdout.write("\n" + uncovered_text(result))
    sys.stdout.flush()
    if output:
        write_text(output, audit_markdown(result, uncovered))
        say(f"wrote {output}", err=True)
    say(audit_summary(result), err=not result.ok)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def build(
    bank: str = BankArg,
    output: Optional[str] = typer.Option(None, "--output", "-o", show_default="decks/ beside the bank",
                                         help="Folder for <deck id>.apkg."),
    options: Optional[int] = typer.Option(None, "--options", "-k", show_default="the lock's, else 3",
                                          help=f"Options per question, key included ({MIN_OPTIONS}-{MAX_OPTIONS})."),
    restamp: bool = typer.Option(False, "--restamp",
                                 help="Build although the committed lock file is missing: every note gets a new "
                                      "time, and students' edits of unchanged notes are overwritten."),
    new_deck_id: bool = typer.Option(False, "--new-deck-id",
                                     help="Accept a changed deck id: students get every note again, as new notes."),
    seed: Optional[int] = typer.Option(None, "--seed", hidden=True),
):
    """Build the Anki deck and its lock file <bank>.lock.json beside the bank (commit it with the bank)."""
    from generator.writers.anki import LockError, build_deck, describe

    if seed is not None:
        raise UsageError("build takes no --seed: the deck does not depend on one (Anki shuffles the options "
                         "at every review)")
    path = _bank_path(bank)
    out = _output_folder(output if output is not None else str(Path(path).parent / "decks"),
                         "the deck is written as <deck id>.apkg")
    if options is not None:
        _options(options)
    bar = None

    def load(n: int) -> Bank:
        nonlocal bar
        b = load_checked(bank, n)
        if len(b.facts) >= 2000 and sys.stderr.isatty():
            bar = typer.progressbar(length=len(b.facts), label="building", file=sys.stderr)
            bar.__enter__()
        return b

    try:
        result = build_deck(path, str(out), load, options=options, restamp=restamp, new_deck_id=new_deck_id,
                            progress=lambda n: bar.update(n) if bar else None)
    except LockError as e:
        say(f"errata: error: {e}", err=True)
        raise typer.Exit(1)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    for line in describe(result):
        say(line)


class Paper(str, Enum):
    a4 = "a4"
    letter = "letter"


@app.command()
def quiz(
    bank: str = BankArg,
    versions: int = typer.Option(1, "--versions", help="Versions A, B, C…: the same questions, in other orders."),
    count: Optional[int] = typer.Option(None, "--count", help="At most this many questions, drawn by seed."),
    topic: list[str] = typer.Option([], "--topic", help="Only facts of this topic (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Only facts with this tag (repeatable)."),
    seed: int = SeedOpt,
    options: int = OptionsOpt,
    output: str = typer.Option("decks", "--output", "-o", help="Folder for the PDFs."),
    paper: Paper = typer.Option(Paper.a4, "--paper", help="Paper size."),
):
    """Print a quiz: a PDF per version, one answer sheet, and the answer key for every version."""
    from generator.atomic import output_set
    from generator.writers.pdf import MAX_VERSIONS, PrintError, page_count, render_printout

    if not 1 <= versions <= MAX_VERSIONS:
        raise UsageError(f"--versions must be between 1 and {MAX_VERSIONS}, not {versions}")
    out = _output_folder(output, "the PDFs are written into it")
    b = load_checked(bank, _options(options))
    facts = selected_facts(b, topic, tag, count, seed)
    try:
        printout = render_printout(generate(b, seed=seed, options=options, facts=facts), versions, paper.value)
    except PrintError as e:
        say(f"errata: error: {e}", err=True)
        raise typer.Exit(1)
    with output_set(out) as files:  # one set: every file, or none (generator/atomic.py)
        for name, data in printout.files.items():
            files.write(out / name, data)
        for stale in out.glob(f"{b.deck.id}-quiz-*.pdf"):  # papers of an earlier quiz with more versions
            if stale.name not in printout.files:
                files.remove(stale)
    for name, data in printout.files.items():
        pages = page_count(data)
        say(f"wrote {out / name} ({pages} page{'s' if pages != 1 else ''})")
    n = len(printout.versions[0].questions)
    letters = [v.letter for v in printout.versions]
    say(f"{n} question{'s' if n != 1 else ''}, version{'s' if len(letters) > 1 else ''} "
        f"{', '.join(letters)}, seed {seed}", err=True)


@app.command()
def schema(
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
):
    """Print the JSON Schema of the bank format (for editor completion and validation)."""
    from generator.atomic import write_text
    from generator.bank import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output:
        write_text(output, text)
    else:
        sys.stdout.write(text)


def main() -> None:
    """Console entry point: no tracebacks, ever."""
    try:
        sys.exit(app(standalone_mode=False) or 0)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except UsageError as e:
        say(f"errata: error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        say("errata: interrupted", err=True)
        sys.exit(130)
    except Exception as e:  # click's usage errors (typer may vendor click: duck-typed) and anything unexpected
        if callable(getattr(e, "show", None)) and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            sys.exit(e.exit_code)
        if type(e).__name__ == "Abort":
            sys.exit(1)
        if isinstance(e, OSError):
            say(f"errata: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
            sys.exit(2)
        say(f"errata: internal error: {type(e).__name__}: {e} (please report this with the bank that caused it)",
            err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
