"""The audit log page for owners: filter by action, person and dates; export what is shown as CSV.

The page is one of the settings pages, so team owns it; the audit app only records and reads events.
"""

import csv
import io
import json
from datetime import tzinfo

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.accounts.decorators import membership_required
from otklik.audit.models import AuditAction
from otklik.audit.selectors import audit_events

EVENTS_PER_PAGE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False, max_length=254)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *AuditAction.choices]


@membership_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The organization's audit log, for owners only; `?format=csv` downloads what the filter shows."""
    if request.membership.role != "owner":
        raise PermissionDenied
    organization = request.membership.organization
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(organization=organization, **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        return _csv(events, organization.zone)
    page = Paginator(events.select_related(None), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "team/audit_log.html", {"form": form, "page": page}, status=status)


def _csv(events, zone: tzinfo) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time", "action", "who", "target", "client_address", "details"])
    for event in events.iterator():
        writer.writerow(
            [
                timezone.localtime(event.created_at, zone).isoformat(timespec="seconds"),
                event.action,
                event.actor_label,
                event.target,
                event.client_address or "",
                _details_text(event.details),
            ]
        )
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


def _details_text(details: dict) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""
