"""Read a YAML file into plain data, safely, and remember where everything came from.

Why not ``yaml.safe_load``: it keeps the last of two duplicate keys without a
word, turns ``no`` into ``False`` and ``1.10`` into ``1.1``, and is slow. Here
libyaml (C) parses and composes the node graph; a small builder turns nodes into
dicts, lists and strings while it

* rejects every explicit tag but the plain ones (no tag constructs objects),
* rejects anchors and aliases (an alias bomb fails at its first alias),
* reports duplicate keys at the line of the second one,
* keeps every scalar as text (numbers and yes/no included), plain ``~``/``null``/empty as None.

Both readers (the fast one for the plain subset, `fastyaml`, and libyaml's) record where
each key and value came from while they read (`Places`), so a diagnostic's data path
becomes a line and column without reading the file again.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
import sys
from contextlib import contextmanager

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from . import fastyaml
from .fastyaml import Places
from ..diagnostics import Diagnostic, Report

try:  # libyaml ships in PyYAML's wheels; the pure-Python parser is the slow fallback
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

from yaml.resolver import BaseResolver

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


class _Invalid:
    """Stands for a value already reported as invalid (a bad tag), so later checks stay quiet about it."""

    def __repr__(self):
        return "INVALID"


INVALID = _Invalid()


class _NodeReader(_Parser, BaseResolver):
    """libyaml parser + composer with no implicit typing (every scalar is text)."""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        BaseResolver.__init__(self)

    # The composer asks the resolver about every node; with no implicit types the answer
    # depends only on the node's kind, so skip BaseResolver's path bookkeeping.
    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode:
            return _STR
        return _SEQ if kind is SequenceNode else _MAP


@contextmanager
def gc_paused():
    """The cyclic collector costs ~3x on large loads (research: perf.md §1); our data is acyclic."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # What was built is long-lived and acyclic: move it out of the collector's sight,
            # or the first collection after this walks all of it (~0.4 s per 10k facts).
            gc.freeze()
            gc.enable()


class Document:
    """Plain data read from one YAML file, plus where each of its parts came from."""

    def __init__(self, file: str, data, places: Places | None, report: Report):
        self.file = file
        self.data = data
        self.places = places
        self.report = report
        self._fact_starts = None

    def locate(self, path, at_key: bool = False) -> tuple[int, int] | None:
        """1-based (line, column) of the node at ``path``, or of its deepest existing parent."""
        if self.places is None:
            return None
        return self.places.locate(self.data, path, at_key)

    def resolve(self, d: Diagnostic) -> Diagnostic:
        """Fill in file, line and column of a path-based diagnostic."""
        d.file = d.file or self.file
        if d.line is None:
            loc = self.locate(d.path, d.at_key)
            if loc:
                d.line, d.column = loc
        if d.fact_id is None and d.line is not None:
            d.fact_id = self.fact_at(d.line)
        return d

    def fact_at(self, line: int) -> str | None:
        """The id of the fact whose YAML spans ``line`` (1-based), for diagnostics found below the data level."""
        data, places = self.data, self.places
        if places is None or not isinstance(data, dict) or not isinstance(data.get("facts"), list):
            return None
        facts = data["facts"]
        if self._fact_starts is None:
            self._fact_starts = places.lines(facts)
            top = places.lines(data)
            k = list(data).index("facts")
            # the last fact ends where the next top-level key starts
            self._facts_end = top[k + 1] - 1 if k + 1 < len(top) else float("inf")
        starts = self._fact_starts
        i = bisect_right(starts, line) - 1
        if i < 0 or line > self._facts_end or i >= len(facts):
            return None
        fid = facts[i].get("id") if isinstance(facts[i], dict) else None
        return fid if isinstance(fid, str) else None

    def drop_nodes(self) -> None:
        """Free the recorded places once every diagnostic is located."""
        self.places = None


def _mark(node) -> tuple[int, int]:
    m = node.start_mark
    return m.line + 1, m.column + 1


def _place(node) -> int:
    m = node.start_mark
    return Places.pack(m.line + 1, m.column + 1)


class _Builder:
    def __init__(self, file: str, report: Report, places: Places):
        self.file = file
        self.report = report
        self.places = places
        self.seen: set[int] = set()

    def problem(self, node, message, hint=None, code=""):
        line, col = _mark(node)
        self.report.add(Diagnostic("error", message, line=line, column=col, file=self.file,
                                   hint=hint, code=code))

    def build(self, node):
        # Every node object appears once in a tree; a second visit is an alias.
        key = id(node)
        if key in self.seen:
            self.problem(node, "anchors and aliases (&name / *name) are not allowed in a bank; "
                               "this value is reused by an alias",
                         hint="write the value out in full where it is used", code="alias")
            raise _Stop()
        self.seen.add(key)
        tag = node.tag
        cls = node.__class__
        if cls is ScalarNode:
            if tag != _STR:
                return self._bad_tag(node)
            value = node.value
            if not node.style and value in _NULLS:  # plain style: None (pure parser) or "" (libyaml)
                return None
            return value
        if cls is SequenceNode:
            if tag != _SEQ:
                return self._bad_tag(node)
            build = self.build
            out = []
            pos = self.places.new(out)
            for item in node.value:
                pos.append(_place(item))
                out.append(build(item))
            if node.flow_style:
                self._splits(node.value)
            return out
        if tag != _MAP:
            return self._bad_tag(node)
        out = {}
        pos = self.places.new(out)
        build = self.build
        for knode, vnode in node.value:
            if knode.__class__ is not ScalarNode:
                self.problem(knode, "a key must be plain text, not a list or mapping")
                continue
            k = knode.value
            if k in out:
                first = self._first_key_line(node, k)
                self.problem(knode, f"duplicate key '{k}' (first at line {first}): YAML would "
                                    f"silently keep only the last one",
                             hint=f"remove one of the two '{k}' entries or merge them",
                             code="duplicate-key")
                build(vnode)
                continue
            if k == "<<":
                self.problem(knode, "merge keys ('<<') are not allowed in a bank",
                             hint="write the keys out in full", code="alias")
            pos.append(_place(knode))
            pos.append(_place(vnode))
            out[k] = build(vnode)
        return out

    def _splits(self, items) -> None:
        """Plain items right after a comma with no space between, that look like one split number."""
        for before, item in zip(items, items[1:]):
            if (before.__class__ is item.__class__ is ScalarNode and not before.style and not item.style
                    and item.start_mark.index == before.end_mark.index + 1
                    and fastyaml.looks_split(before.value, item.value)):
                line, col = _mark(item)
                self.places.splits.append((line, col, before.value, item.value))

    @staticmethod
    def _first_key_line(node, k):
        for knode, _ in node.value:
            if isinstance(knode, ScalarNode) and knode.value == k:
                return knode.start_mark.line + 1
        return "?"

    def _bad_tag(self, node):
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.problem(node, f"YAML tag '{tag}' is not allowed: a bank holds only text, lists "
                           f"and mappings", hint="remove the tag (the '!…' before the value)",
                     code="tag")
        return INVALID


class _Stop(Exception):
    pass


def _decode(raw: bytes, file: str, report: Report) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = e.start - (before.rfind(b"\n") + 1) + 1
        report.add(Diagnostic("error", f"the file is not valid UTF-8 (byte 0x{raw[e.start]:02x})",
                              line=line, column=col, file=file,
                              hint="save the file as UTF-8 (most editors: 'Save with encoding')",
                              code="encoding"))
        return None


class _PastAliases(_Builder):
    """Builds the data again past its aliases: each anchored value is reported once and read as
    invalid, so one alias does not stop the checking of everything else."""

    def __init__(self, file: str, report: Report, places: Places):
        super().__init__(file, report, places)
        self.reported = {(d.line, d.column, d.message) for d in report.diagnostics}  # by the first pass
        self.aliased: set[int] = set()

    def problem(self, node, message, hint=None, code=""):
        if (node.start_mark.line + 1, node.start_mark.column + 1, message) not in self.reported:
            super().problem(node, message, hint, code)

    def build(self, node):
        if id(node) not in self.seen:
            return super().build(node)
        if id(node) not in self.aliased:
            self.aliased.add(id(node))
            try:
                super().build(node)  # reports the alias
            except _Stop:
                pass
        return INVALID


def read_yaml_text(text: str, file: str, report: Report | None = None, *, nul_free: bool = False) -> Document:
    """Parse YAML text; problems go to ``report`` (``doc.data`` is None when unusable).
    ``nul_free``: the caller knows the text holds no NUL character."""
    report = report if report is not None else Report()
    if not nul_free and "\x00" in text:
        i = text.index("\x00")
        line = text.count("\n", 0, i) + 1
        report.add(Diagnostic("error", "the file contains a NUL character (is it a binary file?)",
                              line=line, column=i - (text.rfind("\n", 0, i) + 1) + 1, file=file,
                              code="encoding"))
        return Document(file, None, None, report)
    try:
        with gc_paused():
            data, places = fastyaml.read(text)
        return _warn_splits(Document(file, data, places, report))
    except fastyaml.Unsupported:
        pass  # anything outside the plain subset, or wrong: the full parser reads it and says where
    except RecursionError:
        pass
    deep = _too_deep(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        report.add(Diagnostic("error", f"the YAML is nested more than {_MAX_DEPTH} levels deep", line=line,
                              column=deep - (text.rfind("\n", 0, deep) + 1) + 1, file=file,
                              hint="a bank needs a few levels: deck, facts, a fact, its errors", code="yaml"))
        return Document(file, None, None, report)
    reader = _NodeReader(text)
    places = Places()
    builder = _Builder(file, report, places)
    old_limit = sys.getrecursionlimit()
    root = data = None
    try:
        with gc_paused():
            try:
                root = reader.get_single_node()
            finally:
                reader.dispose()
            if root is not None:
                places.root = _place(root)
                sys.setrecursionlimit(max(old_limit, 5000))
                data = builder.build(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = f"malformed YAML: {e.problem or e.context}"
        if e.context and e.problem:
            msg = f"malformed YAML: {e.problem} ({e.context})"
        if e.context_mark is not None and mark is not None and e.context_mark.line != mark.line:
            msg += f", which started at line {e.context_mark.line + 1}"
        hint = _yaml_hint(e)
        report.add(Diagnostic("error", msg, line=mark.line + 1 if mark else None,
                              column=mark.column + 1 if mark else None, file=file, hint=hint,
                              code="yaml"))
        return Document(file, None, None, report)
    except yaml.YAMLError as e:
        report.add(Diagnostic("error", f"malformed YAML: {e}", line=1, column=1, file=file, code="yaml"))
        return Document(file, None, None, report)
    except _Stop:  # an alias: report each anchored value once, read it as invalid, and check the rest
        places = Places()
        places.root = _place(root)
        try:
            with gc_paused():
                data = _PastAliases(file, report, places).build(root)
        except (_Stop, RecursionError):
            return Document(file, None, None, report)
        return _warn_splits(Document(file, data, places, report))
    except RecursionError:
        report.add(Diagnostic("error", "the YAML is nested too deeply", line=1, column=1, file=file,
                              code="yaml"))
        return Document(file, None, None, report)
    finally:
        sys.setrecursionlimit(old_limit)
    if root is None:
        report.add(Diagnostic("error", "the file is empty", line=1, column=1, file=file,
                              hint="start from the example in the README", code="empty"))
    return _warn_splits(Document(file, data, places, report))


def _warn_splits(doc: Document) -> Document:
    for line, col, before, item in doc.places.splits:
        doc.report.add(Diagnostic(
            "warning", f"list item '{item}' right after '{before}' looks like one number split at its "
                       f"comma: YAML reads '{before},{item}' as two items", line=line, column=col,
            file=doc.file, hint=f'quote it, "{before},{item}", or put a space after the comma if '
                                f'these are two items', code="flow-split"))
    return doc


# libyaml composes nodes recursively in C, a stack frame per level: tens of thousands of
# levels overflow the stack and kill the process. Banks need a handful, so refuse deep ones
# before libyaml sees them: flow brackets cost a character a level, block levels two.
# Brackets inside text (quoted, plain, block scalars, comments) are no levels at all.
_MAX_DEPTH = 1000
_DEEP_BLOCK = re.compile(r"^(?:[ ]|[-?:] ){%d}" % (2 * _MAX_DEPTH), re.M)
_DEPTH_TOKEN = re.compile(r"""[\[\]{}"'#|>]""")
# What may stand before a node on its line in block context: indentation, '- ', '? ', ': ',
# a key and its ': ', then tags and anchors. Anything else makes the character part of a plain scalar.
_NODE_START = re.compile(r"""[ \t]*(?:[-?:][ \t]+)*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^ \t#'"][^#]*?)"""
                         r"""[ \t]*:[ \t]+)?(?:[!&][^ \t]*[ \t]+)*""")
_QUOTED = {'"': re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S), "'": re.compile(r"'[^']*(?:''[^']*)*'?")}


def _too_deep(text: str) -> int | None:
    """Offset where the nesting passes _MAX_DEPTH levels, or None."""
    depth = 0
    i = line_start = 0
    search = _DEPTH_TOKEN.search
    while True:
        m = search(text, i)
        if m is None:
            break
        p = m.start()
        c = text[p]
        line_start = text.rfind("\n", line_start, p) + 1 or line_start  # only forward: linear on long lines
        i = p + 1
        if c == "#":  # a comment runs to the end of the line; '#' inside a word is text
            if p == line_start or text[p - 1] in " \t":
                i = text.find("\n", p) + 1 or len(text)
            continue
        if depth:  # flow context: brackets are structure; a quote opens text only where a node starts
            if c in "[{":
                depth += 1
                if depth > _MAX_DEPTH:
                    return p
            elif c in "]}":
                depth -= 1
            elif c in "\"'":
                j = p - 1
                while j >= 0 and text[j] in " \t\r\n":
                    j -= 1
                if j < 0 or text[j] in "[{,:?":
                    i = _QUOTED[c].match(text, p).end()
            continue
        if not _NODE_START.fullmatch(text, line_start, p):
            i = text.find("\n", p) + 1 or len(text)  # a plain scalar: the rest of the line is text
            continue
        if c in "[{":
            depth = 1
        elif c in "\"'":
            i = _QUOTED[c].match(text, p).end()
        elif c in "|>":  # a block scalar: every following line indented deeper than its parent is text
            parent = len(text[line_start:p]) - len(text[line_start:p].lstrip(" "))
            j = text.find("\n", p) + 1
            while j:
                end = text.find("\n", j) + 1 or len(text) + 1
                line = text[j:end - 1].rstrip("\r")
                if line.strip(" ") and len(line) - len(line.lstrip(" ")) <= parent:
                    break
                j = end if end <= len(text) else 0
            i = j or len(text)
    m = _DEEP_BLOCK.search(text)
    return m.end() if m else None


def _yaml_hint(e: yaml.MarkedYAMLError) -> str | None:
    problem = (e.problem or "") + " " + (e.context or "")
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, e.g. answer: \"Note: …\""
    if "tab character" in problem or "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    if "expected a single document" in problem:
        return "a bank is one YAML document: remove the '---' separator"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return "check the indentation of this line and the one before it"
    return None


def read_yaml(file: str, report: Report | None = None) -> Document:
    report = report if report is not None else Report()
    with open(file, "rb") as fh:
        raw = fh.read()
    text = _decode(raw, file, report)
    if text is None:
        return Document(file, None, None, report)
    # In UTF-8 only the NUL character has a zero byte: seeking it in the bytes is a memchr, several
    # times faster than in the decoded text (two bytes a character once it holds one beyond Latin-1).
    nul_free = b"\x00" not in raw
    del raw   # not needed while the text is read: a lower peak
    return read_yaml_text(text, file, report, nul_free=nul_free)
