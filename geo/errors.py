"""Errors that stop a whole file or command, with a message a user can act on."""

from __future__ import annotations


class InputError(ValueError):
    """A file (or argument) cannot be used as a whole.

    The message names the file, and where it helps the row and column, and says what to do.
    Row numbers are spreadsheet row numbers: the header is row 1, the first data row is row 2.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (": ".join([", ".join(where), self.detail]) if where else self.detail).strip()
        if self.hint:
            text = f"{text}. {self.hint}"
        return text


class StoreBusyError(InputError):
    """Another process (an import) holds the database for longer than the wait.

    The message is plain on purpose: no file path, process or lock detail reaches a user.
    """

    def __init__(self) -> None:
        super().__init__("the database is busy with an import; try again when it ends")


class MissingDatabaseError(InputError):
    """A command that only reads was given a database path where there is no file."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no database at {path}; create one with `geocrm demo` or an import")
