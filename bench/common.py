"""What the benchmark scripts share: timing with warm-up, the 95th percentile, and replaying captured SQL raw."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def timed(fn, n, warmup=2):
    """Milliseconds of `n` calls of `fn` after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def raw_replay(fn):
    """Capture the SQL `fn` sends, and return a function replaying it through a bare cursor (fetching every row),
    with the statements."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    sqls = [q["sql"] for q in ctx.captured_queries]

    def replay():
        with connection.cursor() as cur:
            for sql in sqls:
                cur.execute(sql)
                cur.fetchall()

    return replay, sqls
