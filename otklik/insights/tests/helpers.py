"""Answers for insights tests, stored directly (bulk) so a few hundred cost milliseconds."""

import datetime

from otklik.surveys.models import Response, Source


def add_answers(*, world_touchpoint, survey, answers, start=datetime.datetime(2015, 2, 1, tzinfo=datetime.UTC)):
    """Store (score, comment) or (score, comment, created_at) answers at a touchpoint; returns them in order."""
    rows = []
    for n, answer in enumerate(answers):
        score, comment, *when = answer
        rows.append(
            Response(
                organization=survey.organization,
                survey=survey,
                touchpoint=world_touchpoint,
                location=world_touchpoint.location,
                kind=survey.kind,
                score=score,
                comment=comment,
                source=Source.DEMO,
                created_at=when[0] if when else start + datetime.timedelta(minutes=n),
            )
        )
    Response.objects.bulk_create(rows)
    return list(Response.objects.filter(id__in=[r.id for r in rows]).order_by("id"))
