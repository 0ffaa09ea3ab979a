"""Decoding of Kubernetes protobuf request bodies (the `k8s\\0` envelope and typed messages) into
the JSON objects kube-apiserver would have decoded. Driven by a schema generated from the 1.33
generated.proto files. May import core only.
"""
