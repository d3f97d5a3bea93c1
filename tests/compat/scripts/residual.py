# A small ResNet (torchvision's BasicBlock: `out += identity; out = self.relu(out)` with
# ReLU(inplace=True)) trained with SGD + momentum and weight decay and a MultiStepLR
# schedule; forward hooks collect each block's activations, a module backward hook and
# a tensor hook gradient norms; losses printed with f"{loss:.4f}".
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


def conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        if self.downsample is not None:
            identity = self.downsample(x)

        out += identity
        out = self.relu(out)

        return out


class ResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = BasicBlock(8, 8)
        self.layer2 = BasicBlock(8, 16, stride=2, downsample=nn.Sequential(
            nn.Conv2d(8, 16, kernel_size=1, stride=2, bias=False), nn.BatchNorm2d(16)))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
test_data = datasets.FashionMNIST("data", train=False, download=False, transform=transform)
loader = DataLoader(Subset(test_data, range(96)), batch_size=32)

device = "cuda" if torch.cuda.is_available() else "cpu"
model = ResNet().to(device)
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

features = {}


def save_activation(name):
    def hook(module, inputs, output):
        features[name] = output.detach()
    return hook


handles = [getattr(model, name).register_forward_hook(save_activation(name))
           for name in ("layer1", "layer2")]

grad_norms = {}


def save_grad_norm(module, grad_input, grad_output):
    grad_norms["layer2 input"] = grad_input[0].norm().item()


handles.append(model.layer2.register_full_backward_hook(save_grad_norm))

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1], gamma=0.1)

losses = []
model.train()
for epoch in range(2):
    for batch, (X, y) in enumerate(loader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        pred.register_hook(lambda grad: grad_norms.update(logits=grad.norm().item()))
        loss = loss_fn(pred, y)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        losses.append(loss.item())
        print(f"epoch {epoch} batch {batch}: loss {loss:.4f}, lr {scheduler.get_last_lr()[0]:.3f}, "
              f"layer1 mean {features['layer1'].mean():.4f}, "
              f"layer2 {list(features['layer2'].shape)} std {features['layer2'].std():.4f}; "
              f"gradient norms: logits {grad_norms['logits']:.5f}, "
              f"layer2 input {grad_norms['layer2 input']:.5f}")
    scheduler.step()

for handle in handles:
    handle.remove()

model.eval()
correct = 0
with torch.no_grad():
    for X, y in loader:
        pred = model(X.to(device))
        correct += (pred.argmax(1) == y.to(device)).type(torch.float).sum().item()
print(f"Accuracy: {100 * correct / len(loader.dataset):>0.1f}%")
