# A linear layer and a ReLU written as custom autograd Functions, the way PyTorch's
# "Extending PyTorch" note writes LinearFunction (with ctx.needs_input_grad), used in
# an nn.Module and trained with optim.SGD with momentum.
import math
import os

import torch
import torch.nn as nn


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        # Only what is needed: the input of the first layer needs no gradient.
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            self.register_parameter('bias', None)
        nn.init.uniform_(self.weight, -0.1, 0.1)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return 'input_features={}, output_features={}, bias={}'.format(
            self.input_features, self.output_features, self.bias is not None)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = Linear(3, 16)
        self.out = Linear(16, 1, bias=False)

    def forward(self, x):
        return self.out(MyReLU.apply(self.hidden(x)))


x = torch.linspace(-math.pi, math.pi, 200).unsqueeze(1)
y = torch.sin(x)
features = torch.cat([x, x ** 2, x ** 3], dim=1) / 10

model = Net()
print(model)
if os.path.exists("initial_weights.pth"):
    model.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(model.state_dict(), "initial_weights.pth")

optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
losses = []
for t in range(5):
    loss = ((model(features) - y) ** 2).mean()
    losses.append(loss.item())
    print(f"step {t}: loss {loss.item():.6f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
