"""View guards: a logged-in member of an organization, optionally with a manager's rights."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from otklik.accounts.selectors import membership_for

SESSION_ORG_KEY = "otklik_organization_id"


def membership_required(view: Callable | None = None, *, manage: bool = False):
    """Set `request.membership` for the active organization or refuse.

    A user without any membership gets 403; `manage=True` also requires owner or manager.
    Every time on the page is shown in the organization's time zone (one clock for everyone), and the
    page speaks the member's own language unless they picked another with the language switcher.
    """

    def decorator(func: Callable) -> Callable:
        @login_required
        @wraps(func)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = membership_for(user=request.user, organization_id=request.session.get(SESSION_ORG_KEY))
            if membership is None or (manage and not membership.can_manage):
                raise PermissionDenied
            request.membership = membership
            language = membership.language
            if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            with timezone.override(membership.organization.zone):
                return func(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator
