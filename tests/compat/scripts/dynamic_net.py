# Data-dependent control flow and weight sharing: each forward pass uses a random number
# of higher-order terms that all reuse the parameter e (PyTorch tutorial
# "PyTorch: Control Flow + Weight Sharing").
import math
import os
import random

import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        """A third-, fourth- or fifth-order polynomial, chosen at random; the fourth
        and fifth orders reuse the parameter e."""
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


random.seed(0)  # the same random orders in every run

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = DynamicNet()
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
losses = []
for t in range(5):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    losses.append(loss.item())
    print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
