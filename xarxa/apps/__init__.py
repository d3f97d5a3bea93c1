"""The applications, on top of the library: nothing in `xarxa` below imports them, and
`import xarxa` loads none of them (`tests/test_layering.py` checks both).

- `catalog`  every name a user can type (models, losses, optimizers, activations,
  initialisations, datasets, landscape functions, solver rules), declared once
- `cli`      the `xarxa` command: train, evaluate, summary, landscape, solve, playground
- `train/`   the training application behind `xarxa train` (runs, tasks, figures)
- `playground/`  the browser playground
- `solve/`   `xarxa solve`: the notes' worked exercises, step by step
- `landscape`, `surfaces`  `xarxa landscape` and its two-parameter functions
"""
