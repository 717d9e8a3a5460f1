"""Writes for loyalty-factor themes: discovery, a manager's shaping, and tagging answers."""

import logging
import re
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from otklik.accounts.models import Membership, Organization
from otklik.batch import gather
from otklik.insights import engine
from otklik.insights import text as textlib
from otklik.insights.models import (
    PLACED,
    AnswerAnalysis,
    AnswerTheme,
    Department,
    ProfanityWord,
    Theme,
    ThemeJob,
)
from otklik.insights.profanity import mask_profanity
from otklik.rollups.models import OTHER_LANGUAGE, OTHER_NO_THEME, OTHER_NO_WORDS, OTHER_NOT_RECORDED
from otklik.rollups.services import rollup_tags_change
from otklik.rows import insert_rows
from otklik.surveys.models import Response

logger = logging.getLogger(__name__)

DEFAULT_K = 8
MIN_K, MAX_K = 2, 30
# Discovery reads the newest answers only: enough for stable themes, bounded in time.
DISCOVERY_LIMIT = 20_000
# After a manager's change, up to this many answers are re-tagged at once, in the request
# (about a second); more are re-tagged by the worker, so the page never waits for long.
RETAG_INLINE_LIMIT = 2_000


def answer_text(response: Response) -> str:
    """The open text of an answer: the comment and the second open answer, if any."""
    return "\n".join(part for part in (response.comment, response.second_answer) if part)


def _with_text(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.filter(~Q(comment="") | ~Q(second_answer=""))


def _spec(theme: Theme) -> engine.ThemeSpec:
    return engine.ThemeSpec(
        keywords={term: weight for term, weight in theme.keywords},
        pinned=theme.pinned_keywords,
        banned=theme.banned_keywords,
        name=theme.name,
        labels=theme.labels,
        profile=theme.profile,
    )


def _store_keywords(theme: Theme, spec: engine.ThemeSpec) -> None:
    theme.keywords = [[term, weight] for term, weight in spec.keywords.items()]
    theme.labels = spec.labels
    theme.profile = spec.profile
    theme.outcomes = spec.outcomes
    theme.is_mixed = spec.is_mixed


def texts_discover(texts: Sequence[str], *, k: int = DEFAULT_K, seeds: Sequence[engine.ThemeSpec] = ()):
    """The discovery the product runs, on any texts: themes and each text's theme (-1: "other").

    Used by `otklik themes try`, so a manager's preview of a file finds what discovery in the
    product would. Each text's theme is the primary theme the stored tags give it (see
    engine.Tagger), not k-means' own grouping. As in the product, discovery reads at most
    DISCOVERY_LIMIT texts (here evenly spread over them: a file has no dates) and the tagger
    places all of them: 100 000 rows took 2.6 GB and 5 minutes when all were discovered on.
    """
    from otklik.insights.embeddings import configured_embedder

    sample = texts
    if len(texts) > DISCOVERY_LIMIT:
        step = len(texts) / DISCOVERY_LIMIT
        sample = [texts[int(i * step)] for i in range(DISCOVERY_LIMIT)]
    found = engine.discover_clusters(sample, k=k, seeds=seeds, embed=configured_embedder())
    tagger = engine.Tagger(found.themes)
    return found.themes, [tagger.best(text) for text in texts]


def answers_retag_all(*, organization: Organization) -> int:
    """Tag every answer of the organization afresh with its current themes; returns the tags written."""
    return answers_tag(
        organization=organization, responses=_with_text(organization.responses.all()).iterator(chunk_size=2000)
    )


def _retag_all(*, organization: Organization) -> None:
    """Re-tag after a manager's change: at once for a small organization, else by the worker."""
    if _with_text(organization.responses.all()).count() <= RETAG_INLINE_LIMIT:
        answers_retag_all(organization=organization)
    else:
        theme_job_request(organization=organization, kind=ThemeJob.Kind.RETAG)


@transaction.atomic
def themes_discover(*, organization: Organization, k: int = DEFAULT_K) -> list[Theme]:
    """Find `k` themes in the organization's answers and tag every answer with them.

    Themes a manager has shaped (`is_manual`) are kept, seed the clustering and get
    refreshed key words; previously discovered, untouched themes are replaced (so their
    department assignment goes with them). Answers are grouped by their meaning with the
    encoder of settings.OTKLIK_EMBEDDING_MODEL (the shipped multilingual USE by default; the
    key-word engine without it, see embeddings.py).
    """
    from otklik.insights.embeddings import configured_embedder

    # The newest DISCOVERY_LIMIT, by id on ties: the same answers always give the same input
    # (the engine also sorts them), so rediscovery is repeatable.
    responses = _with_text(organization.responses.all()).order_by("-created_at", "-id")[:DISCOVERY_LIMIT]
    texts = [answer_text(r) for r in responses]
    manual = list(organization.themes.filter(is_manual=True))
    previous = list(organization.themes.filter(is_manual=False).order_by("id").values_list("name", flat=True))
    organization.themes.filter(is_manual=False).delete()
    if not texts:
        return manual
    specs = engine.discover(texts, k=max(k, len(manual)), seeds=[_spec(t) for t in manual], embed=configured_embedder())
    engine.keep_names(specs, previous, start=len(manual))
    themes = []
    for i, spec in enumerate(specs):
        theme = manual[i] if i < len(manual) else Theme(organization=organization, name=spec.name[:200])
        _store_keywords(theme, spec)
        theme.save()
        themes.append(theme)
    _retag_all(organization=organization)
    return themes


def _own(themes: Iterable[Theme], organization: Organization) -> list[Theme]:
    themes = list(themes)
    if any(theme.organization_id != organization.id for theme in themes):
        raise ValidationError(_("A theme belongs to another organization."))
    return themes


@transaction.atomic
def theme_rename(*, theme: Theme, name: str) -> Theme:
    """Give a theme a manager's name; it then survives rediscovery."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A theme needs a name."))
    theme.name = name[:200]
    theme.is_manual = True
    theme.save()
    return theme


@transaction.atomic
def themes_merge(*, organization: Organization, themes: Sequence[Theme], name: str) -> Theme:
    """Merge several themes into the first one under `name`; their answers move with them."""
    themes = _own(themes, organization)
    if len(themes) < 2:
        raise ValidationError(_("Choose at least two themes to merge."))
    target, others = themes[0], themes[1:]
    weights: dict[str, float] = {}
    labels: dict[str, str] = {}
    for theme in themes:
        for term, weight in theme.keywords:
            weights[term] = max(weights.get(term, 0.0), weight)
        labels.update(theme.labels)
    # Keeps each theme's listing order (most telling words first), the target's words leading.
    target.keywords = [[t, w] for t, w in weights.items()]
    target.labels = labels
    target.pinned_keywords = list(dict.fromkeys(w for theme in themes for w in theme.pinned_keywords))
    # A word banned from one part may be what tagged the other: keep only bans all shared.
    target.banned_keywords = [w for w in target.banned_keywords if all(w in t.banned_keywords for t in others)]
    target.name = name.strip()[:200] or target.name
    target.is_manual = True
    target.save()
    Theme.objects.filter(id__in=[t.id for t in others]).delete()
    _retag_all(organization=organization)
    return target


@transaction.atomic
def theme_split(*, theme: Theme, keywords: Sequence[str], name: str) -> Theme:
    """Move `keywords` (as the manager typed them) out of `theme` into a new theme `name`.

    The new theme has those words pinned; the old one gets them banned, so answers that
    mention them move over. Both become manual themes.
    """
    terms = engine.keyword_term_set(word for word in keywords if word.strip())
    if not terms:
        raise ValidationError(_("Choose the key words that make the new theme."))
    if not name.strip():
        raise ValidationError(_("A theme needs a name."))
    moved = [[term, weight] for term, weight in theme.keywords if term in terms]
    new = Theme.objects.create(
        organization=theme.organization,
        name=name.strip()[:200],
        keywords=moved,
        labels=theme.labels,
        pinned_keywords=[word.strip() for word in keywords if word.strip()],
        is_manual=True,
    )
    theme.keywords = [[term, weight] for term, weight in theme.keywords if term not in terms]
    theme.pinned_keywords = [w for w in theme.pinned_keywords if not engine.keyword_terms(w) & terms]
    theme.banned_keywords = list(dict.fromkeys([*theme.banned_keywords, *new.pinned_keywords]))
    theme.is_manual = True
    theme.save()
    _retag_all(organization=theme.organization)
    return new


@transaction.atomic
def theme_pin_keyword(*, theme: Theme, keyword: str) -> Theme:
    """Make `keyword` always tag this theme (and no longer banned from it)."""
    keyword = keyword.strip()
    if not keyword:
        raise ValidationError(_("Type a key word."))
    terms = engine.keyword_terms(keyword)
    theme.pinned_keywords = list(dict.fromkeys([*theme.pinned_keywords, keyword]))
    theme.banned_keywords = [w for w in theme.banned_keywords if not engine.keyword_terms(w) & terms]
    theme.is_manual = True
    theme.save()
    _retag_all(organization=theme.organization)
    return theme


@transaction.atomic
def theme_ban_keyword(*, theme: Theme, keyword: str) -> Theme:
    """Make `keyword` never count towards this theme (and no longer pinned to it)."""
    keyword = keyword.strip()
    if not keyword:
        raise ValidationError(_("Type a key word."))
    terms = engine.keyword_terms(keyword)
    theme.banned_keywords = list(dict.fromkeys([*theme.banned_keywords, keyword]))
    theme.pinned_keywords = [w for w in theme.pinned_keywords if not engine.keyword_terms(w) & terms]
    theme.is_manual = True
    theme.save()
    _retag_all(organization=theme.organization)
    return theme


def tagger_for(*, organization: Organization) -> tuple[engine.Tagger, list[Theme]]:
    """The organization's tagger and the themes its indexes refer to."""
    themes = list(organization.themes.order_by("id"))
    return engine.Tagger([_spec(t) for t in themes]), themes


TAG_BATCH = 1000
# An answer's analysis as `_tag_batch` writes it (`tagged_at`: the batch's time, as `auto_now` would set it).
ANALYSIS_COLUMNS = (
    *("response", "language", "has_profanity", "tagged_at", "comment_words", "comment_language"),
    "other_reason",
)


def other_reason(analyzed: engine.Analyzed) -> int:
    """Why an answer with text that no theme holds is "other" (a reserved theme id of its rollup rows)."""
    if analyzed.language not in textlib.LANGUAGES:
        return OTHER_LANGUAGE
    return OTHER_NO_THEME if analyzed.terms else OTHER_NO_WORDS


@transaction.atomic
def answers_tag(*, organization: Organization, responses: Iterable[Response]) -> int:
    """Tag answers with the organization's themes, replacing their earlier tags; idempotent.

    Also records each answer's language and whether it contains profanity. Answers of
    other organizations are skipped. Returns the number of theme tags written.
    """
    tagger, themes = tagger_for(organization=organization)
    written = 0
    batch: list[Response] = []
    for response in responses:
        if response.organization_id == organization.id:
            batch.append(response)
        if len(batch) == TAG_BATCH:
            written += _tag_batch(batch, tagger, themes, organization)
            batch = []
    if batch:
        written += _tag_batch(batch, tagger, themes, organization)
    return written


def _tag_batch(
    responses: list[Response], tagger: engine.Tagger, themes: list[Theme], organization: Organization
) -> int:
    by_id = {r.id: r for r in responses}
    # The tags being replaced leave the theme rollups in the same transaction as the new ones enter.
    removed = _untag(by_id)
    tags, analyses, others = [], [], []
    tagged_at = timezone.now()
    for response in responses:
        text = answer_text(response)
        if not text:
            continue
        analyzed = engine.analyze(text)
        found = mask_profanity(text, analyzed.language)[1]
        name_language, name_words = textlib.name_words(response.comment)
        found_tags = tagger.tag_terms(analyzed.terms)
        reason = PLACED if found_tags else other_reason(analyzed)
        analyses.append(
            (response.id, analyzed.language, found, tagged_at, " ".join(sorted(name_words)), name_language, reason)
        )
        if reason != PLACED:
            others.append((response, reason))
        for index, score in found_tags:
            tags.append(AnswerTheme(response=response, theme=themes[index], weight=round(score, 4)))
    # A re-tagging run and tagging on arrival may meet on the same answer: the first write wins. The analyses as
    # plain rows (one per answer with text: building a model instance each and `bulk_create` preparing every value
    # through its field was a sixth of the tagging task's CPU, decision 0063).
    insert_rows(AnswerAnalysis, ANALYSIS_COLUMNS, analyses, ignore_conflicts=True)
    AnswerTheme.objects.bulk_create(tags, ignore_conflicts=True)
    if removed or tags or others:
        rollup_tags_change(
            organization=organization,
            removed=removed,
            added=[*((by_id[tag.response_id], tag.theme_id) for tag in tags), *others],
        )
    return len(tags)


def _untag(by_id: dict[int, Response]) -> list[tuple[Response, int]]:
    """Delete these answers' tags and analyses; returns what they counted in the tag rollups, (answer, theme id):
    their tags, and for an answer with an analysis, no tag and no theme when tagged ("other") its reason's reserved
    id (0 when none was stored). An answer whose themes were deleted since (PLACED, no tag) was counted nowhere."""
    ids = list(by_id)
    old = list(AnswerTheme.objects.filter(response_id__in=ids).values_list("response_id", "theme_id"))
    removed = [(by_id[response_id], theme_id) for response_id, theme_id in old]
    themed = {response_id for response_id, _theme in old}
    removed += [
        (by_id[response_id], OTHER_NOT_RECORDED if reason is None else reason)
        for response_id, reason in _analyses_deleted(ids)
        if response_id not in themed and (reason is None or reason <= 0)
    ]
    AnswerTheme.objects.filter(response_id__in=ids).delete()
    return removed


@transaction.atomic
def answers_forget_themes(*, organization: Organization, responses: Iterable[Response]) -> None:
    """Delete the tags and analyses of these answers (of the organization) and uncount them from the tag rollups,
    "other" included; call it before their text is removed (erasure), so their with-text counts leave too."""
    batch: dict[int, Response] = {}
    for response in responses:
        if response.organization_id == organization.id:
            batch[response.id] = response
        if len(batch) == TAG_BATCH:
            rollup_tags_change(organization=organization, removed=_untag(batch))
            batch = {}
    if batch:
        rollup_tags_change(organization=organization, removed=_untag(batch))


def _analyses_deleted(ids: list[int]) -> list[tuple[int, int | None]]:
    """Delete these answers' analyses; returns (answer id, "other" reason) of each one deleted.

    One statement (`DELETE … RETURNING`, PostgreSQL and SQLite ≥ 3.35), as the plain delete it replaces: the
    tagging on arrival reads no more than before to uncount an answer that was "other".
    """
    table = connection.ops.quote_name(AnswerAnalysis._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE response_id IN ({marks}) RETURNING response_id, other_reason", ids)
        return cursor.fetchall()


def response_tag(*, response_id: int) -> int:
    """Tag one answer by id (the task behind tagging on arrival); a missing answer tags nothing."""
    response = Response.objects.select_related("organization").filter(id=response_id).first()
    if response is None:
        return 0
    return answers_tag(organization=response.organization, responses=[response])


def responses_tag(*, response_ids: list[int]) -> int:
    """Tag answers by id, an organization at a time (the task behind a worker's batch of answers)."""
    by_organization: dict[int, list[Response]] = {}
    for response in Response.objects.select_related("organization").filter(id__in=response_ids).order_by("id"):
        by_organization.setdefault(response.organization_id, []).append(response)
    return sum(answers_tag(organization=group[0].organization, responses=group) for group in by_organization.values())


def responses_tag_after_commit(response_ids: list[int]) -> None:
    """Have the worker tag these answers in one task once the current transaction commits."""
    if not response_ids:
        return
    from otklik.insights.tasks import tag_responses

    ids = list(response_ids)
    transaction.on_commit(lambda: tag_responses.enqueue(response_ids=ids), robust=True)


def response_tag_later(*, response: Response) -> None:
    """Have the worker tag a new answer once its transaction commits (seconds later).

    Called on the answer path, so it only schedules: tagging itself runs in the task.
    """
    if not (response.comment or response.second_answer):
        return
    from otklik.insights.tasks import tag_response

    response_id = response.pk
    if gather("tag_responses", [response_id]):  # the worker's batch of answers queues one task (decision 0030)
        return
    # robust: with the task queue (Redis, for RQ) down, the customer's stored answer is still acknowledged.
    transaction.on_commit(lambda: tag_response.enqueue(response_id=response_id), robust=True)


# Discovery and re-tagging runs, done by the worker


def theme_job_request(
    *, organization: Organization, kind: str, k: int | None = None, user: User | None = None
) -> ThemeJob:
    """Ask the worker to discover themes (or re-tag answers) for the organization.

    A waiting request of the same kind is reused (its k updated), so pressing the
    button twice runs once.
    """
    if kind not in ThemeJob.Kind.values:
        raise ValidationError(_("Unknown kind of run."))
    if kind == ThemeJob.Kind.DISCOVER:
        if k is None or not MIN_K <= k <= MAX_K:
            raise ValidationError(
                _("The number of themes must be between %(low)s and %(high)s.") % {"low": MIN_K, "high": MAX_K}
            )
    with transaction.atomic():
        job = (
            ThemeJob.objects.select_for_update()
            .filter(organization=organization, kind=kind, status=ThemeJob.Status.PENDING)
            .first()
        )
        if job is not None:
            if k is not None and job.k != k:
                job.k = k
                job.save(update_fields=["k"])
            return job
        job = ThemeJob.objects.create(organization=organization, kind=kind, k=k, requested_by=user)
    from otklik.insights.tasks import run_theme_job

    job_id = job.pk
    transaction.on_commit(lambda: run_theme_job.enqueue(job_id=job_id))
    return job


def theme_job_run(*, job_id: int) -> bool:
    """Run one waiting job; False when it is gone or another worker has taken it.

    A failure is recorded on the job (shown on the themes page) and the answers keep
    their previous tags, since discovery runs in one transaction.
    """
    claimed = ThemeJob.objects.filter(pk=job_id, status=ThemeJob.Status.PENDING).update(
        status=ThemeJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = ThemeJob.objects.select_related("organization").get(pk=job_id)
    try:
        if job.kind == ThemeJob.Kind.DISCOVER:
            themes_discover(organization=job.organization, k=job.k or DEFAULT_K)
        else:
            answers_retag_all(organization=job.organization)
    except Exception as error:  # recorded for the manager; the worker goes on
        logger.exception("theme job %s failed", job_id)
        job.status, job.error = ThemeJob.Status.FAILED, str(error)[:2000]
    else:
        job.status = ThemeJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job.status == ThemeJob.Status.DONE


# Departments (F1)


def _org_users(organization: Organization, users: Iterable[User]) -> list[User]:
    users = list(users)
    members = set(Membership.objects.filter(organization=organization).values_list("user_id", flat=True))
    if any(user.pk not in members for user in users):
        raise ValidationError(_("A chosen person is not a member of this organization."))
    return users


@transaction.atomic
def department_save(
    *, organization: Organization, name: str, members: Iterable[User], department: Department | None = None
) -> Department:
    """Create a department, or rename it and set its members; names are unique in the organization."""
    name = name.strip()[:200]
    if not name:
        raise ValidationError(_("A department needs a name."))
    if department is not None and department.organization_id != organization.id:
        raise ValidationError(_("The department belongs to another organization."))
    members = _org_users(organization, members)
    taken = Department.objects.filter(organization=organization, name__iexact=name)
    if department is not None:
        taken = taken.exclude(pk=department.pk)
    if taken.exists():
        raise ValidationError(_("There is already a department with this name."))
    department = department or Department(organization=organization)
    department.name = name
    department.save()
    department.members.set(members)
    return department


@transaction.atomic
def member_departments_set(*, organization: Organization, user: User, departments: Iterable[Department]) -> list[str]:
    """Put a member in exactly these departments of the organization (the team page); returns their names."""
    _org_users(organization, [user])
    chosen = list(departments)
    if any(department.organization_id != organization.id for department in chosen):
        raise ValidationError(_("The department belongs to another organization."))
    for department in Department.objects.filter(organization=organization, members=user).exclude(
        pk__in=[d.pk for d in chosen]
    ):
        department.members.remove(user)
    for department in chosen:
        department.members.add(user)
    return sorted(department.name for department in chosen)


@transaction.atomic
def department_delete(*, department: Department) -> None:
    """Delete a department; its themes stay, unassigned."""
    department.delete()


@transaction.atomic
def theme_assign_department(*, theme: Theme, department: Department | None) -> Theme:
    """Give a theme to a department (or to none); its members then get it in their weekly digest."""
    if department is not None and department.organization_id != theme.organization_id:
        raise ValidationError(_("The department belongs to another organization."))
    theme.department = department
    theme.is_manual = True  # an assigned theme must survive rediscovery, or the assignment is lost
    theme.save(update_fields=["department", "is_manual", "updated_at"])
    return theme


def profanity_word_add(*, organization: Organization, word: str, actor: User | None = None) -> ProfanityWord:
    """Add one of the organization's own words to mask; every form of it is masked from now on.

    A word of several words, or with digits, is refused: masking goes word by word.
    """
    from otklik.insights.profanity import forget_organization_words, word_forms

    cleaned = word.strip().lower()
    if not cleaned or not re.fullmatch(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", cleaned):
        raise ValidationError(_("Type one word, letters only."))
    if ProfanityWord.objects.filter(organization=organization, word=cleaned).exists():
        raise ValidationError(_("This word is already masked."))
    added = ProfanityWord.objects.create(organization=organization, word=cleaned, created_by=actor)
    word_forms(cleaned)  # warm the dictionary now rather than on the next page shown
    forget_organization_words(organization.pk)
    return added


def profanity_word_remove(*, organization: Organization, word_id: int) -> None:
    """Stop masking one of the organization's own words (the shared lexicon is not affected)."""
    from otklik.insights.profanity import forget_organization_words

    ProfanityWord.objects.filter(organization=organization, pk=word_id).delete()
    forget_organization_words(organization.pk)


def original_view_record(*, request, membership: Membership, via: str = "web") -> None:
    """Record in the audit log that this request showed unmasked originals; once per request.

    A page or an API answer may hold many originals: one event says who read them, where and when.
    """
    if request is None or getattr(request, "_original_viewed_recorded", False):
        return
    from otklik.audit.models import AuditAction
    from otklik.audit.services import record

    request._original_viewed_recorded = True
    record(
        action=AuditAction.ORIGINAL_VIEWED,
        organization=membership.organization,
        actor=membership.user,
        target=request.path,
        details={"via": via},
        request=request,
    )
