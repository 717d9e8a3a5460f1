from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from otklik.imports.cleaning import DATE_FORMATS, NEW_LOCATIONS, WITHOUT_CUSTOMER
from otklik.imports.jobs import check_upload_size
from otklik.imports.mapping import KINDS, field_choices


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=list(KINDS.items()), initial="purchases")
    file = forms.FileField(
        label=_("CSV, Excel, OpenDocument or 1C CommerceML file"),
        help_text=_(
            "CSV in UTF-8, UTF-16, Windows-1251 or Windows-1252 (as 1C and Excel save it), separated by ; or , — "
            "an Excel workbook (XLSX, or XLS of Excel 97–2003), an OpenDocument spreadsheet (ODS), or 1C's "
            "CommerceML exchange file (orders or the catalogue)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload.size)
        return upload


def _kept_choice(label: str, choices: dict, initial: str) -> forms.ChoiceField:
    """A reading choice as radio buttons; when the form does not send it, the job's choice stays."""
    return forms.ChoiceField(
        label=label, choices=list(choices.items()), widget=forms.RadioSelect, initial=initial, required=False
    )


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds, or none; for purchases, how to read them."""

    def __init__(
        self,
        *args,
        kind: str,
        header: list[str],
        mapping: dict[str, int],
        date_format: str = "",
        without_customer: str = "anonymous",
        new_locations: str = "add",
        notify: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        by_column = {index: name for name, index in mapping.items()}
        choices = [("", _("— leave out —")), *field_choices(kind)]
        # A header past the limit (a job from before it) is shown up to the limit: the page stays small.
        for index, name in enumerate(header[: settings.OTKLIK_IMPORT_MAX_COLUMNS]):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=name or _("column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=by_column.get(index, ""),
            )
        if kind == "purchases":
            self.fields["date_format"] = forms.ChoiceField(
                label=_("Dates are written as"),
                choices=[("", _("decide from the whole column")), *DATE_FORMATS.items()],
                required=False,
                initial=date_format,
            )
            self.fields["without_customer"] = _kept_choice(
                _("Rows without a customer"), WITHOUT_CUSTOMER, without_customer
            )
            self.fields["new_locations"] = _kept_choice(
                _("Locations the file names that are not set up"), NEW_LOCATIONS, new_locations
            )

        if kind == "complaints":
            self.fields["notify"] = forms.BooleanField(
                label=_("Alert the responsible people and thank the customers who left an e-mail"),
                required=False,
                initial=notify,
            )

    def column_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("col_")]

    def mapping(self) -> dict[str, int]:
        return {
            value: int(key.removeprefix("col_"))
            for key, value in self.cleaned_data.items()
            if key.startswith("col_") and value
        }

    def choices(self) -> dict[str, str]:
        """The purchases' reading choices and the complaints' alerts, for jobs.job_set_mapping."""
        data = self.cleaned_data
        choices = {"date_format": data["date_format"]} if "date_format" in self.data else {}
        for name in ("without_customer", "new_locations"):
            if data.get(name):
                choices[name] = data[name]
        if "notify" in self.fields:
            choices["notify"] = data["notify"]
        return choices

    def clean(self):
        data = super().clean()
        chosen = [value for key, value in data.items() if key.startswith("col_") and value]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each field can come from one column only."))
        return data


class ComplaintImportForm(forms.Form):
    """The quick complaints page: a small file checked and imported at once, with the guessed columns."""

    file = forms.FileField(label=_("CSV or XLSX file"))
    notify = forms.BooleanField(
        label=_("Alert the responsible people and thank the customers who left an e-mail"), required=False
    )
