"""How a filter criterion is declared: one value that says everything about it.

A :class:`Criterion` holds a criterion's link parameter, command-line flag, the parser of
one written value, its validation against the data, its SQL condition, the words that
describe it and the kind of sidebar widget that sets it. :class:`geo.segments.filters.Filters`
declares each of its fields with one (:func:`declare`); the link codec
(:mod:`geo.segments.segment`), the selection SQL (:mod:`geo.segments.selection`), the sidebar
(:mod:`ui.sidebar`) and the command line (:mod:`geo.cli`) are all derived from them.

Nothing here knows Streamlit: a widget is declared by its kind, and ``ui.sidebar`` maps each
kind to a Streamlit widget.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")

#: Key of a dataclass field's metadata that holds its criterion.
CRITERION = "criterion"
#: How much of a dropped value a note quotes, in characters.
QUOTED_CHARS = 60


class WidgetKind(StrEnum):
    """The kinds of sidebar widget a criterion is set with (``ui.sidebar`` draws each)."""

    #: One of the data's area levels (drawn above the other filters: the areas depend on it).
    LEVEL = "level"
    #: Several areas of the chosen level.
    AREAS = "areas"
    #: One of a few labelled choices (``Widget.labels``).
    ONE_OF = "one_of"
    #: Several of the data's owners.
    OWNERS = "owners"
    #: Several of the criterion's fixed options.
    CHOICES = "choices"
    #: A range of dates within the data's order dates, for this criterion and its upper end.
    DATE_RANGE = "date_range"
    #: Two amounts side by side, for this criterion and its upper end.
    AMOUNT_RANGE = "amount_range"
    #: One whole number.
    COUNT = "count"
    #: Drawn on the map, not typed: the sidebar only says what is drawn and can clear it.
    DRAWN = "drawn"


@dataclass(frozen=True)
class Widget:
    """A sidebar widget: its kind, label(s), session-state key(s) and hints.

    Range kinds name two labels and two keys (lower end, upper end) when they are two
    widgets; ``labels`` of ONE_OF pair each shown label with its value. ``step`` is the
    step of a number input, in the criterion's unit; ``what`` names the widget in a note
    about what it set.
    """

    kind: WidgetKind
    label: str = ""
    key: str = ""
    placeholder: str = ""
    help: str = ""
    labels: tuple[tuple[str, Any], ...] = ()
    upper_label: str = ""
    upper_key: str = ""
    step: float = 1.0
    what: str = ""


@dataclass(frozen=True)
class Known:
    """What the database holds, to check a segment against: levels and their area IDs,
    and (when given) the owners and the metric keys; ``None`` leaves those unchecked."""

    areas_by_level: Mapping[str, frozenset[str]] = field(default_factory=dict)
    owners: frozenset[str] | None = None
    metrics: frozenset[str] | None = None

    @property
    def levels(self) -> list[str]:
        return list(self.areas_by_level)


@dataclass
class Reading:
    """A link being read: what the data holds (``known``, None: unchecked), the criteria
    read so far (field name -> value) and the notes on what was dropped."""

    known: Known | None
    kept: dict[str, Any]
    problems: list[str]


@dataclass(frozen=True)
class SelectionContext:
    """What a criterion's SQL condition may refer to in the selection query: the whole
    filters, and the SQL expression of a customer's owner (its own, else its area's at the
    filters' level). Tables: ``c`` customers, ``a`` assignments at the level, ``cs``
    customer scores, ``orders`` (one row per order, dated by its earliest line)."""

    filters: Any
    owner: str


#: A criterion's SQL condition: (SQL text with ``?`` placeholders, their values), or None
#: when the value adds no condition.
Condition = tuple[str, list[Any]] | None


@dataclass(frozen=True)
class Criterion:
    """One filter criterion, declared once.

    ``param`` is its link parameter (and JSON key), ``flag`` its command-line flag,
    ``what`` how notes about a dropped value name it, ``help`` the flag's help.
    ``parse`` reads one written value (a ValueError says what to write instead); ``write``
    writes one back. ``many``: the criterion holds a tuple of values; ``options``: the only
    values it takes. ``each_alone``: a value that cannot be used is dropped alone (else
    the whole parameter is). ``check`` validates parsed values against the data while a
    link is read (raise ValueError to drop it, or note and return what remains).
    ``upper``: the field that bounds this one from above (a range: both are dropped when
    reversed). ``condition`` gives its SQL (None: it has none of its own, see
    :func:`geo.segments.selection.selection_sql`). ``describe`` gives its words for the
    sentence that describes the filters (None when it adds none); ``subject``: its words
    open the sentence. ``needs_scores``: it reads the customer scores. ``widget``: how the
    sidebar sets it (None: another criterion's widget does, or none). ``every_command``:
    also a flag of commands that choose no areas or people; ``repeat_flag``: the flag is
    repeated per value (``--shape A --shape B``) instead of taking several.
    """

    param: str
    flag: str
    what: str
    help: str
    parse: Callable[[str], Any] = str
    write: Callable[[Any], str] = str
    many: bool = False
    options: tuple[str, ...] = ()
    each_alone: bool = False
    check: Callable[[Any, Reading], Any] | None = None
    upper: str | None = None
    condition: Callable[[Any, SelectionContext], Condition] | None = None
    describe: Callable[[Any, Any, Mapping[str, str]], str | None] | None = None
    subject: bool = False
    needs_scores: bool = False
    widget: Widget | None = None
    metavar: str | None = None
    every_command: bool = True
    repeat_flag: bool = False

    def read(self, values: Sequence[str], reading: Reading) -> Any:
        """The criterion's value from a link's values of its parameter (non-empty, already
        limited in size and count); raises ValueError to drop the parameter."""
        if not self.many:
            value = self.parse(values[0])
        elif self.each_alone:
            kept = []
            for text in values:
                try:
                    kept.append(self.parse(text))
                except ValueError as exc:
                    reading.problems.append(
                        f"{self.what} '{quoted([text])}' was ignored (parameter {self.param}): "
                        f"{exc}"
                    )
            value = tuple(dict.fromkeys(kept))
        else:
            value = tuple(dict.fromkeys(self.parse(text) for text in values))
        return self.check(value, reading) if self.check is not None else value

    def to_texts(self, value: Any) -> list[str]:
        """The written values of ``value`` (empty when it is unset)."""
        if not is_set(value):
            return []
        return [self.write(v) for v in (value if self.many else (value,))]

    def validate(self, name: str, value: Any) -> None:
        """Raise ValueError when ``value`` (of field ``name``) is not one the criterion could
        have read: each plain value (text, number, date) must read back from its written
        form, so a value built in code obeys the same rules as one from a link or the
        command line."""
        if not is_set(value):
            return
        for one in value if self.many else (value,):
            if not isinstance(one, str | int | float | date):
                continue  # a value object (a Shape) checks itself when it is made
            try:
                self.parse(self.write(one))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{name} {one!r} cannot be used: {exc}") from None


def declare(default: T, criterion: Criterion) -> T:
    """A field of :class:`geo.segments.filters.Filters` declared with its criterion."""
    declared: Any = dataclasses.field(default=default, metadata={CRITERION: criterion})
    return declared


def criteria_of(cls: type) -> tuple[tuple[str, Criterion], ...]:
    """(field name, criterion) of each declared field of the dataclass ``cls``, in order."""
    return tuple(
        (f.name, f.metadata[CRITERION]) for f in dataclasses.fields(cls) if CRITERION in f.metadata
    )


def is_set(value: Any) -> bool:
    """Whether a criterion's value filters anything (None and empty tuples do not)."""
    return value is not None and value != ()


def quoted(values: Sequence[str]) -> str:
    """Values as a note quotes them: joined, cut after QUOTED_CHARS characters."""
    text = ", ".join(values)
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + " …"


def one_of(options: Sequence[str]) -> Callable[[str], str]:
    """A parser that takes only ``options``."""

    def parse(text: str) -> str:
        if text not in options:
            raise ValueError(f"use {', '.join(options)}")
        return text

    return parse


def parse_day(text: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date: use YYYY-MM-DD") from None


def parse_amount(text: str) -> float:
    """An amount of money: a finite number, zero or more."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError("use a positive number")
    return value


def write_amount(value: float) -> str:
    return f"{value:g}"


def parse_count(text: str) -> int:
    """A count: a whole number, one or more."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError("use a whole number, 1 or more") from None
    if value < 1:
        raise ValueError("use a whole number, 1 or more")
    return value


def plural(noun: str) -> str:
    """county -> counties, state -> states, territory -> territories."""
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"
