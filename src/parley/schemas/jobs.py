"""The job resource: where an asynchronous request stands."""

from typing import Any

from marshmallow import fields

from parley.extensions import ma
from parley.models import Job
from parley.schemas.fields import UnixTimestamp


class JobSchema(ma.Schema):  # type: ignore[name-defined,misc]
    """A job while it is queued or running; once done, the job answers as its operation."""

    id = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": ["queued", "running", "done"]})
    created_at = UnixTimestamp(dump_only=True)
    links = fields.Dict(data_key="_links", dump_only=True, metadata={"example": {"self": "URL"}})


def job_body(job: Job, location: str) -> dict[str, Any]:
    """The job's JSON, linking to where it can be polled."""
    body: dict[str, Any] = JobSchema().dump(job)
    body["_links"] = {"self": location}
    return body
