"""The resource types the server knows: built-in types of the emulated version, plus CRDs.

Owns: ResourceType, the generated catalog data, discovery documents and OpenAPI documents (all pure
data built from the catalog). Must not import store, registry, auth, server or cli.
"""
