"""Daily rollups of answers: what the dashboards read instead of scanning every answer."""

from django.db import models

from otklik.accounts.models import Location, Organization, Touchpoint
from otklik.surveys.kinds import COUNTED_SCORES, KIND_CHOICES
from otklik.surveys.models import Survey

# One column per score 0–10 covers every scale we have (NPS 0–10, CSAT/grade 1–5, CES 1–7),
# so any metric over a score distribution can be read from a rollup. A survey kind whose scale does not
# fit is refused where it is defined (surveys.kinds.COUNTED_SCORES); widening it needs columns here.
SCORES = COUNTED_SCORES
SCORE_FIELDS = [f"s{score}" for score in SCORES]
CASE_COUNT_FIELDS = ["count", "answered", "answered_in_time", "resolved", "resolved_in_time"]


# Reserved theme ids of `TagRollup` rows that count the answers with text no theme holds ("other"), one per
# reason (docs/decisions/0069). A theme's id is a positive primary key, so readers that start from the
# organization's themes never read these rows; `insights.selectors` reads them for the "Other" line.
OTHER_NOT_RECORDED = 0  # tagged before the reason was kept (a re-tagging records it)
OTHER_LANGUAGE = -1  # written in a language we do not promise
OTHER_NO_WORDS = -2  # no word the engine can place (emoji, numbers, stop words only)
OTHER_NO_THEME = -3  # words, but no theme close enough to them
OTHER_REASONS = (OTHER_LANGUAGE, OTHER_NO_WORDS, OTHER_NO_THEME, OTHER_NOT_RECORDED)


class Grain(models.TextChoices):
    # Days answer any period of whole days; months answer whole-month periods (the default
    # dashboard) from ~30 times fewer rows.
    DAY = "day", "day"
    MONTH = "month", "month"


class Counts(models.Model):
    """The figures a rollup row holds: how many answers, how many with text, the score sum and one count per
    score (services.VALUE_COLUMNS names them in this order)."""

    count = models.IntegerField(default=0)
    # Answers with a comment or a second answer: what theme shares are taken of. In a tag rollup, tagged
    # answers that still have text (retention may blank an old answer's text and leave its tags).
    with_text = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    s0 = models.IntegerField(default=0)
    s1 = models.IntegerField(default=0)
    s2 = models.IntegerField(default=0)
    s3 = models.IntegerField(default=0)
    s4 = models.IntegerField(default=0)
    s5 = models.IntegerField(default=0)
    s6 = models.IntegerField(default=0)
    s7 = models.IntegerField(default=0)
    s8 = models.IntegerField(default=0)
    s9 = models.IntegerField(default=0)
    s10 = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ResponseRollup(Counts):
    """The answers of one survey at one touchpoint on one day or in one month (in the organization's time zone).

    Kept current by `rollups.services.rollup_add_response` in the answer's own transaction and
    reconciled from the raw answers by `rollups_reconcile` (drift, deletions, a new time zone).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()  # the day, or the first day of the month
    # The first day of the start's month, stored so "by month" groups on a column, not a computed date.
    month_start = models.DateField()

    class Meta:
        constraints = [
            # The conflict target of the upsert in services.py: keep the two in step.
            models.UniqueConstraint(
                fields=["survey", "touchpoint", "location", "grain", "start"], name="rollup_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "grain", "start"]),
            # The reads of every kind at once (answers with text per place and month for the theme pages): without
            # it they scanned the whole table, day rows included (docs/decisions/0039). Its columns never
            # change, so the answer's upsert stays a HOT update.
            models.Index(fields=["organization", "grain", "start"], name="rollup_org_grain_start"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.grain} {self.start} @ {self.touchpoint_id}: {self.count}"


class TagRollup(Counts):
    """The answers tagged with one theme, of one kind at one touchpoint, on one day or in one month.

    The loyalty-factor pages and the report read each theme's counts and score bands from here. The
    theme is an id, not a key to insights' Theme (rollups sit below insights): rows of a deleted theme
    are never read (readers start from the organization's themes) and the next reconciliation drops them.
    Rows with a theme id ≤ 0 (`OTHER_REASONS`) count the tagged answers that no theme holds, by reason.
    Kept current by `rollup_tags_change`, which the tagging service calls where it replaces tags, and
    reconciled from the tags by `rollups_reconcile` with the answer rollups.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    theme_id = models.BigIntegerField()
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    month_start = models.DateField()

    class Meta:
        constraints = [
            # The conflict target of the upsert in services.py: keep the two in step.
            models.UniqueConstraint(
                fields=["theme_id", "touchpoint", "location", "kind", "grain", "start"], name="tag_rollup_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "grain", "start"]),
            # The month rows with every column the theme pages sum (`insights.selectors._tag_groups`): read
            # index-only, ~8 MB for 65 000 rows, where the heap interleaves them with six times as many day rows
            # (docs/decisions/0039). The price: a tag change's update is no longer HOT.
            models.Index(
                fields=["organization", "start"],
                include=[
                    "theme_id",
                    "location",
                    "touchpoint",
                    "kind",
                    "month_start",
                    "count",
                    "with_text",
                    *SCORE_FIELDS,
                ],
                condition=models.Q(grain=Grain.MONTH),
                name="tag_rollup_months_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"theme {self.theme_id} {self.kind} {self.grain} {self.start} @ {self.touchpoint_id}: {self.count}"


class SegmentRollup(Counts):
    """The answers of one kind at one location on one day or in one month, by their customer's *current* RFM segment
    ("" for no customer or one not yet segmented): /metrics/?by=segment reads these instead of joining every answer
    of the period to its customer (docs/decisions/0047).

    Kept current by `rollups.segments`: an answer is counted under its customer's segment as it is when counted
    (the worker's claim for a public answer, a subquery in the same upsert for another), and a segment that
    changes (`intake.segments.segments_recompute`) moves its customer's answers from the old segment's rows to
    the new one's in the transaction that changes it. Reconciled from the answers with the other rollups; read only
    once counted (`RollupState.segments_counted`).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=30, blank=True)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    month_start = models.DateField()

    class Meta:
        constraints = [
            # The conflict target of the upserts in services.py and segments.py: keep them in step.
            models.UniqueConstraint(
                fields=["location", "segment", "kind", "grain", "start"], name="segment_rollup_unique_key"
            )
        ]
        indexes = [models.Index(fields=["organization", "grain", "start"], name="segment_rollup_org_grain")]

    def __str__(self) -> str:
        return f"{self.segment or '-'} {self.kind} {self.grain} {self.start} @ {self.location_id}: {self.count}"


class CaseCounts(models.Model):
    """The figures a case rollup row holds (`CASE_COUNT_FIELDS` and the clocks): cases opened, answered (the
    customer was thanked), answered within the severity's SLA, resolved, resolved within it."""

    count = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_in_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_in_time = models.IntegerField(default=0)
    # The clocks of the counted cases, for exact medians and 90th percentiles without reading the cases
    # (docs/decisions/0034, 0042): each answered case's time to first answer and each resolved case's time to
    # resolution in whole microseconds, packed as 8-byte big-endian integers (`rollups.cases.pack`), unordered.
    # Appended to, never rewritten by a case change: a clock that no longer counts here (a case re-graded,
    # reassigned or deleted after its answer) is appended to the matching `…_gone`, and readers take the
    # multiset difference; the reconciliation writes the rows back without it.
    first_answer_us = models.BinaryField(default=b"", blank=True)
    first_answer_gone = models.BinaryField(default=b"", blank=True)
    resolution_us = models.BinaryField(default=b"", blank=True)
    resolution_gone = models.BinaryField(default=b"", blank=True)

    class Meta:
        abstract = True


class CaseRollup(CaseCounts):
    """The complaints (cases) opened on one day or in one month at one place, per severity and responsible person.

    The case counts /people/ reads (docs/decisions/0031): cases opened, answered (the customer was thanked),
    answered within the severity's SLA, resolved, resolved within it; /metrics/ computes the same from the
    cases. "Within" is judged by the organization's SLA policies as they were when the row was counted;
    `RollupState.case_policies` records them and readers use these rows only while they are still the
    policies in force. The touchpoint and the responsible person are plain ids with 0 for "none", so the
    unique key (the upsert's conflict target) holds no NULL. Kept current by `rollups.cases.rollup_case_change`
    where a case is opened or changes state, and reconciled from the cases with the answer rollups.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    touchpoint_id = models.BigIntegerField()  # 0: the case came from no touchpoint
    responsible_id = models.BigIntegerField()  # 0: nobody holds it
    severity = models.CharField(max_length=10)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    month_start = models.DateField()

    class Meta:
        constraints = [
            # The conflict target of the upsert in services.py: keep the two in step.
            models.UniqueConstraint(
                fields=["location", "touchpoint_id", "responsible_id", "severity", "grain", "start"],
                name="case_rollup_unique_key",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "grain", "start"]),
            # The month rows with every count the pages sum (`/`'s SLA card, /people/'s cases), read index-only: the
            # heap interleaves them with the day rows (docs/decisions/0039).
            models.Index(
                fields=["organization", "start"],
                include=["location", "touchpoint_id", "responsible_id", "severity", *CASE_COUNT_FIELDS],
                condition=models.Q(grain=Grain.MONTH),
                name="case_rollup_months_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"cases {self.grain} {self.start} @ {self.location_id}/{self.touchpoint_id}: {self.count}"


class CaseSegmentRollup(CaseCounts):
    """The complaints (cases) opened on one day or in one month at one location, by their customer's *current* RFM
    segment ("" for no customer or one not yet segmented): `CaseRollup`'s counts and packed clocks, which
    /metrics/?by=segment reads instead of joining the period's cases to their customers (docs/decisions/0050).

    Kept like `SegmentRollup`: a case change counts here too (`rollups.cases.rollup_case_change`, the segment read
    in the same upsert), a segment that changes moves its customer's cases from the old segment's rows to the new
    one's (`rollups.segments.rollup_segments_move`), and the reconciliation recounts them from the cases. Read only
    while counted (`RollupState.case_segments_counted`) under the SLA policies in force (`case_policies`).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=30, blank=True)
    grain = models.CharField(max_length=5, choices=Grain.choices)
    start = models.DateField()
    month_start = models.DateField()

    class Meta:
        constraints = [
            # The conflict target of the upserts in services.py and cases.py: keep them in step.
            models.UniqueConstraint(
                fields=["location", "segment", "grain", "start"], name="case_segment_rollup_unique_key"
            )
        ]
        indexes = [models.Index(fields=["organization", "grain", "start"], name="case_segment_rollup_org_grain")]

    def __str__(self) -> str:
        return f"cases {self.segment or '-'} {self.grain} {self.start} @ {self.location_id}: {self.count}"


class RollupState(models.Model):
    """How far one organization's rollups can be trusted, and who is reconciling them now."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    # The time zone the days were counted in; the dashboard reads rollups only while it is the organization's.
    time_zone = models.CharField(max_length=64, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker reconciles, so two workers never apply the same correction twice.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # What the last reconciliation found: answers counted and rollup rows it had to correct.
    answers_counted = models.BigIntegerField(default=0)
    rows_corrected = models.IntegerField(default=0)
    # The SLA hours the case rollups' "in time" counts were judged by (`rollups.cases.policies_key`); a
    # changed policy makes them unread until the next reconciliation counts them again.
    case_policies = models.CharField(max_length=200, blank=True)
    # Whether the segment rollups were counted by a reconciliation (a full walk or `rollups_reconcile_segments`):
    # until then /metrics/?by=segment reads the answers.
    segments_counted = models.BooleanField(default=False)
    # The same for the case rollups by segment (`CaseSegmentRollup`): until counted, /metrics/?by=segment reads the
    # cases for its case figures.
    case_segments_counted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"rollups of {self.organization_id} in {self.time_zone}"
