"""A session store: login checks the user in PostgreSQL once and stores the session in the cache
with a TTL; every request reads it with `gat`, which returns it and restarts its TTL in one round
trip (sliding expiry: an active user stays logged in, an idle one is logged out after the TTL);
logout deletes it and insists on the node's confirmation.

Failure modes and what this does about them: a session lives on one node, so a lost node logs its
users out (a miss is "not logged in", never a database fallback that could revive a session); a
logout whose delete cannot be confirmed is reported as failed, so the application can refuse to
show "logged out" (the session would otherwise outlive the logout until its TTL).
"""
import secrets
import time

from catalogue import decode, encode

LOGOUT_ATTEMPTS = 3


def session_key(session_id):
    return "session:" + session_id


class LoginFailed(Exception):
    pass


class SessionStore:
    def __init__(self, db, cache, ttl):
        self.db = db
        self.cache = cache
        self.ttl = ttl

    def login(self, user_id):
        user = self.db.read_user(user_id)
        session_id = secrets.token_hex(16)
        if not self.cache.set(session_key(session_id), encode({"user": user, "since": time.time()}), self.ttl):
            raise LoginFailed("the session could not be stored")
        return session_id

    def check(self, session_id):
        """The session (its TTL restarted), or None: expired, logged out or lost with its node."""
        data = self.cache.gat(session_key(session_id), self.ttl)
        return decode(data) if data is not None else None

    def logout(self, session_id):
        """True once a node confirmed the session is gone."""
        return any(self.cache.delete(session_key(session_id)) for _ in range(LOGOUT_ATTEMPTS))

    def close(self):
        self.db.close()
        self.cache.close()
