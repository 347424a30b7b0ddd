"""A pool of dicts, recycled between short-lived sessions."""


class DictPool:
    def __init__(self):
        self._free = []

    def take(self):
        return self._free.pop() if self._free else {}

    def give(self, item):
        # A recycled dict must not carry the last session's data to the next user.
        item.clear()
        self._free.append(item)
