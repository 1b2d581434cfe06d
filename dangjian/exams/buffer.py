"""Answers written behind, through Redis (when the cache is Redis and EXAMS_WRITE_BEHIND is on: the default with
REDIS_URL). Answering is the busiest path of the platform — every tap of every member — and a synchronous
PostgreSQL write per tap was what kept it slow (bench/README.md). So an answer in time is put into a Redis hash of
its attempt, and the answers reach PostgreSQL in batches: every few seconds (a beat task), whenever a paper is read
back (resume, the API, the live leaderboard) and, always, before an attempt is scored.

Guarantees, each tested in tests/test_exams_buffer.py:
- an answer is accepted only while its attempt is not scored: the scoring first sets a "scored" marker, and the
  put (a Lua script, atomic in Redis) refuses once the marker is there — so no answer is accepted after the scoring
  read the paper;
- a flush writes an answer only over an older one (`answered_at`) and only while the attempt is open, and removes
  from Redis only what it wrote (compare-and-delete after the commit), so answers given meanwhile wait for the next
  flush and a rolled-back scoring loses nothing;
- Redis must persist (`appendonly yes`, see docs/deployment.md): between a tap and the next flush (≤ 10 s) the answer
  lives only there.
Without Redis the answers are written directly (services._save_in_time)."""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

DIRTY = "exams:dirty"
TTL = 2 * 24 * 3600

_PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return 1
"""
_FORGET = """
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
"""


def enabled():
    return bool(getattr(settings, "EXAMS_WRITE_BEHIND", False)) and hasattr(cache, "_cache") and hasattr(
        cache._cache, "get_client")


def _redis():
    return cache._cache.get_client(write=True)


_SCRIPTS = {}


def _script(source):
    """The script registered with the client once (then sent by its SHA: EVALSHA, not the whole text)."""
    client = _redis()
    key = (id(client), source)
    script = _SCRIPTS.get(key)
    if script is None:
        script = _SCRIPTS[key] = client.register_script(source)
    return script


def _keys(attempt_id):
    prefix = cache.make_key("")  # the cache's own prefix and version, so that tests and sites do not mix
    return f"{prefix}exams:scored:{attempt_id}", f"{prefix}exams:answers:{attempt_id}", f"{prefix}{DIRTY}"


def put(attempt_id, position, value, now):
    """Keep an answer; False when the attempt is being (or was) scored."""
    scored, answers, dirty = _keys(attempt_id)
    raw = json.dumps([value, now.timestamp()])
    return bool(_script(_PUT)(keys=[scored, answers, dirty], args=[position, raw, TTL, attempt_id]))


def mark_scored(attempt_id):
    _redis().set(_keys(attempt_id)[0], 1, ex=TTL)


def pending(attempt_id):
    """{position: (response, answered_at, the raw value kept)} not yet written to PostgreSQL."""
    return _decode(_redis().hgetall(_keys(attempt_id)[1]))


def _decode(raw):
    out = {}
    for position, value in raw.items():
        response, moment = json.loads(value)
        out[int(position)] = (response, datetime.fromtimestamp(moment, tz=UTC), value)
    return out


def flush(attempt_id):
    """Write the attempt's pending answers to PostgreSQL (inside the caller's transaction, if any); returns how
    many were written. What was written leaves Redis once the transaction commits."""
    from .models import AttemptItem, AttemptState

    _scored, answers, dirty = _keys(attempt_id)
    found = _decode(_redis().hgetall(answers))
    if not found:
        return 0
    written = 0
    open_attempt = Q(attempt__state=AttemptState.OPEN)
    for position, (response, moment, _raw) in found.items():
        written += AttemptItem.objects.filter(
            open_attempt, Q(answered_at__isnull=True) | Q(answered_at__lt=moment),
            attempt_id=attempt_id, position=position).update(response=response, answered_at=moment)
    args = [x for position, (_r, _m, raw) in found.items() for x in (position, raw)]

    def forget():
        _script(_FORGET)(keys=[answers, dirty], args=[attempt_id, *args])

    transaction.on_commit(forget)
    return written


def merge(items, attempt_id):
    """Apply the pending answers of the attempt to its items as read from the database (for pages and the API)."""
    if not enabled():
        return items
    waiting = pending(attempt_id)
    for item in items:
        if item.position in waiting:
            response, moment, _raw = waiting[item.position]
            if item.answered_at is None or item.answered_at < moment:
                item.response, item.answered_at = response, moment
    return items


def flush_dirty(limit=2000):
    """The beat task: flush every attempt with pending answers. Returns the number of answers written."""
    if not enabled():
        return 0
    _scored, _answers, dirty = _keys("")
    written = 0
    for raw in _redis().srandmember(dirty, limit) or []:
        with transaction.atomic():
            written += flush(int(raw))
    return written
