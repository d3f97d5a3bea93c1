# y = sin(x) fitted by nn.Linear on the features (x, x^2, x^3), updated by hand
# (PyTorch tutorial "PyTorch: nn").
import math
import os

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# x.unsqueeze(-1) has shape (2000, 1) and p has shape (3,): broadcasting gives xx
# of shape (2000, 3).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)

# Start from saved weights when there are some, so that runs can be compared.
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

loss_fn = torch.nn.MSELoss(reduction='sum')

losses = []
learning_rate = 1e-6
for t in range(5):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    print(t, loss.item())

    model.zero_grad()
    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
