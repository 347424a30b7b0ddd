import unittest


class TestLedger(unittest.TestCase):
    def setUp(self):
        self.store = self.make_store()        # missing_attribute

    def test_post(self):
        self.assertEqual(self.store.post(10), 10)


class TestLedgerFiles(unittest.TestCase):
    def setUp(self):
        self.journal = open_journal()          # setup_error: NameError in setUp

    def test_balance(self):
        self.assertEqual(self.journal.balance(), 0)


class TestLedgerCleanup(unittest.TestCase):
    def tearDown(self):
        raise RuntimeError("journal still locked")   # teardown_error

    def test_lock(self):
        self.assertTrue(True)


class TestLedgerClassSetup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("ledger schema migration failed")   # setup_error (setup phase)

    def test_schema(self):
        self.assertTrue(True)


class TestLedgerTotals(unittest.TestCase):
    def test_total(self):
        self.assertEqual(29, 30)                # assertion
