"""The confirmation asked before a customer's data is erased."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.customers.models import Customer


class CustomerEraseForm(forms.Form):
    """The confirmation step before erasing: a checkbox, and the customer's name typed when there is one."""

    confirm = forms.BooleanField(
        label=_("I understand that the customer's contacts and words are removed for good; scores stay."),
        required=True,
    )
    name = forms.CharField(label=_("Type the customer's name to confirm"), required=False, max_length=200)

    def __init__(self, *args, customer: Customer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        if not customer.name:
            del self.fields["name"]

    def clean_name(self) -> str:
        typed = " ".join(self.cleaned_data.get("name", "").split())
        if typed.casefold() != " ".join(self.customer.name.split()).casefold():
            raise forms.ValidationError(_("The name does not match the customer's name."))
        return typed
