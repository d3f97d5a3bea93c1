# An MLP regression fed by a DataLoader over a TensorDataset, with two worker
# processes, Adam and an MSE loss; the test loss is computed under torch.no_grad().
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# y = x1^2 - 2 sin(3 x2) + x1 x3 on a grid of inputs.
X = torch.stack(torch.meshgrid(torch.linspace(-1, 1, 8), torch.linspace(-1, 1, 8),
                               torch.linspace(-1, 1, 4), indexing="ij"), dim=-1).reshape(-1, 3)
y = (X[:, 0] ** 2 - 2 * torch.sin(3 * X[:, 1]) + X[:, 0] * X[:, 2]).unsqueeze(1)

dataset = TensorDataset(X, y)
train_set = torch.utils.data.Subset(dataset, range(0, 192))
test_set = torch.utils.data.Subset(dataset, range(192, 256))
train_loader = DataLoader(train_set, batch_size=64, shuffle=False, num_workers=2)
test_loader = DataLoader(test_set, batch_size=32)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(3, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.Tanh(),
            nn.Linear(32, 1),
        )

    def forward(self, x):
        return self.layers(x)


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = MLP().to(device)
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

loss_function = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

losses = []
for epoch in range(2):
    model.train()
    current_loss = 0.0
    for i, (inputs, targets) in enumerate(train_loader):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_function(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        current_loss += loss.item()
    print(f"Epoch {epoch + 1}: mean training loss {current_loss / len(train_loader):.5f}")

    model.eval()
    with torch.no_grad():
        test_loss = sum(loss_function(model(inputs), targets).item() * len(inputs)
                        for inputs, targets in test_loader) / len(test_set)
    losses.append(test_loss)
    print(f"Epoch {epoch + 1}: test loss {test_loss:.5f}")

torch.save(model.state_dict(), "mlp.pth")
print("Training process has finished.")
