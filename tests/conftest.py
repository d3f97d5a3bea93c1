"""Shared test set-up: Hypothesis runs derandomised, without deadlines, capped examples."""
import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=25,
                          print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
