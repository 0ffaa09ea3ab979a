"""The data dir's layout, shared by the server (which makes and writes it) and the sandbox and
CLI (which read it): the cluster PKI and the kubeconfig documents built on it (`pki.py`), the
record of the running server (`serverinfo.py`: server.json), and the one-line checks that a data
dir is usable at all (`check.py`).

It sits below both the server and the sandbox (design.md draws them side by side), so neither
imports the other; it imports nothing of fakekapi's above core.
"""
