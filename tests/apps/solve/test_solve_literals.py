"""`xarxa solve` with number literals too large for float64: the one-message refusal with a
caret and exit 2 that every other bad expression gets, never a traceback."""
import subprocess
import sys

import pytest

from xarxa.apps.cli import main
from xarxa.apps.solve.expr import ExpressionError, parse

BIG = "9" * 400  # an int literal beyond float64 (about 1.8e308)


def refusal(capsys, expression: str) -> str:
    assert main(["solve", expression, "--set", "w=1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    return err


def test_a_400_digit_integer_is_named_shortened_with_a_caret(capsys):
    err = refusal(capsys, f"w*{BIG} + 1")
    first, shown, caret = err.splitlines()
    assert first == ("xarxa solve: error: the number 99999999…9999 (400 digits) is not "
                     "finite in float64")
    assert shown == f"  w*{BIG} + 1" and caret == "  " + " " * 2 + "^"
    with pytest.raises(ExpressionError) as info:
        parse(f"relu(w - {BIG})")
    assert info.value.column == 9 and "(400 digits)" in info.value.reason
    # 10**308 still converts: only literals beyond the largest float64 are refused
    assert parse("w*1" + "0" * 308).names == ("w",)


def test_a_5000_digit_integer_is_refused_by_the_length_limit(capsys):
    # Longer than Python's 4300-digit int conversion limit too: the length check comes first
    err = refusal(capsys, "w*" + "7" * 5000)
    assert err.startswith("xarxa solve: error: the expression is longer than 500 characters")


def test_the_console_script_exits_2_in_one_message():
    result = subprocess.run([sys.executable, "-m", "xarxa.apps.cli", "solve", f"{BIG}*w", "--set",
                             "w=1"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("xarxa solve: error: the number 99999999…9999")
