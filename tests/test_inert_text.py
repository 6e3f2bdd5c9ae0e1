"""Untrusted text is shown as typed: table-driven over the payloads that Markdown, HTML,
GFM autolinks and Streamlit's own extensions would otherwise act on."""

from __future__ import annotations

import re

import pytest

from ui.inert_text import WORD_JOINER, as_option, inert

WJ = WORD_JOINER
#: What CommonMark makes of a backslash escape: the character alone.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")

CASES = [
    # (typed, Markdown source handed to Streamlit)
    ("Smith and Sons", "Smith and Sons"),
    ("http://x.example", f"http{WJ}\\:\\/\\/x\\.example"),
    ("HTTPS://x.example/a?b=1", f"HTTPS{WJ}\\:\\/\\/x\\.example\\/a\\?b\\=1"),
    ("www.x.example", f"www{WJ}\\.x\\.example"),
    ("ann@x.example", f"ann\\@{WJ}x\\.example"),
    ("mailto:ann", f"mailto{WJ}\\:ann"),
    ("[click](http://x.example)", f"\\[click\\]\\(http{WJ}\\:\\/\\/x\\.example\\)"),
    ("![x](http://x.example/a.png)", f"\\!\\[x\\]\\(http{WJ}\\:\\/\\/x\\.example\\/a\\.png\\)"),
    ('=HYPERLINK("http://x","y")', f'\\=HYPERLINK\\(\\"http{WJ}\\:\\/\\/x\\"\\,\\"y\\"\\)'),
    ("<b>bold</b>", "\\<b\\>bold\\<\\/b\\>"),
    ("<script>", "\\<script\\>"),
    ("a\\b", "a\\\\b"),
    ("back`tick`", "back\\`tick\\`"),
    ("${alert(1)}", "\\$\\{alert\\(1\\)\\}"),
    (":red[x] :smile:", "\\:red\\[x\\] \\:smile\\:"),
    ("*em* _u_ ~~s~~ # h", "\\*em\\* \\_u\\_ \\~\\~s\\~\\~ \\# h"),
    ("1. one", "1\\. one"),
    ("emoji 😀", "emoji 😀"),
    ("\u202eRTL\u200f", "\u202eRTL\u200f"),
    ("two  \nlines\ttab", "two   lines tab"),
    ("", ""),
]


@pytest.mark.parametrize(("typed", "source"), CASES)
def test_inert_escapes_every_markdown_and_link_trigger(typed: str, source: str) -> None:
    assert inert(typed) == source


@pytest.mark.parametrize("typed", [typed for typed, _ in CASES])
def test_what_the_reader_sees_is_what_was_typed(typed: str) -> None:
    shown = _ESCAPE.sub(r"\1", inert(typed)).replace(WJ, "")
    assert shown == re.sub(r"[\x00-\x1f]", " ", typed)
    # No character is left for Markdown to act on: every punctuation mark is escaped …
    assert not re.search(r"(?<!\\)[!-/:-@\[-`{-~]", _ESCAPE.sub("", inert(typed)))
    # … and no bare autolink trigger remains.
    assert not re.search(r"(?i)https?:|www\.|@\w", _ESCAPE.sub(r"\1", inert(typed)))


def test_a_long_name_is_kept_whole() -> None:
    name = "Ä" * 10_000
    assert inert(name) == name


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), (12.5, "12.5"), ("a\\b [x](y)", "a\\b [x](y)"), ("a\nb", "a b")],
)
def test_options_are_shown_as_typed_without_escapes(value: object, shown: str) -> None:
    assert as_option(value) == shown
    assert inert(value) == inert(shown)
