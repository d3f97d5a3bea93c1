"""The playground's settings: their names, defaults and bounds, and the one function that
turns a page's request into a checked `Config` (or a `ConfigError` saying what is wrong).

Every request body is plain JSON; nothing in it is ever evaluated. A setting is refused when
its name is unknown, its type is wrong or its value is out of range, and the message names
the setting, what it expects and what it got, so that the page can show it as it is.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .. import catalog

# The option lists come from the catalogue (xarxa/apps/catalog.py): names declared there.
DATASETS = tuple(catalog.names("datasets", "playground"))
ACTIVATIONS = tuple(catalog.names("activations", "playground"))
INITS = tuple(catalog.names("inits", "playground"))
# feature name -> (label on the page, needs the second input x2)
FEATURES = {"x1": ("x₁", False), "x2": ("x₂", True), "x1sq": ("x₁²", False),
            "x2sq": ("x₂²", True), "x1x2": ("x₁x₂", True), "sinx1": ("sin x₁", False),
            "sinx2": ("sin x₂", True)}
CLASSIFICATION_LOSSES = tuple(catalog.names("losses", "playground"))
REGRESSION_LOSSES = tuple(n for n in CLASSIFICATION_LOSSES
                          if catalog.LOSSES[n].playground == "score")
# losses on two-class logits [0, s] (softmax of them is σ(s)); the others on the score s
LOGIT_LOSSES = tuple(n for n in CLASSIFICATION_LOSSES if catalog.LOSSES[n].playground == "logits")
OPTIMIZERS = tuple(catalog.names("optimizers", "playground"))
SCHEDULES = ("constant", "step", "exponential", "cosine")
BATCHES = ("full", "mini", "one")

MAX_LAYERS, MAX_WIDTH, MAX_POINTS, MIN_POINTS = 6, 32, 2000, 20
MAX_STEPS_PER_REQUEST = 1000   # one "step" request runs at most this many updates
MAX_SPEED = 100                # updates per drawn frame


class ConfigError(ValueError):
    """A setting the playground refuses; the message is shown to the student as it is."""


@dataclass(frozen=True)
class Config:
    """One playground run: data, network and training (the page's URL holds the same)."""
    dataset: str = "xor"
    points: int = 500
    noise: float = 0.0
    split: float = 0.5          # fraction of the points used for training
    seed: int = 0
    imbalance: float = 0.5      # blobs: fraction of the points in class 1
    outliers: float = 0.1       # regression: fraction of gross outliers
    features: tuple = ("x1", "x2")
    hidden: tuple = (4, 4)
    activation: str = "tanh"
    init: str = "xavier"
    init_value: float = 0.5     # init "constant": every weight has this value
    loss: str = "cross_entropy"
    delta: float = 1.0          # Huber's δ
    gamma: float = 2.0          # focal loss's γ
    optimizer: str = "adam"
    lr: float = 0.03
    momentum: float = 0.9       # momentum and Nesterov's λ
    alpha: float = 0.99         # RMSprop's decay ρ (PyTorch's alpha)
    beta1: float = 0.9
    beta2: float = 0.999
    schedule: str = "constant"
    step_size: int = 200        # schedule "step": the rate times lr_gamma every step_size updates
    lr_gamma: float = 0.5       # schedules "step" and "exponential" (per update)
    t_max: int = 1000           # schedule "cosine": updates to reach zero
    batch: str = "full"
    batch_size: int = 10        # batch "mini"
    speed: int = 5              # updates per frame drawn

    @property
    def regression(self) -> bool:
        return self.dataset == "regression"

    @property
    def n_train(self) -> int:
        return min(self.points - 1, max(1, round(self.split * self.points)))

    @property
    def batch_len(self) -> int | None:
        """Samples per update; None for the whole training set (GD is always full batch)."""
        if self.optimizer == "gd" or self.batch == "full":
            return None
        return 1 if self.batch == "one" else min(self.batch_size, self.n_train)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["features"], d["hidden"] = list(self.features), list(self.hidden)
        return d


# name -> (kind, low, high) for the numbers; kind int or float, bounds inclusive
NUMBERS = {
    "points": (int, MIN_POINTS, MAX_POINTS), "noise": (float, 0.0, 0.5),
    "split": (float, 0.1, 0.9), "seed": (int, 0, 2**31 - 1),
    "imbalance": (float, 0.05, 0.5), "outliers": (float, 0.0, 0.5),
    "init_value": (float, -2.0, 2.0), "delta": (float, 0.01, 10.0),
    "gamma": (float, 0.0, 10.0), "lr": (float, 1e-5, 10.0), "momentum": (float, 0.0, 0.999),
    "alpha": (float, 0.0, 0.9999), "beta1": (float, 0.0, 0.9999),
    "beta2": (float, 0.0, 0.99999), "step_size": (int, 1, 100000),
    "lr_gamma": (float, 0.01, 1.0), "t_max": (int, 1, 1000000),
    "batch_size": (int, 1, MAX_POINTS), "speed": (int, 1, MAX_SPEED),
}
_CHOICES = {"dataset": DATASETS, "activation": ACTIVATIONS, "init": INITS,
            "loss": CLASSIFICATION_LOSSES, "optimizer": OPTIMIZERS, "schedule": SCHEDULES,
            "batch": BATCHES}


class LongInteger:
    """An integer of more than `DIGITS` digits, kept as its number of digits: beyond every
    bound here, and converting it from or to text can fail (Python refuses over 4300 digits)
    or take long. `json_int` makes them; `number` refuses them, naming the setting."""
    DIGITS = 30

    def __init__(self, digits: int):
        self.digits = digits

    @classmethod
    def of(cls, value: int) -> "LongInteger":
        """The digits of a Python int, counted without str() (which refuses big ones)."""
        digits = int((abs(value).bit_length() - 1) * math.log10(2)) + 1  # or one more
        return cls(digits + (abs(value) >= 10 ** digits))

    def __repr__(self) -> str:
        return f"an integer of {self.digits} digits"


def json_int(text: str):
    """`json.loads(..., parse_int=json_int)`: JSON integers, the overlong ones as
    `LongInteger`."""
    digits = len(text.lstrip("-"))
    return int(text) if digits <= LongInteger.DIGITS else LongInteger(digits)


def number(name: str, value, kind, low: float, high: float):
    """`value` as a `kind` within [low, high], or a ConfigError naming `name`."""
    if isinstance(value, LongInteger):
        raise ConfigError(f"{name}: must lie in [{low:g}, {high:g}], got {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or (kind is int and isinstance(value, float) and not value.is_integer()):
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{name}: expected {what} in [{low:g}, {high:g}], got {value!r}")
    # ints compared as ints: float(10**400) would overflow
    if isinstance(value, float) and not math.isfinite(value) or not low <= value <= high:
        if isinstance(value, int) and abs(value) >= 10 ** LongInteger.DIGITS:
            value = LongInteger.of(value)
        raise ConfigError(f"{name}: must lie in [{low:g}, {high:g}], got {value!r}")
    return kind(value)


def _names(name: str, value, allowed, max_len: int) -> tuple:
    if not isinstance(value, list) or len(value) > max_len:
        raise ConfigError(f"{name}: expected a list of at most {max_len} of "
                          f"{', '.join(allowed)}, got {value!r}")
    for v in value:
        if v not in allowed:
            raise ConfigError(f"{name}: unknown {v!r}; expected some of {', '.join(allowed)}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{name}: each may appear once, got {value!r}")
    return tuple(value)


def parse_config(raw) -> Config:
    """Check a page's settings (a JSON object; missing keys take the defaults, which for the
    regression data are the feature x1 and the MSE loss)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"settings: expected a JSON object, got {type(raw).__name__}")
    known = Config.__dataclass_fields__.keys()
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; known settings: "
                          f"{', '.join(sorted(known))}")
    values = {}
    for key, value in raw.items():
        if key in NUMBERS:
            values[key] = number(key, value, *NUMBERS[key])
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ConfigError(f"{key}: unknown {value!r}; expected one of "
                                  f"{', '.join(_CHOICES[key])}")
            values[key] = value
        elif key == "features":
            values[key] = _names(key, value, tuple(FEATURES), len(FEATURES))
        elif key == "hidden":
            if not isinstance(value, list) or len(value) > MAX_LAYERS:
                raise ConfigError(f"hidden: expected a list of at most {MAX_LAYERS} layer "
                                  f"widths, got {value!r}")
            values[key] = tuple(number(f"hidden[{i}]", w, int, 1, MAX_WIDTH)
                                for i, w in enumerate(value))
    if values.get("dataset") == "regression":  # defaults that fit one input and a value
        values.setdefault("features", ("x1",))
        values.setdefault("loss", "mse")
    config = Config(**values)
    _check_together(config)
    return config


def _check_together(c: Config) -> None:
    """Settings that are fine alone but not with each other."""
    if not c.features:
        raise ConfigError("features: choose at least one input feature")
    if c.regression:
        two_d = [f for f in c.features if FEATURES[f][1]]
        if two_d:
            raise ConfigError(f"features: the regression data has one input x1, so "
                              f"{', '.join(two_d)} cannot be used; choose among x1, x1sq, sinx1")
        if c.loss not in REGRESSION_LOSSES:
            raise ConfigError(f"loss: {c.loss!r} is a classification loss; for regression "
                              f"choose one of {', '.join(REGRESSION_LOSSES)}")
    if c.batch == "mini" and c.batch_size > c.n_train:
        raise ConfigError(f"batch_size: {c.batch_size} is more than the {c.n_train} training "
                          "points; lower it or choose batch 'full'")
