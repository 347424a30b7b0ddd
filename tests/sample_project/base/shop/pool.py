"""A pool of dicts, recycled between short-lived sessions."""


class DictPool:
    def __init__(self):
        self._free = []

    def take(self):
        return self._free.pop() if self._free else {}

    def give(self, item):
        self._free.append(item)
