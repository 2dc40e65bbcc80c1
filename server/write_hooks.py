"""The writer of the write routes, with the hooks that let the app's other stores follow.

`create_app` lists in `app.state.writer_hooks` the functions that register hooks on a
`ContentWriter`, such as the search index's and the observatory's. The write routes
take their writer from `get_hooked_writer`, which runs each of them once per writer
and app, at the first write.
"""

from __future__ import annotations

import threading
import weakref
from typing import Annotated

from fastapi import Depends, Request

from maillage.graph.writes import ContentWriter
from maillage.server.writing import WriterDep

_lock = threading.Lock()


def get_hooked_writer(request: Request, writer: WriterDep) -> ContentWriter:
    """Return the app's writer, after registering the app's hooks on it once."""
    state = request.app.state
    with _lock:
        hooked = getattr(state, "hooked_writers", None)
        if hooked is None:
            hooked = state.hooked_writers = weakref.WeakSet()
        if writer not in hooked:
            for register in getattr(state, "writer_hooks", ()):
                register(request.app, writer)
            hooked.add(writer)
    return writer


HookedWriterDep = Annotated[ContentWriter, Depends(get_hooked_writer)]
