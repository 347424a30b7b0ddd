"""The authentication service, started by the suite itself.

Like the real service, the stub is slow to answer its very first login after
a deployment: it warms its key cache, which outlives the test run.
"""
import pathlib
import time

import pytest

from support.net import serve
from support.stubs import AuthStub

WARM_MARKER = pathlib.Path(__file__).resolve().parents[2] / ".auth-cache-warm"


class ColdStartAuthStub(AuthStub):
    def do_POST(self):
        if not WARM_MARKER.exists():
            WARM_MARKER.touch()
            time.sleep(0.2)
        super().do_POST()


@pytest.fixture
def auth_url():
    with serve(ColdStartAuthStub) as url:
        yield url
