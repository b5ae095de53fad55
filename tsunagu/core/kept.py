"""HTML kept in this worker's memory while it is asked for again: the newest used are kept,
the oldest dropped past a size. The key must hold everything the HTML shows, so a change of
any of it makes a new key and nothing stale is ever shown; nothing is written anywhere."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString


class Kept:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], SafeString]) -> SafeString:
        """The HTML kept under `key`, or `render()`'s, kept from now on."""
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
                return html
        html = render()
        with self._lock:
            self._items[key] = html
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return html
