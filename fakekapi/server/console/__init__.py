"""The training console: `/ui/` in the browser, on the API server's own TLS port.

What a learner needs beside Postman: every request with the authorization decision and its
explanation (the live feed), identities and an RBAC matrix, credentials to copy, workloads at a
glance. It owns:
- `static/`: plain HTML, CSS and JavaScript (no build step, no CDN: it works offline). The
  assets are public, like /healthz; everything they show comes from authenticated calls;
- `feed.py`: the request records the access log is written from, kept in a ring and streamed;
- `routes.py`: `/ui/` and the console's own non-resource API under `/fakekapi/v1/`, authorized
  by RBAC like any non-resource URL (cluster-admin may, `view` may not).

Imports aiohttp (server layer); never click.
"""
