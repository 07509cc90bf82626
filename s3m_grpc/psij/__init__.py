"""PSI/J on S3M: the ``s3m`` executor (``JobExecutor.get_instance("s3m", url=...)``).

PSI/J finds it through ``psij-descriptors/s3m_grpc_descriptors.py``, whose descriptor names this
module's ``S3MJobExecutor``. PSI/J loads that file by path, outside ``sys.modules``; it only
re-exports the class from ``s3m_grpc.psij.executor``, so that the class PSI/J instantiates is the
one ``from s3m_grpc.psij import S3MJobExecutor`` gives.
"""

# PSI/J first, whole: importing it loads its plugins, this file among them (by path, as a copy);
# were the executor module half-imported then, the copy would find it empty.
try:
    import psij  # noqa: F401
except ImportError as exc:  # the core library never imports PSI/J; this package needs it
    raise ImportError(f"s3m_grpc.psij needs PSI/J ({exc}): pip install 's3m-grpc[psij]'") from exc

from s3m_grpc.psij.executor import STATES, S3MExecutorConfig, S3MJobExecutor, to_spec

__all__ = ["STATES", "S3MExecutorConfig", "S3MJobExecutor", "to_spec"]
