"""``python -m s3m_grpc.emulator``: run the local S3M gateway."""

import sys

from s3m_grpc.emulator.cli import main

sys.exit(main())

__all__ = []
