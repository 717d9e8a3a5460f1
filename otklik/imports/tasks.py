from django_tasks import task

from otklik.imports.jobs import job_run


@task()
def run_import_job(job_id: int, dry_run: bool) -> None:
    """Check (dry_run) or import an uploaded file; the job records the outcome."""
    job_run(job_id=job_id, dry_run=dry_run)
