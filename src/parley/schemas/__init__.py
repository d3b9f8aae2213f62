"""Request and response schemas, per API version, with shared field types."""
