"""Where a benchmark's CPU goes, process by process, and what its database connections wait on.

Used by `bench/dispatch.py --account`: while a run sends, a thread samples the cumulative CPU time
(`/proc/<pid>/stat`, user + system, every thread) of each process that takes part, by role: the workers,
the SMTP sink, the PostgreSQL backends serving the bench's database (recognised by their process title,
which names the database), PostgreSQL's own background processes (WAL writer, checkpointer: shared with
whatever else uses the server), Redis and the bench itself; and the whole machine's busy time
(`/proc/stat`), so what other programs took is the rest. A second thread reads `pg_stat_activity` for the
bench's database and counts what its connections were doing at each look (running, waiting on a lock,
on the WAL, idle in a transaction, idle waiting for their client).

The figures are read between two moments on the same clock as the sink's (CLOCK_MONOTONIC): the first
and the last message it received, so start-up and the tail outside the measured window are not counted.
Linux only; reading /proc costs the sampler well under a millisecond per look.
"""

import os
import threading
import time
from collections import Counter

TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
ROLES = ("workers", "sink", "pg backends", "pg background", "redis", "bench", "other programs", "idle")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15 of proc(5)


def _machine() -> tuple[float, float]:
    """(busy, idle) seconds of every core since boot."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK, idle / TICK


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


class CpuSampler:
    """Samples CPU per role every `interval` seconds until stopped; `window(first, last)` reads the figures.

    `roles` maps a role to a callable that returns that role's pids now (the workers change when one is killed
    and restarted); PostgreSQL processes and Redis are found by their command line.
    """

    def __init__(self, *, database: str, roles: dict, interval: float = 0.2):
        self.database, self.roles, self.interval = database, roles, interval
        self.samples: list[tuple[float, dict[str, float], float, float]] = []
        self._known: dict[int, str | None] = {}
        self._last: dict[int, tuple[str, float]] = {}  # a process that ended keeps counting what it used
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _role_of(self, pid: int) -> str | None:
        if pid not in self._known:
            line = _command_line(pid)
            role = None
            if line.startswith("postgres:"):
                words = line.split()
                # "postgres: 15/main: postgres h4_bench 127.0.0.1(5123) idle" or "postgres: 15/main: walwriter"
                if len(words) >= 4 and words[3] == self.database:
                    role = "pg backends"
                elif len(words) >= 3 and words[2] in ("checkpointer", "background", "walwriter", "autovacuum"):
                    role = "pg background"
            elif line.startswith("redis-server"):
                role = "redis"
            self._known[pid] = role
        return self._known[pid]

    def _sample(self) -> None:
        now = time.perf_counter()
        given = {pid: role for role, pids in self.roles.items() for pid in pids()}
        for name in os.listdir("/proc"):
            if name.isdigit():
                pid = int(name)
                role = given.get(pid) or self._role_of(pid)
                if role is not None:
                    seconds = _cpu_seconds(pid)
                    if seconds is not None:
                        self._last[pid] = (role, seconds)
        totals = dict.fromkeys(ROLES, 0.0)
        for role, seconds in self._last.values():
            totals[role] += seconds
        busy, idle = _machine()
        self.samples.append((now, totals, busy, idle))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def start(self) -> "CpuSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _at(self, moment: float) -> tuple[dict[str, float], float, float]:
        """The cumulative figures at `moment`, interpolated between the samples around it."""
        before = max((s for s in self.samples if s[0] <= moment), key=lambda s: s[0], default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= moment), key=lambda s: s[0], default=self.samples[-1])
        share = 0.0 if after[0] == before[0] else (moment - before[0]) / (after[0] - before[0])

        def mix(a: float, b: float) -> float:
            return a + (b - a) * share

        totals = {role: mix(before[1][role], after[1][role]) for role in before[1]}
        return totals, mix(before[2], after[2]), mix(before[3], after[3])

    def window(self, first: float, last: float) -> dict[str, float]:
        """CPU seconds per role between `first` and `last`; "other programs" is the machine's busy time not
        ours, "idle" what no program used (both over every core)."""
        start, end = self._at(first), self._at(last)
        used = {role: end[0][role] - start[0][role] for role in ROLES[:-2]}
        busy, idle = end[1] - start[1], end[2] - start[2]
        used["other programs"] = max(0.0, busy - sum(used.values()))
        used["idle"] = idle
        return used


class WaitSampler:
    """Counts what the bench database's connections are doing, every `interval` seconds, from pg_stat_activity."""

    def __init__(self, *, url: str, database: str, interval: float = 0.05):
        self.url, self.database, self.interval = url, database, interval
        self.states: Counter = Counter()
        self.locks: Counter = Counter()  # the statements seen waiting on a lock
        self.looks = self.commits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("SET application_name = 'bench-wait-sampler'")
            self.commits = -self._commits(conn)
            while not self._stop.is_set():
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90)"
                    " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend'",
                    [self.database],
                ).fetchall()
                self.looks += 1
                for state, kind, event, query in rows:
                    if state == "active":
                        what = f"active: {kind}/{event}" if kind else "active: on CPU"
                    else:
                        what = state or "?"
                    self.states[what] += 1
                    if kind == "Lock":
                        self.locks[f"{event}: {query}"] += 1
                self._stop.wait(self.interval)
            self.commits += self._commits(conn)

    def _commits(self, conn) -> int:
        # The server's statistics reach the view a moment after a transaction ends (and this one's own look
        # counts too): a figure for comparing runs, not an exact count.
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [self.database]).fetchone()
        return row[0]

    def start(self) -> "WaitSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def report(self, *, messages: int) -> list[str]:
        """Lines: commits per message; per state, the connections in it on average per look."""
        if not self.looks:
            return []
        lines = [f"    commits in the bench database: {self.commits} ({self.commits / messages:.2f} per message)"]
        lines += [
            f"    {what:<40}{count / self.looks:>6.2f} connections on average"
            for what, count in self.states.most_common()
        ]
        lines += [f"    lock wait ({count} looks): {what}" for what, count in self.locks.most_common(5)]
        return lines


def cpu_report(used: dict[str, float], *, messages: int, seconds: float) -> list[str]:
    """Lines: per role, CPU seconds, ms per message and the share of the machine's cores over the window."""
    capacity = seconds * CORES
    lines = []
    for role in ROLES:
        value = used.get(role, 0.0)
        lines.append(
            f"    {role:<16}{value:>8.2f} CPU s{value * 1000 / messages:>8.3f} ms/msg"
            f"{100 * value / capacity if capacity else 0:>7.1f} % of {CORES} cores"
        )
    ours = sum(used[role] for role in ROLES[:-2])
    lines.append(f"    {'ours, together':<16}{ours:>8.2f} CPU s{ours * 1000 / messages:>8.3f} ms/msg")
    return lines
