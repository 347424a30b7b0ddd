import pytest


class Point:
    def __init__(self, x):
        self.x = x


# ids=repr puts each object's memory address in the test id, so the id
# differs between the collect-only pass and the run, and between runs.
@pytest.mark.parametrize("point", [Point(1), Point(2)], ids=repr)
def test_point_is_positive(point):
    assert point.x > 0
