"""Forms of the outbox and message-template pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.messaging.kinds import message_kind_label
from otklik.messaging.models import OutboxStatus


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *OutboxStatus.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any kind")), *((kind, message_kind_label(kind)) for kind in kinds)]


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Body"), widget=forms.Textarea(attrs={"rows": 12}))
