"""The REST API: shared auth, errors and decorators, and one package per version."""
