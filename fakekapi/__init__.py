"""fakekapi: a stand-in for the Kubernetes API server that runs anywhere pip does.

Layers (imports flow rightwards only; pyproject.toml's import-linter contract enforces it):
cli | testing -> server -> auth | admission -> registry -> catalog | store | protobuf -> core
"""

__version__ = "0.1.0"
