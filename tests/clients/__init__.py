"""Real client libraries (official Python client, client-node, Kopf) against a real server."""
