"""One visitor of a served Streamlit app, driven over the app's websocket as the browser does.

The browser and the server speak protobuf over ``/_stcore/stream``: the browser sends a
``BackMsg`` asking for a script run (the page, the query string and every widget's value),
the server answers with ``ForwardMsg`` s (the page's elements as deltas) and ends each run
with ``script_finished``. This client sends the same requests and reads the same answers,
without drawing anything: a step lasts from the request to the run's finished message.

It never asks for cached messages (it claims to hold none), so the server sends every
element in full on every run, as to a first-time visitor. Custom components (the folium
map) are received but not run, so the map's own value (its zoom, sent back by a browser
once the map is drawn) does not trigger the follow-up fragment run a browser causes.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urljoin, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

#: The run outcomes that end a step (a run cut short by ``st.rerun`` is followed by another).
_FINAL = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


class StepError(Exception):
    """A step that did not end as a visitor expects (a missing widget, a bad download)."""


@dataclass
class PageRun:
    """What one script run left on the page: its elements by position, and the text of
    every exception element shown (with its type), plus a compile error if there was one."""

    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    #: The text of every alert (st.info, st.warning, st.error) shown during the request,
    #: in runs cut short by a rerun too (a "database busy" note is shown, then rerun).
    alerts: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Element]:
        """The page's elements of one kind ("selectbox", "button", ...), in page order."""
        return [e for _, e in sorted(self.elements.items()) if e.WhichOneof("type") == kind]

    def widget(self, kind: str, label_start: str) -> Element:
        """The one element of ``kind`` whose label starts with ``label_start``."""
        found = [e for e in self.of_kind(kind) if getattr(e, kind).label.startswith(label_start)]
        if not found:
            raise StepError(f"no {kind} labelled {label_start!r} on the page")
        return found[0]


class StreamlitSession:
    """One browser tab's session with the app at ``url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, url: str, query_string: str = "") -> None:
        self.url = url
        self.query_string = query_string
        self.page_hash = ""
        #: url path ("", "export", ...) -> page script hash, from the app's navigation.
        self.pages: dict[str, str] = {}
        self._values: dict[str, WidgetState] = {}
        self._socket: ClientConnection | None = None

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def open(self) -> PageRun:
        """Arrive: connect, as a browser opening the app's address does, and run the page."""
        parts = urlsplit(self.url)
        # No size limit: the map's page holds a few megabytes of folium HTML. No keepalive
        # pings: a browser sends none, and a server busy running twenty scripts answers them
        # late, which would end the connection where a browser's stays open.
        self._socket = await connect(
            f"ws://{parts.netloc}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            max_size=None,
            ping_interval=None,
        )
        return await self.run()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def run(self, triggers: Iterable[WidgetState] = ()) -> PageRun:
        """Ask for a run of the current page with the widgets' values (and ``triggers``,
        buttons pressed, which count for this run only); wait for its end."""
        assert self._socket is not None, "open the session first"
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend([*self._values.values(), *triggers])
        await self._socket.send(message.SerializeToString())
        page = PageRun()
        while True:
            received = ForwardMsg()
            received.ParseFromString(await self._socket.recv(decode=False))
            kind = received.WhichOneof("type")
            if kind == "new_session":
                page = PageRun(alerts=page.alerts)
            elif kind == "navigation":
                self.pages = {
                    p.url_pathname: p.page_script_hash for p in received.navigation.app_pages
                }
            elif kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                element = received.delta.new_element
                page.elements[tuple(received.metadata.delta_path)] = element
                if element.WhichOneof("type") == "exception":
                    page.exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif element.WhichOneof("type") == "alert":
                    page.alerts.append(element.alert.body)
            elif kind == "script_finished" and received.script_finished in _FINAL:
                if received.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    page.exceptions.append("the page's script did not compile")
                return page

    async def open_page(self, url_path: str) -> PageRun:
        """Go to a page of the app's navigation (``""`` is the default page)."""
        if url_path not in self.pages:
            raise StepError(f"the app has no page at /{url_path}")
        self.page_hash = self.pages[url_path]
        return await self.run()

    async def choose(self, selectbox: Element, option: str) -> PageRun:
        """Pick ``option`` in a select box (kept for every later run, as a browser does)."""
        if option not in selectbox.selectbox.options:
            raise StepError(f"{selectbox.selectbox.label!r} has no option {option!r}")
        self._values[selectbox.selectbox.id] = WidgetState(
            id=selectbox.selectbox.id, string_value=option
        )
        return await self.run()

    def pick(self, multiselect: Element, options: list[str]) -> None:
        """Set a multiselect to ``options`` (its shown labels) for the next runs; inside a
        form it counts once the form is submitted (:meth:`press` its submit button)."""
        missing = set(options) - set(multiselect.multiselect.options)
        if missing:
            raise StepError(f"{multiselect.multiselect.label!r} has no option {sorted(missing)}")
        state = WidgetState(id=multiselect.multiselect.id)
        state.string_array_value.data.extend(options)
        self._values[multiselect.multiselect.id] = state

    async def press(self, button: Element) -> PageRun:
        """Press a button: one run in which it reads as pressed."""
        return await self.run([WidgetState(id=button.button.id, trigger_value=True)])

    async def download(self, button: Element) -> bytes:
        """The file behind a download button, fetched from the server as a browser does."""
        address = urljoin(self.url, button.download_button.url)
        if urlsplit(address).hostname != "127.0.0.1":
            raise StepError(f"the download is not on this machine: {address}")
        return await asyncio.to_thread(_fetch, address)


def _fetch(address: str) -> bytes:
    with urllib.request.urlopen(address, timeout=60) as response:
        return bytes(response.read())
