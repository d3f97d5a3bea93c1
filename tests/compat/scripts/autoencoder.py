# A convolutional autoencoder (Conv2d encoder, ConvTranspose2d decoder, Sigmoid output,
# BCELoss) with a forward hook that collects the codes, as tutorials do to look at them.
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1),   # 16 x 14 x 14
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),  # 32 x 7 x 7
            nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),  # 16 x 14 x 14
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),   # 1 x 28 x 28
            nn.Sigmoid(),
        )

    def forward(self, x):
        x = self.encoder(x)
        x = self.decoder(x)
        return x


activations = {}


def get_activation(name):
    def hook(model, input, output):
        activations[name] = output.detach()
    return hook


dataset = datasets.FashionMNIST(root="data", train=True, download=False,
                                transform=transforms.ToTensor())
dataloader = DataLoader(Subset(dataset, range(128)), batch_size=32, shuffle=False)

model = Autoencoder()
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")
handle = model.encoder.register_forward_hook(get_activation("encoder"))

criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

losses = []
num_epochs = 2
for epoch in range(num_epochs):
    for data in dataloader:
        img, _ = data
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        code = activations["encoder"]
        print(f"code {tuple(code.shape)}: mean {code.mean():.4f}, max {code.max():.4f}")
    print('epoch [{}/{}], loss:{:.4f}'.format(epoch + 1, num_epochs, loss.item()))

handle.remove()
activations.clear()
model(img)
print("hook removed:", "encoder" not in activations)
torch.save(model.state_dict(), "conv_autoencoder.pth")
