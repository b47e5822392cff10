"""The cycle-collector pause of bulk steps: nested, across threads, and never left off."""
import gc
import threading

import pytest

from engine.gcpause import cycle_collection_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_back_after_even_on_error():
    with pytest.raises(RuntimeError):
        with cycle_collection_paused():
            assert not gc.isenabled()
            raise RuntimeError("a failing backfill")
    assert gc.isenabled()


def test_nested_and_concurrent_pauses_end_with_the_last_one():
    inner_entered, release = threading.Event(), threading.Event()

    def other():
        with cycle_collection_paused():
            inner_entered.set()
            release.wait(10)

    with cycle_collection_paused():
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
        thread = threading.Thread(target=other)
        thread.start()
        assert inner_entered.wait(10)
    assert not gc.isenabled()  # the other thread's pause still holds
    release.set()
    thread.join()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off():
    gc.disable()
    with cycle_collection_paused():
        pass
    assert not gc.isenabled()
