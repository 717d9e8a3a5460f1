"""The public answer form: its fields shared between forms, and the order of its checks."""

from django.http import QueryDict

from otklik.surveys import forms
from otklik.surveys.forms import AnswerForm
from otklik.surveys.questions import field_name
from otklik.testing.factories import make_question, make_survey


def test_a_form_copies_its_shared_fields_flat(world, monkeypatch):
    # Django deep-copies a form class's fields for every form; the answer form's are shared, so its dict is copied
    # flat instead of being walked field by field only to get each one back (decision 0056).
    copied = []
    monkeypatch.setattr(forms._Shared, "__deepcopy__", lambda field, memo: copied.append(field) or field)
    form = AnswerForm(QueryDict("score=3"), survey=world.nps, language="en")
    assert copied == []
    assert form.fields is not AnswerForm.base_fields
    assert all(form.fields[name] is field for name, field in AnswerForm.base_fields.items())


def test_an_extra_question_adds_its_field_to_its_own_form_only(world):
    survey = make_survey(organization=world.org, kind="nps")
    question = make_question(survey=survey, kind="text", text="What did you order?")
    with_question = AnswerForm(QueryDict(f"score=9&{field_name(question)}=Tea"), survey=survey, language="en")
    plain = AnswerForm(QueryDict("score=9"), survey=world.nps, language="en")
    assert with_question.is_valid() and plain.is_valid()
    assert with_question.cleaned_data[field_name(question)] == "Tea"
    assert field_name(question) not in plain.fields
    assert field_name(question) not in AnswerForm.base_fields
    assert set(AnswerForm.base_fields) <= set(plain.fields)


def test_a_refused_e_mail_asks_for_no_consent(world):
    # The consent check reads the answer after the field checks: an e-mail refused there is no contact left.
    form = AnswerForm(QueryDict("score=3&email=bad"), survey=world.nps, language="en")
    assert not form.is_valid()
    assert "email" in form.errors
    assert "contact_consent" not in form.errors
    form = AnswerForm(QueryDict("score=3&email=c@example.org"), survey=world.nps, language="en")
    assert not form.is_valid()
    assert "contact_consent" in form.errors
