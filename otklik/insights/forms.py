"""Forms of the loyalty-factor pages; every choice is limited to the member's organization."""

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.insights.models import Department, Theme
from otklik.insights.services import DEFAULT_K, MAX_K, MIN_K

KEYWORD_MAX = 100


class DiscoverForm(forms.Form):
    k = forms.IntegerField(label=_("Number of themes"), min_value=MIN_K, max_value=MAX_K, initial=DEFAULT_K)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class KeywordForm(forms.Form):
    keyword = forms.CharField(label=_("Key word"), max_length=KEYWORD_MAX)


class SplitForm(forms.Form):
    keywords = forms.CharField(
        label=_("Key words of the new theme"),
        max_length=1000,
        help_text=_("Separated by commas; answers that use them move to the new theme."),
    )
    name = forms.CharField(label=_("Name of the new theme"), max_length=200)

    def clean_keywords(self) -> list[str]:
        words = [word.strip() for word in self.cleaned_data["keywords"].split(",") if word.strip()]
        if not words:
            raise forms.ValidationError(_("Type at least one key word."))
        if any(len(word) > KEYWORD_MAX for word in words):
            raise forms.ValidationError(_("A key word is too long."))
        return words


class MergeForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes to merge"), queryset=Theme.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(label=_("Name of the merged theme"), max_length=200)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(organization=organization)

    def clean_themes(self):
        themes = self.cleaned_data["themes"]
        if len(themes) < 2:
            raise forms.ValidationError(_("Choose at least two themes to merge."))
        return themes


class ThemeDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("None")
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(organization=organization)


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    members = MemberChoiceField(
        label=_("Members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.filter(memberships__organization=organization).order_by(
            "username"
        )


class ProfanityWordForm(forms.Form):
    word = forms.CharField(
        label=_("Word to mask"),
        max_length=100,
        help_text=_("One word; all its forms are masked for everyone not allowed to see original texts."),
    )
