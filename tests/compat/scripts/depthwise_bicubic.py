# A MobileNetV2-style network on Fashion-MNIST: images enlarged 28 -> 32 with bicubic
# interpolation, an inverted residual block (1x1 expansion, 3x3 depthwise convolution with
# groups = channels, ReLU6, linear 1x1 projection), a dilated and a grouped convolution, a
# grouped transposed convolution, the BatchNorms converted to SyncBatchNorm (one process:
# plain batch norm), and a StepLR stepped the old way, scheduler.step(epoch).
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


class InvertedResidual(nn.Module):
    def __init__(self, channels, expand_ratio=4):
        super().__init__()
        hidden = channels * expand_ratio
        self.conv = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.conv(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(8), nn.ReLU6(inplace=True))
        self.block = InvertedResidual(8)
        self.dilated = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2, groups=4)
        self.head = nn.Conv2d(8, 16, 3, stride=4, padding=1, groups=2)
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        x = F.interpolate(x, size=(32, 32), mode="bicubic", align_corners=False)
        x = self.block(self.stem(x))
        x = F.relu(self.dilated(x))
        x = F.relu6(self.up(x))
        x = self.head(x)
        return self.fc(torch.flatten(x, 1))


transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
test_data = datasets.FashionMNIST("data", train=False, download=False, transform=transform)
loader = DataLoader(Subset(test_data, range(96)), batch_size=32)

model = nn.SyncBatchNorm.convert_sync_batchnorm(Net())
print(sum(isinstance(m, nn.SyncBatchNorm) for m in model.modules()), "SyncBatchNorm layers")
print(model.block.conv[3])
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

losses = []
for epoch in range(3):
    model.train()
    for batch, (X, y) in enumerate(loader):
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch} batch {batch}: loss {loss.item():.4f}, lr {lr:.4f}")
    scheduler.step(epoch + 1)

model.eval()
with torch.no_grad():
    correct = sum((model(X).argmax(1) == y).sum().item() for X, y in loader)
print(f"Accuracy: {100 * correct / len(loader.dataset):>0.1f}%")
torch.save(model.state_dict(), "depthwise_bicubic.pth")
