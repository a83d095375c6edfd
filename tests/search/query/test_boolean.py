"""Boolean logic exactly as Lucene's classic QueryParser with default operator OR (OpenSearch's
query_string): the clauses of a level are read left to right, AND makes itself and the clause
before it required, NOT/- prohibit, + requires, and juxtaposition means OR."""
import pytest

from mappings import Field, IndexSpec
from search.query.ast import Bool, Boost, MatchNone, Term
from search.query.lucene import parse

# Keyword fields a..d keep the expected trees short; `t` is analysed text.
SPEC = IndexSpec(
    name="t",
    fields=(Field("a", "keyword"), Field("b", "keyword"), Field("c", "keyword"), Field("d", "keyword"),
            Field("t", "text")),
    key="a",
)
A, B, C, D = (Term(f, "x") for f in "abcd")


def bool_(must=(), should=(), must_not=()):
    return Bool(must=tuple(must), should=tuple(should), must_not=tuple(must_not))


PRECEDENCE = [
    # query, expected, why
    ("a:x AND b:x OR c:x", bool_(must=[A, B], should=[C]), "+a +b c: c stays optional"),
    ("a:x OR b:x AND c:x", bool_(must=[B, C], should=[A]), "a +b +c: AND binds the neighbours only"),
    ("a:x OR NOT b:x", bool_(should=[A], must_not=[B]), "a -b"),
    ("a:x b:x", bool_(should=[A, B]), "juxtaposition is OR"),
    ("a:x OR b:x OR c:x", bool_(should=[A, B, C]), "plain disjunction"),
    ("a:x AND b:x", bool_(must=[A, B]), "plain conjunction"),
    ("a:x AND b:x AND c:x OR d:x", bool_(must=[A, B, C], should=[D]), "long chains stay flat"),
    ("a:x AND NOT b:x", bool_(must=[A], must_not=[B]), "AND NOT prohibits"),
    ("a:x AND -b:x", bool_(must=[A], must_not=[B]), "- is NOT"),
    ("NOT a:x AND b:x", bool_(must=[B], must_not=[A]), "AND never makes a prohibited clause required"),
    ("-a:x OR b:x", bool_(should=[B], must_not=[A]), "-a b"),
    ("a:x OR -b:x AND c:x", bool_(must=[C], should=[A], must_not=[B]), "the prohibited neighbour stays prohibited"),
    ("a:x b:x AND c:x", bool_(must=[B, C], should=[A]), "implicit OR then AND"),
    ("+a:x b:x -c:x", bool_(must=[A], should=[B], must_not=[C]), "+ and - modifiers"),
    ("+a:x AND b:x", bool_(must=[A, B]), "+ with AND"),
    ("+a:x", bool_(must=[A]), "a lone modified clause stays a Bool, as in Lucene"),
    ("-a:x", bool_(must_not=[A]), "pure negative: the engines match everything else"),
    ("NOT a:x", bool_(must_not=[A]), "NOT alone"),
    ("a:x && b:x || c:x", bool_(must=[A, B], should=[C]), "&& and || are AND and OR"),
    ("a:x OR b:x\nAND c:x", bool_(must=[B, C], should=[A]), "line breaks are whitespace"),
]


@pytest.mark.parametrize("query, expected, why", PRECEDENCE, ids=[p[0] for p in PRECEDENCE])
def test_clauses_of_one_level_follow_lucene_add_clause(query, expected, why):
    assert parse(query, SPEC) == expected, why


GROUPS = [
    ("a:x", A),
    ("(a:x)", A),
    ("((a:x))", A),
    ("(a:x OR b:x) AND c:x", bool_(must=[bool_(should=[A, B]), C])),
    ("a:x AND (b:x OR c:x)", bool_(must=[A, bool_(should=[B, C])])),
    ("NOT (a:x OR b:x)", bool_(must_not=[bool_(should=[A, B])])),
    ("(a:x AND b:x) OR (c:x AND d:x)", bool_(should=[bool_(must=[A, B]), bool_(must=[C, D])])),
    ("a:(x OR y)", bool_(should=[A, Term("a", "y")])),
    ("a:(x y)", bool_(should=[A, Term("a", "y")])),
    ("a:(+x -y)", bool_(must=[A], must_not=[Term("a", "y")])),
    ("a:(x AND NOT y)", bool_(must=[A], must_not=[Term("a", "y")])),
    ("a:(x b:x)", bool_(should=[A, B])),  # a field inside a field group overrides it
    ("a:x^2", Boost(A, 2.0)),
    ("(a:x OR b:x)^0.5", Boost(bool_(should=[A, B]), 0.5)),
    ("a:(x y)^3", Boost(bool_(should=[A, Term("a", "y")]), 3.0)),
    ("-a:x^3 b:x", bool_(should=[B], must_not=[Boost(A, 3.0)])),
]


@pytest.mark.parametrize("query, expected", GROUPS, ids=[g[0] for g in GROUPS])
def test_parentheses_field_groups_and_boosts(query, expected):
    assert parse(query, SPEC) == expected


ANALYSED_AWAY = [
    # A text value without any token is dropped from its level as Lucene drops a null clause;
    # the AND it carried still applies to the clause before it.
    ('t:"--"', MatchNone()),
    ('-t:"--"', MatchNone()),
    ('a:x AND t:"--"', A),
    ('t:"--" AND a:x', bool_(must=[A])),
    ('a:x -t:"--"', A),
    ('a:x OR t:"--" AND b:x', bool_(must=[A, B])),
    ('(t:"--") OR a:x', bool_(should=[A])),
    ('t:"--"^2 a:x', bool_(should=[A])),
]


@pytest.mark.parametrize("query, expected", ANALYSED_AWAY, ids=[q for q, _ in ANALYSED_AWAY])
def test_values_without_tokens_drop_their_clause_like_opensearch(query, expected):
    assert parse(query, SPEC) == expected


def test_lowercase_operators_are_plain_words():
    assert parse("a:(x and y)", SPEC) == bool_(should=[A, Term("a", "and"), Term("a", "y")])


def test_minus_or_plus_followed_by_a_space_is_a_word_not_an_operator():
    # Lucene's BAREOPER: `x - y` searches x, "-" and y; it does not exclude y.
    assert parse("a:(x - y)", SPEC) == bool_(should=[A, Term("a", "-"), Term("a", "y")])
    assert parse("a:(x AND + y)", SPEC) == bool_(must=[A, Term("a", "+")], should=[Term("a", "y")])
    assert parse("a:(x - -y)", SPEC) == bool_(should=[A, Term("a", "-")], must_not=[Term("a", "y")])


def test_ampersands_glued_to_a_word_are_part_of_it():
    # Lucene's lexer takes the longest token: `&&y` is a term, not AND followed by y.
    assert parse("a:(x &&y)", SPEC) == bool_(should=[A, Term("a", "&&y")])
