"""The playground: train a small network live in the browser and see inside it while it
learns (`xarxa playground`). Every setting is one of xarxa's layers, losses and optimizers,
every view comes from `xarxa.inspect`, and every run exports as a Python script.

    from xarxa.apps.playground import serve
    serve(port=8000, open_browser=False)      # what `xarxa playground --port 8000` does

`config` checks settings, `build` makes the data, network and training from them, `run`
trains one page's run in its own thread, `views` computes what the page draws, `export`
writes the script, `server` serves the page (static/) and the API.
"""
from .cli import serve  # noqa: F401
from .config import Config, ConfigError, parse_config  # noqa: F401
from .export import script  # noqa: F401

__all__ = ["Config", "ConfigError", "parse_config", "script", "serve"]
