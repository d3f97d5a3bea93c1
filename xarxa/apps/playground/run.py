"""One playground run: its own data, model, optimizer and thread.

The thread trains while the run plays: `speed` updates, then one frame (the losses, the
plane, the units, the weights; the landscape and the Hessian's top eigenvalue every couple
of seconds), at most `FPS` frames a second. Pages read the frames through server-sent
events (`Run.wait`); buttons call `play`, `pause`, `step` and `reset`.

Runs share nothing: each builds its model from its own generator (`use_generator`, not the
process-wide one that `xa.manual_seed` seeds), and grad mode and recording tapes are per
thread in xarxa, so no run waits for another's lock (CPython's GIL still interleaves their
Python work: see benchmarks/RESULTS.md). Within a run, `compute` (a lock of its own) keeps
the training thread and the requests (step, trace, pause, reset) from working on its model
at once.
"""
from __future__ import annotations

import contextlib
import threading
import time

import numpy as np

from ...autograd import no_grad, record
from ...random import Generator, use_generator
from ...tensor import Tensor
from . import views
from .build import batches, features, make_data, make_loss, make_model, make_optimizer
from .config import Config

FPS = 20                   # frames per second at most while playing
LANDSCAPE_EVERY = 2.0      # seconds between landscapes while playing
HESSIAN_EVERY = 1.0        # seconds between Hessian eigenvalues while playing
PATH_POINTS = 300          # weights kept for the landscape's path (thinned by 2 when full)
HISTORY_ROWS = 20000       # curve points kept (thinned by 2 when full)
MAX_STEPS = 1_000_000      # a run pauses itself here
VIEW_POINTS = 500          # training points the landscape and the Hessian are computed on
VIEW_SHARE = 0.2           # at most this share of a playing run's time goes to those two
IDLE_PAUSE = 10.0          # a playing run nobody watches pauses after this many seconds


class Run:
    """A training run of one page; every public method is safe to call from any thread."""

    def __init__(self, config: Config, run_id: str = ""):
        self.id = run_id
        self.cond = threading.Condition()
        self.playing = self.stopped = False
        self.controls = 0   # play/pause/step/reset requests so far: frames carry the count
        self.listeners = 0
        self.unwatched_since = time.monotonic()
        self.speed = config.speed
        self.config = config
        self.frame: dict = {}
        self.seq = 0          # frames published so far (never reset: pages wait on it)
        self.generation = 0   # bumped when the history is rewritten (reset, thinning)
        self.compute = threading.Lock()  # held by whoever works on the model
        self.generator = Generator()     # this run's randomness (seeded in _build)
        with self._computing():
            self._build()
        self._thread = threading.Thread(target=self._loop, name=f"playground-run-{run_id}",
                                        daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def _computing(self):
        """Work on this run's model: its lock; anything random (none of the playground's
        layers draws while training today) from its own generator; overflows are shown
        as a diverged loss, not warned about."""
        with self.compute, use_generator(self.generator), np.errstate(all="ignore"):
            yield

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        """(Re)build everything from the settings (the caller is in `_computing`)."""
        c = self.config
        self.generator.manual_seed(c.seed)  # a reset rebuilds the same weights
        self.data = d = make_data(c)
        self.model = make_model(c, self.generator)
        self.optimizer, self.schedule = make_optimizer(c, self.model)
        self.loss = make_loss(c, d)
        self._batches = batches(c, d, np.random.default_rng(c.seed))
        self.tensors = {name: (Tensor(getattr(d, "f_" + name)), Tensor(getattr(d, "t_" + name)))
                        for name in ("train", "test")}
        # the landscape evaluates the loss 441 times, the Hessian's Lanczos iterations take
        # up to 2 × 20 exact Hessian-vector products: both on the first VIEW_POINTS
        # training points, in the model's own dtype
        f, t = Tensor(d.f_train[:VIEW_POINTS]), Tensor(d.t_train[:VIEW_POINTS])
        self.view_loss_fn = lambda: self.loss(self.model(f), t)
        self.view_points = len(f)
        both = np.concatenate([d.x_train, d.x_test])
        self.domain = float(max(1.0, np.ceil(np.abs(both).max() * 1.1 * 2) / 2))
        self.grid_features = features(views.grid_points(c.regression, self.domain), c.features)
        self.step_count = 0
        with self.cond:  # what pages read, replaced together
            self.history: list[list] = []  # [step, train loss, test loss, train acc, test acc]
            self.generation += 1  # pages resend their curves when it changes
            self.hessian: list[list] = []
            self.landscape: dict | None = None
        self.path: list[np.ndarray] = []
        self.path_every = 1
        self.error: str | None = None
        self._last_landscape = self._last_hessian = 0.0
        self._landscape_gap, self._hessian_gap = LANDSCAPE_EVERY, HESSIAN_EVERY
        self._evaluate()
        self._publish(views_due=True)

    def hello(self) -> dict:
        """What a page needs once: the settings, the points, the plane's extent."""
        d, c = self.data, self.config

        def pts(x, y):
            cols = [x[:, 0], x[:, 1] if x.shape[1] > 1 else y[:, 0]]
            if not c.regression:
                cols.append(y)
            return np.round(np.stack(cols, axis=1).astype(np.float64), 4).tolist()
        hello = {"id": self.id, "config": c.to_dict(), "domain": self.domain,
                 "train": pts(d.x_train, d.y_train), "test": pts(d.x_test, d.y_test),
                 "regression": c.regression, "grid": views.GRID,
                 "view_points": self.view_points,
                 "unit_grid": views.GRID // views.UNIT_STRIDE}
        if c.regression:
            ys = np.concatenate([d.y_train, d.y_test])[:, 0]
            pad = 0.1 * float(ys.max() - ys.min() + 1e-6)
            hello["yrange"] = [float(ys.min()) - pad, float(ys.max()) + pad]
        return hello

    # -- training ------------------------------------------------------------------------
    def _train_step(self, batch=None) -> float:
        """One update on `batch` (default: the next one); returns the batch's loss."""
        f, t = next(self._batches) if batch is None else batch
        self.optimizer.zero_grad()
        loss = self.loss(self.model(f), t)
        loss.backward()
        self.optimizer.step()
        if self.schedule is not None:
            self.schedule.step()
        self.step_count += 1
        if self.step_count % self.path_every == 0:
            self.path.append(np.concatenate([p.numpy().astype(np.float64).ravel()
                                             for p in self.model.parameters()]))
            if len(self.path) > PATH_POINTS:
                self.path, self.path_every = self.path[1::2], 2 * self.path_every
        return float(loss.item())

    def _evaluate(self) -> None:
        """Append the losses (and accuracies) on the whole training and test sets."""
        row = [self.step_count]
        accs = []
        with no_grad():
            for name in ("train", "test"):
                f, t = self.tensors[name]
                s = self.model(f)
                row.append(float(self.loss(s, t).item()))
                if not self.config.regression:
                    y = getattr(self.data, "y_" + name)
                    accs.append(float(((s.numpy()[:, 0] > 0) == (y == 1)).mean()))
        row += accs or [None, None]
        row = [None if isinstance(v, float) and not np.isfinite(v) else v for v in row]
        with self.cond:  # pages read the history and its generation together
            if len(self.history) >= HISTORY_ROWS:
                self.history, self.generation = self.history[::2], self.generation + 1
            self.history.append(row)
        if row[1] is None:
            self.error = (f"the training loss diverged (inf or nan) at step {self.step_count}: "
                          "lower the learning rate and reset")
            self.playing = False

    def _publish(self, views_due: bool = False) -> None:
        """Compute a frame and wake the pages waiting for one (the caller is in
        `_computing`)."""
        now = time.monotonic()
        frame = {"step": self.step_count, "lr": self.optimizer.param_groups[0]["lr"],
                 "epoch": self.step_count * (self.config.batch_len or len(self.data.f_train))
                 / len(self.data.f_train), "weights": views.weights(self.model)}
        frame["plane"] = views.plane(self)
        if self.error is None and (views_due or now - self._last_hessian >= self._hessian_gap):
            values = views.extreme_eigenvalues(self)    # [λmax, λmin]
            new = not self.hessian or self.hessian[-1][0] != self.step_count
            if values is not None and new:
                self.hessian.append([self.step_count, *values])
            self._last_hessian = done = time.monotonic()
            self._hessian_gap = max(HESSIAN_EVERY, (done - now) / VIEW_SHARE)
        if self.error is None and \
                (views_due or now - self._last_landscape >= self._landscape_gap):
            start = time.monotonic()
            self.landscape = views.loss_landscape(self)
            self._last_landscape = done = time.monotonic()
            self._landscape_gap = max(LANDSCAPE_EVERY, (done - start) / VIEW_SHARE)
        with self.cond:
            frame["playing"], frame["error"], frame["speed"] = self.playing, self.error, self.speed
            frame["controls"] = self.controls  # a page trusts "playing" from frames this new
            self.frame = frame
            self.seq += 1
            self.cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self.cond:
                while not (self.playing or self.stopped):
                    self.cond.wait()
                if self.stopped:
                    return
                if self.listeners == 0 and time.monotonic() - self.unwatched_since > IDLE_PAUSE:
                    self.playing = False
                    continue
                speed = self.speed
            start = time.monotonic()
            try:
                with self._computing():
                    if not self.playing:  # paused or reset meanwhile
                        continue
                    for _ in range(speed):
                        self._train_step()
                    if self.step_count >= MAX_STEPS:
                        self.playing = False
                    self._evaluate()
                    self._publish(views_due=not self.playing)
            except Exception as error:  # noqa: BLE001 - shown on the page, the server lives on
                with self.cond:
                    self.error, self.playing = f"training stopped: {error}", False
                    self.seq += 1
                    self.frame = dict(self.frame, error=self.error, playing=False)
                    self.cond.notify_all()
            with self.cond:
                self.cond.wait_for(lambda: self.stopped or not self.playing,
                                   max(0.0, 1.0 / FPS - (time.monotonic() - start)))

    # -- controls (any thread) -----------------------------------------------------------
    def play(self, speed: int | None = None) -> None:
        with self.cond:
            if speed is not None:
                self.speed = speed
            self.controls += 1
            if self.error is None:
                self.playing = True
                self.unwatched_since = time.monotonic()
            self.cond.notify_all()

    def pause(self) -> None:
        with self.cond:
            was = self.playing
            self.playing = False
            self.controls += 1
        if was:
            with self._computing():
                self._publish(views_due=True)

    def set_speed(self, speed: int) -> None:
        with self.cond:
            self.speed = speed

    def step(self, steps: int = 1) -> dict:
        """Pause, run `steps` updates; for one update, also its forward/backward table —
        and, when it trained on a batch of several samples, the table of the batch's first
        sample at the same weights (`table["sample"]`), the one a student can follow."""
        with self.cond:
            self.playing = False
            self.controls += 1
        with self._computing():
            result = {}
            if self.error is None:
                for k in range(steps):
                    if k == steps - 1 and steps == 1:
                        result["table"] = self._one_step_table()
                    else:
                        self._train_step()
                self._evaluate()
            self._publish(views_due=True)
            result["losses"] = self.history[-1]
            return result

    def _one_step_table(self) -> dict:
        """One update, recorded: its table (the caller is in `_computing`)."""
        f, t = next(self._batches)
        size, update = len(f), self.step_count + 1
        sample = None
        if size > 1:  # before the update, so that both tables are at the same weights
            sample = self._point_table(
                f.numpy()[:1], t.numpy()[:1],
                lambda loss: f"update {update}, one sample (the batch's first) at the same "
                f"weights: its loss {loss:.6g} and its gradients; the batch's table holds "
                f"all {size} samples, its loss their mean")
        with record() as tape:
            loss = self._train_step((f, t))
        what = f"a batch of {size} samples (a row of each value per sample)" if size > 1 \
            else "one sample"
        table = views.table(tape, f"update {update}: the forward and backward pass of the "
                            f"training step on {what}, loss {loss:.6g}")
        if sample is not None:
            table.update(batch=size, sample=sample)
        return table
    def reset(self) -> None:
        with self.cond:
            self.playing = False
            self.controls += 1
        with self._computing():
            self._build()

    def trace_point(self, which: str, index: int) -> dict:
        """The forward/backward table of one point's loss (training untouched)."""
        f, t = self.tensors[which]
        with self._computing():
            return self._point_table(
                f.numpy()[index:index + 1], t.numpy()[index:index + 1],
                lambda loss: f"{which} point {index} at update {self.step_count}: forward "
                f"values and gradients of its loss {loss:.6g}")

    def _point_table(self, features, target, title) -> dict:
        """The table of one point's loss at the current weights, its gradients kept apart
        from the parameters' (the caller is in `_computing`); `title(loss)` names it."""
        saved = [(p, p._grad) for p in self.model.parameters()]
        for p, _ in saved:  # this point's gradients alone, not added to the last step's
            p._grad = None
        try:
            x, y = Tensor(features, name="x"), Tensor(target, name="y")
            with record() as tape:
                loss = self.loss(self.model(x), y)
                loss.backward()
            return views.table(tape, title(loss.item()))  # before the step's gradients return
        finally:
            for p, g in saved:
                p._grad = g

    def update(self, cursor: dict) -> dict:
        """The newest frame for one page, with what it has not seen yet: new curve rows and
        eigenvalues, a new landscape; everything again (with "reset") after a reset.
        `cursor` is that page's memory of what it was sent, updated here."""
        with self.cond:
            msg = dict(self.frame)
            gen, hist, hess, land = self.generation, self.history, self.hessian, self.landscape
        if cursor.get("gen") != gen:
            cursor.update(gen=gen, hist=0, hess=0, land=None)
            msg["reset"] = True
        n, m = len(hist), len(hess)
        msg["history"], msg["hessian"] = hist[cursor["hist"]:n], hess[cursor["hess"]:m]
        cursor["hist"], cursor["hess"] = n, m
        if land is not None and land is not cursor["land"]:
            msg["landscape"] = cursor["land"] = land
        return msg

    def wait(self, seen: int, timeout: float) -> int:
        """Block until a frame newer than `seen` (or the timeout); returns the newest seq."""
        with self.cond:
            self.cond.wait_for(lambda: self.seq != seen or self.stopped, timeout)
            return self.seq

    def stop(self) -> None:
        with self.cond:
            self.stopped, self.playing = True, False
            self.cond.notify_all()
        self._thread.join(timeout=5)
