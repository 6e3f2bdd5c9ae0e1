"""Text from data and links put on screen exactly as typed: never Markdown, HTML or a link.

The one way pages and widgets show untrusted text (names, IDs, file names, messages that
quote a file or a link). Streamlit renders Markdown in titles, headers, captions, alerts,
metric labels, button, page-link and widget labels, radio options, expander labels and help
tooltips, and its GFM renderer turns bare ``http://``, ``www.`` and e-mail addresses into
links *after* parsing, so escaping alone does not stop them. :func:`inert` therefore:

- puts a backslash before each ASCII punctuation character, which CommonMark consumes:
  the characters show and no backslash does (``\\`` shows as one backslash);
- puts a word joiner (U+2060: invisible, zero-width, no line break) after each autolink
  trigger (``http``/``https``/``ftp``/``mailto``/``xmpp`` before ``:``, ``www`` before
  ``.``, and ``@``), which keeps the renderer from seeing a link;
- turns line breaks and other control characters into spaces (a heading or a label is one
  line; two spaces before a line break would be a hard break).

Selectbox and multiselect options, ``st.text``, ``st.code`` and dataframes show text as it
is: they take :func:`as_option` (or the raw value), since escaping there would show the
backslashes. Map tooltips and popups have their own path, :func:`geo.maps.inert_text.to_map_text`.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

#: Invisible, zero-width, no line break: splits an autolink trigger without showing.
WORD_JOINER = "\u2060"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_AUTOLINK_TRIGGER = re.compile(r"(?:https?|ftp|mailto|xmpp)(?=:)|www(?=\.)|@", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def as_option(text: object) -> str:
    """Text for a widget that shows it without Markdown (selectbox and multiselect options):
    as typed, control characters as spaces; None shows as nothing."""
    return _CONTROL.sub(" ", "" if text is None else str(text))


def inert(text: object) -> str:
    """Markdown source that Streamlit shows as exactly ``text``: for any argument it renders
    as Markdown (labels, headings, captions, alerts, metric labels, radio options)."""
    plain = _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, as_option(text))
    return _PUNCTUATION.sub(r"\\\1", plain)


def _target(container: Any) -> Any:
    """Where to write: a container (``st.sidebar``, a column) or the page."""
    return st if container is None else container


def show_title(text: object, container: Any = None) -> None:
    _target(container).title(inert(text), anchor=False)


def show_subheader(text: object, container: Any = None) -> None:
    _target(container).subheader(inert(text), anchor=False)


def show_caption(text: object, container: Any = None) -> None:
    _target(container).caption(inert(text))


def show_info(text: object, container: Any = None) -> None:
    _target(container).info(inert(text))


def show_success(text: object, container: Any = None) -> None:
    _target(container).success(inert(text))


def show_warning(text: object, container: Any = None) -> None:
    _target(container).warning(inert(text))


def show_error(text: object, container: Any = None) -> None:
    _target(container).error(inert(text))
