# PyTorch before 0.4, as old tutorials and course notebooks still write it: Variables, the
# typed constructors (`dtype = torch.FloatTensor`, the old switch of precision and device),
# `.type(...)`, updates on `.data`; then `torch.save(model)` of a whole model, which
# PyTorch >= 2.6 will not load back by default (and xarxa will not write).
import math
import os

import torch
from torch.autograd import Variable

dtype = torch.FloatTensor
# dtype = torch.cuda.FloatTensor  # uncomment this to run on GPU

x = Variable(torch.linspace(-math.pi, math.pi, 500).type(dtype), requires_grad=False)
y = Variable(torch.sin(x.data), requires_grad=False)

# Start from saved coefficients when there are some, so that runs can be compared.
if os.path.exists("initial_coefficients.pth"):
    start = torch.load("initial_coefficients.pth")["w"]
else:
    start = torch.randn(4).type(torch.DoubleTensor)
    torch.save({"w": start}, "initial_coefficients.pth")
w = Variable(start.type(dtype), requires_grad=True)
print("w:", isinstance(w, Variable), w.requires_grad, w.is_leaf, isinstance(w, torch.FloatTensor))

losses = []
learning_rate = 1e-5
for t in range(60):
    y_pred = w[0] + w[1] * x + w[2] * x ** 2 + w[3] * x ** 3
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if t % 20 == 19:
        print(t, round(loss.item(), 4))
    loss.backward()
    w.data -= learning_rate * w.grad.data
    w.grad.data.zero_()

# The typed constructors, from data and from sizes
labels = torch.LongTensor([3, 1, 2, 0, 1, 1])
counts = torch.IntTensor(4).zero_()
for label in labels.tolist():
    counts[label] += 1
mask = torch.ByteTensor([1, 0, 1, 1, 0, 255])
keep = torch.BoolTensor([True, False, True, True, False, True])
table = torch.DoubleTensor(2, 3).fill_(0.5)
empty = torch.FloatTensor()
print("labels", labels.tolist(), "counts", counts.tolist(), "mask", mask.tolist())
print("kept", labels[keep].tolist(), "table", table.sum().item(), tuple(table.shape),
      "empty", tuple(empty.shape))
print("truncated", torch.LongTensor([1.7, -2.7]).tolist(), "wrapped",
      torch.ByteTensor([-1, 255]).tolist())
print("isinstance", isinstance(labels, torch.LongTensor), isinstance(labels, torch.IntTensor),
      isinstance(table, torch.DoubleTensor), isinstance(labels, Variable))
print("dtypes", labels.dtype == torch.int64, counts.dtype == torch.int32,
      mask.dtype == torch.uint8, keep.dtype == torch.bool, table.dtype == torch.float64)

# .type(): with a dtype, a legacy type or its name
coeffs = w.data.type(torch.DoubleTensor)
as_long = torch.FloatTensor([[1.5, -2.5], [3.9, 0.1]]).type("torch.LongTensor")
print("cast", coeffs.dtype == torch.float64, as_long.tolist(),
      as_long.type(torch.float32).dtype == torch.float32, w.type(dtype) is w)
print(f"Result: y = {w[0].item():.4f} + {w[1].item():.4f} x + {w[2].item():.4f} x^2 "
      f"+ {w[3].item():.4f} x^3")

# A whole model (not its state_dict): refused by xarxa when saving, by PyTorch when loading.
model = torch.nn.Sequential(torch.nn.Linear(4, 1))
try:
    torch.save(model, "whole_model.pt")
    torch.load("whole_model.pt")
    print("whole model: loaded")
except Exception:  # xarxa: TypeError on save; PyTorch >= 2.6: UnpicklingError on load
    print("whole model: refused; save model.state_dict() instead")
finally:
    if os.path.exists("whole_model.pt"):
        os.remove("whole_model.pt")
