"""The rbac.authorization.k8s.io group (kube `pkg/registry/rbac`): RBAC's vocabulary as
values and its matching (rules.py), and ClusterRole aggregation as a pure function
(aggregation.py), shared by the authorizer, escalation prevention, the aggregation controller
and `fakekapi explain`; the kinds' strategies (strategy.py). The bootstrap policy is
fakekapi.registry.rbac_bootstrap. This module imports nothing, so that the authorizer's imports
of rules.py stay light.
"""
