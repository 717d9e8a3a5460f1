"""Outreach pages: scheduled invitations, the manager's queue, settings, hunting rules and tasks.

Members read the list (employees: their locations' purchases); owners, managers and
employees work the queue; owners and managers edit settings and rules. An object of
another organization, or outside an employee's locations, is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from otklik.accounts.decorators import membership_required
from otklik.accounts.selectors import visible_touchpoints
from otklik.http import form_add_errors, see_other
from otklik.outreach import dispatch, hunting, selectors, services
from otklik.outreach.forms import DayForm, HuntPastForm, HuntRuleForm, LetterForm, SettingsForm, TaskDoneForm
from otklik.outreach.models import HuntRule, ScheduledStatus, TaskStatus
from otklik.surveys.models import Survey

PER_PAGE = 50


def _worker(request: HttpRequest) -> None:
    if not request.membership.can_work_cases:
        raise PermissionDenied


def _scheduled(request: HttpRequest, scheduled_id: int):
    found = selectors.scheduled_get(membership=request.membership, scheduled_id=scheduled_id)
    if found is None:
        raise Http404
    return found


@membership_required
def scheduled_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ScheduledStatus.values:
        status = ""
    page = Paginator(selectors.scheduled_list(membership=request.membership, status=status), PER_PAGE).get_page(
        request.GET.get("page")
    )
    counts = selectors.scheduled_counts(membership=request.membership)
    outbox = selectors.outbox_statuses(scheduled=list(page.object_list))
    for item in page.object_list:
        item.outbox_message = outbox.get(item.pk)
    return render(
        request,
        "outreach/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in ScheduledStatus.choices],
            "total": sum(counts.values()),
        },
    )


@membership_required
def queue(request: HttpRequest) -> HttpResponse:
    _worker(request)
    membership = request.membership
    waiting = list(selectors.queue_waiting_date(membership=membership)[:200])
    due = list(selectors.queue_due(membership=membership)[:200])
    config = selectors.outreach_settings(organization=membership.organization)
    now_local = timezone.now().astimezone(membership.organization.zone)
    return render(
        request,
        "outreach/queue.html",
        {
            "waiting": [(item, selectors.suggested_day(item)) for item in waiting],
            "due": [(item, services.invitation_preview(scheduled=item)) for item in due],
            "today": now_local.date(),
            "upcoming": selectors.queue_upcoming(membership=membership)[:200],
            "quiet_now": dispatch.in_quiet_hours(
                now_local.time(), quiet_from=config.quiet_from, quiet_until=config.quiet_until
            ),
            "now_local": now_local,
        },
    )


@membership_required
def scheduled_set_date(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _worker(request)
    scheduled = _scheduled(request, scheduled_id)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_set_date(scheduled=scheduled, day=form.cleaned_data["day"], by=request.user)
        except ValidationError as exc:
            form_add_errors(form, exc)
    if form.errors:
        errors = "; ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, _("The date was not saved: %(errors)s") % {"errors": errors})
    else:
        messages.success(
            request,
            _("The letter will wait in the queue on %(day)s.") % {"day": formats.date_format(form.cleaned_data["day"])},
        )
    return see_other(reverse("outreach:queue"))


@membership_required
def scheduled_send(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _worker(request)
    scheduled = _scheduled(request, scheduled_id)
    try:
        outcome = services.invitation_send_now(scheduled=scheduled, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _report(request, scheduled, outcome)
    return see_other(reverse("outreach:queue"))


def _report(request: HttpRequest, scheduled, outcome: str) -> None:
    if outcome == ScheduledStatus.SENT:
        messages.success(request, _("The invitation is sent to %(recipient)s.") % {"recipient": scheduled.recipient})
    else:
        messages.warning(
            request,
            _("Not sent: %(status)s. %(reason)s")
            % {"status": scheduled.get_status_display(), "reason": scheduled.reason},
        )


@membership_required
def scheduled_edit(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    _worker(request)
    scheduled = _scheduled(request, scheduled_id)
    if not scheduled.awaits_confirmation:
        raise Http404
    subject, body = services.invitation_preview(scheduled=scheduled)
    form = LetterForm(request.POST or None, initial={"subject": subject, "body": body})
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.invitation_send_now(
                scheduled=scheduled,
                by=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            _report(request, scheduled, outcome)
            return see_other(reverse("outreach:queue"))
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/edit.html", {"form": form, "scheduled": scheduled}, status=status)


@membership_required
def scheduled_cancel(request: HttpRequest, scheduled_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _worker(request)
    scheduled = _scheduled(request, scheduled_id)
    try:
        services.invitation_cancel(scheduled=scheduled, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("This customer will not be asked about this purchase."))
    return see_other(reverse("outreach:queue"))


@membership_required(manage=True)
def outreach_settings(request: HttpRequest) -> HttpResponse:
    organization = request.membership.organization
    config = selectors.outreach_settings(organization=organization)
    initial = {
        "time_zone": organization.time_zone,
        "quiet_from": config.quiet_from,
        "quiet_until": config.quiet_until,
        "min_days_between": config.min_days_between,
        "expire_after_days": config.expire_after_days,
        "default_touchpoint": config.default_touchpoint_id,
    }
    form = SettingsForm(
        request.POST or None, initial=initial, touchpoints=visible_touchpoints(membership=request.membership)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.outreach_settings_save(organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Outreach settings saved."))
            return see_other(reverse("outreach:settings"))
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/settings.html", {"form": form}, status=status)


def _rule_form(request: HttpRequest, *, initial: dict | None = None) -> HuntRuleForm:
    organization = request.membership.organization
    return HuntRuleForm(
        request.POST or None,
        initial=initial,
        people=selectors.members_for_tasks(organization=organization),
        surveys=Survey.objects.filter(organization=organization, is_open=True),
    )


@membership_required(manage=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = selectors.hunt_rules(organization=request.membership.organization)
    return render(request, "outreach/rules.html", {"rules": rules})


@membership_required(manage=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    form = _rule_form(request)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields.pop("is_active")
        try:
            hunting.hunt_rule_create(organization=request.membership.organization, **fields)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The rule is saved; the worker checks it every minute."))
            return see_other(reverse("outreach:rules"))
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/rule_form.html", {"form": form, "rule": None}, status=status)


@membership_required(manage=True)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = HuntRule.objects.filter(organization=request.membership.organization, pk=rule_id).first()
    if rule is None:
        raise Http404
    form = _rule_form(request, initial=_rule_initial(rule))
    if request.method == "POST" and form.is_valid():
        try:
            hunting.hunt_rule_update(rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The rule is saved."))
            return see_other(reverse("outreach:rules"))
    status = 400 if request.method == "POST" else 200
    return _render_rule(request, rule, form=form, status=status)


def _render_rule(request: HttpRequest, rule: HuntRule, *, form, past_form=None, preview=None, status: int = 200):
    matches = rule.matches.select_related("customer", "event", "task", "scheduled")[:50]
    context = {
        "form": form,
        "rule": rule,
        "matches": matches,
        "past_form": past_form or HuntPastForm(initial={"since": timezone.localdate(rule.covered_since)}),
        "preview": preview,
    }
    return render(request, "outreach/rule_form.html", context, status=status)


def _rule_initial(rule: HuntRule) -> dict:
    return {
        "name": rule.name,
        "event_name": rule.event_name,
        "within_days": rule.within_days,
        "contact_events": rule.contact_events,
        "action": rule.action,
        "assignee": rule.assignee_id,
        "survey": rule.survey_id,
        "is_active": rule.is_active,
    }


@membership_required(manage=True)
def rule_apply_to_past(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Preview how many customers a rule would reach from a past date, or apply it from that date."""
    rule = HuntRule.objects.filter(organization=request.membership.organization, pk=rule_id).first()
    if rule is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    past_form = HuntPastForm(request.POST)
    form = HuntRuleForm(
        initial=_rule_initial(rule),
        people=selectors.members_for_tasks(organization=rule.organization),
        surveys=Survey.objects.filter(organization=rule.organization, is_open=True),
    )
    if past_form.is_valid():
        since = past_form.cleaned_data["since"]
        try:
            if "preview" in request.POST:
                count = hunting.hunt_rule_preview(rule=rule, since=since)
                return _render_rule(request, rule, form=form, past_form=past_form, preview=count)
            hunting.hunt_rule_apply_to_past(rule=rule, since=since)
        except ValidationError as exc:
            form_add_errors(past_form, exc)
        else:
            messages.success(
                request,
                _("The rule now covers events since %(date)s; the worker acts on them within a minute.")
                % {"date": formats.date_format(since, "DATE_FORMAT")},
            )
            return see_other(reverse("outreach:rule_edit", args=[rule.pk]))
    return _render_rule(request, rule, form=form, past_form=past_form, status=400)


@membership_required
def task_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    mine = request.GET.get("mine") == "1" or not membership.sees_whole_organization
    status = request.GET.get("status", TaskStatus.OPEN)
    if status not in TaskStatus.values:
        status = ""
    tasks = selectors.tasks_visible(membership=membership, mine=mine, status=status)
    page = Paginator(tasks, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/tasks.html",
        {"page": page, "mine": mine, "status": status, "statuses": TaskStatus.choices},
    )


@membership_required
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _worker(request)
    task = selectors.tasks_visible(membership=request.membership).filter(pk=task_id).first()
    if task is None:
        raise Http404
    if not request.membership.can_manage and task.assignee_id != request.user.pk:
        raise Http404
    form = TaskDoneForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Write what came of it: it stays with the customer's history."))
        hunting.task_complete(task=task, by=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The task is done."))
    return see_other(reverse("outreach:tasks"))
