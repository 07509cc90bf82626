"""``s3m emulator`` / ``python -m s3m_grpc.emulator``: run the local S3M gateway until interrupted.

When both servers listen it prints exactly one line to stdout and flushes it:

    s3m emulator ready grpc=127.0.0.1:PORT rest=http://127.0.0.1:PORT

With TLS (``--tls-cert``/``--tls-key``, or ``--tls-ca-out FILE`` to have a CA made and written for
clients), both protocols are served over TLS (ALPN h2 for gRPC), and the line says
``grpcs=...`` and ``rest=https://...`` (plus ``ca=FILE``): TLS-only clients (OLCF's own factory,
Go's s3mutil) can reach the emulator.

``--print-env`` prints shell ``export`` lines instead (the addresses, the token file, the pid), and
``--background`` returns once the emulator is ready and leaves it serving, so that

    eval "$(s3m emulator --background --print-env)"

points every later ``s3m``, Python client and ``curl -H @$S3M_TOKEN_FILE`` at it.

Tokens come from ``S3M_TOKEN`` and/or ``--token-file`` (a bare token or ``Authorization: <token>``);
without either, one random token is made, and ``--write-header-file`` is how to learn it (the
emulator never prints a token).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from s3m_grpc.errors import ConfigurationError

# ssl, signal, logging and auth are imported where used: `s3m --help` and `s3m --version` build
# this module's options, and start-up time is a benchmark row (P4).
if TYPE_CHECKING:
    import ssl

READY = "s3m emulator ready grpc={grpc} rest={rest}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options (shared by ``s3m emulator`` and ``python -m s3m_grpc.emulator``)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--grpc-port", type=int, default=0, help="gRPC port (default 0: a free port)")
    parser.add_argument("--rest-port", type=int, default=0, help="REST port (default 0: a free port)")
    parser.add_argument(
        "--backend",
        choices=["builtin", "slurm"],
        default="builtin",
        help="who runs the jobs: the built-in model (default) or the Slurm cluster on PATH",
    )
    parser.add_argument(
        "--slurm-conf", help="with --backend slurm: SLURM_CONF for the Slurm commands (default: theirs)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the emulator runs submitted scripts)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        action="append",
        default=[],
        help="accepted token: a file with a bare token or 'Authorization: <token>' (repeatable)",
    )
    parser.add_argument(
        "--readonly-token-file",
        type=Path,
        action="append",
        default=[],
        help="a token with compute-ace-readonly scope: cannot submit or cancel (repeatable)",
    )
    parser.add_argument(
        "--write-header-file",
        type=Path,
        metavar="PATH",
        help="write 'Authorization: <token>' to PATH (mode 0600), for curl -H @PATH",
    )
    # --background's child: a private temporary folder made for it (its log, and the header file
    # unless one was named), removed when it stops: the token must not outlive it in /tmp.
    parser.add_argument("--private-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help="cluster model and faults (TOML or JSON)")
    parser.add_argument("--state-dir", type=Path, help="keep job records here (SQLite) across restarts")
    parser.add_argument("--work-dir", type=Path, help="where jobs without a working directory run")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="real seconds per emulated second (0.01: a 1-minute limit lasts 0.6 s)",
    )
    parser.add_argument(
        "--min-job-age",
        type=float,
        default=300.0,
        help="seconds a finished job stays listed (Slurm's MinJobAge, default 300)",
    )
    parser.add_argument(
        "--first-job-id",
        type=int,
        default=1001,
        help="the first job id handed out (Slurm's FirstJobId; 12345 makes OLCF's examples' ids real)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RPC:KIND[:k=v,...]",
        help="inject a fault, e.g. PostJobSubmit:accept_then_drop:p=0.3 (repeatable)",
    )
    parser.add_argument("--seed", type=int, help="seed for fault probabilities")
    parser.add_argument(
        "--downtime",
        action="append",
        default=[],
        metavar="RESOURCE,START,END[,TEXT]",
        help="a downtime for the Status API, e.g. 'defiant,now,+2h,hardware maintenance' "
        "(times: now, +30m, +2h, +1d or ISO 8601; repeatable)",
    )
    parser.add_argument(
        "--token-expires",
        metavar="WHEN",
        help="the expiry token introspection reports: +3d, ISO 8601, ... (default: +30d)",
    )
    parser.add_argument("--tls-cert", type=Path, help="serve TLS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", type=Path, help="the private key of --tls-cert (PEM)")
    parser.add_argument(
        "--tls-ca-out",
        type=Path,
        metavar="FILE",
        help="serve TLS with a certificate from a CA made now, and write the CA (PEM) to FILE for clients",
    )
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="print shell export lines (address, token file, pid) instead of the ready line",
    )
    parser.add_argument(
        "--background",
        action="store_true",
        help='return once it is ready and leave it serving: eval "$(s3m emulator --background --print-env)"',
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr at INFO")


def tls_from(args: argparse.Namespace) -> tuple[ssl.SSLContext | None, ssl.SSLContext | None, Path | None]:
    """The servers' TLS contexts (gRPC's, REST's) the options ask for, and the CA file written for
    clients (if one was made)."""
    import ssl

    if args.tls_ca_out and (args.tls_cert or args.tls_key):
        raise ConfigurationError("give either --tls-cert/--tls-key or --tls-ca-out, not both")
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigurationError("--tls-cert and --tls-key go together")
    if not (args.tls_cert or args.tls_ca_out):
        return None, None, None
    ca = None
    if args.tls_ca_out:
        try:
            import trustme
        except ImportError:
            raise ConfigurationError(
                "--tls-ca-out needs trustme (pip install 's3m-grpc[emulator]')"
            ) from None
        authority = trustme.CA(organization_name="s3m-grpc emulator")
        issued = authority.issue_cert("127.0.0.1", "localhost", "::1")
        from s3m_grpc.emulator.files import write_private

        write_private(args.tls_ca_out, authority.cert_pem.bytes().decode())
        ca = Path(args.tls_ca_out)
    contexts = []
    for alpn in (["h2"], ["http/1.1"]):  # gRPC needs h2; aiohttp (REST) speaks HTTP/1.1 only
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(alpn)
        if ca is not None:
            issued.configure_cert(context)
        else:
            try:
                context.load_cert_chain(args.tls_cert, args.tls_key)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigurationError(f"cannot load --tls-cert/--tls-key: {exc}") from None
        contexts.append(context)
    return contexts[0], contexts[1], ca


def tokens_from(args: argparse.Namespace) -> tuple[list[str] | None, list[str]]:
    """(full-scope tokens or None for "make one", read-only tokens) from S3M_TOKEN and the files."""
    from s3m_grpc.auth import read_header_file

    full = [read_header_file(p).reveal() for p in args.token_file]
    if os.environ.get("S3M_TOKEN", "").strip():
        full.append(os.environ["S3M_TOKEN"].strip())
    readonly = [read_header_file(p).reveal() for p in args.readonly_token_file]
    return (full or None), readonly


async def serve(args: argparse.Namespace) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    from s3m_grpc.emulator.app import Emulator
    from s3m_grpc.emulator.facility import when

    tokens, readonly = tokens_from(args)
    ssl_context, rest_ssl, ca = tls_from(args)
    emulator = Emulator(
        ssl=ssl_context,
        rest_ssl=rest_ssl,
        host=args.host,
        grpc_port=args.grpc_port,
        rest_port=args.rest_port,
        tokens=tokens,
        readonly_tokens=readonly,
        config=args.config,
        state_dir=args.state_dir,
        work_dir=args.work_dir,
        time_scale=args.time_scale,
        min_job_age=args.min_job_age,
        first_job_id=args.first_job_id,
        faults=args.fault,
        seed=args.seed,
        allow_remote=args.allow_remote,
        backend=args.backend,
        slurm_conf=args.slurm_conf,
        downtimes=args.downtime,
        token_expires=when(args.token_expires) if args.token_expires else None,
    )
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    header_file = args.write_header_file
    private = args.private_dir  # removed at the end (made by --background for this emulator)
    # --background's child serves in the foreground and prints its ready line for the parent,
    # however the flags it was handed were spelt (argparse accepts --backg for --background).
    print_env = args.print_env and private is None
    try:
        await emulator.start()
        if header_file is None and print_env:  # the exports need a token file: a private one
            import tempfile

            private = Path(tempfile.mkdtemp(prefix="s3m-emulator-"))
            header_file = private / ".env"
        if header_file:
            emulator.write_header_file(header_file)
        elif tokens is None:
            print(
                "s3m emulator: no token given (S3M_TOKEN, --token-file); a random one was made; "
                "use --write-header-file to obtain it",
                file=sys.stderr,
            )
        ready = READY.format(grpc=emulator.grpc_target, rest=emulator.rest_url)
        if ssl_context is not None:
            ready = ready.replace(" grpc=", " grpcs=") + (f" ca={ca}" if ca else "")
        if print_env:
            fields = dict(part.split("=", 1) for part in ready.split() if "=" in part)
            print(env_lines(fields, header_file, os.getpid()), flush=True)
        else:
            print(ready, flush=True)
        await stop.wait()
    finally:
        try:
            await emulator.stop()
        finally:  # the token file goes even if stopping failed
            if private is not None:
                import shutil

                shutil.rmtree(private, ignore_errors=True)
    return 0


def env_lines(fields: dict[str, str], header_file: Path | None, pid: int) -> str:
    """Shell ``export`` lines that point s3m, the library and curl at this emulator."""
    import shlex

    grpc = fields.get("grpc") or f"https://{fields['grpcs']}"
    values = {"S3M_EMULATOR_HOST": grpc, "S3M_EMULATOR_REST_URL": fields["rest"]}
    if header_file is not None:
        values["S3M_TOKEN_FILE"] = str(Path(header_file).resolve())
    values["S3M_EMULATOR_PID"] = str(pid)
    lines = [f"export {key}={shlex.quote(value)}" for key, value in values.items()]
    if "ca" in fields:
        lines.append(f"# TLS: clients need the CA {shlex.quote(fields['ca'])} (ca_file=, curl --cacert)")
    lines.append("# stop it with: kill $S3M_EMULATOR_PID")
    return "\n".join(lines)


def _background(args: argparse.Namespace) -> int:
    """Start the emulator detached from this terminal; print its exports (or ready line) once ready."""
    import tempfile

    from s3m_grpc.emulator.process import EmulatorProcess

    own = list(getattr(args, "emulator_argv", None) or sys.argv[1:])
    child = [a for a in own if a not in ("--background", "--print-env")]
    folder = Path(tempfile.mkdtemp(prefix="s3m-emulator-"))  # 0700, ours alone
    child += ["--private-dir", str(folder)]
    header_file = args.write_header_file
    if header_file is None:
        header_file = folder / ".env"
        child += ["--write-header-file", str(header_file)]
    log_path = folder / "emulator.log"
    # The caller's S3M_TOKEN is the emulator's token on purpose here (EmulatorProcess drops S3M_*).
    env = {k: v for k, v in os.environ.items() if k in ("S3M_TOKEN",)}
    try:
        with open(log_path, "a", encoding="utf-8") as log:  # the child keeps its own descriptor
            emulator = EmulatorProcess(*child, env=env, detach=True, log=log)
    except RuntimeError as exc:
        print(f"s3m emulator: {exc} (its log: {log_path})", file=sys.stderr)
        return 1
    if emulator.process.stdout is not None:
        emulator.process.stdout.close()  # it prints nothing more; it serves until killed
    if args.print_env:
        print(env_lines(emulator.fields, header_file, emulator.process.pid), flush=True)
        print(f"# its messages: {log_path}", flush=True)
    else:
        print(f"{emulator.ready_line} pid={emulator.process.pid} log={log_path}", flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point once arguments are parsed."""
    if args.background and args.private_dir is None:  # --private-dir: we are that child
        return _background(args)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    try:
        import asyncio  # lazily: `s3m --help` builds this module's parser

        return asyncio.run(serve(args))
    except ConfigurationError as exc:
        print(f"s3m emulator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"s3m emulator: cannot serve: {exc.strerror or exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m s3m_grpc.emulator``."""
    parser = argparse.ArgumentParser(prog="python -m s3m_grpc.emulator", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.emulator_argv = list(sys.argv[1:] if argv is None else argv)
    return run(args)


__all__ = ["READY", "add_arguments", "env_lines", "main", "run", "serve", "tls_from", "tokens_from"]
