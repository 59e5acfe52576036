"""The source notes' worked example, shared by the tests: z = (x + y)**2 with w = x + y."""
from autograd import Value


def seed_graph(backward: bool = True):
    """x = 1, y = 2, w = x + y, z = w**2, each labelled; backward run unless told not to."""
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    w = x + y
    w.label = "w"
    z = w ** 2
    z.label = "z"
    if backward:
        z.backward()
    return x, y, w, z
