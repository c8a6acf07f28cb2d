"""The WSGI application: routing, request context, validation, rendering, errors."""
