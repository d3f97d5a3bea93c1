"""A linear pre-scan of a pickle, run before unpickling it: refuse hash bombs.

A pickle's memo (PUT/GET) lets an object appear in many places for a few bytes each:
1-2 KB of tuples nested 30 deep, each holding its child 10 times, is 300 objects but
10**30 places. Storing that is harmless (`pth._finish` walks it memoised), but hashing
it is not: Python does not cache a tuple's hash, so ``hash(t)`` visits every place, and
the unpickler hashes every dict key (SETITEM, SETITEMS, DICT) and every set member
(ADDITEMS, FROZENSET). ``pickle.loads`` of ``{t: 1}`` never returns (nor does
``torch.load(weights_only=True)``).

`check` walks the opcodes once (`pickletools.genops`, which decodes but builds nothing)
and simulates just the stack, the marks and the memo, holding for each object its
*hash size*: the number of objects ``hash()`` visits, saturating above `CAP`. Only
tuples recurse without a cache (str, bytes and frozenset cache their hash; hashing a
list or dict fails at once), so a tuple's size is 1 plus its items' sizes and anything
else's is 1. Keys, set members, the arguments of every call (REDUCE, NEWOBJ, OBJ, INST:
an allowed callable may hash or format them) and persistent ids must stay under `CAP`.
Time and memory are linear in the pickle's length.
"""
from __future__ import annotations

import pickletools

CAP = 1_000_000  # hashing a million tuple items takes tens of milliseconds
_MARK = pickletools.markobject


def check(data: bytes, path: str) -> None:
    """Raise ValueError (naming `path`) if hashing an object of the pickle `data` would
    visit more than CAP objects; malformed pickles are left for the unpickler to refuse."""
    stack: list[int] = []  # each object's hash size
    marks: list[int] = []  # the stack's length at each MARK
    memo: dict = {}

    def pop(n: int = 1) -> list[int]:  # a missing item is the unpickler's error, not ours
        taken = stack[len(stack) - n:] if n else []
        del stack[len(stack) - len(taken):]
        return taken

    def pop_mark() -> list[int]:
        return pop(len(stack) - marks.pop()) if marks else pop(len(stack))

    def limit(sizes, what: str) -> None:
        if sum(sizes) > CAP:
            raise ValueError(f"load: {path} holds {what} that hashing would expand to more "
                             f"than {CAP} objects (memo references shared many times over:"
                             " a hash bomb, never in a state dict)")

    try:
        ops = pickletools.genops(data)
        for op, arg, _pos in ops:
            name = op.name
            if name == "MARK":
                marks.append(len(stack))
            elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                if stack:
                    memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo.get(arg, 1))
            elif name == "DUP":
                stack.append(stack[-1] if stack else 1)
            elif name == "POP":  # an empty stack pops a mark instead
                pop() if stack or not marks else marks.pop()
            elif name == "POP_MARK":
                pop_mark()
            elif name in ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE"):
                items = pop_mark() if name == "TUPLE" else pop(len(op.stack_before))
                stack.append(min(CAP + 1, 1 + sum(items)))
            elif name in ("SETITEM", "SETITEMS", "DICT"):  # keys at even places
                items = pop(2) if name == "SETITEM" else pop_mark()
                limit(items[0::2], "a dict key")
                if name == "DICT":
                    stack.append(1)
            elif name in ("ADDITEMS", "FROZENSET"):
                limit(pop_mark(), "a set member")
                if name == "FROZENSET":
                    stack.append(1)
            elif name in ("REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST", "BINPERSID"):
                # the callable (or class) and its arguments; OBJ and INST take a mark
                args = pop_mark() if name in ("OBJ", "INST") else pop(len(op.stack_before))
                limit(args, f"the arguments of a {name}")
                stack.append(1)
            elif name == "STOP":
                break
            else:  # everything else builds plain objects: pop its inputs, push size 1s
                before = op.stack_before
                if _MARK in before:  # LIST, APPENDS...: the items, then what precedes
                    pop_mark()
                    pop(before.index(_MARK))
                else:
                    pop(len(before))
                stack.extend([1] * len(op.stack_after))
    except ValueError as e:
        if str(e).startswith("load: "):
            raise
        # genops found a malformed pickle: the unpickler will say what is wrong
