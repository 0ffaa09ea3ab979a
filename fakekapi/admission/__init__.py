"""Admission hooks (mutating and validating) the registry receives as callbacks.

May import registry, catalog, store, core; never server or cli.
"""
