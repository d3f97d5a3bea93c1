"""A student's first tensors under PyTorch and under xarxa (scripts/tensors_tour.py): the
same printed text — tensors, shapes, dtypes, devices, grad_fn names, next_functions —
with `out=`, the one-hot `scatter_` idiom, print options and set_num_threads on the way."""
from compat._harness import assert_same_run, run_both


def test_the_tensors_tour_prints_what_pytorch_prints(tmp_path):
    expected, actual = run_both("tensors_tour.py", tmp_path)
    assert_same_run(expected, actual)
    for text in ("torch.Size([2, 2])", "torch.int64", "grad_fn=<MseLossBackward0>",
                 "AddBackward0", "...", "requires_grad=True"):
        assert text in actual.output
