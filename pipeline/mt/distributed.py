"""Decoding on a pool of Ray actors (``[mt] executor = "ray"``, the optional ``[ray]`` extra).

The run process stays the coordinator: it segments, matches the glossary, masks, reads
the cache and, alone, writes the cache, the PO files and the state. Only the decoding of
cache misses leaves it: :meth:`RayExecutor.decode` cuts the misses into length-sorted
groups and sends them to :class:`DecodingWorker` actors. Each actor holds an
:class:`~pipeline.mt.engine.Engine` without a cache over the packages directory on its
node (the same path on every node), loads each package once, and returns what
:meth:`Engine.decode <pipeline.mt.engine.Engine.decode>` returns for its group: the
outputs with their notes. The groups are those a local engine decodes one by one
(:func:`pipeline.mt.engine.decoding_groups`), so the files are the same, byte for byte,
as after a local run.

A worker that dies has its groups decoded again by the others (a group is tried on up to
:data:`ATTEMPTS` workers). A cluster that cannot be reached is a setting to fix
(:class:`ClusterError`, exit 3), reported within :data:`CONNECT_TIMEOUT` seconds.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, PipelineError
from pipeline.mt.engine import Decoded, DecodingOptions, Engine, Group, PlaceholderMode
from pipeline.mt.packages import ModelError, PackageInfo, list_packages
from pipeline.mt.protect import Shown

EXECUTORS = ("local", "ray")
LOCAL_CLUSTER = "local"  # ray_address: start a Ray instance on this machine (127.0.0.1)
AUTO_CLUSTER = "auto"  # ray_address: the cluster this machine belongs to (`ray start`)
CLIENT_SCHEME = "ray://"
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's address
START_TIMEOUT = 300.0  # seconds for the workers to start (a runtime_env may install first)
STALL_TIMEOUT = 900.0  # seconds without any group coming back before the run gives up
IN_FLIGHT = 2  # groups queued on each worker, so none waits between two
ATTEMPTS = 3  # workers a group is tried on before the run gives up
_INSTALL_FIX = (
    "install the extra: pip install 'release-pipeline[ray]' (or set mt.executor = \"local\")"
)


class ClusterError(InputError):
    """The Ray cluster cannot be used: not installed, not reachable, or out of workers."""


@dataclass(frozen=True)
class RaySettings:
    """Where the actors run and how many there are."""

    address: str = LOCAL_CLUSTER  # local, auto, ray://host:10001 or host:6379
    workers: int = 0  # 0: as many as the cluster's CPUs allow, mt.threads CPUs each


@dataclass(frozen=True)
class Task:
    """One group of masked cache misses of one route, for a worker."""

    texts: tuple[str, ...]
    shown: tuple[tuple[Shown, ...], ...]
    source: str
    target: str


@dataclass(frozen=True)
class Answer:
    """A worker's answer: what Engine.decode gave for the task, and what it cost there."""

    outputs: tuple[str, ...]
    notes: tuple[tuple[str, ...], ...]
    decode_seconds: float
    decoded: int

    def decoded_group(self) -> Decoded:
        return list(self.outputs), {i: list(n) for i, n in enumerate(self.notes) if n}


@dataclass(frozen=True)
class PackageIdentity:
    """What must agree between the run machine's package and a worker's: the cache keys
    are computed on the run machine."""

    pair: tuple[str, str]
    version: str
    metadata: bytes
    weights_size: int


def package_identity(package: PackageInfo) -> PackageIdentity:
    metadata = package.path / "metadata.json"
    weights = package.path / "model" / "model.bin"
    return PackageIdentity(
        (package.from_code, package.to_code),
        package.version,
        metadata.read_bytes() if metadata.is_file() else b"",
        weights.stat().st_size if weights.is_file() else -1,
    )


class DecodingWorker:
    """The Ray actor: an engine without a cache over the packages directory of its node,
    with the probe verdicts the run machine already has (others it probes itself)."""

    def __init__(
        self,
        packages_dir: str,
        options: DecodingOptions,
        placeholders: PlaceholderMode,
        probe_reports: dict[tuple[str, str], str],
    ) -> None:
        from pipeline.mt.probe import cache_path

        self.probes = tempfile.TemporaryDirectory(prefix="pipeline-probes-")
        self.engine = Engine(
            Path(packages_dir), options, None, Path(self.probes.name), placeholders
        )
        for package in list_packages(Path(packages_dir)):
            report = probe_reports.get((package.from_code, package.to_code))
            if report is not None:
                cache_path(package, options, Path(self.probes.name)).write_text(
                    report, encoding="utf-8"
                )

    def pid(self) -> int:
        return os.getpid()

    def packages(self) -> list[PackageIdentity]:
        return [package_identity(p) for p in list_packages(self.engine.packages_dir)]

    def decode(self, task: Task) -> Answer:
        seconds, decoded = self.engine.decode_seconds, self.engine.decoded
        outputs, notes = self.engine.decode(task.texts, task.shown, task.source, task.target)
        return Answer(
            tuple(outputs),
            tuple(tuple(notes.get(index, ())) for index in range(len(outputs))),
            self.engine.decode_seconds - seconds,
            self.engine.decoded - decoded,
        )


@dataclass
class _Worker:
    name: str
    handle: Any  # the actor
    in_flight: int = 0


@dataclass
class _Dispatch:
    """The groups of one decode call and where each one stands."""

    tasks: list[Task]
    queue: deque[int]
    attempts: Counter[int] = field(default_factory=Counter)
    results: dict[int, Answer] = field(default_factory=dict)
    in_flight: dict[Any, tuple[int, str]] = field(default_factory=dict)  # ref → group, worker


class RayExecutor:
    """Decodes an engine's cache misses on Ray actors (see the module); started on first
    use, so commands that never decode never touch Ray."""

    def __init__(
        self,
        packages_dir: Path,
        options: DecodingOptions,
        placeholders: PlaceholderMode = PlaceholderMode.AUTO,
        settings: RaySettings | None = None,
        probe_dir: Path | None = None,
    ) -> None:
        self.packages_dir = Path(packages_dir)
        self.options = options
        self.placeholders = PlaceholderMode(placeholders)
        self.settings = settings or RaySettings()
        self.probe_dir = probe_dir
        self.batches: Counter[str] = Counter()  # groups decoded, per worker
        self.lost: list[str] = []  # workers that died during the run
        self.decode_seconds = 0.0  # inside the models, summed over the workers
        self.decoded = 0
        self._workers: dict[str, _Worker] = {}
        self._started_ray = False
        self._numbered = 0
        self._ray: Any = None

    # -- starting and stopping --------------------------------------------------------

    def start(self) -> None:
        """Connect to (or start) the cluster and start the workers; raises ClusterError."""
        if self._ray is not None:
            return
        self._ray = _import_ray()
        self._connect()
        resolved = self.options.resolved()  # every worker decodes as the cache keys say
        count, threads = self._worker_count(), max(self.options.inter_threads, 1)
        reports = self._probe_reports(resolved)
        worker_class = self._ray.remote(DecodingWorker).options(
            num_cpus=threads, max_restarts=0, max_task_retries=0
        )
        for _ in range(count):
            self._numbered += 1
            name = f"actor-{self._numbered}"
            handle = worker_class.remote(str(self.packages_dir), resolved, self.placeholders,
                                         reports)  # fmt: skip
            self._workers[name] = _Worker(name, handle)
        self._check_packages()

    def close(self) -> None:
        """Stop the workers, and the Ray instance if this executor started it."""
        if self._ray is None:
            return
        for worker in self._workers.values():
            self._ray.kill(worker.handle)
        self._workers.clear()
        if self._started_ray:
            self._ray.shutdown()
        self._ray = None

    def worker_pids(self) -> dict[str, int]:
        """Each live worker's process id (on its node)."""
        self.start()
        names = list(self._workers)
        pids = self._ray.get([self._workers[n].handle.pid.remote() for n in names])
        return dict(zip(names, pids, strict=True))

    def _connect(self) -> None:
        ray, address = self._ray, self.settings.address
        if ray.is_initialized():
            return
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # translation stays offline
        quiet = {"log_to_driver": False, "logging_level": "WARNING"}
        try:
            if address == LOCAL_CLUSTER:
                cpus = max(self.options.inter_threads, 1) * max(self.settings.workers, 1)
                ray.init(num_cpus=cpus, include_dashboard=False,
                         _node_ip_address="127.0.0.1", **quiet)  # fmt: skip
            else:
                _check_reachable(address)
                ray.init(address=address, **quiet)
        except ClusterError:
            raise
        except Exception as error:  # Ray reports an unusable cluster as many types
            raise _unreachable(address, str(error)) from None
        self._started_ray = True

    def _worker_count(self) -> int:
        threads = max(self.options.inter_threads, 1)
        cpus = int(self._ray.cluster_resources().get("CPU", 0))
        wanted = self.settings.workers or max(cpus // threads, 1)
        if wanted * threads > cpus:
            raise ClusterError(
                f"{wanted} Ray worker(s) of {threads} CPU(s) each (mt.ray_workers, "
                f"mt.threads) do not fit the cluster at {self.settings.address!r}: it has "
                f"{cpus} CPU(s)",
                fix="lower mt.ray_workers or mt.threads, or add nodes to the cluster",
            )
        return wanted

    def _probe_reports(self, options: DecodingOptions) -> dict[tuple[str, str], str]:
        """The probe reports this machine has for the installed packages (never decodes)."""
        if self.probe_dir is None:
            return {}
        from pipeline.mt.probe import cache_path, cached_report

        reports = {}
        for package in list_packages(self.packages_dir):
            if cached_report(package, options, self.probe_dir) is not None:
                path = cache_path(package, options, self.probe_dir)
                reports[(package.from_code, package.to_code)] = path.read_text(encoding="utf-8")
        return reports

    def _check_packages(self) -> None:
        """Every worker must have the run machine's packages (the cache keys are computed
        here); waits for the workers to start."""
        here = {p.pair: p for p in map(package_identity, list_packages(self.packages_dir))}
        names = list(self._workers)
        refs = [self._workers[name].handle.packages.remote() for name in names]
        try:
            answers = self._ray.get(refs, timeout=START_TIMEOUT)
        except self._ray.exceptions.GetTimeoutError:
            raise ClusterError(
                f"the Ray workers did not start within {START_TIMEOUT:.0f} s on the cluster "
                f"at {self.settings.address!r}",
                fix="check the cluster's free CPUs (ray status) and its runtime environment",
            ) from None
        for name, found in zip(names, answers, strict=True):
            theirs = {identity.pair: identity for identity in found}
            for pair, identity in here.items():
                if theirs.get(pair) != identity:
                    raise ModelError(
                        f"Ray worker {name} has no package {pair[0]}→{pair[1]} equal to this "
                        f"machine's in {self.packages_dir}",
                        path=self.packages_dir,
                        fix="install the same packages at the same path on every node",
                    )

    # -- decoding ---------------------------------------------------------------------

    def decode(
        self,
        groups: list[Group],
        source: str,
        target: str,
        progress: Callable[[int], None] | None,
    ) -> list[Decoded]:
        """What Engine.decode gives for each group, decoded by the workers, in order."""
        self.start()
        tasks = [Task(tuple(texts), tuple(shown), source, target) for texts, shown in groups]
        run = _Dispatch(tasks, deque(range(len(tasks))))
        while run.queue or run.in_flight:
            self._submit(run)
            finished = self._next_finished(run)
            if finished is not None and progress:
                progress(len(tasks[finished].texts))
        return [run.results[number].decoded_group() for number in range(len(tasks))]

    def _submit(self, run: _Dispatch) -> None:
        """Queued groups to the workers, up to IN_FLIGHT on each."""
        for worker in self._workers.values():
            while run.queue and worker.in_flight < IN_FLIGHT:
                number = run.queue.popleft()
                ref = worker.handle.decode.remote(run.tasks[number])
                run.in_flight[ref] = (number, worker.name)
                worker.in_flight += 1
        if run.queue and not run.in_flight:
            raise ClusterError(
                f"no Ray worker is left on the cluster at {self.settings.address!r}",
                fix="check the cluster (ray status), then run again: the cache keeps what "
                "was translated",
            )

    def _next_finished(self, run: _Dispatch) -> int | None:
        """Wait for one group; the number of a finished one, None if its worker died (the
        group is queued again for another)."""
        ray = self._ray
        ready, _ = ray.wait(list(run.in_flight), num_returns=1, timeout=STALL_TIMEOUT)
        if not ready:
            raise ClusterError(
                f"no Ray worker returned a batch for {STALL_TIMEOUT:.0f} s",
                fix="check the cluster (ray status); the cache keeps what was translated",
            )
        number, name = run.in_flight.pop(ready[0])
        worker = self._workers.get(name)
        if worker is not None:
            worker.in_flight -= 1
        try:
            answer: Answer = ray.get(ready[0])
        except ray.exceptions.RayActorError:
            self._lose(name)
            run.attempts[number] += 1
            if run.attempts[number] >= ATTEMPTS:
                raise ClusterError(
                    f"a batch failed on {ATTEMPTS} Ray workers, which died while decoding it",
                    fix="check the workers' memory and logs (ray logs)",
                ) from None
            run.queue.appendleft(number)
            return None
        except ray.exceptions.RayTaskError as error:
            cause = getattr(error, "cause", None)
            if isinstance(cause, PipelineError):
                raise cause from None
            raise
        run.results[number] = answer
        self.batches[name] += 1
        self.decode_seconds += answer.decode_seconds
        self.decoded += answer.decoded
        return number

    def _lose(self, name: str) -> None:
        if self._workers.pop(name, None) is not None:
            self.lost.append(name)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError(
            'mt.executor = "ray" needs Ray, which is not installed', fix=_INSTALL_FIX
        ) from None
    return ray


def check_address(value: str) -> str | None:
    """What is wrong with a ``ray_address`` value (None: nothing)."""
    if value in (LOCAL_CLUSTER, AUTO_CLUSTER):
        return None
    _, port = _host_port(value)
    if port is None:
        return f'must be "local", "auto", "ray://host:port" or "host:port"; not {value!r}'
    return None


def _host_port(address: str) -> tuple[str, int | None]:
    rest = address.removeprefix(CLIENT_SCHEME)
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return host, None
    return host.strip("[]"), int(port)


def _check_reachable(address: str) -> None:
    """Fail within CONNECT_TIMEOUT when nothing listens at ``address`` (Ray itself
    would retry for half a minute or more)."""
    if address == AUTO_CLUSTER:
        return  # Ray finds the local node's cluster itself, and says at once if there is none
    host, port = _host_port(address)
    if port is None:
        raise _unreachable(address, "not an address")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        raise _unreachable(address, error.strerror or str(error)) from None


def _unreachable(address: str, reason: str) -> ClusterError:
    return ClusterError(
        f"the Ray cluster at {address!r} (mt.ray_address or --ray-address) cannot be "
        f"reached: {reason}",
        fix='start the cluster (ray start --head) or correct the address ("ray://head:10001" '
        'for a Ray client, "auto" on a node of the cluster), or use --executor local',
    )
