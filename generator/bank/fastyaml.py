"""A fast reader for the plain subset of YAML that banks are written in.

libyaml spends most of a large bank's load time building node and mark objects
(about 10 s per 100k facts). Banks, though, are written in a small, regular
subset: block mappings and sequences, single-line plain and quoted scalars,
one-line flow lists of scalars, ``|``/``>`` block scalars, comments. This reader
handles exactly that subset, line by line, and gives up (`Unsupported`) on
anything else — anchors, tags, multi-line flow or quoted scalars, flow mappings,
duplicate keys, odd indentation, unusual line breaks — so that the full libyaml path (`yamlsource`) reads the file
instead and reports any problem with its exact place. It never guesses: the
tests compare it with libyaml on generated documents of every style it accepts.

The result is the same plain data `yamlsource` builds: dicts, lists, and text
(plain ``~``, ``null`` and empty values as None), with the line and column of every
key and value (`Places`), the same as libyaml's. Windows line ends read as Unix ones.
"""

from __future__ import annotations

import re
import sys
from array import array


class Unsupported(Exception):
    """Outside the subset (or malformed): read the file with the full parser."""


_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
# A plain scalar may not start with an indicator (YAML 1.1 §9.1.3); '-', '?', ':' only when followed by a space.
_BAD_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_BAD_KEY_START = frozenset(" '\"#?:,[]{}&*!|>%@`")
_DQ_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028",
    "P": "\u2029",
}
_DQ_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_DQ_STRING = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.S)  # unrolled: no per-character alternation
_SQ_STRING = re.compile(r"'([^']*(?:''[^']*)*)'")
_COMMENT_TAIL = re.compile(r"[ \t]*(?:#.*)?$")
_FLOW_PLAIN = re.compile(r"[^,\[\]{}#'\"\s][^,\[\]{}#]*")


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    if len(code) > 1:
        point = int(code[1:], 16)
        if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
            raise Unsupported("escape of a code point that is not a character")
        return chr(point)
    if code in _DQ_ESCAPES:
        return _DQ_ESCAPES[code]
    raise Unsupported("unknown escape")


def _key(s: str):
    """('key', rest) for a 'key: value' or 'key:' line, else None. Keys are plain: no ':' or '#'."""
    i = s.find(":")
    if i <= 0 or (i + 1 < len(s) and s[i + 1] != " "):
        return None
    key = s[:i].rstrip(" ")
    if not key or key[0] in _BAD_KEY_START or "#" in key or (key[0] == "-" and key[1:2] in ("", " ")):
        return None
    return key, s[i + 1:].lstrip(" ")


def _plain(text: str) -> str | None:
    """A plain scalar on one line (the part after 'key: ' or '- '), comment removed."""
    # ' #' starts a comment; ': ' inside a plain value is an error in block context.
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut]
    text = text.rstrip(" ")  # YAML's white space is space and tab: a no-break space is text
    if ": " in text or text.endswith(":") or "\t" in text:
        raise Unsupported("colon or tab in a plain scalar")
    if text in _NULLS:
        return None
    if text[0] in _BAD_PLAIN_START and not (text[0] in "-?:" and len(text) > 1 and text[1] != " "):
        raise Unsupported("indicator at the start of a plain scalar")
    return text


def _scalar(text: str, line: int, col: int, places: "Places"):
    """A one-line scalar value at 1-based ``line``/``col``: quoted, plain, or a one-line flow list of scalars."""
    c = text[0]
    if c == '"':
        m = _DQ_STRING.match(text)
        if not m or not _COMMENT_TAIL.fullmatch(text, m.end()):
            raise Unsupported("double-quoted scalar")
        body = m.group(1)
        return _DQ_ESCAPE.sub(_unescape, body) if "\\" in body else body
    if c == "'":
        m = _SQ_STRING.match(text)
        if not m or not _COMMENT_TAIL.fullmatch(text, m.end()):
            raise Unsupported("single-quoted scalar")
        return m.group(1).replace("''", "'")
    if c == "[":
        return _flow_list(text, line, col, places)
    return _plain(text)


# A one-line flow list of simple items ('"text"' without escapes, or plain text without
# indicators) separated by ', ': the usual list, taken in two regex passes.
_PLAIN_ITEM = r"""[^\s\-?:,\[\]{}#&*!|>'"%@`~](?:[^,\[\]{}#:'"\t]|:(?![\s,\]]))*(?<! )"""
_SIMPLE_FLOW = re.compile(r"""\[(?:"[^"\\]*"|{0})(?:, (?:"[^"\\]*"|{0}))*\]""".replace("{0}", _PLAIN_ITEM))
_FLOW_ITEM = re.compile(r"""["]([^"\\]*)"|(%s)""" % _PLAIN_ITEM)


def _flow_list(text: str, line: int, col: int, places: "Places") -> list:
    """A one-line flow list starting at ``text[0]`` ('['), at 1-based ``line``/``col``."""
    out = []
    pos = places.new(out)
    if _SIMPLE_FLOW.fullmatch(text):
        at = line << _COL_BITS | col
        for m in _FLOW_ITEM.finditer(text, 1):
            quoted, plain = m.groups()
            if quoted is None and plain in _NULLS:
                break  # 'null' is None: the general path below says so
            pos.append(at + m.start())
            out.append(plain if quoted is None else quoted)
        else:
            return out
        del out[:], pos[:]
    i, n = 1, len(text)
    after_comma = None   # offset just past the last comma
    last_plain = None    # the previous item, when it was plain
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i >= n:
            raise Unsupported("unterminated flow list")
        c = text[i]
        if c == "]" and not out:
            i += 1
            break
        pos.append(line << _COL_BITS | col + i)
        plain = None
        if c == '"':
            m = _DQ_STRING.match(text, i)
            if not m:
                raise Unsupported("flow double-quoted")
            body = m.group(1)
            out.append(_DQ_ESCAPE.sub(_unescape, body) if "\\" in body else body)
            i = m.end()
        elif c == "'":
            m = _SQ_STRING.match(text, i)
            if not m:
                raise Unsupported("flow single-quoted")
            out.append(m.group(1).replace("''", "'"))
            i = m.end()
        else:
            m = _FLOW_PLAIN.match(text, i)
            if not m:
                raise Unsupported("flow item")
            plain = m.group(0).rstrip(" ")  # only spaces: a no-break space is text
            if ": " in plain or plain.endswith(":") or " #" in plain or plain[0] in _BAD_PLAIN_START:
                raise Unsupported("flow plain item")
            if after_comma == i and last_plain and looks_split(last_plain, plain):
                places.splits.append((line, col + i, last_plain, plain))
            out.append(None if plain in _NULLS else plain)
            i = m.end()
        last_plain = plain
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == ",":
            i += 1
            after_comma = i
            continue
        if i < n and text[i] == "]":
            i += 1
            break
        raise Unsupported("flow list separator")
    if not _COMMENT_TAIL.fullmatch(text, i):
        raise Unsupported("text after a flow list")
    return out


_SPLIT_TAIL = re.compile(r"\d{3}(?!\d)")


def looks_split(before: str, item: str) -> bool:
    """Two plain flow items that were one number with a thousands comma: '1,000 mg' read as '1' and '000 mg'.

    Called only when no space follows the comma (a list written '[a, b]' separates with ', ').
    """
    return before[-1:].isdigit() and _SPLIT_TAIL.match(item) is not None


# Characters YAML allows in a stream (YAML 1.1 §5.1), minus tab and CR, which the subset avoids.
# NEL, LS and PS are line breaks to YAML: the line-based reader leaves them to libyaml.
_NOT_PRINTABLE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A position is one int, line << _COL_BITS | column (both 1-based): compact in an array('q').
_COL_BITS = 20
_COL_MASK = (1 << _COL_BITS) - 1
# Containers sought one by one in the C reader's ids before a dict of them all is made.
_SEARCHES = 64


class Places:
    """Where every key and value came from, recorded while reading (by this reader or libyaml's).

    For each mapping or list of the data (by identity), an array of positions in document
    order: a key's and its value's for a mapping, an item's for a list. Diagnostics carry
    a data path; `locate` turns it into a line and column without reading the text again.
    """

    def __init__(self):
        self.table: dict[int, array] = {}
        self.root = 1 << _COL_BITS | 1
        self.splits: list[tuple[int, int, str, str]] = []  # flow items that look like a split number
        # The C reader writes every container's positions into one buffer instead, with each
        # container's id and span (offset << 32 | count) there; the dict of spans by id is made
        # on the first question (most reads locate nothing).
        self.flat: memoryview | None = None
        self.flat_ids: memoryview | None = None
        self.flat_spans: memoryview | None = None
        self._spans: dict[int, int] | None = None
        self._searches = 0

    def new(self, container) -> array:
        pos = self.table[id(container)] = array("q")
        return pos

    def _positions(self, container):
        """The positions recorded for ``container`` (an array or a memoryview of int64), or None."""
        pos = self.table.get(id(container))
        if pos is None and self.flat is not None:
            span = self._span(id(container))
            if span is not None:
                start = span >> 32
                return self.flat[start:start + (span & 0xFFFFFFFF)]
        return pos

    def _span(self, ident: int) -> int | None:
        """The span in `flat` of the container with id ``ident``, or None."""
        ids = self.flat_ids.obj
        if self._spans is None and self._searches < _SEARCHES and isinstance(ids, bytes):
            # A few diagnostics to place (the usual case) need a few containers: each is sought in the ids'
            # bytes (a memory search, ~1 ms at 100k facts) rather than by a dict of every container (~0.3 s
            # to make). Only a whole 8-byte entry counts: ids of containers alive together are distinct.
            self._searches += 1
            key = ident.to_bytes(8, sys.byteorder)
            i = ids.find(key)
            while i > 0 and i % 8:
                i = ids.find(key, i + 1)
            return None if i < 0 else self.flat_spans[i // 8]
        if self._spans is None:
            self._spans = dict(zip(self.flat_ids, self.flat_spans))
        return self._spans.get(ident)

    @staticmethod
    def pack(line: int, col: int) -> int:
        return line << _COL_BITS | min(col, _COL_MASK)

    def locate(self, data, path, at_key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at ``path`` (of its key with ``at_key``), or of its deepest existing parent."""
        node, where = data, self.root
        last = len(path) - 1
        for step_no, step in enumerate(path):
            pos = self._positions(node)
            if pos is None:
                break
            if isinstance(node, dict):
                if step not in node:
                    break
                k = list(node).index(step)
                where = pos[2 * k] if at_key and step_no == last else pos[2 * k + 1]
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                where = pos[step]
            else:
                break
            node = node[step]
        return where >> _COL_BITS, where & _COL_MASK

    def lines(self, container) -> list[int]:
        """The line of each item of a list, or of each key of a mapping, in order."""
        pos = self._positions(container)
        if pos is None:
            return []
        return [p >> _COL_BITS for p in (pos[::2] if isinstance(container, dict) else pos)]


try:
    # The same reader for the common part of the subset, in C (built by setup.py; optional).
    from . import _fastyaml
except ImportError:
    _fastyaml = None


def read(text: str) -> tuple[object, Places]:
    """Plain data and the places of its parts, for a document in the subset; raises Unsupported otherwise."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # Windows line ends: the same lines and columns
    if _fastyaml is not None:
        got = _fastyaml.read(text)  # None: something outside the part it reads
        if got is not None:
            data, root, flat, ids, spans = got
            places = Places()
            places.root = root
            places.flat = memoryview(flat).cast("q")
            places.flat_ids = memoryview(ids).cast("Q")
            places.flat_spans = memoryview(spans).cast("q")
            return data, places
    return read_python(text)


def read_python(text: str) -> tuple[object, Places]:
    """`read` by the Python reader alone (the reference for the C one); Windows line ends already read."""
    if _NOT_PRINTABLE.search(text):
        raise Unsupported("tabs, lone carriage returns or characters YAML does not allow")
    places = Places()
    return _Reader(text, places).document(), places


_BLOCK_HEADERS = {"|": ("literal", True), "|-": ("literal", False), ">": ("folded", True), ">-": ("folded", False)}
# The usual line, 'key: "text"' or 'key: plain text', in one match; anything else takes the general path.
_SIMPLE_PAIR = re.compile(r"""([^\s\-?:,\[\]{}#&*!|>'"%@`][^:#\t]*?) *: +"""
                          r"""(?:"([^"\\]*)"|([^\s\-?:,\[\]{}#&*!|>'"%@`~][^:#\t]*)|(\[.*))""")


class _Reader:
    def __init__(self, text: str, places: Places):
        self.places = places
        self.raws = text.split("\n")
        if len(text) > _COL_MASK and max(map(len, self.raws)) >= _COL_MASK:
            raise Unsupported("a line too long for a column number")
        # (indent, text, raw line number) of meaningful lines; comments and blank lines carry no data.
        lines = []
        add = lines.append
        for r, raw in enumerate(self.raws):
            stripped = raw.lstrip(" ")
            if not stripped or stripped[0] == "#":
                continue
            indent = len(raw) - len(stripped)
            if not indent and stripped[0] in "-.%" and stripped.startswith(("---", "...", "%")):
                raise Unsupported("document markers or directives")
            add((indent, stripped.rstrip(" "), r))
        self.lines = lines

    def document(self):
        lines = self.lines
        if not lines:
            raise Unsupported("empty document")
        indent, _, r = lines[0]
        self.places.root = (r + 1) << _COL_BITS | indent + 1
        value, end = self.block(0, indent)
        if end != len(lines):
            raise Unsupported("trailing content")
        return value

    def block(self, i, indent):
        """The block node whose lines start at ``i`` with exactly ``indent``."""
        s = self.lines[i][1]
        if s.startswith("- ") or s == "-":
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def _next_node(self, i) -> int:
        """The position of the node starting on meaningful line ``i``."""
        ind, _, r = self.lines[i]
        return (r + 1) << _COL_BITS | ind + 1

    def mapping(self, i, indent, first_key_line=None):
        lines = self.lines
        out = {}
        pos = self.places.new(out)
        add = pos.append
        simple = _SIMPLE_PAIR.fullmatch
        n = len(lines)
        while i < n:
            ind, s, r = lines[i]
            if first_key_line is not None:
                ind, s, first_key_line = indent, first_key_line, None
            elif ind != indent:
                if ind > indent:
                    raise Unsupported("unexpected indentation")
                break
            line = (r + 1) << 20  # _COL_BITS
            m = simple(s)
            if m is not None:
                key = m.group(1)
                if key in out:
                    raise Unsupported("duplicate key")
                which = m.lastindex  # 2: "quoted", 3: plain, 4: a flow list
                value = m.group(which)
                at = m.start(which)
                if which == 2:
                    at -= 1
                elif which == 3:
                    if value in _NULLS:
                        raise Unsupported("null")  # rare: the general path says None
                else:
                    value = _flow_list(value, r + 1, ind + at + 1, self.places)
                add(line | ind + 1)
                add(line | ind + at + 1)
                out[key] = value
                i += 1
                if i < n and lines[i][0] > indent:
                    raise Unsupported("continuation line")
                continue
            kv = _key(s)
            if kv is None:
                raise Unsupported("not a key line")
            key, rest = kv
            if key in out or key == "<<":
                raise Unsupported("duplicate or merge key")
            add(line | ind + 1)
            i += 1
            if rest and rest[0] != "#":
                col = ind + len(s) - len(rest) + 1
                add(line | col)
                header = rest.split(" #", 1)[0].rstrip(" ")
                if header[0] in "|>":
                    if header not in _BLOCK_HEADERS:
                        raise Unsupported("block scalar header")
                    out[key], i = self.block_scalar(i, indent, *_BLOCK_HEADERS[header])
                else:
                    out[key] = _scalar(rest, r + 1, col, self.places)
                if i < n and lines[i][0] > indent:
                    raise Unsupported("continuation line")
                continue
            # 'key:' alone: a nested block, a sequence at the same indent, or an empty value.
            if i < n and lines[i][0] > indent:
                add(self._next_node(i))
                out[key], i = self.block(i, lines[i][0])
            elif i < n and lines[i][0] == indent and (lines[i][1].startswith("- ") or lines[i][1] == "-"):
                add(self._next_node(i))
                out[key], i = self.sequence(i, indent)
            else:
                add(line | ind + s.find(":") + 2)  # an empty value sits just after the colon ('key :' too)
                out[key] = None
        return out, i

    def sequence(self, i, indent):
        lines = self.lines
        out = []
        pos = self.places.new(out)
        n = len(lines)
        while i < n:
            ind, s, r = lines[i]
            if ind != indent or not (s.startswith("- ") or s == "-"):
                if ind > indent:
                    raise Unsupported("unexpected indentation")
                break
            if s == "-":
                raise Unsupported("empty sequence entry")
            item = s[2:].lstrip(" ")
            item_indent = indent + (len(s) - len(item))
            if item.startswith("- ") or item == "-" or item[0] in "|>":
                raise Unsupported("nested sequence or block scalar on a sequence line")
            pos.append((r + 1) << _COL_BITS | item_indent + 1)
            if item[0] not in "\"'[" and _key(item) is not None:
                # '- key: value' starts a mapping whose keys line up with 'key'.
                value, i = self.mapping(i, item_indent, first_key_line=item)
                out.append(value)
                continue
            i += 1
            out.append(_scalar(item, r + 1, item_indent + 1, self.places))
            if i < n and lines[i][0] > indent:
                raise Unsupported("continuation line")
        return out, i

    def block_scalar(self, i, parent_indent, style, clip):
        """A '|', '|-', '>' or '>-' scalar whose header ended meaningful line ``i - 1``."""
        raws = self.raws
        j = self.lines[i - 1][2] + 1
        content: list[str | None] = []   # None: a blank line
        at = None                         # the content's indentation
        last = j                          # raw line number of the last content line
        while j < len(raws):
            raw = raws[j]
            stripped = raw.lstrip(" ")
            if not stripped:
                if at is None or len(raw) > at:
                    raise Unsupported("blank lines before the content, or spaces past its indentation")
                content.append(None)
                j += 1
                continue
            ind = len(raw) - len(stripped)
            if at is None:
                if ind <= parent_indent:
                    break
                at = ind
            if ind < at:
                break
            if ind > at and style == "folded":
                raise Unsupported("more-indented lines in a folded scalar")
            content.append(raw[at:])
            last = j
            j += 1
        while content and content[-1] is None:
            content.pop()
        if style == "literal":
            value = "\n".join("" if line is None else line for line in content)
        else:
            parts, blanks = [], 0
            for line in content:
                if line is None:
                    blanks += 1
                    continue
                if parts:
                    parts.append("\n" * blanks if blanks else " ")
                parts.append(line)
                blanks = 0
            value = "".join(parts)
        if clip and content and last + 1 < len(raws):  # clip keeps the last line break, if there is one
            value += "\n"
        lines = self.lines
        while i < len(lines) and lines[i][2] < j:
            i += 1
        return value, i
