"""`xarxa solve`'s expressions: a whitelist over `ast`, never eval. Hostile and malformed
expressions are refused with exit status 2, a message naming what is refused and a caret
under the offending token, without a traceback and without running anything."""
import pytest

import xarxa as xa
from xarxa.apps.cli import main
from xarxa.apps.solve import ExpressionError, parse

SET = ["--set", "w=2", "b=0", "x=1"]

# (expression, what the message says, the column the caret points at)
REFUSED = [
    ("__import__('os')", "unknown function '__import__'", 0),
    ("__import__('os').system('touch PWNED')", "attribute access (.system)", 16),
    ("x.__class__", r"attribute access (.__class__) is not allowed", 1),
    ("relu(w*x + b).__class__.__bases__", "attribute access (.__bases__)", 23),
    ("lambda: w", "lambda is not allowed", 0),
    ("w + (lambda q: q)(1)", "lambda is not allowed", 5),
    ("(w*x)(b)", "only the functions relu", 1),
    ("w[0]", "subscripts ([...]) are not allowed", 1),
    ("relu(w)[0:1]", "subscripts", 7),
    ("max(w, b=1)", "keyword arguments are not allowed in max(...)", 7),
    ("relu(x=w)", "keyword arguments are not allowed", 5),
    ("max(*w)", "* unpacking is not allowed", 4),
    ("relu(w*x + b", "'(' was never closed", 4),
    ("w*x + b)", "unmatched ')'", 7),
    ("((w*x)", "'(' was never closed", 0),
    ("w x", "invalid syntax", 2),
    ("foo(w)", "unknown function 'foo'", 0),
    ("eval('w')", "unknown function 'eval'", 0),
    ("open(w)", "unknown function 'open'", 0),
    ("w * z", "unknown name 'z'", 4),
    ("w * __builtins__", "the name '__builtins__' is not allowed", 4),
    ("'w'", "strings are not allowed", 0),
    ("w + b'x'", "strings are not allowed", 4),
    ("f'{w}'", "f-strings are not allowed", 0),
    ("w**1000", "the exponent 1000 is too large", 3),
    ("w**-65", "the exponent -65 is too large", 3),
    ("w ** 2 ** 100", "the exponent 100 is too large", 10),
    ("w + 1e999", "the number 1e999 is not finite", 4),
    ("w + 1j", "complex constants are not allowed", 4),
    ("w + True", "bool constants are not allowed", 4),
    ("w // 2", "operator // is not allowed", 2),
    ("w % 2", "operator % is not allowed", 2),
    ("w @ x", "operator @ is not allowed", 2),
    ("~w", "only unary minus", 0),
    ("not w", "only unary minus", 0),
    ("w < b", "comparisons are not allowed", 0),
    ("w and b", "and/or are not allowed", 0),
    ("w if x else b", "conditional expressions are not allowed", 0),
    ("[w, b]", "lists are not allowed", 0),
    ("(w, b)", "tuples are not allowed", 0),
    ("{w: b}", "dicts are not allowed", 0),
    ("(q := w)", "assignments (:=) are not allowed", 1),
    ("[q for q in w]", "comprehensions are not allowed", 0),
    ("relu", "relu is a function: call it as relu(...)", 0),
    ("relu(w, b)", "relu takes 1 argument, got 2", 0),
    ("max(w)", "max takes 2 arguments, got 1", 0),
    ("w; import os", "invalid syntax", 1),
    ("", "the expression is empty", 0),
    ("w\n+ b", "the expression must be one line", 1),
    ("θ*w", "the name 'θ' is not allowed", 0),
    ("w + θ.real", "attribute access (.real)", 5),
    ("-" * 70 + "w", "nests more than 64 operations deep", 65),
    ("relu(" * 70 + "w" + ")" * 70, "nests more than 64 operations deep", 5 * 65),
    ("w" + "+w" * 300, "longer than 500 characters", 500),
]


@pytest.mark.parametrize("expression, message, column", REFUSED,
                         ids=[repr(r[0])[:40] for r in REFUSED])
def test_refused_with_a_caret_exit_2_and_no_traceback(capsys, expression, message, column,
                                                      tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)       # nothing may be written: PWNED must not appear here
    assert main(["solve", "--target", "1", *SET, "--", expression]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    first, shown, caret = err.splitlines()[:3]
    assert first.startswith("xarxa solve: error: ") and message in first
    assert shown == "  " + expression[:510].replace("\n", " ")
    assert caret == "  " + " " * column + "^"
    assert not (tmp_path / "PWNED").exists()
    with pytest.raises(ExpressionError) as info:
        parse(expression, variables={"w", "b", "x"})
    assert info.value.column == column and message in info.value.reason


def test_the_unicode_operators_of_the_notes_are_accepted():
    e = parse("relu(w×x − b)·2", variables={"w", "b", "x"})
    assert e.names == ("w", "x", "b")
    env = {k: xa.tensor(v, dtype=xa.float64) for k, v in {"w": 2.0, "x": 3.0, "b": 1.0}.items()}
    assert e.evaluate(env).item() == 10.0


def test_every_allowed_form_evaluates_like_the_formula():
    w, b, x = 0.5, -0.25, 2.0
    env = {k: xa.tensor(v, dtype=xa.float64) for k, v in {"w": w, "b": b, "x": x}.items()}
    import math
    cases = {
        "-w + +b - 2*x / 4": -w + b - 2 * x / 4,
        "w**2 + x**-1 + x**w + 2**3": w ** 2 + x ** -1 + x ** w + 8,
        "relu(b) + relu(w) + step(w) + step(b)": 0 + w + 1 + 0,
        "sigmoid(w) + tanh(b) + exp(b) + log(x) + abs(b)":
            1 / (1 + math.exp(-w)) + math.tanh(b) + math.exp(b) + math.log(x) + abs(b),
        "max(w, b) + min(w, 0.1) + max(1, 2)": w + 0.1 + 2,
        "((w))": w,
    }
    for text, expected in cases.items():
        value = parse(text).evaluate(env)
        assert float(value.item() if hasattr(value, "item") else value) == \
            pytest.approx(expected, rel=1e-15), text


def test_overflow_inside_an_allowed_expression_is_a_clear_error(capsys):
    assert main(["solve", "w * 2**2**2**2**2", "--set", "w=1"]) == 2
    assert "the loss is inf" in capsys.readouterr().err


def test_a_missing_set_is_argparse_s_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["solve", "w*x"])
    assert info.value.code == 2
    assert "--set" in capsys.readouterr().err
