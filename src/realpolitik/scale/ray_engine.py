"""``--engine ray``: the same pipeline as the local engine, with the analysis spread over Ray Data.

What runs where, and why:

1. **Read** (driver). ``read_sources`` reads files, folders, stdin and feeds in input order and the
   local engine's duplicate/id rule (:class:`~realpolitik.scale.admission.Admission`) is applied
   right there. Reading is I/O, cheap next to the NLP; doing it on the driver keeps input order,
   stdin and local paths working, and the workers of a remote cluster need no access to the inputs.
   The admitted articles are written as **input shards**: Parquet files of article rows
   (:mod:`realpolitik.scale.rows`), each row numbered by its place in the input (``seq``).
2. **Analyse** (Ray). ``map_batches`` over the shards with a callable class in an actor pool:
   each actor loads spaCy, the actor resolver and the event coder once and then codes batch after
   batch. The shards reach the workers through Ray's object store and the results (article,
   mentions, events, or the error) stream back to the driver, which writes them as **Parquet out**.
   Nothing needs storage shared between nodes, so a remote cluster (``RAY_ADDRESS``) works as is.
3. **Load** (driver). The result files are merged back into input order (``seq``) and each article
   is saved with ``Store.save_article`` (ingest) or yielded (extract), exactly as the local engine
   does, so the stored rows and the event ids are the same.

The Parquet files live in a temporary folder, removed after the run, or in ``work_dir`` (kept:
``input/shard-*.parquet`` and ``output/part-*.parquet``, readable with any Parquet tool).

Ray is an optional extra (``pip install 'realpolitik[ray]'``); without it these functions raise
:class:`RayEngineError` saying so. On a cluster, realpolitik (with its model package) must be
installed on every node.
"""

from __future__ import annotations

import heapq
import logging
import math
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from realpolitik.errors import RealpolitikError
from realpolitik.models import InputProblem
from realpolitik.pipeline import AnalysedArticle, RunReport
from realpolitik.scale.admission import Admission
from realpolitik.scale.rows import (
    ARTICLE_SCHEMA,
    RESULT_SCHEMA,
    article_row,
    result_row,
    row_analysed,
    row_article,
    to_table,
)

if TYPE_CHECKING:
    from realpolitik.ingest import IngestLimits
    from realpolitik.store import Store

log = logging.getLogger(__name__)


#: A local instance is kept small: it shares the machine with the driver and the store.
LOCAL_NUM_CPUS = 2
LOCAL_OBJECT_STORE_BYTES = 160 * 1024 * 1024  # Ray's minimum is 75 MiB; it spills to disk past this
ROWS_PER_SHARD = 200  # default shard size: big enough to amortise a task, small enough to balance
BATCH_ROWS = 16  # articles per map_batches call: results stream out in small steps
_STAGING_ROWS = 256  # row group size while reading (bounded driver memory)
INSTALL_HINT = "install the optional extra: pip install 'realpolitik[ray]' (ray[data]==2.60.0)"


class RayEngineError(RealpolitikError):
    """Ray is missing, cannot start or join a cluster, or a Ray run failed."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is part of the extra
    except ImportError as exc:
        raise RayEngineError(f"the Ray engine is not available ({exc}); {INSTALL_HINT}") from None
    return ray


def ray_available() -> bool:
    """True when ``import ray.data`` works (the optional extra is installed)."""
    try:
        _import_ray()
    except RayEngineError:
        return False
    return True


@contextmanager
def ray_session(
    address: str | None = None,
    *,
    num_cpus: int = LOCAL_NUM_CPUS,
    object_store_memory: int = LOCAL_OBJECT_STORE_BYTES,
) -> Iterator[None]:
    """Make sure Ray is initialised for the duration.

    ``address`` (default ``$RAY_ADDRESS``) joins that cluster; without one a light local instance
    is started (``num_cpus`` CPUs, no dashboard, a small object store, worker logs not forwarded).
    A Ray that this process initialised before is used as it is and left running.
    """
    ray = _import_ray()
    if ray.is_initialized():
        yield
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    restore: Callable[[], None] = lambda: None  # noqa: E731 - undone only for a local instance
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            # address="local": a new instance even if a `ray start` cluster runs on this machine.
            restore = _loopback_only()
            ray.init(
                address="local",
                num_cpus=num_cpus,
                include_dashboard=False,
                object_store_memory=object_store_memory,
                **quiet,
            )
    except Exception as exc:  # noqa: BLE001 - Ray raises many types (ConnectionError, RuntimeError...)
        restore()
        where = f"join the Ray cluster at {address}" if address else "start a local Ray instance"
        raise RayEngineError(f"cannot {where}: {type(exc).__name__}: {exc}") from None
    _quiet_ray_data(ray)
    try:
        yield
    finally:
        ray.shutdown()
        restore()


def _loopback_only() -> Callable[[], None]:
    """Make the local instance use and listen on 127.0.0.1 only; returns the undo.

    Ray gives a node the machine's network address and its servers listen on every interface,
    ready for other nodes to join. A private instance needs none of that. Ray's switch for
    single-machine instances (meant for macOS and Windows) is read from the environment by the
    processes it starts and, in this process, from a constant set at import.
    """
    from ray._private import ray_constants

    env = ray_constants.ENABLE_RAY_CLUSTERS_ENV_VAR
    old_env, old_flag = os.environ.get(env), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[env] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False

    def restore() -> None:
        ray_constants.ENABLE_RAY_CLUSTER = old_flag
        if old_env is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = old_env

    return restore


def _quiet_ray_data(ray: Any) -> None:
    """No progress bars or per-run banners on our stderr: the CLI prints its own summary."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.enable_auto_log_stats = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


# -- the worker ------------------------------------------------------------------------------------


class Analyser:
    """The map_batches callable: one per actor, so the models are loaded once per actor."""

    def __init__(self, select_sentences: bool = True) -> None:
        from realpolitik.pipeline import Pipeline

        self.pipeline = Pipeline(select_sentences=select_sentences)
        # Names this instance in the results: tests check that one actor serves many batches.
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def __call__(self, batch: pa.Table) -> pa.Table:
        out: list[dict[str, Any]] = []
        for row in batch.to_pylist():
            article = row_article(row)
            error = None
            try:
                analysed = self.pipeline.analyse(article)
            # As the local engine: a failure on one article is reported and the run goes on.
            except RealpolitikError as exc:
                analysed, error = None, str(exc)
            except Exception as exc:  # noqa: BLE001 - a bug on one odd article must not lose the run
                analysed, error = None, f"internal error while coding: {type(exc).__name__}: {exc}"
            out.append(result_row(row["seq"], article, analysed, error=error, analyser=self.name))
        return to_table(out, RESULT_SCHEMA)


# -- public API --------------------------------------------------------------------------------------


@dataclass
class RayOptions:
    """How a Ray run is cut up. ``None`` means: choose from the input and the cluster."""

    num_shards: int | None = None  # default: one per ROWS_PER_SHARD articles, at least one per worker
    num_workers: int | None = None  # actors; default: the CPUs of the Ray cluster, at most one per shard
    work_dir: str | os.PathLike[str] | None = None  # keep the Parquet here (default: a temp dir)
    select_sentences: bool = True  # as Pipeline(select_sentences=...): False parses every sentence

    def check(self) -> None:
        for name in ("num_shards", "num_workers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise RayEngineError(f"{name} must be at least 1, not {value}")


def ray_extract(
    sources: Sequence[str],
    *,
    limits: IngestLimits | None = None,
    report: RunReport | None = None,
    num_shards: int | None = None,
    num_workers: int | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    select_sentences: bool = True,
    on_progress: Callable[[str], None] | None = None,
    stdin: Any = None,
) -> Iterator[AnalysedArticle]:
    """Like :meth:`Pipeline.extract`, analysed on Ray: yields the analysed articles in input order.

    ``num_shards`` input shards (default about one per 200 articles, at least one per worker),
    ``num_workers`` actors (default: the CPUs of the Ray cluster, at most one per shard).
    ``work_dir`` keeps the input and output Parquet there (default: a temporary folder, removed).
    Problems are counted in ``report`` as by the local engine. Raises RayEngineError when Ray is
    missing, cannot start, or the run fails.
    """
    options = RayOptions(num_shards, num_workers, work_dir, select_sentences)
    report = report if report is not None else RunReport()
    yield from _run(sources, None, limits, report, options, on_progress, stdin)


def ray_ingest(
    sources: Sequence[str],
    store: Store,
    *,
    limits: IngestLimits | None = None,
    report: RunReport | None = None,
    num_shards: int | None = None,
    num_workers: int | None = None,
    work_dir: str | os.PathLike[str] | None = None,
    select_sentences: bool = True,
    on_progress: Callable[[str], None] | None = None,
    stdin: Any = None,
) -> RunReport:
    """Like :meth:`Pipeline.ingest`, analysed on Ray; saves each article in input order.

    The parameters are those of :func:`ray_extract`.
    """
    options = RayOptions(num_shards, num_workers, work_dir, select_sentences)
    report = report if report is not None else RunReport()
    for _ in _run(sources, store, limits, report, options, on_progress, stdin):
        pass
    return report


# -- the run -----------------------------------------------------------------------------------------


def _run(
    sources: Sequence[str],
    store: Store | None,
    limits: IngestLimits | None,
    report: RunReport,
    options: RayOptions,
    on_progress: Callable[[str], None] | None,
    stdin: Any,
) -> Iterator[AnalysedArticle]:
    options.check()
    _import_ray()  # fail before reading anything when the extra is missing
    own_dir = options.work_dir is None
    root = Path(tempfile.mkdtemp(prefix="realpolitik-ray-")) if own_dir else Path(os.fspath(options.work_dir))
    try:
        for leftover in ("input", "output"):  # of an earlier run in the same work_dir
            shutil.rmtree(root / leftover, ignore_errors=True)
        staging = root / "read.parquet"
        admission = Admission(store)
        count = _read_inputs(sources, limits, stdin, admission, report, on_progress, staging)
        if count == 0:
            return
        with ray_session():
            ray = _import_ray()
            workers = options.num_workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            shards = options.num_shards or max(math.ceil(count / ROWS_PER_SHARD), min(count, workers))
            shards = min(shards, count)
            workers = min(workers, shards)
            input_dir, output_dir = root / "input", root / "output"
            _split(staging, input_dir, count, shards)
            staging.unlink()
            _analyse(ray, input_dir, output_dir, workers, options.select_sentences)
        yield from _load(output_dir, count, store, report)
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)


def _read_inputs(
    sources: Sequence[str],
    limits: IngestLimits | None,
    stdin: Any,
    admission: Admission,
    report: RunReport,
    on_progress: Callable[[str], None] | None,
    staging: Path,
) -> int:
    """Read every source in order into one Parquet file of article rows; returns how many."""
    from realpolitik.ingest import read_sources

    staging.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    buffer: list[dict[str, Any]] = []
    with pq.ParquetWriter(staging, ARTICLE_SCHEMA) as writer:
        for item in read_sources(sources, limits, stdin=stdin):
            if isinstance(item, InputProblem):
                report.add_problem(item)
                if on_progress:
                    on_progress(str(item))
                continue
            if on_progress:
                on_progress(item.origin or item.id)
            if not admission.admit(item, report):
                continue
            buffer.append(article_row(item, count))
            count += 1
            if len(buffer) >= _STAGING_ROWS:
                writer.write_table(to_table(buffer, ARTICLE_SCHEMA))
                buffer.clear()
        if buffer:
            writer.write_table(to_table(buffer, ARTICLE_SCHEMA))
    return count


def _split(staging: Path, input_dir: Path, count: int, shards: int) -> None:
    """Cut the read articles into ``shards`` Parquet files of (nearly) equal size, in order."""
    input_dir.mkdir(parents=True, exist_ok=True)
    per_shard = math.ceil(count / shards)
    index, written = 0, 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in pq.ParquetFile(staging).iter_batches(batch_size=_STAGING_ROWS):
            table = pa.Table.from_batches([batch], schema=ARTICLE_SCHEMA)
            while table.num_rows:
                if writer is None:
                    writer = pq.ParquetWriter(input_dir / f"shard-{index:05d}.parquet", ARTICLE_SCHEMA)
                take = min(per_shard - written, table.num_rows)
                writer.write_table(table.slice(0, take))
                table = table.slice(take)
                written += take
                if written == per_shard:
                    writer.close()
                    writer, index, written = None, index + 1, 0
    finally:
        if writer is not None:
            writer.close()


def _analyse(ray: Any, input_dir: Path, output_dir: Path, workers: int, select_sentences: bool) -> None:
    """The Ray Data part: shards -> actor pool of Analysers -> Parquet files in ``output_dir``.

    The shards go in through the object store (``from_arrow_refs``) and the results come back to
    the driver (``iter_batches``), which writes them. Ray Data's own file tasks were tried and
    dropped: a fixed actor pool holding every CPU starves the ``read_parquet`` tasks it waits for
    (a hang on a 2-CPU instance), and the paths would have to be on storage all nodes can reach.
    """
    shard_files = sorted(input_dir.glob("*.parquet"))
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        ds = ray.data.from_arrow_refs([ray.put(pq.read_table(p)) for p in shard_files])
        ds = ds.map_batches(
            Analyser,
            fn_constructor_kwargs={"select_sentences": select_sentences},
            batch_format="pyarrow",
            batch_size=BATCH_ROWS,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=1,
        )
        for i, batch in enumerate(ds.iter_batches(batch_format="pyarrow", batch_size=None)):
            pq.write_table(batch.cast(RESULT_SCHEMA), output_dir / f"part-{i:05d}.parquet")
    except RealpolitikError:
        raise
    except Exception as exc:  # noqa: BLE001 - a worker crash or a lost node: one clear error, no traceback
        log.debug("Ray run failed", exc_info=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise RayEngineError(f"the Ray run failed: {type(exc).__name__}: {first}") from None


def _load(output_dir: Path, count: int, store: Store | None, report: RunReport) -> Iterator[AnalysedArticle]:
    """Results in input order: saved (ingest) and yielded, with problems counted as locally."""
    expected = 0
    for row in _rows_in_order(sorted(output_dir.glob("*.parquet"))):
        if row["seq"] != expected:
            raise RayEngineError(f"the Ray run lost the result of input article #{expected + 1}")
        expected += 1
        if row["error"] is not None:
            report.add_problem(InputProblem(row["origin"] or row["id"], row["error"]))
            continue
        analysed = row_analysed(row)
        if store is not None:
            try:
                store.save_article(analysed.article, analysed.mentions, analysed.events)
            except RealpolitikError as exc:
                article = analysed.article
                report.add_problem(InputProblem(article.origin or article.id, str(exc)))
                continue
        report.processed += 1
        report.events += len(analysed.events)
        yield analysed
    if expected != count:
        raise RayEngineError(f"the Ray run returned {expected} results for {count} articles")


def _rows_in_order(files: list[Path]) -> Iterator[dict[str, Any]]:
    """Rows of all result files merged by ``seq``; one batch per file in memory at a time.

    A file whose rows are not already in order (Ray may concatenate blocks) is sorted alone.
    """
    streams: list[Iterator[dict[str, Any]]] = []
    for path in files:
        parquet = pq.ParquetFile(path)
        if parquet.metadata.num_rows == 0:
            continue
        seq = parquet.read(columns=["seq"]).column("seq")
        ordered = len(seq) < 2 or pc.all(pc.greater(seq.slice(1), seq.slice(0, len(seq) - 1))).as_py()
        if ordered:
            streams.append(_file_rows(parquet))
        else:
            streams.append(iter(parquet.read().sort_by("seq").to_pylist()))
    return heapq.merge(*streams, key=lambda row: row["seq"])


def _file_rows(parquet: pq.ParquetFile) -> Iterator[dict[str, Any]]:
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS * 4):
        yield from batch.to_pylist()
