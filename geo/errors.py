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


class ChangedMeanwhileError(InputError):
    """Someone else saved, renamed or deleted a named thing (a saved segment, a scenario)
    after the editor read it, or saved one under the name the editor chose: nothing was
    written, and the editor's own version is still theirs to save under another name or to
    save over it knowingly.

    ``revision``: the stored revision now (None: it is gone); ``started_from``: the one
    the editor opened (None: they started a new one); ``when``: " at <time>" of the stored
    one, or empty; ``gone``: how it can have disappeared."""

    def __init__(
        self,
        kind: str,
        name: str,
        *,
        revision: int | None,
        started_from: int | None,
        when: str = "",
        gone: str = "deleted",
    ) -> None:
        self.name = name
        self.revision = revision
        if revision is None:
            what = f"the {kind} '{name}' was {gone} by someone else meanwhile"
        elif started_from is None:
            what = f"a {kind} named '{name}' exists already" + (f" (saved{when})" if when else "")
        else:
            what = f"the {kind} '{name}' was saved by someone else{when}, after you opened it"
        super().__init__(
            what,
            hint="Nothing was overwritten and your edit is kept: save it under another "
            "name, or save over theirs",
        )
