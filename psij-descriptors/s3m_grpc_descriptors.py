"""PSI/J's registration of the ``s3m`` executor (a module of the ``psij-descriptors`` namespace)."""

from pathlib import Path

from packaging.version import Version
from psij.descriptor import Descriptor

# PSI/J loads `cls`'s module by file path from the sys.path entry holding this file. An editable
# install puts a copy of this file into site-packages, where s3m_grpc itself is not: register
# from the root that has the class only, or PSI/J would see "s3m" twice, once broken.
_ROOT = Path(__file__).resolve().parent.parent
__PSI_J_EXECUTORS__ = (
    [
        Descriptor(
            name="s3m",
            nice_name="Slurm through OLCF's S3M",
            version=Version("0.1.0"),
            cls="s3m_grpc.psij.__init__.S3MJobExecutor",
        )
    ]
    if (_ROOT / "s3m_grpc" / "psij" / "__init__.py").is_file()
    else []
)
