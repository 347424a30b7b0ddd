from calc.ops import mean


def test_mean():
    assert mean([2, 4, 6]) == 4
