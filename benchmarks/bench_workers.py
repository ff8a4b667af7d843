"""Throughput of the job queue: 1, 2 and 4 `digest worker` processes against the single process.

One day of the extractive pipeline on PostgreSQL: N pages (default 100) ingested, every article
summarised, each subscriber briefed and the briefing sent to a webhook. In the same run, on the same
database server, each mode in a fresh schema of its own, in rounds (default 3; the median is shown):
- 1 process: `digest run --once` (executor inline) does everything;
- W workers (1, 2, 4): W `digest worker` processes (every queue, concurrency 1) are started and
  waited for, then one clock (`digest run`, executor queue) enqueues the polls; the workers poll,
  summarise (summarise_jobs = 4, the default), compose and send.
Every process is started warm, as a long-running one is: digest imported, jieba's dictionary loaded
(about 2 s in a new process, said in the output) and the sample page segmented and summarised once,
before the timer starts.

The pages: the development pages and the sample (tests/data/pages, digest/sample) in turn, spread
over S folder sources, one paper each (default 4, so that 4 polls can run at once). Each page is
reworded (the last character of every clause replaced, differently on every page; lines, punctuation
and segmentation unchanged, which is checked): repeated sentences would flatter the engine, which
caches the words of every clause it has cut, and flatter one process more than several. Each
subscriber (default 3) follows some of the papers, with time = "00:00" and late = "supplement", so
that the workers compose and send as soon as a summarise job has done something (jobs/queue.py).
Their webhook channels post to a server on 127.0.0.1 in this process that checks the Standard
Webhooks signature, answers 200 and records every webhook-id.

Timed (wall): from the start of `digest run --once`, or of the clock, until every page is stored,
every article has its summary and was briefed, every planned part is sent (deliveries.status =
'sent') and no digest job waits or runs (checked every 0.1 s). The tables exist before the timer
starts. A trigger in the mode's schema logs each queue job's deferral, start and end: the jobs run
and the seconds inside them per task. The queue's overhead per job is measured twice: (T(1 worker) -
T(1 process)) / jobs, and with 200 jobs of trivially small work (a send for a channel nobody has:
one query) through the workers, against the same job body called in this process. The per-job costs
of the 1-worker run give a capacity estimate for 100, 1,000 and 2,800 papers.

At 100 pages the whole day is 2 to 3 s of work, and other work on the machine moves a round by a
fifth or more (the load average is printed); `--pages 400 --subscribers 4` gives steadier figures
(a briefing lists at most 500 articles, so more pages need more subscribers).

Needs PostgreSQL: DIGEST_TEST_POSTGRES_URL (eval "$(.ci/postgres.sh)") or --postgres URL, with a role
that may create schemas (one per mode and round, dropped afterwards).

Run: python benchmarks/bench_workers.py [--pages 100] [--sources 4] [--subscribers 3] [--workers 1,2,4]
                                        [--rounds 3]
"""

from __future__ import annotations

import argparse
import base64
import hmac
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.config import load  # noqa: E402
from digest.ingest.cues import COMMON  # noqa: E402
from digest.ingest.extract import extract  # noqa: E402
from digest.ingest.long_text import segment_long  # noqa: E402
from digest.jobs import queue, work  # noqa: E402
from digest.models import RawInput  # noqa: E402
from digest.notify.webhook import webhook_key, webhook_signature  # noqa: E402
from digest.runtime import runtime  # noqa: E402
from digest.shipped import SAMPLE_PAGE  # noqa: E402
from digest.store import open_store  # noqa: E402
from digest.summarise.extractive import ExtractiveSummariser  # noqa: E402
from tests.postgres_schema import fresh_schema  # noqa: E402

PAGES = [*sorted((ROOT / "tests" / "data" / "pages").glob("*.txt")), SAMPLE_PAGE]
RUN_TIMEOUT = 240.0  # seconds one mode may take before the benchmark gives up
MAX_ARTICLES = 500  # the most a briefing may list ([[subscribers]] max_articles)
SUMMARISE_JOBS = 4  # [workers] summarise_jobs, the default
# The capacity estimate's assumptions: a paper prints this many pages a day with this many articles
# each, and is one source polled this often (interval_minutes = 60, the default), one poll a day
# bringing its issue (and summarise_jobs summarise jobs); the rest find nothing.
PAGES_PER_PAPER, ARTICLES_PER_PAGE, POLLS_PER_DAY = 16, 5, 24

# Every queue job's life in bench_job_log: deferred, started (todo → doing), ended (a job that
# succeeded is deleted; one that failed changes its status).
JOB_LOG = """
CREATE TABLE bench_job_log (
    id bigint PRIMARY KEY, task text NOT NULL,
    deferred_at timestamptz NOT NULL, started_at timestamptz, ended_at timestamptz, failed boolean
);
CREATE FUNCTION bench_log_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO bench_job_log (id, task, deferred_at) VALUES (NEW.id, NEW.task_name, clock_timestamp());
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE bench_job_log SET ended_at = clock_timestamp(), failed = false
        WHERE id = OLD.id AND ended_at IS NULL;
    ELSIF OLD.status = 'todo' AND NEW.status = 'doing' THEN
        UPDATE bench_job_log SET started_at = clock_timestamp() WHERE id = NEW.id;
    ELSIF NEW.status IN ('succeeded', 'failed', 'aborted') THEN
        UPDATE bench_job_log SET ended_at = clock_timestamp(), failed = NEW.status <> 'succeeded'
        WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bench_log_job AFTER INSERT OR DELETE OR UPDATE OF status ON procrastinate_jobs
    FOR EACH ROW EXECUTE FUNCTION bench_log_job();
"""
PROGRESS = """
SELECT
    (SELECT count(*) FROM issues WHERE replaced_at IS NULL) AS issues,
    (SELECT count(*) FROM articles WHERE NOT superseded) AS articles,
    (SELECT count(DISTINCT s.article_id) FROM summaries s JOIN articles a ON a.id = s.article_id
        WHERE NOT s.stale AND NOT a.superseded) AS summarised,
    (SELECT count(*) FROM briefed) AS briefed,
    (SELECT count(*) FROM briefings) AS briefings,
    (SELECT count(*) FROM deliveries) AS parts,
    (SELECT count(*) FROM deliveries WHERE status = 'sent') AS sent
"""
# The first poll's start (its issues' fetched_at) and the last part's sending, in Unix seconds.
SPAN = """
SELECT extract(epoch FROM (SELECT min(fetched_at) FROM issues)),
       extract(epoch FROM (SELECT max(updated_at) FROM deliveries))
"""
ACTIVE_JOBS = (
    "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
    "AND task_name <> 'digest.recover_stalled'"
)
JOBS_BY_TASK = """
SELECT task, count(*), sum(extract(epoch FROM ended_at - started_at)), count(*) FILTER (WHERE failed)
FROM bench_job_log WHERE task <> 'digest.recover_stalled' AND id <= :last GROUP BY task
"""
MEDIAN_WAIT = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - deferred_at))
FROM bench_job_log WHERE task <> 'digest.recover_stalled'
"""
PROBES_DONE = (
    "SELECT count(*) FROM bench_job_log WHERE id > :last AND task = 'digest.send' AND ended_at IS NOT NULL"
)
PROBES_SPAN = (
    "SELECT extract(epoch FROM max(ended_at) - min(started_at)) FROM bench_job_log "
    "WHERE id > :last AND task = 'digest.send'"
)


# -- the webhook receiver ------------------------------------------------------------------------------


class Receiver:
    """Webhook posts on 127.0.0.1: checks each signature, answers 200, records the webhook-ids per
    mode (the path's first segment)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, list[str]] = defaultdict(list)
        self.bad: dict[str, int] = defaultdict(int)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                _, mode, subscriber = self.path.split("/", 2)
                msg_id = self.headers.get("webhook-id", "")
                stamp = int(self.headers.get("webhook-timestamp", 0))
                expected = webhook_signature(webhook_key(secret_of(subscriber)), msg_id, stamp, body)
                signed = hmac.compare_digest(self.headers.get("webhook-signature", ""), expected)
                with receiver.lock:
                    receiver.ids[mode].append(msg_id)
                    receiver.bad[mode] += not signed
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def posts(self, mode: str) -> tuple[int, int, int]:
        """(requests, distinct webhook-ids, badly signed) of one mode."""
        with self.lock:
            return len(self.ids[mode]), len(set(self.ids[mode])), self.bad[mode]


def secret_of(subscriber: str) -> str:
    return "whsec_" + base64.b64encode(f"bench-workers-secret-{subscriber}".encode()).decode()


# -- the pages -----------------------------------------------------------------------------------------

# Rewording: the last character of each clause (before ，。！？；：) is replaced by one of these, unless
# it is one that leads, bylines, datelines and page lines are made of.
REPLACEMENTS = (
    "松柏桃李杏梅兰竹菊荷莲桂枫柳槐榆桑棉麻稻麦粟瓜茶蜂蝶燕鹊鸽鹤雁鹰狮豹熊鹿羊驴骡猫兔龟虾蟹贝"
    "珠翠碧紫赤橙绿蓝灰银铜锡铅锌钙钾钠镁硅砂泥岩峰岭谷溪涧泉潭池塘渠堤坝桥亭阁廊帘屏镜烛炉壶杯盘碗碟勺筷"
)
KEPT = set("本报讯记者通讯员电摄图文据来源编辑责任校对版日月年期星第稿供社新华闻刊道")
CLAUSE_END = re.compile(r"([\u4e00-\u9fff])(?=[，。！？；：])")


def reworded(text: str, page: int) -> str:
    """``text`` with the last character of each clause replaced, differently on every page."""
    clause = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal clause
        clause += 1
        if match.group(1) in KEPT:
            return match.group(1)
        return REPLACEMENTS[(page * 7 + clause) % len(REPLACEMENTS)]

    return CLAUSE_END.sub(swap, text)


def shape(data: bytes) -> list[tuple[str, int | None]]:
    """Each line's label and article, as segmentation reads the page."""
    return [
        (line.label, line.article) for line in segment_long(extract(RawInput("p.txt", data)), COMMON).lines
    ]


def make_pages(folder: Path, pages: int, sources: int) -> tuple[list[Path], int]:
    """``pages`` pages over ``sources`` folders (page i into folder i % sources), each reworded; how
    many are kept as they were because rewording changed their segmentation (with trailing newlines
    where one repeats in its paper: the same bytes again would be stored once)."""
    folders = [folder / f"paper{s}" for s in range(sources)]
    for path in folders:
        path.mkdir(parents=True)
    shapes = {path: shape(path.read_bytes()) for path in PAGES}
    kept = 0
    for i in range(pages):
        turn = i // sources  # the page's place in its paper
        original = PAGES[turn % len(PAGES)]
        data = reworded(original.read_text(encoding="utf-8"), i).encode()
        if shape(data) != shapes[original]:
            kept += 1
            data = original.read_bytes() + b"\n" * (turn // len(PAGES))
        (folders[i % sources] / f"page-{i:04d}.txt").write_bytes(data)
    return folders, kept


# -- one mode ------------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str  # the mode and the round: the webhook path's first segment
    workers: int  # 0: the single process
    seconds: float  # wall
    start_up: float  # from the timer's start to the first poll's start
    work: float  # from the first poll's start to the last part sent
    cpu: float  # CPU seconds of the mode's digest processes while timed
    pg_cpu: float  # CPU seconds of this machine's PostgreSQL processes while timed
    progress: dict[str, int]
    jobs: dict[str, int] = field(default_factory=dict)  # task → jobs run (the periodic recovery left out)
    busy: dict[str, float] = field(default_factory=dict)  # task → seconds inside its jobs
    wait_median: float = 0.0  # median seconds from a job's deferral to its start
    failed_jobs: int = 0
    tracebacks: int = 0

    @property
    def articles(self) -> int:
        return self.progress["articles"]

    @property
    def name(self) -> str:
        return "1 process" if not self.workers else f"{self.workers} worker" + "s" * (self.workers > 1)


@dataclass
class Probe:
    """Trivial jobs: seconds to defer one, per job through the workers, per call in-process."""

    defer: float
    run: float
    inline: float


@dataclass
class Bench:
    args: argparse.Namespace
    work_dir: Path
    folders: list[Path]
    receiver: Receiver
    probes: dict[int, Probe] = field(default_factory=dict)  # workers → the trivial jobs through them
    load: tuple[float, float, float] = field(default_factory=os.getloadavg)  # at the start

    def config(self, label: str, url: str, executor: str) -> Path:
        """A mode's settings: its schema, the folders as sources, webhook subscribers (subscriber n
        follows the papers k with k % subscribers == n)."""
        parts = [f'[store]\nurl = "{url}"\n', f'[workers]\nexecutor = "{executor}"\n']
        parts += [
            f'[[sources]]\nname = "paper{n}"\nkind = "folder"\npaper = "报纸{n}"\npath = "{folder}"\n'
            "settle_seconds = 0\n"
            for n, folder in enumerate(self.folders)
        ]
        count = self.args.subscribers
        for n in range(count):
            name = f"desk{n}"
            papers = ", ".join(f'"报纸{k}"' for k in range(len(self.folders)) if k % count == n)
            hook = f"{self.receiver.base}/{label}/{name}"
            parts.append(
                f'[[subscribers]]\nname = "{name}"\ntime = "00:00"\nlate = "supplement"\n'
                f"max_articles = {MAX_ARTICLES}\npapers = [{papers}]\n"
                f'channels = [{{ kind = "webhook", url = "{hook}", secret = "{secret_of(name)}" }}]\n'
            )
        path = self.work_dir / f"{label}.toml"
        path.write_text("\n".join(parts), encoding="utf-8")
        return path

    def finished(self, p: dict[str, int]) -> bool:
        """Every page stored, every article summarised and briefed (each to the one subscriber who
        follows its paper), every part sent."""
        return (
            p["issues"] == self.args.pages
            and 0 < p["articles"] == p["summarised"] == p["briefed"]
            and 0 < p["parts"] == p["sent"]
        )

    def run_inline(self, round_: int) -> Result:
        label = f"inline-{round_}"
        with fresh_schema(self.args.postgres, prefix="bench") as url:
            config = self.config(label, url, "inline")
            prepare(url, with_queue=False)
            log_path = self.work_dir / f"{label}.log"
            cpu_before = children_cpu()
            with log_path.open("wb") as log:
                process = start(config, log, "run", "--once", gate=True)
                warm, pg_before = process_cpu(process.pid), postgres_cpu()
                began, began_wall = time.perf_counter(), time.time()
                go(process)
                try:
                    code = process.wait(timeout=RUN_TIMEOUT)
                except subprocess.TimeoutExpired:
                    stop([process])
                    raise SystemExit(
                        f"digest run --once took over {RUN_TIMEOUT:.0f} s{tail(log_path)}"
                    ) from None
                seconds = time.perf_counter() - began
                pg_cpu = postgres_cpu() - pg_before
                assert process.stdout is not None
                log.write(process.stdout.read())
            cpu = children_cpu() - cpu_before - warm
            logs = log_path.read_text(encoding="utf-8", errors="replace")
            if code != 0:
                raise SystemExit(f"digest run --once exited {code}:\n{logs}")
            engine = sa.create_engine(url)
            try:
                progress, (first, last) = progress_of(engine), span_of(engine)
            finally:
                engine.dispose()
        if not self.finished(progress):
            raise SystemExit(
                f"the single process did not do the whole day: {progress} (a briefing lists at most "
                f"{MAX_ARTICLES} articles: with many pages, spread the papers over more --subscribers)"
                f"\n{logs}"
            )
        result = Result(label, 0, seconds, first - began_wall, last - first, cpu, pg_cpu, progress)
        result.tracebacks = logs.count("Traceback")
        return result

    def run_queue(self, workers: int, round_: int) -> Result:
        label = f"queue{workers}-{round_}"
        with fresh_schema(self.args.postgres, prefix="bench") as url:
            config = self.config(label, url, "queue")
            prepare(url, with_queue=True)
            engine = sa.create_engine(url)
            log_path = self.work_dir / f"{label}.log"
            processes: list[subprocess.Popen[bytes]] = []
            try:
                with log_path.open("wb") as log:
                    processes += [start(config, log, "worker") for _ in range(workers)]
                    wait_for(
                        "the workers to start",
                        lambda: scalar(engine, "SELECT count(*) FROM procrastinate_workers") == workers,
                        processes,
                        timeout=60,
                        log=log_path,
                    )
                    clock = start(config, log, "run", gate=True)
                    processes.append(clock)
                    cpu_before, pg_before = sum(process_cpu(p.pid) for p in processes), postgres_cpu()
                    began, began_wall = time.perf_counter(), time.time()
                    go(clock)
                    wait_for(
                        "the whole day",
                        lambda: self.finished(progress_of(engine)) and scalar(engine, ACTIVE_JOBS) == 0,
                        processes,
                        timeout=RUN_TIMEOUT,
                        interval=0.1,
                        log=log_path,
                    )
                    seconds = time.perf_counter() - began
                    cpu = sum(process_cpu(p.pid) for p in processes) - cpu_before
                    pg_cpu = postgres_cpu() - pg_before
                    first, last = span_of(engine)
                    progress = progress_of(engine)
                    result = Result(
                        label, workers, seconds, first - began_wall, last - first, cpu, pg_cpu, progress
                    )
                    job_stats(engine, result)
                    if workers not in self.probes:
                        self.probes[workers] = trivial_jobs(
                            engine, config, self.args.trivial_jobs, inline=workers == 1
                        )
            finally:
                stop(processes)
                engine.dispose()
            result.tracebacks = log_path.read_text(encoding="utf-8", errors="replace").count("Traceback")
        return result


def prepare(url: str, *, with_queue: bool) -> None:
    """The digest tables, and the queue's with the job log, before the timer starts."""
    store = open_store(url)
    try:
        if with_queue:
            queue.ensure_queue_schema(store)
            with store.engine.begin() as conn:
                conn.exec_driver_sql(JOB_LOG)
    finally:
        store.close()


# How the digest processes are started: `digest …` as `python -m digest` runs it, after what a
# long-running process has done by its second job (the modules imported, jieba's dictionary loaded, a
# page segmented and summarised: the sample); with "gate", it then says "ready" and waits for a line
# on stdin before it starts.
WARM_START = """
import sys
import jieba
jieba.setLogLevel(60)
jieba.initialize()
import digest.cli, digest.scheduler, digest.jobs.clock, digest.jobs.queue
import procrastinate, apscheduler.schedulers.background
from digest.ingest.extract import extract
from digest.ingest.long_text import segment_long
from digest.models import RawInput
from digest.shipped import SAMPLE_PAGE
from digest.summarise.extractive import ExtractiveSummariser
page = segment_long(extract(RawInput("warm.txt", SAMPLE_PAGE.read_bytes())))
ExtractiveSummariser().summarise(page.articles)
if sys.argv[1] == "gate":
    print("ready", flush=True)
    sys.stdin.readline()
sys.argv = ["digest", *sys.argv[2:]]
digest.cli.main()
"""
COLD_START = """
import time
began = time.perf_counter()
import digest.cli, digest.scheduler, digest.jobs.queue, digest.summarise.extractive, procrastinate
imported = time.perf_counter()
import jieba
jieba.setLogLevel(60)
jieba.initialize()
print(imported - began, time.perf_counter() - imported)
"""


def start(config: Path, log: IO[bytes], *args: str, gate: bool = False) -> subprocess.Popen[bytes]:
    """A digest process, warm; with ``gate``, one that waits for go() once it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    process = subprocess.Popen(
        [sys.executable, "-c", WARM_START, "gate" if gate else "go", "--config", str(config), *args],
        stdin=subprocess.PIPE if gate else subprocess.DEVNULL,
        stdout=subprocess.PIPE if gate else log,
        stderr=log,
        env=env,
        cwd=ROOT,
    )
    if gate:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"ready":
            raise SystemExit(f"digest {' '.join(args)} did not start")
    return process


def go(process: subprocess.Popen[bytes]) -> None:
    assert process.stdin is not None
    process.stdin.write(b"go\n")
    process.stdin.close()


def cold_start() -> tuple[float, float]:
    """Seconds a new process takes to import digest, and to load jieba's dictionary."""
    out = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, check=True, cwd=ROOT)
    imports, dictionary = out.stdout.split()
    return float(imports), float(dictionary)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended and were waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds a live process has used so far, with its children that ended (Linux /proc; 0
    elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def postgres_cpu() -> float:
    """CPU seconds of this machine's PostgreSQL processes so far (the server's own, and those of the
    connections that ended, which the server counts as its children's); 0 for a server elsewhere."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() == "postgres":
                total += process_cpu(int(stat.parent.name))
        except OSError:
            continue
    return total


def scalar(engine: sa.Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar() or 0)


def progress_of(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        row = conn.execute(sa.text(PROGRESS)).mappings().one()
    return {k: int(v) for k, v in row.items()}


def span_of(engine: sa.Engine) -> tuple[float, float]:
    with engine.connect() as conn:
        first, last = conn.execute(sa.text(SPAN)).one()
    return float(first), float(last)


def wait_for(
    what: str,
    check: Callable[[], bool],
    processes: list[subprocess.Popen[bytes]],
    *,
    timeout: float,
    interval: float = 0.2,
    log: Path | None = None,
) -> None:
    """Until ``check()``; gives up (with the end of the processes' log) after ``timeout`` seconds or
    when one of ``processes`` ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if any(p.poll() is not None for p in processes):
            raise SystemExit(f"a digest process ended while waiting for {what}{tail(log)}")
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}{tail(log)}")


def tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return "; the log ends:\n" + log.read_text(encoding="utf-8", errors="replace")[-4000:]


def job_stats(engine: sa.Engine, result: Result) -> None:
    """Jobs run per task and the seconds inside them, and the median wait, from the job log."""
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM bench_job_log")).scalar()
        rows = conn.execute(sa.text(JOBS_BY_TASK), {"last": last}).all()
        result.wait_median = float(conn.execute(sa.text(MEDIAN_WAIT)).scalar() or 0.0)
    for task, count, busy, failed in rows:
        name = task.removeprefix("digest.")
        result.jobs[name] = int(count)
        result.busy[name] = float(busy or 0.0)
        result.failed_jobs += int(failed)


def trivial_jobs(engine: sa.Engine, config: Path, count: int, *, inline: bool) -> Probe:
    """``count`` sends for a channel nobody has (the job body: one query) deferred from here and run
    by the workers; with ``inline``, the same body called in this process too."""
    settings = load(config, environ={})
    keys = [f"nobody/probe-{i}" for i in range(count)]
    last = scalar(engine, "SELECT coalesce(max(id), 0) FROM bench_job_log")
    app = queue.build_app(settings, for_worker=False)
    app.open()
    try:
        began = time.perf_counter()
        for key in keys:
            queue.defer_send(app, "nobody", key)
        defer = (time.perf_counter() - began) / count
    finally:
        app.close()
    wait_for(
        "the trivial jobs",
        lambda: scalar(engine, PROBES_DONE, last=last) == count,
        [],
        timeout=120,
        interval=0.1,
    )
    with engine.connect() as conn:
        run = float(conn.execute(sa.text(PROBES_SPAN), {"last": last}).scalar() or 0.0) / count
    called = 0.0
    if inline:
        with runtime(settings, summariser=ExtractiveSummariser(), exclusive=False) as rt:
            work.send(rt, "nobody", keys[0])  # warm-up
            began = time.perf_counter()
            for key in keys:
                work.send(rt, "nobody", key)
            called = (time.perf_counter() - began) / count
            rt.store.close()
    return Probe(defer, run, called)


# -- the report ----------------------------------------------------------------------------------------


def median_run(runs: list[Result]) -> Result:
    """The round with the median wall time (of an even number, the faster of the middle two)."""
    return sorted(runs, key=lambda r: r.seconds)[(len(runs) - 1) // 2]


def report(bench: Bench, rounds: dict[int, list[Result]], kept: int) -> None:
    args = bench.args
    rows = {workers: median_run(runs) for workers, runs in rounds.items()}
    inline, one = rows[0], rows.get(1)
    imports, dictionary = cold_start()
    print()
    print(
        f"{args.pages} pages ({args.pages - kept} reworded) over {args.sources} folder sources, "
        f"{inline.articles} articles, {args.subscribers} webhook subscribers; extractive engine; "
        f"PostgreSQL {'on this machine' if inline.pg_cpu else 'elsewhere'}; "
        f"{args.rounds} round{'s' * (args.rounds > 1)}, the median shown"
    )
    print(
        f"this machine has {os.cpu_count()} cores (os.cpu_count()): more workers than cores cannot scale, "
        "and the clock, PostgreSQL and this script use them too"
    )
    print(
        f"load average (1 min) {bench.load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end: "
        "other work on the machine slows every mode"
    )
    print()
    header = (
        f"{'mode':<10} {'wall s':>6} {'(range)':>11} {'articles/s':>10} {'vs 1 process':>12} {'speed-up':>8} "
        f"{'eff.':>5} {'start s':>7} {'work s':>6} {'CPU s':>5} {'PG CPU s':>8} {'jobs':>4} {'briefings':>9}"
    )
    print(header)
    print("-" * len(header))
    for workers, r in rows.items():
        walls = [run.seconds for run in rounds[workers]]
        speed_up = one.seconds / r.seconds if one and workers else None
        scaling = f"{speed_up:7.2f}x {speed_up / workers:5.2f}" if speed_up else f"{'':>8} {'':>5}"
        print(
            f"{r.name:<10} {r.seconds:6.2f} {f'({min(walls):.2f}–{max(walls):.2f})':>11} "
            f"{r.articles / r.seconds:10.1f} {inline.seconds / r.seconds:11.2f}x {scaling} {r.start_up:7.2f} "
            f"{r.work:6.2f} {r.cpu:5.1f} {r.pg_cpu:8.1f} {sum(r.jobs.values()) if workers else '-':>4} "
            f"{r.progress['briefings']:>9}"
        )
    print(
        f"""
wall s: from the start of `digest run --once`, or of the clock (the workers already waiting), until
every article is summarised and briefed and every part sent; articles/s on it. vs 1 process: its wall
time / this one's; speed-up: 1 worker's / this one's; eff.: speed-up / workers. start s: from the
start to the first poll; work s: from the first poll to the last part sent. CPU s: the mode's digest
processes while timed; PG CPU s: PostgreSQL's. jobs: queue jobs run. briefings: each subscriber's
day's briefing and the same-day supplements that summarise jobs finishing later made.
Every process was started warm (not timed): a new one spends {imports:.2f} s importing digest and
{dictionary:.2f} s loading jieba's dictionary (before its first summary), once in its life.
"""
    )
    for workers, r in rows.items():
        if workers:
            per_task = ", ".join(
                f"{task} {r.jobs[task]} ({r.busy[task]:.2f} s)"
                for task in ("poll", "summarise", "compose", "send")
                if task in r.jobs
            )
            print(
                f"{r.name}: jobs (seconds inside them) {per_task}; median wait {r.wait_median * 1000:.0f} ms"
            )
    problems = []
    for r in (run for runs in rounds.values() for run in runs):
        requests, distinct, bad = bench.receiver.posts(r.label)
        if requests != r.progress["sent"] or distinct != requests or bad or r.tracebacks or r.failed_jobs:
            problems.append(
                f"WARNING {r.label}: {requests} posts, {distinct} distinct webhook-ids, {bad} badly signed, "
                f"{r.progress['sent']} parts sent, {r.tracebacks} tracebacks, {r.failed_jobs} failed jobs"
            )
    print(
        "\n".join(problems)
        or "every round: each part posted once, correctly signed; no failed job, no traceback"
    )
    if one is not None:
        overhead(bench, inline, one)
        capacity(one, bench.probes[1], args)


def overhead(bench: Bench, inline: Result, one: Result) -> None:
    jobs = sum(one.jobs.values())
    print()
    print("the queue's overhead per job:")
    print(
        f"  (T(1 worker) - T(1 process)) / jobs = ({one.seconds:.2f} - {inline.seconds:.2f}) s / {jobs} jobs "
        f"= {(one.seconds - inline.seconds) / jobs * 1000:.0f} ms; on CPU ({one.cpu:.1f} + {one.pg_cpu:.1f} "
        f"- {inline.cpu:.1f} - {inline.pg_cpu:.1f}) s / {jobs} = "
        f"{(one.cpu + one.pg_cpu - inline.cpu - inline.pg_cpu) / jobs * 1000:.0f} ms"
    )
    probe = bench.probes[1]
    print(
        f"  {bench.args.trivial_jobs} trivial jobs (the body: one query): {probe.defer * 1000:.1f} ms "
        f"to defer each, then {probe.run * 1000:.1f} ms each through 1 worker (first start to last "
        f"end); the same body in-process {probe.inline * 1000:.1f} ms: "
        f"{(probe.defer + probe.run - probe.inline) * 1000:.1f} ms of queue per job"
    )
    for workers, through in bench.probes.items():
        if workers > 1:
            print(
                f"  through {workers} workers: {through.run * 1000:.1f} ms each "
                f"({1 / through.run:.0f} jobs/s)"
            )


def capacity(one: Result, probe: Probe, args: argparse.Namespace) -> None:
    """Worker time per day for 100, 1,000 and 2,800 papers at the per-job costs of the 1-worker run."""
    per_page = one.busy.get("poll", 0.0) / args.pages
    per_article = one.busy.get("summarise", 0.0) / one.articles
    per_job = probe.defer + probe.run  # a job's cost beyond its work
    pg_per_page = one.pg_cpu / args.pages
    print()
    print(
        f"costs with 1 worker: {per_page * 1000:.1f} ms per page (poll jobs: read, segment, store), "
        f"{per_article * 1000:.1f} ms per article (summarise jobs), {per_job * 1000:.1f} ms per job "
        f"beyond its work (a trivial job, deferred and run); PostgreSQL's CPU {pg_per_page * 1000:.1f} ms "
        "per page (the whole day's, briefings and sends too)"
    )
    print(
        f"capacity: {PAGES_PER_PAPER} pages of {ARTICLES_PER_PAGE} articles per paper a day; a paper is a "
        f"source polled {POLLS_PER_DAY} times a day, one poll bringing the issue and {SUMMARISE_JOBS} "
        "summarise jobs, the others empty (at a trivial job's cost); briefings and sends not counted"
    )
    print(
        f"{'papers':>7} {'pages/day':>10} {'articles/day':>13} {'jobs/day':>9} {'worker-hours':>12} "
        f"{'workers for 1 h':>15} {'PostgreSQL CPU-hours':>20}"
    )
    for papers in (100, 1000, 2800):
        pages = papers * PAGES_PER_PAPER
        articles = pages * ARTICLES_PER_PAGE
        jobs = papers * (POLLS_PER_DAY + SUMMARISE_JOBS)
        hours = (pages * per_page + articles * per_article + jobs * per_job) / 3600
        print(
            f"{papers:>7,} {pages:>10,} {articles:>13,} {jobs:>9,} {hours:>12.2f} {math.ceil(hours):>15} "
            f"{pages * pg_per_page / 3600:>20.2f}"
        )
    print("(worker-hours: one worker, on one core of this machine, busy that long a day; workers for 1 h:")
    print("to do a whole day's issues within the hour they come in, one core each)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=100, help="pages in the folders (default 100)")
    parser.add_argument("--sources", type=int, default=4, help="folder sources, one paper each (default 4)")
    parser.add_argument("--subscribers", type=int, default=3, help="webhook subscribers (default 3)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated (default 1,2,4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every mode; the median is shown")
    parser.add_argument("--trivial-jobs", type=int, default=200, help="trivial jobs per mode (default 200)")
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit('needs PostgreSQL: eval "$(.ci/postgres.sh)", or --postgres URL')
    if not 1 <= args.subscribers <= args.sources:
        raise SystemExit("--subscribers: from 1 to --sources (each subscriber follows papers of their own)")
    args.counts = sorted({int(n) for n in args.workers.split(",") if n.strip()})

    receiver = Receiver()
    rounds: dict[int, list[Result]] = {0: [], **{workers: [] for workers in args.counts}}
    try:
        with tempfile.TemporaryDirectory() as folder:
            folders, kept = make_pages(Path(folder) / "in", args.pages, args.sources)
            bench = Bench(args, Path(folder), folders, receiver)
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}: 1 process", end="", flush=True)
                rounds[0].append(bench.run_inline(round_))
                for workers in args.counts:
                    print(f", {workers} worker(s)", end="", flush=True)
                    rounds[workers].append(bench.run_queue(workers, round_))
                print(flush=True)
    finally:
        receiver.server.shutdown()
    report(bench, rounds, kept)


if __name__ == "__main__":
    main()
