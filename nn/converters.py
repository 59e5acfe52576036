"""Conversions to other libraries, looked up by name: the models ask, a bridge answers.

``model.to_torch()``, ``MLP.from_torch(seq)`` and ``optimizer.to_torch(params)``
are methods of the models and optimizers, but the code that converts lives in a
bridge module (``nn.torch_bridge``) which imports the models, not the other way
round.  The methods find that code here, by name; the bridge registers it when
it is imported (``import nn`` imports it, and it does not import torch until a
conversion runs).  Nothing here knows about torch.

>>> converter('model_to_torch', 'to_torch').__module__   # registered by nn.torch_bridge
'nn.torch_bridge'
"""
from __future__ import annotations

from typing import Callable

__all__ = ["register_converter", "converter"]

# name -> function; only register_converter writes it.
_CONVERTERS: dict[str, Callable] = {}


def register_converter(name: str, function: Callable) -> None:
    """Make ``function`` the converter called ``name`` (a later registration replaces it).

    >>> def shout(text): return text.upper()
    >>> register_converter('example_shout', shout)
    >>> converter('example_shout', 'shout')('hi')
    'HI'
    """
    if not isinstance(name, str) or not callable(function):
        raise TypeError(f"register_converter: expected a name and a function, got {name!r}, {function!r}")
    _CONVERTERS[name] = function


def converter(name: str, operation: str) -> Callable:
    """The converter called ``name``; ``operation`` (what the learner called) names it in the error.

    >>> converter('no_such_converter', 'to_jax')
    Traceback (most recent call last):
    ...
    LookupError: to_jax: no converter 'no_such_converter' is registered; it is provided by a bridge module such as nn.torch_bridge, which `import nn` imports
    """
    try:
        return _CONVERTERS[name]
    except KeyError:
        raise LookupError(f"{operation}: no converter {name!r} is registered; it is provided by a "
                          "bridge module such as nn.torch_bridge, which `import nn` imports") from None
