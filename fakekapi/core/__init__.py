"""Vocabulary and pure functions shared by every layer.

Owns: StatusError (metav1.Status), RequestInfo, UserInfo, the emulated Kubernetes version, and
TypedDicts for raw objects. Must not import anything else from fakekapi, nor do any I/O.
"""
