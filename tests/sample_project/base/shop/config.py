"""The service configuration, read from the environment as in production."""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ShopConfig:
    db_url: str
    session_ttl: int = 1800

    @classmethod
    def from_env(cls, env=None):
        env = os.environ if env is None else env
        return cls(db_url=env["SHOP_DB_URL"],
                   session_ttl=int(env.get("SHOP_SESSION_TTL", "1800")))
