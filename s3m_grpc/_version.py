"""The s3m-grpc version (single source for the package metadata and the user-agent)."""

__version__ = "0.1.0"

__all__ = []
