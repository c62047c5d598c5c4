# Generated from chapters/using_nnlib.ipynb by tools/export.py. Do not edit.
"""scikit-learn estimators that train nnlib networks: ``NeuralNetClassifier`` and
``NeuralNetRegressor``, skorch's names. This module imports scikit-learn, which nnlib
does not depend on: ``import nnlib`` imports this module only when one of its names is
first used.

Derived in "Using nnlib after the book" (chapters/using_nnlib.ipynb)."""

from collections.abc import Callable
from typing import TypeVar
import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from nnlib import checks, training
from nnlib.activations import ReLU, Softmax
from nnlib.linear import Linear
from nnlib.losses import CrossEntropyLoss, MSELoss
from nnlib.module import Module
from nnlib.optim import Adam, Optimizer
from nnlib.sequential import Sequential

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]


_Builder = Callable[[int, int, np.random.Generator], Module]   # (n_in, n_out, rng)


class _NeuralNet(BaseEstimator):
    """What the classifier and the regressor share: their arguments (described in
    ``NeuralNetClassifier``), the network, its training and its outputs."""

    def __init__(self, module: _Builder | None = None,
                 hidden_layer_sizes: tuple[int, ...] = (100,),
                 loss: Callable[[], training.Loss] | None = None,
                 optimizer: Callable[..., Optimizer] = Adam, lr: float = 0.01,
                 optimizer_kwargs: dict[str, object] | None = None, epochs: int = 10,
                 batch_size: int | None = 32, shuffle: bool = True,
                 random_state: int | np.random.RandomState | None = None) -> None:
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.optimizer_kwargs = optimizer_kwargs
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    def _network(self, n_features, n_outputs, rng):
        """A new network: ``module(n_features, n_outputs, rng)``, or Linear layers of
        the hidden sizes with a ReLU between two of them."""
        if self.module is not None:
            network = self.module(n_features, n_outputs, rng)
            return checks.instance(network, "module's network", self, Module)
        sizes = [n_features, *self.hidden_layer_sizes, n_outputs]
        layers = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            layers += [Linear(fan_in, fan_out, rng=rng), ReLU()]
        return Sequential(*layers[:-1])

    def _generator(self):
        """The NumPy generator of a fit: from the seed ``random_state`` (the same at
        every fit), None (a new one every time), or a RandomState (which every fit
        advances)."""
        if isinstance(self.random_state, np.random.RandomState):
            return np.random.default_rng(self.random_state.randint(2**31))
        return np.random.default_rng(self.random_state)

    def fit(self: "_Estimator", X: ArrayLike, y: ArrayLike) -> "_Estimator":
        """Train a new network on X, of shape (N, n_features), and y (see the class);
        return the estimator, whose ``model_`` is the network and ``history_`` its
        ``History``."""
        X_valid, y_valid = validate_data(self, X, y, dtype=("float64", "float32"),
                                         **self._y_checks)
        targets, n_outputs = self._targets(y_valid)
        rng = self._generator()
        model = self._network(X_valid.shape[1], n_outputs, rng)
        self._dtype = model.parameters()[0].dtype      # what the network computes in
        if targets.dtype.kind == "f":
            targets = targets.astype(self._dtype, copy=False)
        loss_fn = (self.loss or self._default_loss)()
        optimizer = self.optimizer(model.parameters(), lr=self.lr,
                                   **(self.optimizer_kwargs or {}))
        self.history_ = training.fit(
            model, loss_fn, optimizer, X_valid.astype(self._dtype, copy=False), targets,
            epochs=self.epochs, batch_size=self.batch_size, shuffle=self.shuffle,
            rng=rng)
        self.model_ = model
        return self

    def _outputs(self, X):
        """The trained network's outputs for X, computed in evaluation mode."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=("float64", "float32"))
        return training.predict(self.model_, X.astype(self._dtype, copy=False))


_Estimator = TypeVar("_Estimator", bound=_NeuralNet)    # fit returns its estimator


class NeuralNetClassifier(ClassifierMixin, _NeuralNet):
    """A scikit-learn classifier that trains an nnlib network: ``fit``, ``predict``,
    ``predict_proba``, ``score`` (the accuracy), ``get_params`` and ``set_params``. It
    clones, pickles, and works in a ``Pipeline``, ``cross_val_score`` and
    ``GridSearchCV``.

    Derived in "Using nnlib after the book". ``X`` has shape (N, n_features) and holds
    numbers, converted to the dtype of the network (float64 for the default one); ``y``
    has shape (N,) and holds labels of any kind, numbers or strings. The network has one
    output per class; the loss takes them with the labels' indices in ``classes_``. The
    names are skorch's where they exist, except ``loss`` (skorch's ``criterion``) and
    ``epochs`` (its ``max_epochs``), named as in nnlib's ``fit``; ``hidden_layer_sizes``
    is ``MLPClassifier``'s.

    Parameters
    ----------
    module : callable or None, default None
        ``module(n_features, n_outputs, rng)`` returns a new network (a ``Module``) to
        train; ``rng``, a ``numpy.random.Generator``, is meant for its initial weights.
        None: ``Linear`` layers of ``hidden_layer_sizes`` with a ReLU between two.
    hidden_layer_sizes : tuple of int, default (100,)
        The widths of the hidden layers of the default network.
    loss : callable or None, default None
        A loss class, called with no arguments: None is ``CrossEntropyLoss`` here and
        ``MSELoss`` in ``NeuralNetRegressor``.
    optimizer : callable, default Adam
        An optimizer class, called as ``optimizer(params, lr=lr, **optimizer_kwargs)``.
    lr : float, default 0.01
        The learning rate.
    optimizer_kwargs : dict or None, default None
        The optimizer's other arguments, e.g. ``{"weight_decay": 1e-4}``.
    epochs, batch_size, shuffle : int, int or None, bool; default 10, 32, True
        As in nnlib's ``fit``.
    random_state : int, numpy.random.RandomState or None, default None
        The seed of the initial weights and of the order of the samples: with an int,
        every fit trains the same network; None: another one every time.

    Attributes
    ----------
    classes_ : numpy.ndarray of shape (n_classes,)
        The labels seen by ``fit``, sorted.
    model_ : Module
        The trained network.
    history_ : History
        The loss of every epoch.
    n_features_in_ : int
        The number of features seen by ``fit``.
    """

    _default_loss = CrossEntropyLoss
    _y_checks: dict[str, bool] = {}       # y: one label per sample

    def _targets(self, y):
        check_classification_targets(y)   # refuses continuous values
        self.classes_, labels = np.unique(y, return_inverse=True)
        return labels.reshape(-1), len(self.classes_)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """The probability of each class, in the order of ``classes_``: shape (N,
        n_classes), the softmax of the network's outputs."""
        return Softmax()(self._outputs(X))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each sample, shape (N,)."""
        outputs = self._outputs(X)        # NotFittedError before fit
        return self.classes_[outputs.argmax(axis=1)]


class NeuralNetRegressor(RegressorMixin, _NeuralNet):
    """A scikit-learn regressor that trains an nnlib network: ``fit``, ``predict``,
    ``score`` (R^2, averaged over the outputs), ``get_params`` and ``set_params``.

    Derived in "Using nnlib after the book". Arguments and attributes as for
    ``NeuralNetClassifier``, except that ``loss`` None is ``MSELoss`` and there is no
    ``classes_``. ``y`` has shape (N,) or (N, n_outputs) and holds numbers, converted to
    the network's dtype; the network has one output per column of ``y``, and
    ``predict`` returns ``y``'s shape.
    """

    _default_loss = MSELoss
    _y_checks = {"multi_output": True, "y_numeric": True}

    def _targets(self, y):
        self._single_output = y.ndim == 1
        y = y.reshape(len(y), -1)
        return y, y.shape[1]

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The predicted targets, of shape (N,) or (N, n_outputs) as ``y`` was."""
        outputs = self._outputs(X)
        return outputs[:, 0] if self._single_output else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True    # y of shape (N, n_outputs) is learned
        return tags
