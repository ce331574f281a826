"""How many cores a question may use: read from the CPU time other programs took over the last window."""

from __future__ import annotations

import os
import sys

import pytest

from qa import cli, cores
from qa.cores import WINDOW_S, FreeCores

TICK_S = 0.01  # a clock tick, as on Linux


class Machine:
    """/proc/stat and /proc/self/stat as files, and a clock, moved on by `run`."""

    def __init__(self, tmp_path, monkeypatch):
        self.stat, self.own_stat = tmp_path / "stat", tmp_path / "self_stat"
        monkeypatch.setattr(cores, "STAT", self.stat)
        monkeypatch.setattr(cores, "SELF_STAT", self.own_stat)
        self.now, self.busy, self.own = 100.0, 0, 0
        self.write()

    def write(self):
        # user nice system idle iowait irq softirq steal: the busy ones split over user, system and softirq, with
        # idle, iowait and steal ticks that must not count.
        user, system, softirq = self.busy - self.busy // 2 - self.busy // 4, self.busy // 2, self.busy // 4
        self.stat.write_text(f"cpu  {user} 0 {system} 999 77 0 {softirq} 55 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")
        utime, stime = self.own - self.own // 3, self.own // 3
        fields = ["S", *["0"] * 10, str(utime), str(stime), "0", "0"]
        self.own_stat.write_text(f"4242 (python (a) b) {' '.join(fields)}\n")

    def run(self, seconds: float, others: float, own: float):
        """`seconds` pass while other programs use `others` cores' worth and this process `own`."""
        self.now += seconds
        self.busy += round((others + own) * seconds / TICK_S)
        self.own += round(own * seconds / TICK_S)
        self.write()

    def clock(self):
        return self.now


@pytest.mark.parametrize(
    ("others", "own", "free"),
    [
        (0.0, 2.0, 4),  # this process's own threads (torch's, spinning) never count
        (0.4, 1.0, 4),  # less than half a core's worth
        (1.0, 0.5, 3),  # another program on one core
        (2.6, 1.0, 1),  # most of them
        (4.0, 0.0, 1),  # all of them: still one
    ],
)
def test_a_question_gets_the_cores_other_programs_left_free_over_the_last_window(
    tmp_path, monkeypatch, others, own, free
):
    machine = Machine(tmp_path, monkeypatch)
    gauge = FreeCores(4, clock=machine.clock, tick_s=TICK_S)
    assert gauge.free() == 4  # nothing to compare with yet
    machine.run(1.0, others, own)
    assert gauge.free() == free


def test_the_count_is_kept_for_one_window_then_follows_the_load(tmp_path, monkeypatch):
    machine = Machine(tmp_path, monkeypatch)
    gauge = FreeCores(2, clock=machine.clock, tick_s=TICK_S)
    gauge.free()
    machine.run(1.0, others=1.0, own=0.0)
    assert gauge.free() == 1
    machine.run(WINDOW_S / 2, others=0.0, own=0.0)
    assert gauge.free() == 1  # within the window: the last count
    machine.run(WINDOW_S, others=0.0, own=1.0)
    assert gauge.free() == 2  # the other program stopped


@pytest.mark.parametrize("broken", ["missing", "", "cpu  x y z\n"])
def test_where_proc_cannot_tell_every_core_is_free(tmp_path, monkeypatch, broken):
    machine = Machine(tmp_path, monkeypatch)
    gauge = FreeCores(3, clock=machine.clock, tick_s=TICK_S)
    gauge.free()
    machine.run(1.0, others=3.0, own=0.0)
    if broken == "missing":
        machine.stat.unlink()
    else:
        machine.stat.write_text(broken)
    assert gauge.free() == 3


def unset(monkeypatch, *names):
    """The variables absent for this test, and afterwards as they were (setenv first records them for undo)."""
    for name in names:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_openmp_workers_spin_briefly_unless_the_user_said_otherwise(monkeypatch):
    unset(monkeypatch, cores.SPIN_VARIABLE, cores.WAIT_POLICY_VARIABLE)
    cores.spin_briefly()
    assert os.environ[cores.SPIN_VARIABLE] == str(cores.OPENMP_SPINS)
    monkeypatch.setenv(cores.SPIN_VARIABLE, "INFINITE")
    cores.spin_briefly()
    assert os.environ[cores.SPIN_VARIABLE] == "INFINITE"
    # A wait policy is the user's choice too, which a spin count would override.
    unset(monkeypatch, cores.SPIN_VARIABLE)
    monkeypatch.setenv(cores.WAIT_POLICY_VARIABLE, "PASSIVE")
    cores.spin_briefly()
    assert cores.SPIN_VARIABLE not in os.environ


def test_the_command_line_sets_the_spinning_before_its_commands_run(monkeypatch):
    unset(monkeypatch, cores.SPIN_VARIABLE, cores.WAIT_POLICY_VARIABLE)
    monkeypatch.setattr(sys, "argv", ["qa", "--version"])
    with pytest.raises(SystemExit):
        cli.main()
    assert os.environ[cores.SPIN_VARIABLE] == str(cores.OPENMP_SPINS)
