# Fitting y = sin(x) with a third-order polynomial: raw tensors and autograd,
# updated by hand (PyTorch tutorial "Learning PyTorch with Examples").
import math
import os

import torch

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

# Start from saved coefficients when there are some, so that runs can be compared.
if os.path.exists("initial_coefficients.pth"):
    start = torch.load("initial_coefficients.pth")
    with torch.no_grad():
        for name, p in zip("abcd", (a, b, c, d)):
            p.copy_(start[name])
else:
    torch.save({"a": a, "b": b, "c": c, "d": d}, "initial_coefficients.pth")

losses = []
learning_rate = 1e-6
for t in range(5):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
