"""A user's Lucene query string -> the engine-neutral tree of search/query/ast.py.

The string is parsed once by luqum; its tree is walked once, checking every field and value
against the IndexSpec and reproducing the boolean semantics of Lucene's classic QueryParser with
default operator OR, which is what OpenSearch's query_string runs. No engine ever sees the raw
string. docs/query-language.md describes the language to users, deviations included.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Iterator, NamedTuple

from luqum import parser as luqum_parser
from luqum.exceptions import IllegalCharacterError, ParseError
from luqum.thread import parse as luqum_parse
from luqum.tree import (
    AndOperation, Boost as LBoost, FieldGroup, From, Fuzzy as LFuzzy, Group, Not, OrOperation,
    Phrase as LPhrase, Plus, Prohibit, Proximity, Range as LRange, Regex as LRegex, SearchField, To,
    UnknownOperation, Word,
)

from insider.errors import BadRequest, InsiderError, InvalidQuery, QuerySyntaxError
from mappings import Field, IndexSpec
from search.query import semantics
from search.query.ast import Bool, Boost, Exists, Fuzzy, MatchAll, MatchNone, Node, Regex, Wildcard
from search.query.sort import parse_sort
from search.query.validate import object_path, portable_regex, unknown_field

__all__ = ["parse", "parse_sort"]  # the query layer's whole API; parse_sort lives in sort.py

MAX_QUERY_LENGTH = 2_000
MAX_SLOP = 2**31 - 1
MAX_CLAUSES = 1024  # OpenSearch's indices.query.bool.max_clause_count
MAX_DEPTH = 32  # nested parentheses; keeps every walk far from Python's recursion limit
# Wildcard, regular-expression and fuzzy clauses each walk a field's term dictionary: a 2,000-
# character query of ~170 bare `*x*` words (1,020 such clauses over the default fields) took 2.5 s
# on the 4,000-filing corpus, a few of them kept both server workers busy. Counted after the
# default fields are expanded (a bare wildcard word is one clause per default field).
MAX_EXPANDING = 16

AND, OR = "AND", "OR"
REQUIRED, PROHIBITED = "+", "-"
_CONJUNCTION = {AndOperation: AND, OrOperation: OR, UnknownOperation: None}
_MODIFIERS = (Plus, Prohibit, Not)
_WORD_OPERATORS = {"&&": AND, "||": OR}  # Lucene's spellings that luqum reads as plain words
_HINTS = {'"': " (unclosed quote?)", "/": " (unclosed regular expression?)", "'": " (quote with \" instead)"}


def _ordinary(raw: str) -> bool:
    """A word or field name with no escape and nothing `checked_chars` refuses: its own text,
    read without walking it character by character (most queries; ~25 % of parsing a ticker
    query went to that walk)."""
    return "\\" not in raw and "!" not in raw and '"' not in raw


class _Target(NamedTuple):
    name: str  # as written, unescaped
    pos: int


def parse(query: str, spec: IndexSpec) -> Node:
    if not isinstance(query, str):
        raise BadRequest("query must be a string")
    if not query.strip():
        raise BadRequest("query is empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise BadRequest(f"query is {len(query):,} characters long; the limit is {MAX_QUERY_LENGTH:,}",
                         length=len(query), limit=MAX_QUERY_LENGTH)
    node = _Translator(query, spec).level(_luqum(query), None, 0)
    # Everything analysed away (`remarks:"--"`): OpenSearch matches nothing.
    if node is None:
        return MatchNone()
    leaves = list(_leaves(node))
    if len(leaves) > MAX_CLAUSES:  # OpenSearch refuses more
        raise BadRequest(f"the query expands to {len(leaves):,} clauses (bare words search every default field); "
                         f"the limit is {MAX_CLAUSES:,}", clauses=len(leaves), limit=MAX_CLAUSES)
    # those that walk a term dictionary: wildcards, regular expressions, fuzzy terms
    expanding = sum(isinstance(leaf, (Wildcard, Regex, Fuzzy)) for leaf in leaves)
    if expanding > MAX_EXPANDING:
        raise BadRequest(f"the query has {expanding} wildcard, regular-expression or fuzzy clauses (a bare word "
                         f"counts once per default field); the limit is {MAX_EXPANDING}: name the field, or "
                         f"use fewer", clauses=expanding, limit=MAX_EXPANDING)
    return node


def _leaves(node: Node) -> Iterator[Node]:
    """Leaf clauses of a query, as OpenSearch counts them against its clause limit."""
    if isinstance(node, Bool):
        for child in (*node.must, *node.should, *node.must_not, *node.filter):
            yield from _leaves(child)
    elif isinstance(node, Boost):
        yield from _leaves(node.query)
    else:
        yield node


def _where(query: str, pos: int) -> dict:
    line = query.count("\n", 0, pos) + 1
    return {"position": pos, "line": line, "column": pos - (query.rfind("\n", 0, pos) + 1) + 1}


def _syntax_error(query: str, pos: int, reason: str) -> QuerySyntaxError:
    where = _where(query, pos)
    return QuerySyntaxError(
        f"Syntax error at position {pos} (line {where['line']}, column {where['column']}): {reason}", **where)


def _luqum(query: str):
    try:
        return luqum_parse(query)
    except IllegalCharacterError as e:
        pos = int(re.search(r"at position (\d+)", str(e)).group(1))
        raise _syntax_error(query, pos, f"unexpected character {query[pos]!r}{_HINTS.get(query[pos], '')}") from None
    except ParseError as e:
        found = re.search(r"unexpected  '(.*)' at position (\d+)!$", str(e), re.S)
        if found is None:  # luqum reports running out of input without a position
            raise _syntax_error(query, len(query),
                                "unexpected end of query (unclosed parenthesis, range or operator without operand?)"
                                ) from None
        raise _syntax_error(query, int(found.group(2)), f"unexpected '{found.group(1)}'") from None
    except (ValueError, ArithmeticError):
        # luqum converts the number after `~`/`^` inside its grammar actions and lets the
        # conversion error escape; re-lex to point at the culprit.
        for pos, reason in _bad_modifiers(query):
            raise _syntax_error(query, pos, reason) from None
        raise  # not a number luqum failed on: a bug, not the user's


def _bad_modifiers(query: str):
    lexer = luqum_parser.lexer.clone()
    lexer.input(query)
    previous = None
    for token in iter(lexer.token, None):
        if token.type in ("APPROX", "BOOST") and token.value.value is not None:
            degree = token.value.value
            sign = "~" if token.type == "APPROX" else "^"
            try:
                int(degree) if (token.type, previous) == ("APPROX", "PHRASE") else Decimal(degree)
            except (ValueError, InvalidOperation):
                what = "a whole number" if sign == "~" and previous == "PHRASE" else "a number"
                yield token.lexpos, f"'{sign}{degree}': expected {what} after '{sign}'"
        previous = token.type


class _Translator:
    def __init__(self, query: str, spec: IndexSpec):
        self.query = query
        self.spec = spec

    def syntax(self, pos: int, reason: str) -> QuerySyntaxError:
        return _syntax_error(self.query, pos, reason)

    def located(self, error: InsiderError, pos: int) -> InsiderError:
        return type(error)(f"{error.message} (at position {pos})", **{**error.details, **_where(self.query, pos)})

    # --- boolean structure ----------------------------------------------------------------------

    def level(self, item, target: _Target | None, depth: int) -> Node | None:
        """One parenthesis level, combined as Lucene's QueryParserBase.addClause does."""
        if depth > MAX_DEPTH:
            raise self.located(InvalidQuery(f"Query nests parentheses more than {MAX_DEPTH} levels deep"), item.pos)
        clauses: list[list] = []  # [occur, node], in query order
        first = None
        for index, (conj, modifier, part) in enumerate(self.entries(item)):
            node = self.clause(part, target, depth)
            # `AND` makes the clause before it required, unless that one is prohibited.
            if clauses and conj == AND and clauses[-1][0] != "must_not":
                clauses[-1][0] = "must"
            if index == 0 and modifier is None:
                first = node
            if node is None:  # analysed away: Lucene drops the clause, the AND above still applied
                continue
            if modifier == PROHIBITED:
                clauses.append(["must_not", node])
            elif modifier == REQUIRED or conj == AND:
                clauses.append(["must", node])
            else:
                clauses.append(["should", node])
        if len(clauses) == 1 and first is not None:
            return first
        if not clauses:
            return None
        return Bool(**{occur: tuple(n for o, n in clauses if o == occur) for occur in ("must", "should", "must_not")})

    def entries(self, item) -> list[tuple[str | None, str | None, object]]:
        """(conjunction before it, modifier, clause) for each clause of a level, in query order."""
        out, pending = [], None
        for conj, part in self.sequence(item):
            if isinstance(part, Word) and part.value in _WORD_OPERATORS:
                if conj or pending or not out:
                    raise self.syntax(part.pos, f"'{part.value}' must stand between two clauses")
                pending = _WORD_OPERATORS[part.value]
                continue
            if pending:
                if conj:
                    raise self.syntax(part.pos, "two operators in a row")
                conj, pending = pending, None
            while isinstance(part, (Plus, Prohibit)) and self.query[part.pos + 1: part.pos + 2].isspace():
                # Lucene reads `-`/`+` followed by a space as a word of its own, not as an operator
                # on the next clause (`Coca - Cola`); luqum would prohibit `Cola`.
                out.append((conj, None, Word(part.op, pos=part.pos, size=1)))
                conj, part = None, part.a
            out.append((conj, *self.modifier(part)))
        if pending:
            raise self.syntax(len(self.query), "the query ends with an operator")
        return out

    def sequence(self, item) -> list[tuple[str | None, object]]:
        """luqum nests AND/OR/implicit operations by precedence; Lucene reads the clauses of a
        level left to right. An in-order walk recovers that flat sequence: the operator between
        two neighbouring clauses is the one of the operation that separates them."""
        if type(item) not in _CONJUNCTION:
            return [(None, item)]
        out = []
        for i, operand in enumerate(item.operands):
            part = self.sequence(operand)
            if i:
                part[0] = (_CONJUNCTION[type(item)], part[0][1])
            out += part
        return out

    def modifier(self, part) -> tuple[str | None, object]:
        if not isinstance(part, _MODIFIERS):
            return None, part
        if isinstance(part.a, _MODIFIERS):
            raise self.syntax(part.a.pos, "two operators in a row (+, - or NOT)")
        return (REQUIRED if isinstance(part, Plus) else PROHIBITED), part.a

    def clause(self, item, target: _Target | None, depth: int) -> Node | None:
        if isinstance(item, (Group, FieldGroup)):
            return self.level(item.expr, target, depth + 1)
        if isinstance(item, SearchField):
            if isinstance(item.expr, SearchField):
                raise self.syntax(item.expr.pos + len(item.expr.name),
                                  "unexpected ':' in a value; quote the value or escape the colon (\\:)")
            if isinstance(item.expr, _MODIFIERS):
                raise self.syntax(item.expr.pos, f"a value cannot start with '{item.expr.op}'; quote or escape "
                                  f"it to search for it, or write it before the field name ({item.expr.op}field:value)")
            return self.clause(item.expr, _Target(self.name_text(item.name, item.pos), item.pos), depth)
        if isinstance(item, LBoost):
            if item.implicit_force:
                raise self.syntax(item.pos + item.size - 1, "'^' must be followed by a number")
            if isinstance(item.expr, LBoost):
                raise self.syntax(item.expr.pos + item.expr.size, "a boost is given twice")
            node = self.clause(item.expr, target, depth)
            return None if node is None else Boost(node, float(item.force))
        return self.leaf(item, target)

    # --- fields -------------------------------------------------------------------------------

    def leaf(self, item, target: _Target | None) -> Node | None:
        if isinstance(item, Word) and item.value in _WORD_OPERATORS:
            raise self.syntax(item.pos, f"'{item.value}' must stand between two clauses")
        if target is None:
            return self.default_fields(item)
        if target.name == "_exists_":
            return Exists(self.exists_path(item))
        if target.name == "*" and _is_star(item):
            return MatchAll()
        if "*" in target.name or "?" in target.name:
            raise self.located(InvalidQuery(f"Field names cannot contain wildcards ('{target.name}'): name each field"),
                               target.pos)
        field = self.spec.field(target.name)
        if field is None:
            return self.object_leaf(item, target)
        return Exists(field.path) if _is_star(item) else self.value(item, field)

    def default_fields(self, item) -> Node | None:
        if _is_star(item):
            return MatchAll()
        if isinstance(item, (LRange, From, To)):
            raise self.located(InvalidQuery("A range needs a field name: write field:[a TO b] or field:>=a"), item.pos)
        fields = self.spec.default_fields
        if not fields:
            raise self.located(InvalidQuery(f"Index '{self.spec.name}' has no default fields: name the field to "
                                            "search (field:value)"), item.pos)
        nodes = tuple(n for n in (self.value(item, f) for f in fields) if n is not None)
        return Bool(should=nodes) if nodes else None

    def object_leaf(self, item, target: _Target) -> Node:
        path = object_path(self.spec, target.name)
        if path is None:
            raise self.located(unknown_field(self.spec, target.name), target.pos)
        if _is_star(item):
            return Exists(path)
        examples = ", ".join([p for p in self.spec.paths if p.startswith(path + ".")][:3])
        raise self.located(InvalidQuery(
            f"'{target.name}' is an object: search one of its fields (e.g. {examples}) or test its presence with "
            f"{target.name}:*", field=target.name), target.pos)

    def exists_path(self, item) -> str:
        if not isinstance(item, (Word, LPhrase)):
            raise self.located(InvalidQuery("_exists_ takes a field name: _exists_:field"), item.pos)
        name = self.unescape(item.value[1:-1] if isinstance(item, LPhrase) else item.value, item.pos)
        field = self.spec.field(name)
        path = field.path if field else object_path(self.spec, name)
        if path is None:
            raise self.located(unknown_field(self.spec, name), item.pos)
        return path

    # --- values -------------------------------------------------------------------------------

    def value(self, item, field: Field) -> Node | None:
        try:
            return self._value(item, field)
        except InvalidQuery as e:
            raise self.located(e, item.pos) from None

    def _value(self, item, field: Field) -> Node | None:
        if isinstance(item, Word):
            text, wild = self.word(item)
            return semantics.wildcard(field, text) if wild else semantics.match(field, text)
        if isinstance(item, LPhrase):
            return semantics.match(field, self.unescape(item.value[1:-1], item.pos + 1))
        if isinstance(item, Proximity):
            # Lucene reads a bare `~` after a phrase as the default slop, 0.
            slop = 0 if self.query[item.pos: item.pos + item.size].endswith("~") else item.degree
            if not 0 <= int(slop) <= MAX_SLOP:  # Lucene's slop is a 32-bit int
                raise InvalidQuery(f"the phrase's slop {slop} is out of range (0 to {MAX_SLOP:,})")
            return semantics.match(field, self.unescape(item.term.value[1:-1], item.pos + 1), slop)
        if isinstance(item, LFuzzy):
            return semantics.fuzzy(field, *self.fuzzy(item))
        if isinstance(item, LRegex):
            return semantics.regex(field, portable_regex(item.value[1:-1]))
        if isinstance(item, LRange):
            return semantics.range_(field, self.bound(item.low), self.bound(item.high), item.include_low,
                                    item.include_high)
        if isinstance(item, From):
            return semantics.range_(field, self.bound(item.a), None, item.include, True)
        return semantics.range_(field, None, self.bound(item.a), True, item.include)

    def fuzzy(self, item: LFuzzy) -> tuple[str, int | None]:
        text, wild = self.word(item.term)
        if wild:
            raise InvalidQuery("A term cannot be both a wildcard pattern and fuzzy")
        if self.query[item.pos: item.pos + item.size].endswith("~"):
            return text, None
        if item.degree not in (0, 1, 2):
            raise InvalidQuery(f"Fuzziness must be 0, 1 or 2 edits (or '~' alone for automatic), not {item.degree}")
        return text, int(item.degree)

    def bound(self, item) -> str | None:
        if isinstance(item, Prohibit):  # luqum reads the sign of `[-5 TO 5]` as an operator
            return "-" + self.bound(item.a)
        if isinstance(item, LPhrase):
            return self.unescape(item.value[1:-1], item.pos + 1)
        return None if item.value == "*" else self.unescape(item.value, item.pos)

    def word(self, item: Word) -> tuple[str, bool]:
        """The unescaped text of a bare word and whether it is a wildcard pattern."""
        if _ordinary(item.value):
            return item.value, "*" in item.value or "?" in item.value
        chars = self.checked_chars(item.value, item.pos)
        wild = any(c in "*?" and not escaped for c, escaped, _ in chars)
        if wild and any(c in "*?\\" and escaped for c, escaped, _ in chars):
            raise InvalidQuery("A wildcard pattern cannot also contain a literal *, ? or \\")
        return "".join(c for c, _, _ in chars), wild

    def name_text(self, raw: str, pos: int) -> str:
        """The unescaped text of a field name."""
        if _ordinary(raw):
            return raw
        return "".join(c for c, _, _ in self.checked_chars(raw, pos))

    def checked_chars(self, raw: str, pos: int) -> list[tuple[str, bool, int]]:
        """`chars` of a bare word or field name, refusing what Lucene would not read as part of it."""
        chars = self.chars(raw, pos)
        for c, escaped, where in chars:
            # Lucene ends a term at these; luqum would silently keep them inside the word.
            if c == "!" and not escaped:
                raise self.syntax(where, "'!' is an operator: write NOT, or escape it (\\!)")
            if c == '"' and not escaped:
                raise self.syntax(where, "a quote inside a word: separate the phrase with a space, or escape it (\\\")")
        return chars

    def unescape(self, raw: str, pos: int) -> str:
        if "\\" not in raw:
            return raw
        return "".join(c for c, _, _ in self.chars(raw, pos))

    def chars(self, raw: str, pos: int) -> list[tuple[str, bool, int]]:
        """(character, escaped, position in the query) of a term, escapes resolved as Lucene's
        discardEscapeChar does, `\\uXXXX` included."""
        out, i = [], 0
        while i < len(raw):
            if raw[i] != "\\":
                out.append((raw[i], False, pos + i))
                i += 1
            elif raw[i + 1] == "u":
                code = raw[i + 2: i + 6]
                if not re.fullmatch(r"[0-9a-fA-F]{4}", code):
                    raise self.syntax(pos + i, "'\\u' must be followed by 4 hexadecimal digits")
                unit = int(code, 16)
                low = raw[i + 8: i + 12] if 0xD800 <= unit < 0xDC00 and raw[i + 6: i + 8] == "\\u" else ""
                if re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low):  # a character past U+FFFF, as UTF-16 writes it
                    out.append((chr(0x10000 + ((unit - 0xD800) << 10) + (int(low, 16) - 0xDC00)), True, pos + i))
                    i += 12
                    continue
                if 0xD800 <= unit < 0xE000:
                    raise self.syntax(pos + i, f"'\\u{code}' is half of a surrogate pair: write the pair, or the character itself")
                out.append((chr(unit), True, pos + i))
                i += 6
            else:
                out.append((raw[i + 1], True, pos + i))
                i += 2
        return out


def _is_star(item) -> bool:
    return isinstance(item, Word) and item.value == "*"
