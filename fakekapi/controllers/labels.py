"""metav1.LabelSelector matching, as apimachinery's LabelSelectorAsSelector then Matches.

An empty selector (`{}`) selects everything, a missing one (None) nothing; matchLabels are `=`
requirements; matchExpressions are In, NotIn, Exists and DoesNotExist.
"""

from __future__ import annotations

from typing import Any


def selector_matches(selector: Any, labels: Any) -> bool:
    """True when `labels` (a dict or None) satisfies the LabelSelector `selector`."""
    if selector is None or not isinstance(selector, dict):
        return False
    have: dict[str, Any] = labels if isinstance(labels, dict) else {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if have.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key = expr.get("key", "")
        op = expr.get("operator", "")
        values = expr.get("values") or []
        if op == "In":
            if key not in have or have[key] not in values:
                return False
        elif op == "NotIn":
            if key in have and have[key] in values:
                return False
        elif op == "Exists":
            if key not in have:
                return False
        elif op == "DoesNotExist":
            if key in have:
                return False
        else:
            return False
    return True


def selects_all(selector: Any) -> bool:
    """An empty LabelSelector: kube's controllers refuse to act on one ("SelectingAll")."""
    return (
        isinstance(selector, dict)
        and not selector.get("matchLabels")
        and not (selector.get("matchExpressions"))
    )
