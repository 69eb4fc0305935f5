"""The lock that leaves no file behind: exclusive under contention, free after its holder is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from archreview.core.locks import exclusive

COUNT = """
import sys
from archreview.core.locks import exclusive
lock, counter = sys.argv[1], sys.argv[2]
for _ in range(150):
    with exclusive(lock):
        value = int(open(counter).read())
        open(counter, "w").write(str(value + 1))
"""


def test_four_processes_never_hold_it_at_once_and_no_lock_file_is_left(tmp_path):
    """Each holder removes the file as it lets go, so waiters must re-check what they locked."""
    counter = tmp_path / "counter"
    counter.write_text("0")
    procs = [subprocess.Popen([sys.executable, "-c", COUNT, str(tmp_path / "x.lock"), str(counter)]) for _ in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    assert counter.read_text() == "600"  # a lost update would show two holders at once
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter"]


def test_a_killed_holder_blocks_no_one(tmp_path):
    lock = tmp_path / "x.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom archreview.core.locks import exclusive\n"
                               "with exclusive(sys.argv[1]):\n print('held', flush=True); time.sleep(600)", str(lock)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(TimeoutError):
        with exclusive(lock, timeout=0.2):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with exclusive(lock, timeout=5):
        assert lock.exists()
    assert not lock.exists()


def test_a_symlink_in_place_of_the_lock_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    (tmp_path / "x.lock").symlink_to(target)
    with pytest.raises(OSError):
        with exclusive(tmp_path / "x.lock", timeout=1):
            pass
    assert not target.exists()
