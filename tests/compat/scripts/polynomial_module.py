# y = sin(x) fitted by a custom nn.Module holding four scalar Parameters, trained by
# optim.SGD (PyTorch tutorial "PyTorch: Custom nn Modules").
import math
import os

import torch


class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3')


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

model = Polynomial3()
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
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
