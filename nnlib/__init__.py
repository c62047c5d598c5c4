# Generated from the chapters' exported cells by tools/export.py. Do not edit.
"""nnlib: the neural-network library derived, built and tested in the book
Neural Networks from Scratch. Each name below is derived in the chapter its
docstring names."""

from . import checks
from .module import Parameter, Module
from .gradcheck import numerical_gradient, relative_error, gradient_errors, gradcheck
from .book import add_to_class
from .activations import Sigmoid, Tanh, ReLU, LeakyReLU, Softmax
from .linear import Linear
from .init import xavier_uniform, xavier_normal, he_uniform, he_normal
from .losses import (MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss,
    CrossEntropyLoss)
from .sequential import Sequential
from .container import ModuleList, ModuleDict
from .optim import Optimizer, SGD, Adagrad, RMSprop, Adam, AdamW
from .lr_scheduler import (LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR,
    LinearLR, OneCycleLR, ReduceLROnPlateau)
from .clip_grad import clip_grad_norm_
from .data import train_val_split, Standardizer, DataLoader
from .metrics import accuracy
from .training import Loss, predict, evaluate, History, fit
from .callbacks import Callback, plot_history, EarlyStopping, EpochPrinter, ProgressBar
from .serialization import save, load, save_checkpoint, load_checkpoint
from .dropout import Dropout
from .batchnorm import BatchNorm1d, BatchNorm2d
from .conv import conv_output_size, Conv2d
from .pooling import MaxPool2d, AvgPool2d
from .flatten import Flatten
from .autograd import Tensor, unbroadcast, no_grad, is_grad_enabled
from .attention import (scaled_dot_product_attention,
    scaled_dot_product_attention_backward, MultiheadAttention)
from .embedding import (Embedding, SinusoidalPositionalEncoding,
    LearnedPositionalEncoding)
from .normalization import LayerNorm
from .gelu import erf, GELU
from .transformer import TransformerBlock, TransformerLM
from .bridge import register_converter, to_torch, from_torch, register_layer

__version__ = "0.1.0"

__all__ = ["Parameter", "Module", "numerical_gradient", "relative_error",
           "gradient_errors", "gradcheck", "add_to_class", "Sigmoid", "Tanh", "ReLU",
           "LeakyReLU", "Softmax", "Linear", "xavier_uniform", "xavier_normal",
           "he_uniform", "he_normal", "MSELoss", "L1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss", "CrossEntropyLoss", "Sequential", "ModuleList",
           "ModuleDict", "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
           "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "OneCycleLR", "ReduceLROnPlateau", "clip_grad_norm_", "train_val_split",
           "Standardizer", "DataLoader", "accuracy", "Loss", "predict", "evaluate",
           "History", "fit", "Callback", "plot_history", "EarlyStopping",
           "EpochPrinter", "ProgressBar", "save", "load", "save_checkpoint",
           "load_checkpoint", "Dropout", "BatchNorm1d", "BatchNorm2d",
           "conv_output_size", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Tensor",
           "unbroadcast", "no_grad", "is_grad_enabled", "scaled_dot_product_attention",
           "scaled_dot_product_attention_backward", "MultiheadAttention", "Embedding",
           "SinusoidalPositionalEncoding", "LearnedPositionalEncoding", "LayerNorm",
           "erf", "GELU", "TransformerBlock", "TransformerLM", "NeuralNetClassifier",
           "NeuralNetRegressor", "register_converter", "to_torch", "from_torch",
           "register_layer"]


# The modules of these names import sklearn, on which nnlib does not depend: such a
# module is imported when one of its names is first used, so that `import nnlib` imports
# NumPy only (PEP 562).
_LAZY = {"NeuralNetClassifier": "estimators", "NeuralNetRegressor": "estimators"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module
    try:
        module = import_module(f".{_LAZY[name]}", __name__)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{__name__}.{name} needs {error.name}, which is "
                                  "not installed", name=error.name) from error
    value = globals()[name] = getattr(module, name)
    return value


def __dir__():
    return sorted([*globals(), *_LAZY])
