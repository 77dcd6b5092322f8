"""Errata's command line: parse arguments, call the pipeline, print, set the exit code.

Exit codes: 0 success (warnings allowed), 1 the bank (or a source) has errors,
2 usage errors (bad options, unreadable files). No command prints a Python
traceback; an unexpected failure is one line asking for a bug report. A reader
that closes the pipe early (`errata audit … | head`) ends the command quietly.

Long runs show progress on a terminal only (standard error is a TTY), never in a
pipe, a log or a test: a bar where the work counts (documents, sources, facts), a
status line with the elapsed time where it does not (reading and checking a bank).
"""

from __future__ import annotations

import os
import signal
import sys


def _interrupted_while_loading(signum, frame):
    """Ctrl-C before main() has started (the libraries take a moment to load): one line, no traceback."""
    os.write(2, b"errata: interrupted\n")
    os._exit(130)


try:  # first of all, so that no Ctrl-C can land in the imports below
    signal.signal(signal.SIGINT, _interrupted_while_loading)
except ValueError:  # imported outside the main thread: nothing to install
    pass

import json  # noqa: E402
import secrets  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Iterator, Optional  # noqa: E402

import typer  # noqa: E402

from generator.bank import Bank  # noqa: E402
from generator.bank import load_bank  # noqa: E402
from generator.check import check_bank, check_loaded  # noqa: E402
from generator.diagnostics import Report  # noqa: E402
from generator.quiz import DEFAULT_OPTIONS, MAX_OPTIONS, MIN_OPTIONS, generate, select_facts  # noqa: E402

DEFAULT_BANK = "questions.yaml"

app = typer.Typer(
    help="Errata: quizzes and Anki decks whose wrong options are the errors real sources make.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as click writes it: flags show as flags (`--strict`), not `--strict <bool>`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class UsageError(Exception):
    """Exit 2 with a message."""


def say(text: str = "", err: bool = False) -> None:
    # print, not click's echo: main() set both streams to escape what the terminal cannot show,
    # where click would write UTF-8 to a terminal that declared ASCII.
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def choice(value: str, choices: list[str], option: str) -> str:
    """``value`` as one of ``choices``, in any case, or a usage error naming them all."""
    for c in choices:
        if value.casefold() == c.casefold():
            return c
    raise UsageError(f"{option} must be one of {', '.join(choices)}, not '{value}'")


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(label: str, length: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; elsewhere the update does nothing."""
    if not on_terminal() or length < 2:
        yield lambda n=1: None
        return
    with typer.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


@contextmanager
def working(label: str, after: float = 1.0) -> Iterator[None]:
    """For work that cannot count its steps: after ``after`` seconds, on a terminal, a status line
    with the elapsed time, redrawn until the work ends, then erased."""
    if not on_terminal():
        yield
        return
    done = threading.Event()
    start = time.monotonic()

    def show() -> None:
        if done.wait(after):
            return
        while not done.wait(0.25):
            sys.stderr.write(f"\r{label} … {time.monotonic() - start:.0f} s ")
            sys.stderr.flush()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    thread = threading.Thread(target=show, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@contextmanager
def failing_on(*errors: type[Exception]) -> Iterator[None]:
    """A stage's own error (a broken lock, a quiz that cannot print…) says what is wrong: one line, exit 1."""
    try:
        yield
    except errors as e:
        say(f"errata: error: {e}", err=True)
        raise typer.Exit(1)


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


def _filter_hint(bank: Bank, topic: list[str], tag: list[str]) -> str:
    # What exists, for a filter that matches nothing.
    topics = sorted({f.topic for f in bank.facts}, key=str.casefold)
    tags = sorted({t for f in bank.facts for t in f.tags}, key=str.casefold)
    known_topics = {t.casefold() for t in topics}
    known_tags = {t.casefold() for t in tags}
    lines = []
    if [t for t in topic if t.casefold() not in known_topics]:
        lines.append(f"the topics are: {', '.join(topics)}")
    if [t for t in tag if t.casefold() not in known_tags]:
        lines.append(f"the tags are: {', '.join(tags)}" if tags else "no fact has tags")
    return "; ".join(lines) or "each filter matches some facts, but no fact matches a --topic and a --tag together"


def selected_facts(bank: Bank, topic: list[str], tag: list[str], count: int | None, seed: int):
    """The facts --topic, --tag and --count pick (export and quiz alike), or a usage error.

    Says so when the filters leave fewer facts than --count asks for."""
    if count is not None and count < 1:
        raise UsageError(f"--count must be at least 1, not {count}")
    facts = select_facts(bank, topic, tag, count, seed)
    if not facts:
        raise UsageError(f"no fact matches the --topic/--tag filters ({_filter_hint(bank, topic, tag)})")
    if count is not None and len(facts) < count:
        which = " and ".join(x for x in (" ".join(f"--topic '{t}'" for t in topic),
                                          " ".join(f"--tag '{t}'" for t in tag)) if x)
        say(f"errata: warning: --count {count}, but only {len(facts)} fact{'s' if len(facts) != 1 else ''} "
            f"{'match' if len(facts) != 1 else 'matches'} {which or 'in the bank'}: "
            f"{len(facts)} question{'s' if len(facts) != 1 else ''}", err=True)
    return facts


def print_shortfalls(report: Report, facts) -> None:
    """The facts of this quiz that cannot reach --options options, as `errata check` reports them."""
    ids = {f.id for f in facts}
    for d in report.sorted():
        if d.code == "too-few-options" and not d.is_error and d.fact_id in ids:
            say(d.format(), err=True)


def load_checked(bank: str, options: int = DEFAULT_OPTIONS, strict: bool = False,
                 loaded: tuple | None = None) -> tuple[Bank, Report]:
    """The bank and its report, or exit 1 with its errors printed (warnings are summarised only).
    ``loaded``: `load_bank`'s result for the bank, if it was read already.

    The commands that call this show no lint warnings (only shortfalls), so the bank is checked
    without the lint; a bank with errors is checked again in full, so that its summary counts
    the warnings as `errata check` does."""
    path = _bank_path(bank)
    with working(f"reading and checking {path}"):
        read = loaded or load_bank(path)
        result, report = check_loaded(*read, options=options, strict=strict, lint=False)
        if result is not None and report.ok:
            leave_to_exit(len(result.facts), read)  # the document read: kept, as the bank will be
        if not report.ok or result is None:
            result, report = check_bank(path, options=options, strict=strict)
    if not report.ok or result is None:
        print_report(report, quiet_warnings=True)
        say(summary(path, report) + " (run 'errata check' for the warnings too)" if report.warnings
            else summary(path, report), err=True)
        raise typer.Exit(1)
    return result, report


# From this many facts, a command leaves what it read and made to the end of the process (see there).
LEFT_TO_EXIT = 5_000


def leave_to_exit(facts: int, *objects) -> None:
    """Keep a large bank and what was made from it until the process ends.

    They are millions of small objects: freeing them one by one takes longer (~0.6 s at 100k
    facts) than the system takes to reclaim the process's memory when it ends. Held by a cycle
    that only the collector could break, frozen where the collector never looks, they are never
    freed. For the end of a command, or for what it read and no longer needs (the YAML document:
    0.17 s to free at 100k facts)."""
    if facts >= LEFT_TO_EXIT:
        import gc

        kept = [*objects]
        kept.append(kept)
        gc.freeze()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    pyproject = Path(__file__).with_name("pyproject.toml")
    if pyproject.is_file():   # a source tree: its own version, whatever is installed
        import tomllib

        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    try:
        return version("errata")
    except PackageNotFoundError:
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        say(f"errata {_version()}")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: bool = typer.Option(False, "--version", is_eager=True, expose_value=False, callback=_show_version,
                                      help="Print Errata's version and exit."),
):
    """Errata: quizzes and Anki decks whose wrong options are the errors real sources make."""


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
    from generator.history_file import history_path

    path = _bank_path(bank)
    options = _options(options)
    with working(f"checking {path}"):
        read = load_bank(path)
        checked, report = check_loaded(*read, options=options, strict=strict)
    # Without a history beside the bank there is nothing to add: the results package (numpy) is not imported.
    if history_path(path).exists():
        from generator.results import add_history_warnings

        add_history_warnings(path, checked, report)
    print_report(report)
    leave_to_exit(len(checked.facts) if checked else 0, checked, report, read)
    say(summary(path, report), err=not report.ok)
    raise typer.Exit(0 if report.ok else 1)


EXPORT_FORMATS = ["json", "gift", "moodle-xml", "qti"]
PAPERS = ["a4", "letter"]


@app.command()
def export(
    bank: str = BankArg,
    format: str = typer.Option("json", "--format", "-f", metavar="|".join(EXPORT_FORMATS),
                               help="Output format (any case)."),
    seed: int = SeedOpt,
    options: int = OptionsOpt,
    topic: list[str] = typer.Option([], "--topic", help="Only facts of this topic (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Only facts with this tag (repeatable)."),
    count: Optional[int] = typer.Option(None, "--count", help="At most this many questions, drawn by seed."),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Output file; '-' or none: standard output (text formats)."),
):
    """Write the generated questions as JSON (the canonical quiz model), GIFT, Moodle XML or QTI 1.2."""
    from generator.writers import exporter
    from generator.writers.registry import export_generated

    format = choice(format, EXPORT_FORMATS, "--format")
    writer = exporter(format)
    b, report = load_checked(bank, _options(options))
    facts = selected_facts(b, topic, tag, count, seed)
    print_shortfalls(report, facts)
    to_stdout = output in (None, "-")
    if to_stdout and writer.BINARY:
        raise UsageError(f"{format} is a binary package: name the file with -o, "
                         f"e.g. -o {b.deck.id}{writer.SUFFIX}")
    quiz = exported = None
    with working(f"writing {len(facts)} questions as {format}"):
        if to_stdout:
            quiz = generate(b, seed=seed, options=options, facts=facts)
            data = writer.render(quiz)
        else:   # made and written as it is rendered: a large quiz on two cores
            exported = export_generated(writer, b, output, seed, options, facts)
    if to_stdout:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        say(f"wrote {output}: {exported.questions} questions", err=True)
    leave_to_exit(len(b.facts), b, report, facts, quiz, exported)


@app.command()
def audit(
    bank: str = BankArg,
    sources: str = typer.Option(..., "--sources", "-s",
                                help="Folder holding the sources' text files (the 'file' of each source)."),
    uncovered: bool = typer.Option(False, "--uncovered",
                                   help="Also list each source's sentences that no error, confirmation or defect quotes yet."),
    fidelity: bool = typer.Option(False, "--fidelity",
                                  help="Also show each source error's option beside the source's words, with why "
                                       "it is wrong: review that the option claims no more and no less than the quote."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Also write the audit as a Markdown report."),
):
    """Check every quote against its source file; print a scorecard per source."""
    from generator.atomic import write_text
    from generator.audit import (audit_bank, audit_markdown, audit_summary, audit_table, fidelity_text,
                                 uncovered_text)

    folder = Path(sources)
    if not folder.is_dir():
        raise UsageError(f"--sources '{sources}' is not a folder" if folder.exists()
                         else f"--sources '{sources}': no such folder")
    if output and Path(output).is_dir():
        raise UsageError(f"--output '{output}' is a folder: name the report file, e.g. {Path(output) / 'audit.md'}")
    b, _ = load_checked(bank)
    with progress("auditing sources", len(b.sources)) as advance:
        result = audit_bank(b, folder, progress=advance)
    print_report(result.report)
    sys.stdout.write(audit_table(result))
    if fidelity and fidelity_text(result):
        sys.stdout.write("\n" + fidelity_text(result))
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
    with ExitStack() as stack, failing_on(LockError):
        advance = [lambda n: None]
        loaded: list[Bank] = []

        def load(n: int) -> tuple[Bank, Callable[[], None]]:
            # The bank as read, and its checks, which the build runs while it starts on the notes. A bank
            # that could not be read whole is checked here (nothing is started on it).
            with working(f"reading {path}"):
                read = load_bank(path)
            if read[0] is None or not read[1].ok:
                load_checked(bank, n, loaded=read)  # exits with the errors

            def check() -> None:
                # The bar starts once the bank is checked (an unchanged deck is never read, and shows none).
                b, _ = load_checked(bank, n, loaded=read)
                loaded.append(b)
                if len(b.facts) >= 2000:
                    advance[0] = stack.enter_context(progress("building", len(b.facts)))
            return read[0], check

        result = build_deck(path, str(out), load, options=options, restamp=restamp, new_deck_id=new_deck_id,
                            progress=lambda n: advance[0](n))
    leave_to_exit(len(loaded[0].facts) if loaded else 0, loaded, result.made)
    for line in describe(result):
        say(line)


# Beyond this many pages (estimated) a quiz without --count asks for --yes: typesetting a whole
# large bank takes minutes, and is rarely what was meant.
MAX_PAGES_UNASKED = 1000


@app.command()
def quiz(
    bank: str = BankArg,
    versions: int = typer.Option(1, "--versions", help="Versions A, B, C…: the same questions, in other orders."),
    count: Optional[int] = typer.Option(None, "--count", help="At most this many questions, drawn by seed."),
    topic: list[str] = typer.Option([], "--topic", help="Only facts of this topic (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Only facts with this tag (repeatable)."),
    seed: Optional[int] = typer.Option(None, "--seed", show_default="fresh on each run",
                                       help="Seed: the same bank and seed print the same quiz. "
                                            "Without it a fresh one is drawn and reported."),
    options: int = OptionsOpt,
    output: str = typer.Option("decks", "--output", "-o", help="Folder for the PDFs and the quiz manifest."),
    paper: str = typer.Option("a4", "--paper", metavar="|".join(PAPERS), help="Paper size (any case)."),
    student_digits: int = typer.Option(7, "--student-digits", help="Digits of the student-number grid on the "
                                                                   "answer sheet (1–12)."),
    yes: bool = typer.Option(False, "--yes", "-y",
                             help=f"Print even when, without --count, the quiz would run past "
                                  f"{MAX_PAGES_UNASKED:,} pages."),
):
    """Print a quiz: a PDF per version, one answer sheet, the answer key, and the manifest for grading."""
    from generator.atomic import output_set
    from generator.scan import MAX_STUDENT_DIGITS
    from generator.writers.pdf import MAX_VERSIONS, PrintError, estimate_pages, page_count, render_printout

    if not 1 <= versions <= MAX_VERSIONS:
        raise UsageError(f"--versions must be between 1 and {MAX_VERSIONS}, not {versions}")
    if not 1 <= student_digits <= MAX_STUDENT_DIGITS:
        raise UsageError(f"--student-digits must be between 1 and {MAX_STUDENT_DIGITS}, not {student_digits}")
    if output == "-":
        raise UsageError("a quiz is several PDF files and cannot go to standard output: "
                         "name a folder with -o, e.g. -o quiz/")
    paper = choice(paper, PAPERS, "--paper")
    out = _output_folder(output, "the PDFs are written into it")
    if seed is None:
        # The bank is public: a seed students could guess would let them rebuild the key.
        seed = secrets.randbelow(2**53)
    b, report = load_checked(bank, _options(options))
    facts = selected_facts(b, topic, tag, count, seed)
    pages = estimate_pages(len(facts), versions)
    if count is None and pages > MAX_PAGES_UNASKED and not yes:
        raise UsageError(f"without --count this quiz prints all {len(facts):,} matching facts: about {pages:,} "
                         f"pages, minutes of typesetting. Pick some with --count N, or add --yes to print them all")
    print_shortfalls(report, facts)
    with failing_on(PrintError), progress("typesetting", versions + 2) as advance:
        printout = render_printout(generate(b, seed=seed, options=options, facts=facts), versions, paper,
                                   student_digits, progress=advance)
    with output_set(out) as files:  # one set: every file, or none (generator/atomic.py)
        for name, data in printout.files.items():
            files.write(out / name, data)
        for stale in out.glob(f"{b.deck.id}-quiz-*.pdf"):  # papers of an earlier quiz with more versions
            if stale.name not in printout.files:
                files.remove(stale)
    for name, data in printout.files.items():   # reported once all are written (a closed pipe stops nothing)
        if name.endswith(".pdf"):
            n = page_count(data)
            say(f"wrote {out / name} ({n} page{'s' if n != 1 else ''})")
        elif name.endswith("-answer-sheet.json"):
            say(f"wrote {out / name} (answer-sheet geometry, for errata scan)")
        else:
            say(f"wrote {out / name} (manifest: quiz {printout.code}, for errata grade)")
    n = len(printout.versions[0].questions)
    letters = [v.letter for v in printout.versions]
    say(f"{n} question{'s' if n != 1 else ''}, version{'s' if len(letters) > 1 else ''} "
        f"{', '.join(letters)}, quiz {printout.code}, seed {seed} (--seed {seed} prints it again)", err=True)


@app.command()
def schema(
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to this file; '-' or none: standard output."),
):
    """Print the JSON Schema of the bank format (for editor completion and validation)."""
    from generator.atomic import write_text
    from generator.bank import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output and output != "-":
        write_text(output, text)
        say(f"wrote {output}: the JSON Schema of the bank format", err=True)
    else:
        sys.stdout.write(text)


def _write_outputs(out: Path, files: dict[str, bytes]) -> None:
    """Write files that belong together as one set: every one of them, or none."""
    from generator.atomic import output_set

    with output_set(out) as staged:
        for name, data in files.items():
            staged.write(out / name, data)
    for name in files:
        say(f"wrote {out / name}")


@app.command()
def grade(
    responses: list[str] = typer.Argument(..., help="Response files: Errata CSV, Moodle Responses CSV, "
                                                    "Canvas Student Analysis CSV, self-quiz results JSON."),
    quiz: str = typer.Option(..., "--quiz", "-q", help="The quiz manifest (<deck>-quiz.json), or the bank "
                                                       "for deliveries that carry fact ids or option texts."),
    output: str = typer.Option("results", "--output", "-o", help="Folder for grades.csv, analysis.json, "
                                                                 "report.md and report.pdf."),
    attempt: str = typer.Option("first", "--attempt", metavar="first|last",
                                help="Which attempt of each student counts."),
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows",
                                       help="Grade anyway, leaving out (and listing) rows with problems."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also typeset report.pdf."),
    record: bool = typer.Option(False, "--record", help="Append this delivery to the history file beside "
                                                        "the bank (--bank), for 'errata check' and 'errata report'."),
    bank: str = typer.Option(DEFAULT_BANK, "--bank", help="The bank whose history --record appends to."),
):
    """Grade a delivery; write the grades, the item analysis and the misconception report."""
    from generator.results import GradeError, ReportError, grade as grade_delivery, render_summary, report_files

    attempt = attempt.casefold()
    if attempt not in ("first", "last"):
        raise UsageError(f"--attempt must be first or last, not '{attempt}'")
    out = _output_folder(output, "the grades and reports are written into it")
    if not Path(quiz).is_file():
        raise UsageError(f"--quiz '{quiz}': no such file")
    if record:
        _bank_path(bank)
    try:
        graded = grade_delivery(responses, quiz, attempt, skip_bad_rows)
    except GradeError as e:
        for p in e.problems:
            say(p.format(), err=True)
        n = len(e.problems)
        hint = " (or --skip-bad-rows to grade the others)" if all(p.skippable for p in e.problems) else ""
        say(f"errata: {n} problem{'s' if n != 1 else ''} in the responses; nothing written{hint}", err=True)
        raise typer.Exit(1)
    for note in graded.notes:
        say(note, err=True)
    for s in graded.analysis["skipped"]:
        say(f"{s['file']}:{s['row'] or ''}: skipped: {s['reason']}", err=True)
    with failing_on(ReportError):
        files = report_files(graded, pdf)
    _write_outputs(out, files)
    if record:
        from generator.results import record_delivery
        say(f"recorded in {record_delivery(bank, graded)}")
    say(render_summary(graded.analysis))


@app.command()
def report(
    bank: str = BankArg,
    output: str = typer.Option("results", "--output", "-o",
                               help="Folder for history.md, history.json and history.pdf."),
):
    """Rebuild the report over every delivery recorded with 'errata grade --record'."""
    from generator.results import (ReportError, analysis_json, history_analysis, history_markdown, history_path,
                                   render_history_pdf)

    path = _bank_path(bank)
    h = history_analysis(path)
    if h is None:
        say(f"errata: error: no deliveries recorded in {history_path(path)}: grade one with "
            f"'errata grade … --record --bank {path}'", err=True)
        raise typer.Exit(1)
    out = _output_folder(output, "the report is written into it")
    with failing_on(ReportError):
        pdf = render_history_pdf(h, h["deck"])
    _write_outputs(out, {"history.md": history_markdown(h).encode("utf-8"), "history.json": analysis_json(h),
                         "history.pdf": pdf})
    say(f"{len(h['deliveries'])} deliveries, {len(h['items'])} facts")


@app.command(name="html")
def html_page(
    bank: str = BankArg,
    count: Optional[int] = typer.Option(None, "--count", help="At most this many questions, drawn by seed."),
    topic: list[str] = typer.Option([], "--topic", help="Only facts of this topic (repeatable)."),
    tag: list[str] = typer.Option([], "--tag", help="Only facts with this tag (repeatable)."),
    seed: int = SeedOpt,
    options: int = OptionsOpt,
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Output file ('-': standard output); default decks/<deck id>-quiz.html."),
):
    """Write the self-quiz page: one offline HTML file for practice and tests, with feedback from the sources."""
    from generator.atomic import write_bytes
    from generator.writers.html import render

    b, report = load_checked(bank, _options(options))
    facts = selected_facts(b, topic, tag, count, seed)
    print_shortfalls(report, facts)
    quiz = generate(b, seed=seed, options=options, facts=facts)
    out = Path(output) if output else Path("decks") / f"{b.deck.id}-quiz.html"
    if out.is_dir():
        raise UsageError(f"--output '{output}' is a folder: name the page, e.g. {out / (b.deck.id + '-quiz.html')}")
    data = render(quiz)
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_bytes(out, data)
    say(f"wrote {out}: {len(quiz.questions)} questions, {len(data) // 1024} kB")


@app.command()
def scan(
    scans: list[str] = typer.Argument(..., help="Scanned PDFs, photos (PNG, JPEG) or folders of them, in any order."),
    quiz_manifest: str = typer.Option(..., "--quiz", help="The quiz manifest <deck>-quiz.json (the answer-sheet "
                                                          "geometry <deck>-answer-sheet.json is read beside it)."),
    output: str = typer.Option("responses.csv", "--output", "-o", help="The responses CSV, for errata grade."),
    review: Optional[str] = typer.Option(None, "--review", show_default="<output>-review.html",
                                         help="The review report (HTML): everything that was not read for sure."),
    corrections: Optional[str] = typer.Option(None, "--corrections",
                                              help="Corrections to apply (CSV: sheet,question,answer)."),
):
    """Read answer sheets: responses CSV with the student number, and a review report. Exit 0 when every
    answer was read (notes to glance at allowed), 1 when something is left for a person to decide (the CSV
    holds '?' there)."""
    from generator.atomic import output_set
    from generator.scan import ScanError, count_pages, review_html, scan_inputs, scan_sheets

    out = Path(output)
    report = Path(review) if review else out.with_name(out.stem + "-review.html")
    for f in (out, report):      # said before the pages are read, not after
        if not f.parent.is_dir():
            raise UsageError(f"cannot write '{f}': no folder '{f.parent}'")
    try:
        files = scan_inputs(scans)
        if not files:
            raise ScanError("no PDF or image found in " + ", ".join(scans))
        with progress("scanning", count_pages(files)) as advance:
            result = scan_sheets(files, quiz_manifest, corrections, progress=advance)
    except ScanError as e:
        raise UsageError(str(e)) from None
    with output_set(out.parent, report.parent) as staged:   # the responses and their review, together
        staged.write(out, result.csv_text().encode("utf-8"))
        staged.write(report, review_html(result).encode("utf-8"))
    left = result.open_problems
    say(f"wrote {out} ({len(result.rows)} response row{'s' if len(result.rows) != 1 else ''} from "
        f"{len(result.pages)} page{'s' if len(result.pages) != 1 else ''})")
    say(f"wrote {report} ({len(left)} thing{'s' if len(left) != 1 else ''} to decide, "
        f"{len(result.notes)} to glance at)")
    for p in left:
        say(f"{p.source}: {p.where}: {p.what}", err=True)
    raise typer.Exit(1 if left else 0)


def _closed_pipe() -> None:
    # The reader went away (`| head`): nothing more can be said, so say nothing, and keep Python
    # from reporting the failed flush of standard output at exit.
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(1)


def main() -> None:
    """Console entry point: no tracebacks, ever."""
    for stream in (sys.stdout, sys.stderr):
        try:  # a terminal that cannot show a character (LANG=C, PYTHONIOENCODING=ascii) gets \u2019, not a crash
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    try:
        if signal.getsignal(signal.SIGINT) is _interrupted_while_loading:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # from here, KeyboardInterrupt below
        code = app(standalone_mode=False) or 0
        sys.stdout.flush()   # a closed pipe shows here, not in Python's own flush at exit
        if code == 130:  # typer turns a Ctrl-C into a silent exit 130
            say("errata: interrupted", err=True)
        sys.exit(code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except UsageError as e:
        say(f"errata: error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        say("errata: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        _closed_pipe()
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
