"""backend.tune_allocator: with glibc, `import xarxa` keeps big freed blocks in the process,
so that a training loop's temporaries do not page-fault in again on every step;
XARXA_MALLOC_TUNING=0 leaves malloc as it was. Measured in fresh processes (the tuning is
process-wide and applied once, at import) by the page faults of a re-allocated array."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from xarxa import backend

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

# Allocate, touch and free a 64 MiB array (above glibc's largest default mmap threshold,
# 32 MiB, so untuned malloc maps it afresh and unmaps it on free), five times after two
# warm-up rounds; print the tuning state and the minor page faults of those five rounds.
CHILD = textwrap.dedent("""
    import resource
    import numpy as np
    import xarxa
    from xarxa import backend

    def churn(rounds):
        for _ in range(rounds):
            a = np.empty((64 << 20) // 8)
            a.fill(1.0)
            del a

    churn(2)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    churn(5)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    print(backend.allocator_tuned, backend.tune_allocator(), faults)
""")


def child(tuning: str):
    env = dict(os.environ, XARXA_MALLOC_TUNING=tuning)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    return out[0] == "True", out[1] == "True", int(out[2])


@pytest.mark.skipif(not GLIBC, reason="the tuning is glibc's mallopt")
def test_import_keeps_freed_blocks_and_the_switch_turns_it_off():
    tuned, again, tuned_faults = child("1")
    assert tuned and again                          # applied at import; a second call agrees
    off, off_again, untuned_faults = child("0")
    assert not off and not off_again                # XARXA_MALLOC_TUNING=0: left alone
    # untuned: every round faults its pages in again (≥ 32 a round with 2 MiB pages, 16,384
    # with 4 KiB ones); tuned: the freed block is reused, already mapped
    assert untuned_faults >= 50
    assert tuned_faults < untuned_faults / 10, (tuned_faults, untuned_faults)


def test_a_platform_without_mallopt_is_left_alone(monkeypatch):
    monkeypatch.setattr(backend, "allocator_tuned", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert backend.tune_allocator() is False
    assert backend.allocator_tuned is False
