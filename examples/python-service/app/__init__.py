"""A tiny inference service: an iris classifier behind a JSON API."""
