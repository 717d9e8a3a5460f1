"""/account/notifications/: every member chooses where alerts reach them."""

from django.urls import reverse

from otklik.sla.models import NotificationPreference

URL = "/account/notifications/"


def test_the_url_is_named():
    assert reverse("sla:preferences") == URL


def test_an_employee_chooses_telegram(world, login):
    client = login(world.employee)
    page = client.get(URL)
    assert page.status_code == 200
    assert "daily_digest" not in page.context["form"].fields  # the digest is for managers
    response = client.post(URL, {"email": "on", "telegram": "on", "telegram_chat_id": " 123456789 "})
    assert response.status_code == 303
    preference = NotificationPreference.objects.get(user=world.employee, organization=world.org)
    assert (preference.email, preference.telegram, preference.telegram_chat_id) == (True, True, "123456789")


def test_a_manager_turns_the_digest_off(world, login):
    client = login(world.manager)
    assert "daily_digest" in client.get(URL).context["form"].fields
    client.post(URL, {"email": "on"})
    assert NotificationPreference.objects.get(user=world.manager).daily_digest is False


def test_the_saved_choices_are_shown_again(world, login):
    client = login(world.viewer)
    client.post(URL, {"telegram": "on", "telegram_chat_id": "-100200300"})
    form = client.get(URL).context["form"]
    assert form["telegram_chat_id"].value() == "-100200300" and form["email"].value() is False


def test_it_explains_what_is_missing(world, login):
    client = login(world.employee)
    response = client.post(URL, {"telegram": "on"})
    assert response.status_code == 400
    assert "Give your Telegram chat id" in response.content.decode()
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "Choose at least one channel" in response.content.decode()
    response = client.post(URL, {"email": "on", "telegram_chat_id": "not a chat"})
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_each_user_changes_only_their_own_settings(world, login):
    login(world.stranger).post(URL, {"telegram": "on", "telegram_chat_id": "999"})
    assert list(NotificationPreference.objects.values_list("user__username", "organization__slug")) == [
        ("stan", "rival")
    ]


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response.url
