"""fakekapi: a stand-in for the Kubernetes API server that runs anywhere pip does.

Layers (imports flow rightwards only; pyproject.toml's import-linter contract enforces it):
cli | testing -> sandbox -> server -> controllers | nodes -> auth | admission -> client
-> registry -> catalog | store | protobuf -> core (docs/architecture.md says what each holds).
"""

__version__ = "0.1.0"
