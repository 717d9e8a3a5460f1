"""Forms of the account pages: login, a new organization, an API token, joining by invitation."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Membership


class LoginForm(AuthenticationForm):
    """Django's login form that also refuses an account with no active membership (deactivated everywhere)."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": _("Wrong username or password.")}

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff and not Membership.objects.filter(user=user, is_active=True).exists():
            raise forms.ValidationError(
                _("This account is not active in any organization. Ask your manager."), code="inactive"
            )


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(label=_("Short name for links (slug)"), max_length=60)
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Moscow")
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, initial="RUB")


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses this token, e.g. “1C export”."))


class JoinForm(forms.Form):
    """A new account for an invited address: a username and a password Django's validators accept."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken; choose another."))
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=cleaned.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
