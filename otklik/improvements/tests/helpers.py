"""Real complaint texts and small builders for the improvements tests.

English texts are verbatim tweets from /work/shared/datasets/airline-tweets-en/tweets.csv
(Twitter US Airline Sentiment, CC BY-NC-SA 4.0), Russian ones from
/work/shared/datasets/sentirueval2016-ru/tweets.csv (SentiRuEval-2016); the tweet id is
above each.
"""

import datetime

from django.utils import timezone

from otklik.cases.models import Case, Step
from otklik.cases.tests import samples
from otklik.testing.factories import make_response

WIFI = samples.WIFI
SEAT = samples.SEAT
LUGGAGE = samples.LUGGAGE
# 570187080426397696
WIFI_PAY = "@united Why do I have to pay $ 17 for wifi with an international business ticket?  #pennypincher"
# 569654709964836865
WIFI_FREE = "@united How about free wifi when your flights delayed? Only 20 mins allowed!"
# 666177251478810000
TRANSFERS_RU = (
    "@sberbank @raiffeisen_ru объясните мне пожалуйста, почему по выходным могут не работать переводы? "
    "У вас человек сидит и руками их проводит?"
)
# 621140554072630000
WAIT_RU = (
    "@sberbank прикольно. А когда я ругалась, за мою проблему взялись без колл-центра. "
    "Я не хочу ждать 30 дней, пока проблема решится."
)


def open_case(
    world,
    *,
    comment: str = SEAT,
    language: str = "en",
    email: str = "c@example.org",
    name: str = "Pat",
    score: int = 2,
    touchpoint=None,
    survey=None,
) -> Case:
    response = make_response(
        survey=survey or world.nps,
        touchpoint=touchpoint or world.checkout,
        score=score,
        comment=comment,
        language=language,
        customer_name=name,
        customer_email=email,
    )
    return response.case


def resolve(case: Case, *, at: datetime.datetime | None = None) -> Case:
    """Mark a case resolved at a given moment.

    Set directly: the five-step walk is the cases app's to test, and these tests need the date.
    """
    Case.objects.filter(pk=case.pk).update(step=Step.RESOLVED, resolved_at=at or timezone.now())
    case.refresh_from_db()
    return case
