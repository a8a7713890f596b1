"""Long work in the background: the register and report exports, the legacy import and the year
close run as jobs on the task queue, with their progress, their result and their file.

``start_job(kind, actor=, parameters=)`` checks who asks and what for, writes the ``Job`` row in
the caller's transaction and enqueues ``run_job`` once that commits (nothing runs for a request
that rolled back). ``run_job`` (a task) marks the job running, runs its kind's work and records
the outcome in short transactions of its own, so the job page sees the progress while it runs:
the register is read by keyset pages of ``BATCH`` rows, each page in its own transaction that
also writes the rows done so far. A failure is recorded with its reason in Vietnamese (a
``DomainError``'s message, or a plain sentence for an unexpected error, whose traceback goes to
the log only) and nothing half-made is offered.

Files go into the exports folder (setting ``EXPORT_DIR``) and are kept ``JOB_FILE_DAYS`` days;
the periodic task ``remove_expired_files`` deletes them afterwards and marks their jobs expired.

Settings are read through ``grants.queue.settings()`` (the worker runs outside any request).
"""

import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from grants import queue
from grants.db import after_commit, atomic, utcnow
from grants.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from grants.domain.jobs import (
    EXPORT_KINDS,
    FINISHED,
    YEAR_KINDS,
    JobKind,
    JobState,
    expiry,
    may_see,
    may_start,
    percent_done,
)
from grants.exports import reports as excel
from grants.extensions import db
from grants.models import Job, ProgramYear, User
from grants.queries import years
from grants.queries.reports import budget_execution, demand, register, targets, year_over_year
from grants.queries.reports import processing as processing_times

log = logging.getLogger(__name__)

BATCH = 2_000
"""Register rows read per transaction (one progress update each)."""

UNEXPECTED = ("Có lỗi ngoài dự kiến khi thực hiện công việc nên không có kết quả. Hãy thử lại; "
              "nếu vẫn lỗi, hãy báo quản trị hệ thống (mã công việc {id}).")

IMPORT_FOLDER = "legacy-imports"
"""Under UPLOAD_DIR: the files checked by the import's dry run, waiting to be imported."""


def _config():
    return queue.settings()


def export_dir() -> Path:
    """The folder of the jobs' files (setting ``EXPORT_DIR``), created when missing."""
    config = _config()
    path = Path(config.get("EXPORT_DIR") or Path(config["UPLOAD_DIR"]).parent / "exports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_days() -> int:
    return int(_config().get("JOB_FILE_DAYS", 7))


def _cache_seconds() -> int:
    return int(_config().get("REPORT_CACHE_SECONDS", 60))


# --- What each kind does -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a finished job says and, for an export, the file it wrote (relative to the exports
    folder) and the name it is downloaded under."""

    message: str
    file_path: str | None = None
    file_name: str | None = None


class Progress:
    """Writes a running job's progress in short transactions of its own (never inside the
    work's transaction: the job page must see it while the work runs)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, done: int, *, total: int | None = None, message: str | None = None):
        values: dict = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message
        with atomic():
            db.session.execute(update(Job).where(Job.id == self.job_id).values(**values))


@dataclass(frozen=True, slots=True)
class Spec:
    """One kind of job: ``title(parameters)`` names it on the pages; ``run(job_id, parameters,
    owner_id, progress)`` does the work and returns its Outcome, raising DomainError for a
    reason to tell the user."""

    kind: JobKind
    title: Callable[[dict], str]
    run: Callable[[int, dict, int, Progress], Outcome]


def _year_title(kind: JobKind) -> Callable[[dict], str]:
    def title(parameters: dict) -> str:
        year = parameters.get("year")
        return f"{kind.label} năm {year}" if year else f"{kind.label} (tất cả các năm)"
    return title


def _new_file(job_id: int) -> tuple[Path, str]:
    relative = f"{job_id}-{secrets.token_hex(8)}.xlsx"
    return export_dir() / relative, relative


def _write_file(job_id: int, data: bytes) -> str:
    path, relative = _new_file(job_id)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return relative


def _report(kind: JobKind, name: str, build: Callable[[ProgramYear | None], bytes]):
    def run(job_id: int, parameters: dict, owner_id: int, progress: Progress) -> Outcome:
        progress(0, total=1, message="Đang tổng hợp số liệu…")
        number = parameters.get("year")
        with atomic():
            year = years.require_year(number, why=years.NO_REPORT) if number else None
            data = build(year)
        relative = _write_file(job_id, data)
        file_name = name.format(year=number)
        return Outcome(f"Đã lập tệp {file_name}.", relative, file_name)
    return Spec(kind, _year_title(kind) if kind in YEAR_KINDS else lambda p: kind.label, run)


def _processing_xlsx(year: ProgramYear) -> bytes:
    report = processing_times.processing_report(year, page=None, cache_seconds=_cache_seconds())
    return excel.processing_xlsx(report, processing_times.overdue_all(year))


def _register_rows(year_number: int | None, total: int, progress: Progress) -> Iterator[dict]:
    """The register, read by keyset pages of BATCH rows, each in its own short transaction
    that also records the rows written so far."""
    after, done = None, 0
    while True:
        with atomic():
            year = years.require_year(year_number) if year_number else None
            page = list(register.register_rows(year, after=after, limit=BATCH))
        progress(done, total=max(total, done))
        if not page:
            return
        yield from page
        done += len(page)
        after = page[-1]["code"]


def _run_register(job_id: int, parameters: dict, owner_id: int, progress: Progress) -> Outcome:
    number = parameters.get("year")
    with atomic():
        year = years.require_year(number, why=years.NO_REPORT) if number else None
        total = register.register_count(year)
    progress(0, total=total, message="Đang ghi các dòng của sổ…")
    path, relative = _new_file(job_id)
    partial = path.with_suffix(".part")
    try:
        excel.write_register(_register_rows(number, total, progress), str(partial), year=number)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    file_name = f"so-ho-so-{number}.xlsx" if number else "so-ho-so-tat-ca-cac-nam.xlsx"
    return Outcome(f"Đã xuất sổ theo dõi hồ sơ ({total:,} hồ sơ).".replace(",", "."),
                   relative, file_name)


def import_path(token: str) -> Path:
    """Where the import's dry run keeps the checked file named by ``token`` (its SHA-256)."""
    path = Path(_config()["UPLOAD_DIR"]) / IMPORT_FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{token}.xlsx"


def _run_import(job_id: int, parameters: dict, owner_id: int, progress: Progress) -> Outcome:
    from grants.services import legacy_import

    path = import_path(parameters["token"])
    if not path.exists():
        raise NotFound("Tệp đã kiểm tra không còn trên máy chủ (có thể đã được nhập). Hãy tải tệp "
                       "lên và kiểm tra lại.")
    content = path.read_bytes()
    progress(0, total=1, message="Đang kiểm tra lại và ghi dữ liệu (một giao dịch: nhập toàn "
                                 "bộ hoặc không nhập gì)…")
    try:
        with atomic():
            report = legacy_import.import_file(content, actor=db.session.get(User, owner_id),
                                               file_name=parameters.get("file_name"))
    except legacy_import.ImportRejected as err:
        lines = "; ".join(f"dòng {p.row}: {p.message}" if p.row is not None else p.message
                          for p in err.report.problems[:5])
        raise InvalidInput(f"{err.message} {lines}".strip()) from err
    path.unlink(missing_ok=True)
    rows = len(report.new_rows)
    progress(rows, total=rows)
    return Outcome(f"Đã nhập {len(report.created_codes)} hồ sơ mới ({rows} dòng); "
                   f"{len(report.existing_rows)} dòng đã có trước đây được bỏ qua.")


def _run_close(job_id: int, parameters: dict, owner_id: int, progress: Progress) -> Outcome:
    from grants.services import ledger

    number = parameters["year"]
    progress(0, total=1, message="Đang đối chiếu sổ cái và chốt số liệu…")
    # One transaction with the budget lock, as from the page before: the job only runs it.
    with atomic():
        ledger.close_year(years.require_year(number), actor=db.session.get(User, owner_id))
    return Outcome(f"Đã khóa sổ năm {number}; số liệu cuối năm đã được chốt.")


SPECS: dict[JobKind, Spec] = {spec.kind: spec for spec in (
    Spec(JobKind.REGISTER, _year_title(JobKind.REGISTER), _run_register),
    _report(JobKind.BUDGET_REPORT, "bao-cao-kinh-phi-{year}.xlsx",
            lambda y: excel.budget_execution_xlsx(budget_execution.budget_execution(y))),
    _report(JobKind.TARGET_REPORT, "tien-do-muc-tieu-{year}.xlsx",
            lambda y: excel.target_xlsx(targets.target_report(
                y, cache_seconds=_cache_seconds()))),
    _report(JobKind.DEMAND_REPORT, "tong-hop-nhu-cau-ho-tro-{year}.xlsx",
            lambda y: excel.demand_xlsx(demand.demand_summary(
                y, cache_seconds=_cache_seconds()))),
    _report(JobKind.PROCESSING_REPORT, "tinh-hinh-giai-quyet-ho-so-{year}.xlsx",
            _processing_xlsx),
    _report(JobKind.YEARS_REPORT, "so-sanh-cac-nam.xlsx",
            lambda y: excel.year_over_year_xlsx(year_over_year.year_over_year(
                cache_seconds=_cache_seconds()))),
    Spec(JobKind.LEGACY_IMPORT, lambda p: JobKind.LEGACY_IMPORT.label
         + (f" từ tệp «{p['file_name']}»" if p.get("file_name") else ""), _run_import),
    Spec(JobKind.YEAR_CLOSE, _year_title(JobKind.YEAR_CLOSE), _run_close),
)}


def title_of(job: Job) -> str:
    """The job's name on the pages ("Sổ theo dõi hồ sơ năm 2026")."""
    return SPECS[job.kind].title(parameters_of(job))


def parameters_of(job: Job) -> dict:
    return json.loads(job.parameters_json or "{}")


def describe(job: Job) -> dict:
    """The job as plain JSON-ready data (the job page's script and the API read it; the edge
    adds the URL of the file)."""
    return {"id": job.id, "kind": job.kind.value, "title": title_of(job),
            "parameters": parameters_of(job),
            "state": job.state.value, "state_label": job.state.label,
            "done": job.done, "total": job.total, "percent": percent_done(job.done, job.total),
            "message": job.message, "finished": job.state in FINISHED,
            "file_name": job.file_name if job.state is JobState.DONE and job.file_path else None,
            "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
            "finished_at": _iso(job.finished_at), "expires_at": _iso(job.expires_at)}


def _iso(at) -> str | None:
    return at.isoformat(timespec="seconds") + "Z" if at is not None else None


# --- Starting and reading jobs -------------------------------------------------------------------


def _clean_parameters(kind: JobKind, parameters: dict) -> dict:
    """The parameters a kind takes, checked; InvalidInput (naming the field) or NotFound."""
    if not isinstance(parameters, dict):
        raise InvalidInput("Tham số phải là một đối tượng JSON.", field="parameters")
    clean: dict = {}
    year = parameters.get("year")
    if kind in YEAR_KINDS or (kind is JobKind.REGISTER and year not in (None, "")):
        if isinstance(year, bool) or not isinstance(year, int | str) \
                or not str(year).strip().isdecimal() or not 1 <= int(year) <= 9999:
            raise InvalidInput("Năm phải là một số, ví dụ 2026.", field="year")
        clean["year"] = int(year)
        years.require_year(clean["year"], why=years.NO_REPORT)
    if kind is JobKind.LEGACY_IMPORT:
        token = str(parameters.get("token") or "")
        if len(token) != 64 or any(c not in "0123456789abcdef" for c in token):
            raise InvalidInput("Thiếu tệp đã kiểm tra.", field="token")
        clean["token"] = token
        clean["file_name"] = str(parameters.get("file_name") or "")[:200] or None
    return clean


def start_job(kind: JobKind | str, *, actor, parameters: dict | None = None) -> Job:
    """Write a queued job of ``kind`` for ``actor`` (flushes) and enqueue its run for after the
    commit. Raises InvalidInput for an unknown kind or a bad parameter (naming the field),
    Forbidden when the actor's roles may not start it, NotFound for a year that does not
    exist."""
    if kind not in JobKind._value2member_map_:
        raise InvalidInput(f"Không có loại công việc “{kind}”.", field="kind")
    kind = JobKind(kind)
    if not may_start(actor, kind):
        raise Forbidden("Bạn không có quyền thực hiện việc này.")
    clean = _clean_parameters(kind, parameters or {})
    job = Job(kind=kind, owner_id=actor.id, state=JobState.QUEUED, done=0,
              parameters_json=json.dumps(clean, ensure_ascii=False, sort_keys=True))
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    after_commit(lambda: run_job(job_id))
    return job


def start_export(kind: JobKind | str, *, actor, parameters: dict | None = None) -> Job:
    """``start_job`` for the kinds that make a file only (the API's ``POST /exports``)."""
    if kind not in {k.value for k in EXPORT_KINDS}:
        raise InvalidInput("Loại tệp xuất không hợp lệ; chọn một trong: "
                           + ", ".join(sorted(k.value for k in EXPORT_KINDS)) + ".",
                           field="kind")
    return start_job(kind, actor=actor, parameters=parameters)


def job_for(job_id: int, *, user) -> Job:
    """The job ``job_id`` if ``user`` may see it; NotFound otherwise (someone else's job is
    answered as if it did not exist)."""
    job = db.session.get(Job, job_id)
    if job is None or not may_see(user, job):
        raise NotFound("Không có công việc này.")
    return job


def jobs_of(user, *, limit: int = 100) -> list[Job]:
    """The user's jobs, newest first."""
    return list(db.session.scalars(select(Job).where(Job.owner_id == user.id)
                                   .order_by(Job.id.desc()).limit(limit)))


def file_of(job: Job) -> Path:
    """The path of a finished job's file; NotFound when it has none, it expired or it is gone."""
    if job.state is not JobState.DONE or not job.file_path:
        raise NotFound("Công việc này không có tệp để tải về (chưa xong, không thành công hoặc "
                       "tệp đã hết hạn lưu).")
    path = export_dir() / job.file_path
    if not path.is_file():
        raise NotFound("Tệp của công việc này không còn trên máy chủ.")
    return path


# --- Running -------------------------------------------------------------------------------------


def _finish(job_id: int, **values) -> None:
    with atomic():
        db.session.execute(update(Job).where(Job.id == job_id).values(
            finished_at=utcnow(), **values))


@queue.task()
def run_job(job_id: int) -> str | None:
    """Run one queued job to its end; returns its final state (None when there is no such job
    or it already ran)."""
    with atomic():
        # Claimed by a conditional UPDATE: of two runs of one job (the sweep re-enqueued it while
        # the queue still held it), exactly one goes on.
        claimed = db.session.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED.value)
            .values(state=JobState.RUNNING, started_at=utcnow())).rowcount
        if claimed != 1:
            return None
        job = db.session.get(Job, job_id, populate_existing=True)
        spec, parameters, owner_id = SPECS[job.kind], parameters_of(job), job.owner_id
    progress = Progress(job_id)
    try:
        outcome = spec.run(job_id, parameters, owner_id, progress)
    except DomainError as err:
        _finish(job_id, state=JobState.FAILED, message=err.message)
        return JobState.FAILED
    except Exception:
        log.exception("job %s (%s) failed", job_id, spec.kind)
        _finish(job_id, state=JobState.FAILED, message=UNEXPECTED.format(id=job_id))
        return JobState.FAILED
    finished = utcnow()
    with atomic():
        job = db.session.get(Job, job_id)
        job.state = JobState.DONE
        job.finished_at = finished
        job.message = outcome.message
        job.file_path = outcome.file_path
        job.file_name = outcome.file_name
        job.done = job.total if job.total is not None else job.done
        if outcome.file_path:
            job.expires_at = expiry(finished, _keep_days())
    return JobState.DONE


STALE_HOURS = 6
"""A job still "running" this long after it started was cut off (a worker killed mid-way):
the hourly task marks it failed, so its page stops waiting."""

INTERRUPTED = ("Công việc bị gián đoạn (máy chủ xử lý đã dừng giữa chừng) nên không có kết "
               "quả. Hãy chạy lại.")


def remove_expired(now=None) -> int:
    """Delete the files of finished jobs past their ``expires_at`` and mark those jobs expired;
    mark failed the jobs running for more than STALE_HOURS (flushes). Returns how many files
    were removed."""
    now = now or utcnow()
    stale = now - timedelta(hours=STALE_HOURS)
    db.session.execute(update(Job).where(Job.state == JobState.RUNNING.value,
                                         Job.started_at < stale)
                       .values(state=JobState.FAILED, message=INTERRUPTED, finished_at=now))
    count = 0
    for job in db.session.scalars(select(Job).where(Job.expires_at <= now,
                                                    Job.state == JobState.DONE.value)):
        if job.file_path:
            (export_dir() / job.file_path).unlink(missing_ok=True)
        job.state = JobState.EXPIRED
        job.file_path = None
        job.message = (job.message or "") + " Tệp đã hết hạn lưu và đã được xóa."
        count += 1
    db.session.flush()
    return count


REQUEUE_AFTER = timedelta(minutes=10)
"""A job still queued this long after it was written lost its hand-off to the queue (the queue's
storage was down at the commit): the sweep enqueues it again."""


def stalled_queued(now=None) -> list[int]:
    """The ids of jobs queued for longer than REQUEUE_AFTER."""
    cutoff = (now or utcnow()) - REQUEUE_AFTER
    return list(db.session.scalars(select(Job.id).where(Job.state == JobState.QUEUED.value,
                                                        Job.created_at < cutoff)
                                   .order_by(Job.id)))


@queue.periodic_task(queue.crontab(minute="*/10"))
def requeue_stalled() -> int:
    """Every ten minutes: enqueue again the jobs whose hand-off was lost (a run that finds its
    job already claimed does nothing)."""
    with atomic():
        ids = stalled_queued()
    for job_id in ids:
        run_job(job_id)
    return len(ids)


@queue.periodic_task(queue.crontab(minute="17"))
def remove_expired_files() -> int:
    """Hourly: remove the files kept past their time."""
    with atomic():
        return remove_expired()


__all__ = ["BATCH", "FINISHED", "SPECS", "Outcome", "Progress", "describe", "file_of",
           "import_path", "job_for", "jobs_of", "remove_expired", "remove_expired_files",
           "requeue_stalled", "run_job", "stalled_queued",
           "start_export", "start_job", "title_of"]
