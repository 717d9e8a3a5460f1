"""The loyalty-factor pages: themes with their weight, a theme's page and its shaping, departments, one answer."""

import pytest
from django.contrib.auth.models import Permission

from otklik.audit.models import AuditAction, AuditEvent
from otklik.insights.models import Department, Theme, ThemeJob
from otklik.insights.services import answers_tag, department_save
from otklik.insights.tests import samples
from otklik.insights.tests.conftest import make_theme
from otklik.insights.tests.helpers import add_answers

BAG_LOST_NO_HELP = "569568158584950787"
ON_HOLD_24_MINUTES = "569927630469894144"
SHIT_TOGETHER = "567849520781893632"  # "@VirginAmerica Why is it taking 12 years ...? Get your shit together."
MAT = "626078112271500000"  # "Ебала я эту связь, билайн говно, надо переходить на мтс."


@pytest.fixture
def luggage(world):
    bag, hold = samples.airline(BAG_LOST_NO_HELP), samples.airline(ON_HOLD_24_MINUTES)
    answers = add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(1, bag), (3, bag), (8, hold), (10, "")],
    )
    add_answers(world_touchpoint=world.other_checkout, survey=world.nps, answers=[(2, bag)])
    theme = make_theme(world.org, "Luggage", ["bag"])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    return theme, answers


def stranger_urls(theme, department, answer) -> list[str]:
    return [
        f"/insights/themes/{theme.pk}/",
        f"/insights/departments/{department.pk}/",
        f"/answers/{answer.pk}/",
    ]


def test_a_stranger_gets_404_on_every_page_and_action(world, login, luggage):
    theme, answers = luggage
    department = department_save(organization=world.org, name="Baggage", members=[])
    client = login(world.stranger)
    for url in stranger_urls(theme, department, answers[0]):
        assert client.get(url).status_code == 404, url
    for action in ("rename", "pin", "ban", "split", "department"):
        assert client.post(f"/insights/themes/{theme.pk}/{action}/", {"name": "x"}).status_code == 404, action
    assert client.post(f"/insights/departments/{department.pk}/", {"delete": "1"}).status_code == 404
    assert Department.objects.filter(pk=department.pk).exists()
    assert Theme.objects.get(pk=theme.pk).name == "Luggage"
    # The stranger's own list shows none of ours.
    assert "Luggage" not in client.get("/insights/").content.decode()


def test_pages_ask_for_a_login(client, world):
    assert client.get("/insights/").status_code == 302


def test_the_loyalty_factors_page_shows_each_themes_weight(world, login, luggage):
    theme, _answers = luggage
    html = login(world.viewer).get("/insights/").content.decode()
    assert f'href="/insights/themes/{theme.pk}/"' in html
    assert '100.0% <span class="muted">(3)</span>' in html  # all 3 detractors mention bags
    assert "+60.0" in html  # 3 detractors of 5 NPS answers
    assert "Airport · Checkout" in html  # where it gathers: 1 of 1 answer with a comment there
    assert "Discover themes" not in html  # a viewer does not shape themes


def test_an_employee_sees_the_weights_of_their_locations_only(world, login, luggage):
    html = login(world.employee).get("/insights/").content.decode()
    assert "+50.0" in html  # 2 detractors of their 4 NPS answers
    assert "Airport" not in html


def test_the_period_filter_rejects_a_reversed_period(world, login, luggage):
    page = login(world.manager).get("/insights/", {"date_from": "2015-03-01", "date_to": "2015-01-01"})
    assert page.status_code == 400


def test_a_manager_asks_for_discovery(world, login):
    page = login(world.manager).post("/insights/discover/", {"k": "6"})
    assert page.status_code == 303
    job = ThemeJob.objects.get(organization=world.org)
    assert (job.kind, job.k, job.requested_by) == (ThemeJob.Kind.DISCOVER, 6, world.manager)
    html = login(world.manager).get("/insights/").content.decode()
    assert "Discovery is under way" in html


def test_discovery_refuses_a_bad_number_and_queues_nothing(world, login):
    login(world.manager).post("/insights/discover/", {"k": "500"})
    assert not ThemeJob.objects.exists()


def test_an_employee_cannot_shape_themes(world, login, luggage):
    theme, _answers = luggage
    client = login(world.employee)
    assert client.post("/insights/discover/", {"k": "6"}).status_code == 403
    assert client.post(f"/insights/themes/{theme.pk}/rename/", {"name": "Bags"}).status_code == 403
    assert Theme.objects.get(pk=theme.pk).name == "Luggage"


def test_the_theme_page_shows_trend_places_and_masked_examples(world, login, luggage):
    theme, _answers = luggage
    add_answers(
        world_touchpoint=world.checkout,
        survey=world.nps,
        answers=[(0, samples.airline(SHIT_TOGETHER) + " Also lost my bag.")],
    )
    answers_tag(organization=world.org, responses=world.org.responses.all())
    html = login(world.employee).get(f"/insights/themes/{theme.pk}/").content.decode()
    assert "Get your s*** together. Also lost my bag." in html
    assert "shit" not in html  # an employee without the permission never gets the original
    assert "February 2015" in html  # the trend by month
    assert "Main Street" in html and "Airport" not in html
    manager_html = login(world.manager).get(f"/insights/themes/{theme.pk}/").content.decode()
    assert "Show original" in manager_html and "Get your shit together." not in manager_html
    manager_html = login(world.manager).get(f"/insights/themes/{theme.pk}/?original=1").content.decode()
    assert "Hide original" in manager_html and "Get your shit together." in manager_html


def test_a_manager_renames_pins_bans_and_splits(world, login, luggage):
    theme, answers = luggage
    client = login(world.manager)
    assert client.post(f"/insights/themes/{theme.pk}/rename/", {"name": "Baggage"}).status_code == 303
    assert client.post(f"/insights/themes/{theme.pk}/pin/", {"pin-keyword": "hold"}).status_code == 303
    theme.refresh_from_db()
    assert theme.name == "Baggage" and theme.pinned_keywords == ["bag", "hold"]
    assert theme.answer_themes.filter(response=answers[2]).exists()  # re-tagged: "on hold"
    assert client.post(f"/insights/themes/{theme.pk}/ban/", {"ban-keyword": "hold"}).status_code == 303
    assert not theme.answer_themes.filter(response=answers[2]).exists()
    page = client.post(f"/insights/themes/{theme.pk}/split/", {"keywords": "hold", "name": "Phone wait"})
    new = Theme.objects.get(organization=world.org, name="Phone wait")
    assert page["Location"] == f"/insights/themes/{new.pk}/"
    assert new.answer_themes.filter(response=answers[2]).exists()


def test_bad_shaping_input_is_refused_and_changes_nothing(world, login, luggage):
    theme, _answers = luggage
    client = login(world.manager)
    assert client.post(f"/insights/themes/{theme.pk}/rename/", {"name": "  "}).status_code == 400
    assert client.post(f"/insights/themes/{theme.pk}/split/", {"keywords": " , ", "name": "X"}).status_code == 400
    assert client.get(f"/insights/themes/{theme.pk}/rename/").status_code == 405
    theme.refresh_from_db()
    assert theme.name == "Luggage" and Theme.objects.filter(organization=world.org).count() == 1


def test_a_manager_merges_two_themes(world, login, luggage):
    theme, answers = luggage
    hold = make_theme(world.org, "Hold", ["hold"])
    answers_tag(organization=world.org, responses=world.org.responses.all())
    page = login(world.manager).post("/insights/merge/", {"themes": [theme.pk, hold.pk], "name": "Service"})
    assert page.status_code == 303
    [merged] = Theme.objects.filter(organization=world.org)
    assert merged.name == "Service" and merged.answer_themes.filter(response=answers[2]).exists()


def test_merging_another_organizations_theme_is_refused(world, login, luggage):
    theme, _answers = luggage
    theirs = make_theme(world.other_org, "Bags", ["bag"])
    login(world.manager).post("/insights/merge/", {"themes": [theme.pk, theirs.pk], "name": "Service"})
    assert Theme.objects.filter(pk=theirs.pk, name="Bags").exists()
    assert Theme.objects.get(pk=theme.pk).name == "Luggage"


def test_a_manager_makes_a_department_and_gives_it_a_theme(world, login, luggage):
    theme, _answers = luggage
    client = login(world.manager)
    page = client.post("/insights/departments/", {"name": "Baggage", "members": [world.employee.pk]})
    assert page.status_code == 303
    department = Department.objects.get(organization=world.org)
    assert list(department.members.all()) == [world.employee]
    assert client.post(f"/insights/themes/{theme.pk}/department/", {"department": department.pk}).status_code == 303
    assert Theme.objects.get(pk=theme.pk).department == department
    assert "Luggage" in client.get("/insights/departments/").content.decode()


def test_a_department_refuses_a_stranger_as_member_and_another_orgs_department(world, login, luggage):
    theme, _answers = luggage
    theirs = department_save(organization=world.other_org, name="Theirs", members=[])
    client = login(world.manager)
    assert client.post("/insights/departments/", {"name": "B", "members": [world.stranger.pk]}).status_code == 400
    assert client.post(f"/insights/themes/{theme.pk}/department/", {"department": theirs.pk}).status_code == 400
    assert not Department.objects.filter(organization=world.org).exists()
    assert Theme.objects.get(pk=theme.pk).department is None


def test_a_department_is_renamed_and_deleted(world, login):
    department = department_save(organization=world.org, name="Baggage", members=[world.employee])
    client = login(world.manager)
    page = client.post(f"/insights/departments/{department.pk}/", {"name": "Luggage desk", "members": []})
    assert page.status_code == 303
    department.refresh_from_db()
    assert department.name == "Luggage desk" and not department.members.exists()
    assert client.post(f"/insights/departments/{department.pk}/", {"delete": "1"}).status_code == 303
    assert not Department.objects.exists()
    assert login(world.employee).get("/insights/departments/").status_code == 403


def test_the_answer_page_shows_themes_language_and_the_d4_panel(world, login, luggage):
    theme, answers = luggage
    html = login(world.manager).get(f"/answers/{answers[0].pk}/").content.decode()
    assert f'href="/insights/themes/{theme.pk}/"' in html
    assert 'id="answer-language">en<' in html
    assert "Is this complaint representative?" in html
    assert "Too few answers at this location to tell" in html


def test_an_employee_cannot_open_an_answer_of_another_location(world, login, luggage):
    other = world.org.responses.get(location=world.other_store)
    assert login(world.employee).get(f"/answers/{other.pk}/").status_code == 404
    assert login(world.employee).get(f"/answers/{luggage[1][0].pk}/").status_code == 200


def test_insults_are_masked_in_the_answers_list_with_the_original_for_managers(world, login):
    text = samples.russian(MAT)
    [answer] = add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, text)])
    masked = "Е**** я эту связь, билайн г****, надо переходить на мтс."
    html = login(world.employee).get("/answers/").content.decode()
    assert masked in html and "говно" not in html
    assert f'href="/answers/{answer.pk}/"' in html
    html = login(world.manager).get("/answers/").content.decode()
    assert masked in html and "Show original" in html and "говно" not in html  # only on request
    assert not AuditEvent.objects.filter(action=AuditAction.ORIGINAL_VIEWED).exists()
    html = login(world.manager).get("/answers/?original=1").content.decode()
    assert "говно" in html
    [event] = AuditEvent.objects.filter(action=AuditAction.ORIGINAL_VIEWED)  # one per page, not per answer
    assert event.actor == world.manager and event.organization == world.org and event.target == "/answers/"
    assert "говно" not in login(world.employee).get("/answers/?original=1").content.decode()


def test_the_permission_lets_a_viewer_see_the_original(world, login):
    text = samples.russian(MAT)
    [answer] = add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, text)])
    assert "говно" not in login(world.viewer).get(f"/answers/{answer.pk}/").content.decode()
    world.viewer.user_permissions.add(Permission.objects.get(codename="view_original_text"))
    world.viewer = type(world.viewer).objects.get(pk=world.viewer.pk)  # drop the cached permissions
    assert "говно" in login(world.viewer).get(f"/answers/{answer.pk}/?original=1").content.decode()


def test_the_case_page_masks_the_complaint_and_asks_whether_it_is_representative(world, login):
    from otklik.intake.complaints import complaint_open_for_answer

    text = samples.airline(SHIT_TOGETHER)
    [answer] = add_answers(world_touchpoint=world.checkout, survey=world.nps, answers=[(1, text)])
    case = complaint_open_for_answer(response=answer, notify=False)
    html = login(world.employee).get(f"/cases/{case.pk}/").content.decode()
    assert "Get your s*** together." in html and "shit" not in html
    assert "Is this complaint representative?" in html
    assert "Get your s*** together." in login(world.employee).get("/cases/").content.decode()


def test_the_dashboard_shows_the_top_loyalty_factors(world, login, luggage):
    theme, _answers = luggage
    html = login(world.manager).get("/").content.decode()
    assert "Top loyalty factors" in html
    assert f'href="/insights/themes/{theme.pk}/"' in html


def test_the_dashboard_says_when_there_are_no_themes_yet(world, login):
    html = login(world.manager).get("/").content.decode()
    assert "No themes yet" in html
