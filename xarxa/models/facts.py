"""What an application needs to know about a model to train it, kept on the model class
(as `counts_as_layer` is kept on layers): the kind of task, the training recipe, how to
shape its constructor's arguments for some data. `xarxa train` reads them; nothing else
in the library does.

Every model of `xarxa.models` inherits `ModelFacts` and overrides what differs:

- `task`: "classification" (logits and labels), "segmentation" (a class per pixel) or
  "siamese" (embeddings compared by a metric loss): the training application's task kind.
- `recipes`: hyper-parameters that differ from the dataset's defaults, by dataset family
  (`xarxa.apps.catalog.DATASETS[...].family`), "*" for any other family.
- `config_for(name, shape, num_classes, hidden, activation, dataset)`: the keyword
  arguments of the constructor for inputs of `shape` (C, H, W or F,) and `num_classes`
  classes (`name`: the model's name, for messages).
- `input_size`: the image side the model is built for; smaller images are upsampled.
- `rule`: the name of the model's own learning rule, when it learns by one (no loss).
- `options`: constructor options some models take ({option: (choices, default)}).
- `task_options`: options of the model's training task, not of its constructor.
- `summary_dataset`: the dataset `xarxa summary` shapes it for (default: the task's).
"""
from __future__ import annotations

__all__ = ["ModelFacts", "image_channels", "DEEP_RECIPE"]

# The networks of notes 1.5-1.7 (ResNet, DenseNet, FCN): SGD with momentum and a little
# weight decay, batch 128.
DEEP_RECIPE = dict(epochs=5, batch_size=128, optimizer="sgd", lr=0.05, momentum=0.9,
                   weight_decay=5e-4)


def image_channels(model: str, shape, dataset) -> int:
    """The channel count of image inputs of `shape`; other inputs are a ValueError."""
    if len(shape) != 3:
        raise ValueError(f"{model} needs images; {dataset} has inputs of shape {tuple(shape)} "
                         "(use --model mlp)")
    return shape[0]


class ModelFacts:
    """The defaults: an image classifier built from (num_classes, in_channels)."""

    task = "classification"
    recipes: dict = {}
    input_size: int | None = None
    rule: str | None = None
    options: dict = {}
    task_options: tuple = ()
    summary_dataset: str | None = None

    @classmethod
    def config_for(cls, name, shape, num_classes, hidden, activation, dataset) -> dict:
        return {"num_classes": num_classes, "in_channels": image_channels(name, shape, dataset)}
