"""Account pages: login (throttled, audited), passwords, joining by invitation, organizations, API tokens."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from otklik.accounts import invitations, selectors, services, throttle
from otklik.accounts.decorators import SESSION_ORG_KEY, membership_required
from otklik.accounts.forms import ApiTokenForm, JoinForm, LoginForm, OrganizationCreateForm
from otklik.accounts.models import Organization, Role
from otklik.accounts.tokens import setup_token_generator
from otklik.audit.models import AuditAction
from otklik.audit.services import record


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _form_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


class LoginView(auth_views.LoginView):
    """Django's login, throttled per account and per client address, and written to the audit log.

    Recorded here rather than through the auth signals so the flow reads in one place (no signals by project style).
    """

    form_class = LoginForm

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        wait = throttle.login_wait_seconds(username=username, address=request.META.get("REMOTE_ADDR", ""))
        if wait:
            form = self.get_form_class()(request, data=None, initial={"username": username})
            context = self.get_context_data(form=form)
            minutes = max(1, -(-wait // 60))
            context["throttled"] = _("Too many failed logins. Try again in %(minutes)d min.") % {"minutes": minutes}
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")
        throttle.login_failure_note(username=username, address=self.request.META.get("REMOTE_ADDR", ""))
        user = User.objects.filter(username=username).first()
        organizations = [m.organization for m in selectors.memberships_of(user=user)] if user else []
        for organization in organizations or [None]:
            record(
                action=AuditAction.LOGIN_FAILED,
                organization=organization,
                actor_label=username[:254],
                target=username,
                request=self.request,
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        throttle.login_success_note(username=user.get_username())
        membership = selectors.membership_for(user=user)
        if membership is not None:
            self.request.session[SESSION_ORG_KEY] = membership.organization_id
        record(
            action=AuditAction.LOGIN,
            organization=membership.organization if membership else None,
            actor=user,
            request=self.request,
        )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every member changes their own password; the other sessions of the account end (Django's hash check)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change")

    def form_valid(self, form):
        response = super().form_valid(form)
        membership = selectors.membership_for(
            user=self.request.user, organization_id=self.request.session.get(SESSION_ORG_KEY)
        )
        record(
            action=AuditAction.PASSWORD_CHANGED,
            organization=membership.organization if membership else None,
            actor=self.request.user,
            target=self.request.user.get_username(),
            request=self.request,
        )
        if services.api_tokens_revoke_all(user=self.request.user, request=self.request):
            messages.info(self.request, _("Your API tokens are revoked with the old password; create new ones."))
        messages.success(self.request, _("Your password is changed."))
        return response


password_change = login_required(PasswordChangeView.as_view())

password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("login")
    title_text = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        for membership in selectors.memberships_of(user=user):
            record(
                action=AuditAction.PASSWORD_RESET,
                organization=membership.organization,
                actor=user,
                target=user.get_username(),
                details={"first_password": self.token_generator is setup_token_generator},
                request=self.request,
            )
        services.api_tokens_revoke_all(user=user, request=self.request)
        messages.success(self.request, _("Your password is set. Log in with it."))
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
# The link `otklik org create` prints: the same page with a 7-day single-use token of its own.
password_setup = PasswordResetConfirmView.as_view(token_generator=setup_token_generator)


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organizations the current one (kept in the session)."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404 from None
    membership = selectors.memberships_of(user=request.user).filter(organization_id=organization_id).first()
    if membership is None:
        raise Http404
    request.session[SESSION_ORG_KEY] = membership.organization_id
    return _see_other(reverse("dashboard:home"))


@membership_required
def organization_create(request: HttpRequest) -> HttpResponse:
    """An owner starts a further organization; they are its owner and it becomes their current one."""
    if request.membership.role != Role.OWNER:
        raise Http404
    initial = {
        "language": request.membership.organization.default_language,
        "time_zone": request.membership.organization.time_zone,
        "currency": request.membership.organization.currency,
    }
    form = OrganizationCreateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                organization = services.organization_create(
                    owner=request.user, actor=request.user, request=request, **form.cleaned_data
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                request.session[SESSION_ORG_KEY] = organization.id
                messages.success(request, _("%(name)s is created; you are its owner.") % {"name": organization.name})
                return _see_other(reverse("team:settings"))
    return render(request, "accounts/organization_new.html", {"form": form}, status=status)


@membership_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The member's API tokens (every token for an owner): create one, shown once; revoke."""
    form = ApiTokenForm(request.POST or None)
    created, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created = services.api_token_create(
                organization=request.membership.organization,
                user=request.user,
                name=form.cleaned_data["name"],
                request=request,
            )
            form, status = ApiTokenForm(), 201
    context = {"form": form, "created": created, "tokens": selectors.api_tokens_visible(membership=request.membership)}
    response = render(request, "accounts/api_tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the key is on this page once
    return response


@require_POST
@membership_required
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.api_tokens_visible(membership=request.membership), pk=token_id)
    services.api_token_revoke(token=token, by=request.user, request=request)
    messages.success(request, _("The token is revoked."))
    return _see_other(reverse("accounts:api_tokens"))


def invitation_join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: a new person makes an account, an existing one logs in and joins."""
    try:
        invitation = invitations.invitation_for_token(token)
    except invitations.InvitationInvalid as error:
        return render(request, "accounts/join_invalid.html", {"reason": str(error)}, status=410)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "existing": existing}
    if existing is not None:
        if request.user.is_authenticated and request.user.pk == existing.pk:
            if request.method == "POST":
                return _join(request, token=token, user=existing)
            return render(request, "accounts/join.html", context)
        context["wrong_user"] = request.user.is_authenticated
        context["login_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "accounts/join.html", context)
    form = JoinForm(request.POST or None, email=invitation.email, initial={"username": invitation.email.lower()})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.user_create_for_invitation(
                invitation=invitation, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return _join(request, token=token, user=user)
    context["form"] = form
    return render(request, "accounts/join.html", context, status=400 if form.errors else 200)


def _join(request: HttpRequest, *, token: str, user: User) -> HttpResponse:
    try:
        membership = invitations.invitation_accept(raw=token, user=user, request=request)
    except invitations.InvitationInvalid as error:
        return render(request, "accounts/join_invalid.html", {"reason": str(error)}, status=410)
    if not request.user.is_authenticated:
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ORG_KEY] = membership.organization_id
    messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organization.name})
    return _see_other(reverse("dashboard:home"))


def organization_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """An organization's logo for its public pages (served here so no web server setup is needed)."""
    organization = get_object_or_404(Organization, slug=slug)
    if not organization.logo:
        raise Http404
    try:
        handle = organization.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_logo_type(organization.logo.name))
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _logo_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}.get(
        suffix, "application/octet-stream"
    )
