from django import forms
from django.utils.translation import gettext_lazy as _

from otklik.imports.jobs import check_upload_size
from otklik.imports.mapping import KINDS, field_choices


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file holds"), choices=list(KINDS.items()), initial="purchases")
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "CSV in UTF-8 or Windows-1251 (as 1C and Excel save it), separated by ; or , — or an XLSX workbook."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_upload_size(upload.size)
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds, or none."""

    def __init__(self, *args, kind: str, header: list[str], mapping: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        by_column = {index: name for name, index in mapping.items()}
        choices = [("", _("— leave out —")), *field_choices(kind)]
        for index, name in enumerate(header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=name or _("column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=by_column.get(index, ""),
            )

    def mapping(self) -> dict[str, int]:
        return {value: int(key.removeprefix("col_")) for key, value in self.cleaned_data.items() if value}

    def clean(self):
        data = super().clean()
        chosen = [value for value in data.values() if value]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each field can come from one column only."))
        return data
