"""The `fit` run that tests/distributed/test_train.py makes in one process and under
`mpiexec -n 2` (the worker's "fit" scenario): two moons, global batch 64, validation."""
import xarxa as xa
import xarxa.nn.functional as F
from xarxa import nn, optim
from xarxa.data import DataLoader, DistributedSampler, Subset, TensorDataset, datasets
from xarxa.nn.parallel import DistributedDataParallel
from xarxa.train import ModelCheckpoint, fit

EPOCHS, GLOBAL_BATCH = 3, 64


def fit_two_moons(checkpoint, wrap: bool):
    """Train for EPOCHS epochs; with `wrap`, as one rank of a data-parallel run (its share
    of each global batch, its share of the validation set), else in one process."""
    train = TensorDataset(*datasets.two_moons(256, noise=0.1, seed=0))
    val = TensorDataset(*datasets.two_moons(100, noise=0.1, seed=1))
    xa.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    ranks, rank = 1, 0
    if wrap:
        model = DistributedDataParallel(model)
        ranks, rank = model.world_size, model.rank
        try:  # every rank the whole dataset: refused, with the fix
            fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
                DataLoader(train, batch_size=32))
        except ValueError as error:
            assert "sampler=DistributedSampler(dataset)" in str(error), error
        else:
            raise AssertionError("fit accepted an unsharded loader")
        val = Subset(val, range(rank, len(val), ranks))
    sampler = DistributedSampler(train, ranks, rank, seed=0)
    loader = DataLoader(train, batch_size=GLOBAL_BATCH // ranks, sampler=sampler)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return fit(model, F.cross_entropy, opt, loader, DataLoader(val, batch_size=32),
               epochs=EPOCHS, callbacks=[ModelCheckpoint(checkpoint)], verbose=True,
               progress=False)
