"""Checks shared by the query and sort parsers: field names (with a suggestion when one is
unknown) and regular expressions restricted to what both engines read the same way."""
from __future__ import annotations

import difflib

from insider.errors import InvalidQuery, UnknownField
from mappings import Field, IndexSpec


def resolve_field(spec: IndexSpec, name: str) -> Field:
    field = spec.field(name)
    if field is None:
        raise unknown_field(spec, name)
    return field


def unknown_field(spec: IndexSpec, name: str) -> UnknownField:
    suggestion = _suggest(spec, name)
    hint = f"; did you mean '{suggestion}'?" if suggestion else ""
    return UnknownField(
        f"Unknown field '{name}' in index '{spec.name}' (field names are case-sensitive){hint}",
        field=name, suggestion=suggestion,
    )


def _suggest(spec: IndexSpec, name: str) -> str | None:
    known = spec.paths + [alias for alias, _ in spec.aliases] + sorted(spec.object_prefixes())
    # The commonest slips first: the wrong case (`issuer.tradingsymbol`), then a path written
    # without its parents (`amounts.shares`); difflib only when neither explains the name.
    same = [k for k in known if k.lower() == name.lower()]
    tail = [k for k in known if k.endswith("." + name)]
    close = same or tail or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def object_path(spec: IndexSpec, name: str) -> str | None:
    """The canonical object path `name` designates (`reportingOwners.relationship` is an alias of
    `reportingOwner.relationship`), or None when `name` is not an object."""
    if name in spec.object_prefixes():
        return name
    for alias, canonical in spec.aliases:
        rest = alias[len(name):]
        if alias.startswith(name + ".") and canonical.endswith(rest):
            return canonical[: -len(rest)]
    return None


# --- regular expressions ------------------------------------------------------------------------
#
# OpenSearch runs Lucene's RegExp (with every optional operator enabled), tantivy runs Rust's regex
# crate. The accepted subset is the one where both read a pattern alike; the output is rewritten
# so that every literal is spelled in a form both engines parse as that literal.

MAX_REPEAT = 100        # bound of a counted repetition {n,m}
MAX_REGEX_SIZE = 1_000  # structural size after expanding counted repetitions

_RUST_META = set("\\.+*?()|[]{}^$#&-~")  # Rust accepts `\c` for exactly these in every version
_LUCENE_OPERATORS = {
    "#": "'#' (the empty language)", "@": "'@' (any string)", "&": "'&' (intersection)",
    "~": "'~' (complement)", "<": "'<' (numeric interval)", ">": "'>' (numeric interval)",
    '"': "'\"' (quoted string)",
}


def portable_regex(pattern: str) -> str:
    """`pattern` as written between slashes in the query, checked and rewritten canonically."""
    if pattern == "":
        raise InvalidQuery("Empty regular expression")
    parser = _RegexParser(pattern)
    out, size = parser.alternation()
    if parser.i < len(pattern):  # only an unmatched ')' stops the top-level alternation early
        parser.fail("unmatched ')'")
    if size > MAX_REGEX_SIZE:
        raise InvalidQuery(f"Regular expression /{pattern}/ is too complex (size {size} > {MAX_REGEX_SIZE})")
    return out


def _literal(c: str) -> str:
    if c in _RUST_META:
        return "\\" + c
    if c in _LUCENE_OPERATORS:
        # Lucene reads these as operators and older Rust versions reject `\@`: a one-character
        # class is a literal in both.
        return f"[{c}]"
    return c


def _class_literal(c: str) -> str:
    return "\\" + c if c in _RUST_META else c


class _RegexParser:
    def __init__(self, pattern: str):
        self.p = pattern
        self.i = 0

    def fail(self, why: str):
        raise InvalidQuery(f"Regular expression /{self.p}/ is not supported: {why} (at character {self.i} of the pattern)")

    def peek(self) -> str | None:
        return self.p[self.i] if self.i < len(self.p) else None

    def take(self) -> str:
        c = self.p[self.i]
        self.i += 1
        return c

    def alternation(self) -> tuple[str, int]:
        branches = [self.branch()]
        while self.peek() == "|":
            self.take()
            branches.append(self.branch())
        return "|".join(b for b, _ in branches), sum(s for _, s in branches)

    def branch(self) -> tuple[str, int]:
        parts = []
        while self.peek() not in (None, "|", ")"):
            parts.append(self.piece())
        if not parts:
            self.fail("empty alternative or group")
        return "".join(p for p, _ in parts), sum(s for _, s in parts)

    def piece(self) -> tuple[str, int]:
        atom, size = self.atom()
        if self.peek() in ("*", "+", "?"):
            atom += self.take()
            size *= 2
        elif self.peek() == "{":
            low, high = self.counted()
            atom += f"{{{low}}}" if low == high else f"{{{low},{'' if high is None else high}}}"
            size *= max(1, low + 1 if high is None else high)
        if self.peek() in ("*", "+", "?", "{"):
            self.fail("a repetition cannot follow another one (Rust reads '*?' as lazy); use parentheses")
        return atom, size

    def counted(self) -> tuple[int, int | None]:
        start = self.i
        self.take()
        body = ""
        while self.peek() not in (None, "}"):
            body += self.take()
        if self.peek() is None:
            self.i = start
            self.fail("'{' must start a repetition {n}, {n,} or {n,m}; write \\{ for the character")
        self.take()
        low, comma, high = body.partition(",")
        if not low.isdigit() or (high and not high.isdigit()):
            self.i = start
            self.fail(f"'{{{body}}}' is not a repetition {{n}}, {{n,}} or {{n,m}}")
        bounds = (int(low), int(low) if not comma else int(high) if high else None)
        if max(b for b in bounds if b is not None) > MAX_REPEAT or (bounds[1] is not None and bounds[1] < bounds[0]):
            self.i = start
            self.fail(f"repetition bounds must satisfy n <= m <= {MAX_REPEAT}")
        return bounds

    def atom(self) -> tuple[str, int]:
        c = self.take()
        if c == ".":
            return ".", 1
        if c == "(":
            inner, size = self.alternation()
            if self.peek() != ")":
                self.fail("unclosed '('")
            self.take()
            return f"({inner})", size
        if c == "[":
            return self.char_class(), 1
        if c == "\\":
            return _literal(self.escaped()), 1
        if c in "*+?{":
            self.i -= 1
            self.fail(f"'{c}' has nothing to repeat")
        if c in "]}":
            self.i -= 1
            self.fail(f"unmatched '{c}'; write \\{c} for the character")
        if c in "^$":
            self.i -= 1
            self.fail(f"anchor '{c}': patterns always match the whole term; write \\{c} for the character")
        if c in _LUCENE_OPERATORS:
            self.i -= 1
            self.fail(f"Lucene-only operator {_LUCENE_OPERATORS[c]}; write \\{c} for the character")
        return _literal(c), 1

    def escaped(self) -> str:
        if self.peek() is None:
            self.fail("trailing '\\'")
        c = self.take()
        if c.isalnum():
            self.i -= 2
            self.fail(f"escaping a letter or digit ('\\{c}') is not portable: Rust reads \\d, \\w, \\s... as "
                      "classes, Lucene as the letter itself; write a class such as [0-9], or the letter alone")
        return c

    def class_char(self) -> str:
        c = self.take()
        if c == "\\":
            return self.escaped()
        if c == "[":
            self.i -= 1
            self.fail("'[' inside a class (Rust reads a nested class); write \\[")
        if c == "-":
            self.i -= 1
            self.fail("'-' inside a class must join a range (a-z) or be escaped as \\-")
        return c

    def char_class(self) -> str:
        negate = "^" if self.peek() == "^" else ""
        if negate:
            self.take()
        items = []
        while self.peek() != "]":
            if self.peek() is None:
                self.fail("unclosed '['")
            low = self.class_char()
            if self.peek() == "-" and self.p[self.i + 1: self.i + 2] not in ("]", ""):
                self.take()
                high = self.class_char()
                if high < low:
                    self.fail(f"range {low}-{high} is reversed")
                items.append(f"{_class_literal(low)}-{_class_literal(high)}")
            else:
                items.append(_class_literal(low))
        if not items:
            self.fail("empty class")
        self.take()
        return f"[{negate}{''.join(items)}]"
