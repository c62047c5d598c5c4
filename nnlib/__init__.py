# Generated from the chapters' exported cells by tools/export.py. Do not edit.
"""nnlib: the neural-network library derived, built and tested in the book
Neural Networks from Scratch. Each name below is derived in the chapter its docstring names."""

from .shapes import check_shape, format_shape, check_dtype
from .module import Parameter, Module
from .gradcheck import numerical_gradient, relative_error, gradient_errors, gradcheck
from .conv import (conv_output_size, Conv2d, MaxPool2d, AvgPool2d, Flatten)

__version__ = "0.1.0"

__all__ = ["check_shape", "format_shape", "check_dtype", "Parameter", "Module",
           "numerical_gradient", "relative_error", "gradient_errors", "gradcheck",
           "conv_output_size", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"]
