"""nn: a small neural-network library built entirely from ``autograd.Value``.

Every weight is a Value and every forward pass builds an ordinary graph, so
``loss.backward()`` is the same chain rule as in the engine's first lesson --
nothing is hidden in matrices.  Names follow PyTorch and scikit-learn.

* models: ``Module``, ``Neuron``, ``Layer``, ``MLP``, ``Perceptron``; ``load(path)``
* activations by name: ``get_activation('relu')``
* losses: ``mse_loss``, ``mae_loss``, ``cross_entropy``, ``binary_cross_entropy``,
  ``binary_cross_entropy_with_logits``, ``hinge_loss``, ``softmax``, ``log_softmax``
* training: ``fit(model, X, y, loss=..., ...)`` -> ``History``; ``nn.optim`` (SGD, Adam, ...)
* data and evaluation: ``nn.data`` (toy problems, iris, handwritten digits),
  ``nn.model_selection``, ``nn.metrics``

>>> import nn
>>> model = nn.MLP(2, [8, 1], activation='relu', seed=0)
>>> model
MLP(2 -> 8 -> 1, activation='relu')
>>> model.predict([[0.5, -0.5]]).shape
(1,)
"""
from nn import activations, data, losses, metrics, model_selection, optim, plots
# The PyTorch bridge registers model.to_torch() and friends (see nn.converters); it
# imports torch only when a conversion runs, so `import nn` stays free of torch.
from nn import torch_bridge
from nn.activations import get_activation
from nn.layers import MLP, Layer, Neuron, Perceptron
from nn.losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, hinge_loss,
    log_softmax, mae_loss, mse_loss, softmax,
)
from nn.module import Module, load
from nn.train import History, fit
# last: the playground is built from all of the above (and ipywidgets)
from nn.live_playground import Playground, playground

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "Perceptron", "load", "get_activation",
    "softmax", "log_softmax", "mse_loss", "mae_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "hinge_loss",
    "fit", "History", "playground", "Playground",
    "activations", "losses", "optim", "data", "model_selection", "metrics",
]
