"""HTTP API (FastAPI). Thin: read the request, call a service, shape the response."""
