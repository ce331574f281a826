"""How many cores a question's encoding may use: those no other program has been using lately.

Read from CPU time rather than from how many threads are runnable at one instant: that count races with this
process's own threads (a request thread that has just handed its question over is still runnable when the count is
read and asleep when its own threads are scanned), and chose one thread for 26% of a server's questions on an idle
machine (sotu, 2 cores), each ~2 ms slower.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

STAT = Path("/proc/stat")  # Linux: its first line sums every core's time by kind, in clock ticks
SELF_STAT = Path("/proc/self/stat")  # Linux: this process's own user and system time, in clock ticks
# Fields of /proc/stat's "cpu" line that are work: user, nice, system, irq, softirq (not idle, iowait or the time
# the hypervisor took, which no program here can give back).
BUSY_FIELDS = (0, 1, 2, 5, 6)
# Fields of /proc/self/stat after the command's closing ")": utime and stime (the 14th and 15th in `man proc`).
OWN_FIELDS = (11, 12)
WINDOW_S = 0.2  # CPU time is compared over at least this long: a clock tick is 10 ms, too coarse for less
BUSY_SHARE = 0.5  # a core counts as taken when other programs used at least this share of it
# How long libgomp's workers (torch's and FAISS's OpenMP) spin after a parallel region before they sleep, read from
# GOMP_SPINCOUNT once, when the library loads. Its default, 300,000 spins, keeps torch's worker spinning after a
# question's encoding on the core the rest of the request then needs. On 2 cores (sotu, 200 questions in turn, two
# runs each) /api/search p50 was 19.2 ms at 300,000, 16.5–16.8 at 100,000, 15.2–16.3 at 30,000, bare encoding the
# same (12.0–12.4 ms); at 3,000 encoding itself slowed (16 ms), at 1,000 doubled. Spinning less costs throughput
# under load, though (scripts/load.py, 8 clients, the seed): 73–75 answers a second at 300,000 and 74 at 100,000,
# 62 at 30,000. 100,000 gains most of the one and none of the other (scripts/bench_spin.sh measures a sweep).
OPENMP_SPINS = 100_000
SPIN_VARIABLE = "GOMP_SPINCOUNT"
WAIT_POLICY_VARIABLE = "OMP_WAIT_POLICY"


def spin_briefly() -> None:
    """Shorten the OpenMP workers' spinning (`OPENMP_SPINS`) unless the user chose how they wait (GOMP_SPINCOUNT,
    or OMP_WAIT_POLICY, which a set GOMP_SPINCOUNT would override). Takes effect only before torch and FAISS are
    first imported, so the command line calls it first."""
    if WAIT_POLICY_VARIABLE not in os.environ:
        os.environ.setdefault(SPIN_VARIABLE, str(OPENMP_SPINS))


def _ticks() -> tuple[int, int] | None:
    """(the machine's busy clock ticks, this process's) so far; None where /proc cannot tell."""
    try:
        cpu = STAT.read_bytes().split(b"\n", 1)[0].split()[1:]
        own = SELF_STAT.read_bytes()
        own_fields = own[own.rindex(b")") + 2 :].split()
        return sum(int(cpu[i]) for i in BUSY_FIELDS), sum(int(own_fields[i]) for i in OWN_FIELDS)
    except (OSError, ValueError, IndexError):
        return None


class FreeCores:
    """`free()`: the cores other programs left free over the last window (at least 1); all of them at first and
    wherever /proc cannot tell. A change of load shows within one window."""

    def __init__(self, cores: int, clock=time.monotonic, tick_s: float | None = None):
        self.cores = cores
        self._clock = clock
        self._tick_s = tick_s or 1 / os.sysconf("SC_CLK_TCK")
        self._last: tuple[float, int, int] | None = None  # (when, machine's busy ticks, own ticks)
        self._free = cores
        self._lock = threading.Lock()

    def free(self) -> int:
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last[0] < WINDOW_S:
                return self._free
            reading = _ticks()
            if reading is None:
                self._last, self._free = None, self.cores
                return self._free
            if self._last is not None:
                when, busy, own = self._last
                others = ((reading[0] - busy) - (reading[1] - own)) * self._tick_s / (now - when)  # cores' worth
                self._free = max(1, self.cores - max(0, int(others + 1 - BUSY_SHARE)))
            self._last = (now, *reading)
            return self._free
