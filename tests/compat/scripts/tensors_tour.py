# The first pages of PyTorch's "Tensors" and "Automatic differentiation" tutorials as a
# student types them and reads their printed output: tensors, shapes, dtypes, devices,
# out=, the one-hot idiom, print options, grad_fn names and next_functions; then a few
# steps of a linear regression, printing the loss tensor.
import torch

torch.set_num_threads(1)
print("threads:", torch.get_num_threads())

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data)
print(f"Shape of tensor: {x_data.shape}")
print(f"Datatype of tensor: {x_data.dtype}")
print(f"Device tensor is stored on: {x_data.device}")
print(x_data.is_cuda, x_data.is_mps, x_data.is_meta, x_data.is_sparse, x_data.is_quantized)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_grid = torch.linspace(0, 1, 4, dtype=torch.float).reshape(2, 2)
print(f"Grid Tensor: \n {x_grid} \n")

shape = (2, 3,)
print(f"Zeros Tensor: \n {torch.zeros(shape)}", torch.ones(shape).shape, torch.ones(shape).size(1))

tensor = torch.arange(12.0).reshape(3, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

y1 = tensor @ tensor.T
y3 = torch.zeros_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z3 = torch.empty(0)
torch.mul(tensor, tensor, out=z3)
print(y3, z3.shape, torch.equal(y1, y3))
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

print(torch.tensor([1e-5, 1.0, 1e5]), torch.tensor([float("nan"), float("inf"), 2.5]))
print(torch.arange(2000))
print(torch.linspace(-1, 1, 1500).reshape(30, 50))
print(torch.tensor(3.0), torch.tensor([True, False]), torch.zeros(0, 3))
print(torch.tensor([1, 2], dtype=torch.int32), torch.tensor([0.5], dtype=torch.float64))
torch.set_printoptions(precision=2)
print(torch.linspace(0, 1, 7))
torch.set_printoptions(profile="default")

label = 3
one_hot = torch.zeros(10).scatter_(0, torch.tensor(label), value=1)
print(one_hot)

x = torch.ones(5)
y = torch.zeros(3)
w = torch.linspace(-1, 1, 15).reshape(5, 3).requires_grad_()
b = torch.linspace(0, 0.2, 3).requires_grad_()
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn.name()}")
print(f"Gradient function for loss = {loss.grad_fn.name()}")
print(z)
print(loss)
print([(f.name() if f is not None else None, n) for f, n in loss.grad_fn.next_functions])
loss.backward()
print(w.grad)
print(b.grad)

inputs = torch.linspace(-2, 2, 16).reshape(8, 2)
targets = (inputs @ torch.tensor([[1.5], [-0.5]])) + 0.25
model = torch.nn.Linear(2, 1)
with torch.no_grad():
    model.weight.fill_(0.1)
    model.bias.zero_()
print(model.weight)
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
losses = []
for step in range(12):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(inputs), targets)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if step % 4 == 0:
        print(step, loss)
print(model.weight, model.bias)
print(model(inputs[:2]))
