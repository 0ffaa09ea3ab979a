"""HTTP handlers, one module per concern: `info` (/version, /, /metrics), `discovery` (/api,
/apis and their group/version documents), `openapi` (/openapi/v2, /openapi/v3), `resources` (every
resource verb, routed to the registry). They run after the middleware pipeline, so they can rely
on the request's RequestInfo and user being set and the request being authorized.
"""
