"""Test helpers for the dashboard: answers at a chosen time, with real customer texts."""

import datetime

from otklik.surveys.models import Response
from otklik.testing.factories import make_response

# Real tweets from /work/shared/datasets/airline-tweets-en (Twitter US Airline Sentiment, CC BY-NC-SA 4.0).
LINE_TO_REBOOK = (
    "@united, this is the line in Denver to rebook due to weather issues. DO BETTER. http://t.co/tmccExYaaQ"
)
NEEDS_PILLOWS = "@JetBlue You guys need pillows on these rockers to really knock it out of the park ... just sayin ..."
WEBSITE_GLITCHES = (
    "@JetBlue glitches on website re: Flight Booking Problems travel &amp; checking in. "
    "Nothing between ur site &amp; the airport was communicated, it was a nightmare."
)
COLD_DRINKS = (
    "@SouthwestAir I think me and my group could use some nice cold drinks once we get in the air..."
    "we are all over 21 😜😎"
)


def answer(*, survey, touchpoint, score: int, comment: str = "", at: datetime.datetime | None = None, **extra):
    """One answer through the real submit service, moved to `at` when given."""
    response = make_response(survey=survey, touchpoint=touchpoint, score=score, comment=comment, **extra)
    if at is not None:
        Response.objects.filter(pk=response.pk).update(created_at=at)
        response.refresh_from_db()
    return response


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)
