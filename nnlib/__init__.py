# Generated from the chapters' exported cells by tools/export.py. Do not edit.
"""nnlib: the neural-network library derived, built and tested in the book
Neural Networks from Scratch. Each name below is derived in the chapter its docstring names."""

from .shapes import check_shape, format_shape

__version__ = "0.1.0"

__all__ = ["check_shape", "format_shape"]
