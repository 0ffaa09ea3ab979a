"""The only aiohttp code: TLS listener, the request pipeline, handlers, discovery, OpenAPI, health,
metrics and watch streaming. May import everything except cli and testing.
"""
