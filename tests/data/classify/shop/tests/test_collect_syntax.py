# collection_error: the test module itself does not compile.
def test_broken(:
    pass
