"""``torch.utils.data.distributed`` → ``xarxa.data.distributed``."""
from ...data.distributed import *  # noqa: F401,F403
from ...data.distributed import __all__  # noqa: F401
