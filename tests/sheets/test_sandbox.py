"""The child process the workbook parser runs in: results come back, limits stop it, the app survives."""
import os
import signal
import time

import pytest
from django.db import connection

from sheets.sandbox import SandboxFailed, run_limited

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork(): the parser runs in the process")
MB = 1024 * 1024


def _grow(size: int) -> int:
    return len(bytearray(size))


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _refuse(value):
    raise ValueError(f"bad {value}")


def _die(number: int) -> None:
    os.kill(os.getpid(), number)


def test_the_result_comes_back():
    assert run_limited(sorted, [3, 1, 2], memory_bytes=64 * MB, seconds=10) == [1, 2, 3]


def test_an_exception_is_raised_again_in_the_app():
    with pytest.raises(ValueError, match="bad x"):
        run_limited(_refuse, "x", memory_bytes=64 * MB, seconds=10)


def test_memory_beyond_the_cap_stops_the_child_not_the_app():
    assert run_limited(_grow, 16 * MB, memory_bytes=256 * MB, seconds=10) == 16 * MB
    with pytest.raises(SandboxFailed) as failure:
        run_limited(_grow, 1024 * MB, memory_bytes=64 * MB, seconds=10)
    assert failure.value.reason == "memory"


def test_time_beyond_the_limit_kills_the_child():
    started = time.monotonic()
    with pytest.raises(SandboxFailed) as failure:
        run_limited(_sleep, 30, memory_bytes=64 * MB, seconds=0.5)
    assert failure.value.reason == "time"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("number, reason", [(signal.SIGABRT, "memory"), (signal.SIGTERM, "crashed")])
def test_a_dead_child_is_reported(number, reason):
    with pytest.raises(SandboxFailed) as failure:
        run_limited(_die, number, memory_bytes=64 * MB, seconds=10)
    assert failure.value.reason == reason


@pytest.mark.django_db
def test_the_database_connection_survives_the_children(django_user_model):
    django_user_model.objects.create(username="before", role="leader")
    for _ in range(3):
        run_limited(sorted, [2, 1], memory_bytes=64 * MB, seconds=10)
        with pytest.raises(SandboxFailed):
            run_limited(_die, signal.SIGABRT, memory_bytes=64 * MB, seconds=10)
    assert connection.is_usable()
    assert django_user_model.objects.filter(username="before").exists()
