"""Shared test set-up: Hypothesis runs derandomised, without deadlines, capped examples."""
import importlib.util
import os

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=25,
                          print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def load_benchmark():
    """``load_benchmark("accuracy")``: benchmarks/accuracy.py as a module (the benchmark
    scripts are no package)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def load(name):
        spec = importlib.util.spec_from_file_location(
            f"{name}_benchmark", os.path.join(root, "benchmarks", f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load
