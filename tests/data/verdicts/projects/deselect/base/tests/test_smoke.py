import loyalty


def test_package_imports():
    assert loyalty.__name__ == "loyalty"
