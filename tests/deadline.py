"""`deadline(seconds)`: fail a test instead of letting it hang (a loader, a server)."""
import contextlib
import signal


@contextlib.contextmanager
def deadline(seconds):
    """Fail (instead of hanging) if the block takes longer than ``seconds``."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s: the loader hangs")
    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
