"""The library: list the speeches, upload and delete them (admin token), follow the rebuild job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi import Path as PathParam

from .. import library, schemas
from ..auth import admin_refusal
from ..jobs import JobQueue, new_job_id
from ..problems import ADMIN_PROBLEMS, PROBLEM, RATE_LIMITED, not_found
from .deps import ServiceDep, SettingsDep

router = APIRouter(prefix="/api", tags=["library"], responses=RATE_LIMITED)
DOCUMENTS = "/documents"
WRITE_PATH = f"{router.prefix}{DOCUMENTS}"  # POST it, DELETE under it: the library's writes
WRITE_METHODS = ("POST", "DELETE")


def get_jobs(request: Request) -> JobQueue:
    return request.app.state.jobs


JobsDep = Annotated[JobQueue, Depends(get_jobs)]


def require_admin(request: Request, settings: SettingsDep) -> None:
    """Writes need `Authorization: Bearer <QA_ADMIN_TOKEN>`; without the setting the library is read-only."""
    refused = admin_refusal(request.headers.get("authorization"), settings.admin_token)
    if refused:
        raise refused


Admin = Depends(require_admin)
MetaField = Annotated[str | None, Form(max_length=library.MAX_META)]


@router.get(DOCUMENTS, response_model=schemas.DocumentsResponse)
def documents(service: ServiceDep, settings: SettingsDep) -> schemas.DocumentsResponse:
    """The speeches the served index holds; `writable` says whether this server takes uploads."""
    listed = library.listing(service.index, settings.corpus_dir)
    return schemas.DocumentsResponse(documents=listed, writable=bool(settings.admin_token))


@router.post(
    DOCUMENTS,
    status_code=202,
    response_model=schemas.JobAccepted,
    dependencies=[Admin],
    responses={**ADMIN_PROBLEMS, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM},
)
def upload(
    settings: SettingsDep,
    jobs: JobsDep,
    file: Annotated[list[UploadFile], File(description="One or more speech files")],
    speaker: MetaField = None,
    role: MetaField = None,
    date: MetaField = None,
    title: MetaField = None,
    event: MetaField = None,
    place: MetaField = None,
    url: MetaField = None,
) -> schemas.JobAccepted:
    """Add speeches (their metadata, if given, becomes each file's sidecar); the index is rebuilt in the
    background: follow `GET /api/jobs/{job}`. A file the server cannot read is refused and nothing is kept."""
    meta = {"speaker": speaker, "role": role, "date": date, "title": title, "event": event, "place": place, "url": url}
    job = new_job_id()
    files = [(f.filename or "", f.file.read()) for f in file]
    try:
        limit = library.file_limit(settings)
        change = library.stage_upload(settings.corpus_dir, files, meta, job, jobs.reserved(), limit)
    except library.UploadProblem as exc:
        raise HTTPException(exc.status, str(exc)) from None
    jobs.submit(job, "upload", change)
    return schemas.JobAccepted(job=job, documents=change.documents)


@router.delete(
    f"{DOCUMENTS}/{{document:path}}",
    status_code=202,
    response_model=schemas.JobAccepted,
    dependencies=[Admin],
    responses={**ADMIN_PROBLEMS, 404: PROBLEM, 422: PROBLEM},
)
def delete(
    document: Annotated[str, PathParam(max_length=schemas.MAX_DOCUMENT)], settings: SettingsDep, jobs: JobsDep
) -> schemas.JobAccepted:
    """Remove a speech from the corpus; the index is rebuilt in the background."""
    job = new_job_id()
    try:
        change = library.stage_removal(settings.corpus_dir, document, job)
    except LookupError:
        raise HTTPException(404, not_found("document", document)) from None
    jobs.submit(job, "delete", change)
    return schemas.JobAccepted(job=job, documents=change.documents)


@router.get("/jobs/{job}", response_model=schemas.JobStatus, responses={404: PROBLEM, 422: PROBLEM})
def job_status(job: Annotated[str, PathParam(max_length=schemas.MAX_ID)], jobs: JobsDep) -> schemas.JobStatus:
    """Where a library job is: queued, running (with progress 0–1), done or failed (with why)."""
    found = jobs.get(job)
    if found is None:
        raise HTTPException(404, not_found("job", job))
    return schemas.JobStatus(**found.view())
