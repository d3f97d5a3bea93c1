# A PyTorch training script in the usual shape (argparse options, a Dataset of images
# through torchvision transforms, a DataLoader, an nn.Module, SGD with a StepLR schedule,
# and torch.distributed when launched on several processes), run by `xarxa run` with no
# edit at all: tests/compat/test_xarxa_run.py.
import argparse
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torchvision.transforms as transforms
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset

parser = argparse.ArgumentParser(description="squares")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("-b", "--batch-size", type=int, default=16)
args = parser.parse_args()

distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1  # set by the launcher
if distributed:
    dist.init_process_group(backend="mpi")
rank = dist.get_rank() if distributed else 0
if rank == 0:
    print("library:", type(torch.tensor(1)).__module__.split(".")[0])


class Squares(Dataset):
    """8x8 grey images holding one bright square; its corner is the label."""

    def __init__(self, n, transform=None):
        self.images = np.full((n, 8, 8), 20, dtype=np.uint8)
        self.labels = [i % 4 for i in range(n)]
        for i, label in enumerate(self.labels):
            row, col = divmod(label, 2)
            self.images[i, 4 * row:4 * row + 4, 4 * col:4 * col + 4] = 150 + i % 100
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.transform(self.images[index]), self.labels[index]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.25,))])
loader = DataLoader(Squares(96, transform), batch_size=args.batch_size, shuffle=False)
model = Net()
# Start from saved weights when there are some, so that runs can be compared.
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = StepLR(optimizer, step_size=1, gamma=0.5)

losses = []
for epoch in range(1, args.epochs + 1):
    total = 0.0
    for data, target in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        total += loss.item() * len(target)
    scheduler.step()
    if rank == 0:
        print(f"epoch {epoch}: loss {total / len(loader.dataset):.4f}, "
              f"lr {scheduler.get_last_lr()[0]:.4f}")

with torch.no_grad():
    correct = sum((model(data).argmax(1) == target).sum().item() for data, target in loader)
if rank == 0:
    print(f"accuracy {correct}/{len(loader.dataset)}")
if distributed:
    ranks = torch.ones(1)
    dist.all_reduce(ranks)
    print(f"rank {rank}: {int(ranks.item())} ranks, library "
          f"{type(ranks).__module__.split('.')[0]}")
