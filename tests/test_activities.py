"""Activities designed by members (党内活动，党员做主): rounds, proposals, votes within windows, the adoption that
plans a meeting — every rule names its field and writes nothing when it refuses, a sibling branch gets 404 on
every page and action, and concurrent votes of one member never exceed the votes per member (PostgreSQL)."""

import os
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import Role
from dangjian.accounts.scoping import scope_for
from dangjian.activities import rules, services
from dangjian.activities.models import Proposal, Round, RoundState, Vote
from dangjian.audit.models import AuditEntry
from dangjian.meetings.models import Attendance, Meeting, MeetingState

from .factories import give_post, make_org, make_person, make_user

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are matched in English here (the pages too: English is the site language in these tests)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def open_round(tree, actor=None, org=None, **kw):
    """A round of branch1: proposals for a day, voting the day after (2 votes per member)."""
    now = timezone.now()
    data = {"title": "七月党内活动征集", "description": "围绕建党节，大家出主意。", "proposals_until": now + DAY,
            "voting_from": now + DAY, "voting_until": now + 2 * DAY, "votes_per_member": 2}
    data.update(kw)
    return services.open_round(actor if actor is not None else tree.users.branch1, org or tree.branch1, **data)


def propose(tree, rnd, user=None, title="重走红军路", **kw):
    return services.propose(user or tree.users.member1, rnd, title=title, **kw)


def voting(rnd):
    """A moment inside the round's voting window."""
    return rnd.voting_from + HOUR


def after(rnd):
    return rnd.voting_until + HOUR


def counts():
    return Round.objects.count(), Proposal.objects.count(), Vote.objects.count(), Meeting.objects.count()


def shift(rnd, proposals_until, voting_from, voting_until):
    """Move a round's windows relative to now (pages read the real clock)."""
    now = timezone.now()
    Round.objects.filter(pk=rnd.pk).update(proposals_until=now + proposals_until, voting_from=now + voting_from,
                                           voting_until=now + voting_until)
    rnd.refresh_from_db()
    return rnd


@pytest.fixture
def outsider_reader(tree):
    """Committee staff (on the roll of branch2) who see branch1's rounds through their post over the committee but
    are not members of branch1."""
    person = make_person(tree.branch2, name="组织部干事")
    give_post(person, tree.committee, Role.PARTY_WORKER)
    return make_user("staff", person)


# ---- the pure rules ----------------------------------------------------------------------------------------

def test_the_state_table_allows_only_its_transitions():
    A = rules.Action
    assert rules.next_state(RoundState.OPEN, A.START_VOTING) == RoundState.VOTING
    assert rules.next_state(RoundState.VOTING, A.CLOSE) == RoundState.CLOSED
    assert rules.next_state(RoundState.CLOSED, A.ADOPT) == RoundState.ADOPTED
    for state, action in ((RoundState.OPEN, A.ADOPT), (RoundState.VOTING, A.ADOPT), (RoundState.ADOPTED, A.CLOSE),
                          (RoundState.CLOSED, A.START_VOTING)):
        with pytest.raises(ValueError):
            rules.next_state(state, action)


def test_windows_are_half_open_and_the_phase_follows_the_clock():
    now = timezone.now()
    until, start, end = now + HOUR, now + 2 * HOUR, now + 3 * HOUR
    phase = lambda m, state=RoundState.OPEN: rules.phase(state, until, start, end, m)  # noqa: E731
    assert phase(now) == rules.OPEN
    assert phase(until) == rules.WAITING
    assert phase(start) == rules.VOTING
    assert phase(end) == rules.CLOSED
    assert phase(end, RoundState.ADOPTED) == rules.ADOPTED
    assert rules.due_actions(RoundState.OPEN, start, end, end) == [rules.Action.START_VOTING, rules.Action.CLOSE]
    assert rules.due_actions(RoundState.OPEN, start, end, now) == []
    from dangjian.orgs.models import lineage

    assert lineage("0000000100000002") == ["00000001", "0000000100000002"]


# ---- opening a round -----------------------------------------------------------------------------------------

def test_a_secretary_opens_a_round_of_their_branch(tree):
    rnd = open_round(tree)
    assert (rnd.state, rnd.org_path, rnd.votes_per_member) == (RoundState.OPEN, tree.branch1.path, 2)
    assert rnd.created_by == tree.users.branch1
    assert AuditEntry.objects.filter(model="activities.round", object_id=str(rnd.pk), action="create").exists()
    assert open_round(tree, actor=tree.users.committee).org == tree.branch1  # a post above covers the subtree


@pytest.mark.parametrize("change, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"proposals_until": "not a date"}, "proposals_until"),
    ({"proposals_until": timezone.now() - HOUR}, "proposals_until"),
    ({"voting_from": timezone.now() + HOUR}, "voting_from"),
    ({"voting_until": timezone.now() + DAY}, "voting_until"),
    ({"votes_per_member": 0}, "votes_per_member"),
    ({"votes_per_member": 11}, "votes_per_member"),
    ({"votes_per_member": "2"}, "votes_per_member"),
])
def test_bad_rounds_name_the_field_and_write_nothing(tree, change, field):
    before = counts()
    with pytest.raises(ValidationError) as e:
        open_round(tree, **change)
    assert field in e.value.error_dict
    assert counts() == before


@pytest.mark.parametrize("who", ["member1", "group1", "branch2"])
def test_only_managers_of_the_organisation_open_rounds(tree, who):
    with pytest.raises(Http404):
        open_round(tree, actor=getattr(tree.users, who))
    assert not Round.objects.exists()


# ---- proposing -----------------------------------------------------------------------------------------------

def test_members_of_the_subtree_propose_during_the_window(tree):
    rnd = open_round(tree)
    first = propose(tree, rnd, description="参观纪念馆后座谈", suggested_type="theme_day",
                    suggested_place="革命纪念馆", suggested_time="7月第一个周六上午")
    assert (first.proposer, first.suggested_type_id, first.withdrawn) == (tree.member1, "theme_day", False)
    # the secretary is a member of the branch too; a member of the group below proposes as well
    propose(tree, rnd, user=tree.users.branch1, title="音乐党课")
    propose(tree, rnd, user=tree.users.group1, title="给老党员过政治生日")
    probationary = make_person(tree.branch1, political_status="probationary", group=tree.group1)
    propose(tree, rnd, user=make_user("probationary", probationary), title="微电影")
    assert rnd.proposals.count() == 4
    assert AuditEntry.objects.filter(model="activities.proposal", action="create").count() == 4


def test_a_proposal_after_the_window_names_the_field_and_writes_nothing(tree):
    rnd = open_round(tree)
    for moment in (rnd.proposals_until, voting(rnd), after(rnd)):
        with pytest.raises(ValidationError) as e:
            propose(tree, rnd, moment=moment)
        assert "proposals_until" in e.value.error_dict
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "a\x00b"}, "description"),
    ({"suggested_type": "no-such-type"}, "suggested_type"),
    ({"suggested_place": "x" * 201}, "suggested_place"),
])
def test_bad_proposals_name_the_field_and_write_nothing(tree, change, field):
    rnd = open_round(tree)
    with pytest.raises(ValidationError) as e:
        propose(tree, rnd, **change)
    assert field in e.value.error_dict
    assert not Proposal.objects.exists()


def test_who_may_not_propose(tree, outsider_reader):
    rnd = open_round(tree)
    with pytest.raises(Http404):  # a sibling branch does not see the round
        propose(tree, rnd, user=tree.users.branch2)
    for user in (outsider_reader, tree.users.admin):  # they see it, but are not Party members of branch1
        with pytest.raises(ValidationError) as e:
            propose(tree, rnd, user=user)
        assert "proposer" in e.value.error_dict
    applicant = make_user("applicant", make_person(tree.branch1, political_status="applicant"))
    suspended = make_user("suspended", make_person(tree.branch1, status="suspended"))
    for user in (applicant, suspended):  # not on-roll Party members: the round is not theirs
        with pytest.raises(Http404):
            propose(tree, rnd, user=user)
    assert not Proposal.objects.exists()


def test_members_of_a_round_above_take_part_too(tree):
    rnd = open_round(tree, actor=tree.users.committee, org=tree.general)
    propose(tree, rnd, user=tree.users.member1)
    services.vote(tree.users.branch2, propose(tree, rnd, user=tree.users.branch2, title="二支部的主意"),
                  moment=voting(rnd))
    assert Vote.objects.filter(round=rnd).count() == 1


# ---- voting --------------------------------------------------------------------------------------------------

def test_members_vote_within_the_window_up_to_their_votes(tree):
    rnd = open_round(tree)
    a, b, c = (propose(tree, rnd, title=t) for t in ("重走红军路", "音乐党课", "政治生日"))
    services.vote(tree.users.member1, a, moment=voting(rnd))
    services.vote(tree.users.member1, b, moment=voting(rnd))
    services.vote(tree.users.branch1, a, moment=voting(rnd))
    assert services.my_votes(tree.users.member1, rnd) == {"proposals": {a.pk, b.pk}, "used": 2, "remaining": 0}
    with pytest.raises(ValidationError) as e:
        services.vote(tree.users.member1, c, moment=voting(rnd))
    assert "votes_per_member" in e.value.error_dict and "no votes left" in str(e.value)
    assert Vote.objects.count() == 3
    rnd.refresh_from_db()
    assert rnd.state == RoundState.VOTING
    assert AuditEntry.objects.filter(model="activities.round", object_id=str(rnd.pk), action="transition",
                                     after__action="start_voting").count() == 1


@pytest.mark.parametrize("case, field", [
    ("before", "voting_from"),
    ("during proposals", "voting_from"),
    ("after", "voting_until"),
    ("withdrawn", "proposal"),
    ("twice", "proposal"),
    ("not a member", "voter"),
])
def test_refused_votes_name_the_field_and_write_nothing(tree, outsider_reader, case, field):
    rnd = open_round(tree, votes_per_member=3)
    proposal = propose(tree, rnd)
    user, moment = tree.users.member1, voting(rnd)
    if case == "before":
        moment = rnd.voting_from - timedelta(seconds=1)
    elif case == "during proposals":
        moment = timezone.now()
    elif case == "after":
        moment = rnd.voting_until
    elif case == "withdrawn":
        services.withdraw(tree.users.member1, proposal)
    elif case == "twice":
        services.vote(user, proposal, moment=moment)
    elif case == "not a member":
        user = outsider_reader
    before = counts()
    with pytest.raises(ValidationError) as e:
        services.vote(user, proposal, moment=moment)
    assert field in e.value.error_dict, e.value
    assert counts() == before


def test_a_sibling_branch_cannot_vote(tree):
    rnd = open_round(tree)
    proposal = propose(tree, rnd)
    with pytest.raises(Http404):
        services.vote(tree.users.branch2, proposal, moment=voting(rnd))
    assert not Vote.objects.exists()


def test_a_withdrawn_proposal_gives_its_votes_back(tree):
    rnd = open_round(tree, votes_per_member=1)
    a, b = propose(tree, rnd, title="甲"), propose(tree, rnd, user=tree.users.branch1, title="乙")
    services.vote(tree.users.member1, b, moment=voting(rnd))
    with pytest.raises(ValidationError) as e:  # only the proposer or a manager withdraws
        services.withdraw(tree.users.member1, b, moment=voting(rnd))
    assert "proposal" in e.value.error_dict
    services.withdraw(tree.users.branch1, b, moment=voting(rnd))
    assert services.my_votes(tree.users.member1, rnd)["remaining"] == 1
    services.vote(tree.users.member1, a, moment=voting(rnd))
    assert [(p.title, p.n_votes, p.withdrawn) for p in services.results(rnd)] == [("甲", 1, False), ("乙", 1, True)]
    with pytest.raises(ValidationError) as e:
        services.withdraw(tree.users.member1, a, moment=after(rnd))
    assert "voting_until" in e.value.error_dict
    with pytest.raises(ValidationError) as e:
        services.withdraw(tree.users.branch1, b, moment=voting(rnd))
    assert "proposal" in e.value.error_dict
    assert not Proposal.objects.get(pk=a.pk).withdrawn


def test_results_count_the_votes_in_one_query(tree, django_assert_num_queries):
    rnd = open_round(tree, votes_per_member=3)
    a, b, c = (propose(tree, rnd, title=t) for t in ("甲", "乙", "丙"))
    for user, proposals in ((tree.users.member1, (b, c)), (tree.users.branch1, (b,)), (tree.users.group1, (b, c))):
        for p in proposals:
            services.vote(user, p, moment=voting(rnd))
    with django_assert_num_queries(1):
        rows = services.results(rnd)
        assert [(p.title, p.n_votes, p.proposer.name) for p in rows] == [
            ("乙", 3, "普通党员一"), ("丙", 2, "普通党员一"), ("甲", 0, "普通党员一")]
    assert services.turnout(rnd) == {"members": 5, "voted": 3}


# ---- adopting ------------------------------------------------------------------------------------------------

def test_adopting_plans_a_meeting_inviting_the_branch(tree):
    rnd = open_round(tree)
    proposal = propose(tree, rnd, title="主题党日：重走红军路", description="上午参观，下午座谈",
                       suggested_type="theme_day")
    services.vote(tree.users.member1, proposal, moment=voting(rnd))
    start = timezone.now() + 7 * DAY
    rnd = services.adopt(tree.users.branch1, rnd, proposal, starts_at=start, ends_at=start + 2 * HOUR,
                         place="革命纪念馆", moment=after(rnd))
    meeting = rnd.meeting
    assert (rnd.state, rnd.adopted_proposal, rnd.adopted_at) == (RoundState.ADOPTED, proposal, after(rnd))
    assert (meeting.state, meeting.org, meeting.topic, meeting.agenda, meeting.place) == (
        MeetingState.PLANNED, tree.branch1, "主题党日：重走红军路", "上午参观，下午座谈", "革命纪念馆")
    assert list(meeting.types.values_list("code", flat=True)) == ["theme_day"]
    invited = set(Attendance.objects.filter(meeting=meeting).values_list("person__name", flat=True))
    assert invited == {"委员会书记", "支部书记一", "小组长一", "普通党员一", "普通党员二"}
    transitions = list(AuditEntry.objects.filter(model="activities.round", object_id=str(rnd.pk),
                                                 action="transition").order_by("seq")
                       .values_list("after__action", flat=True))
    assert transitions == ["start_voting", "close", "adopt"]
    with pytest.raises(ValidationError) as e:  # one adoption per round
        services.adopt(tree.users.branch1, rnd, proposal, starts_at=start, ends_at=start + HOUR, place="x",
                       moment=after(rnd))
    assert "state" in e.value.error_dict
    assert Meeting.objects.count() == 1


def test_adopting_takes_the_managers_types_or_a_themed_party_day(tree):
    rnd = open_round(tree)
    plain = propose(tree, rnd, title="读书分享会")
    start = timezone.now() + 7 * DAY
    rnd = services.adopt(tree.users.committee, rnd, plain.pk, starts_at=start, ends_at=start + HOUR, place="会议室",
                         moment=after(rnd))
    assert list(rnd.meeting.types.values_list("code", flat=True)) == ["theme_day"]
    other = open_round(tree)
    lesson = propose(tree, other, title="音乐党课")
    other = services.adopt(tree.users.branch1, other, lesson, starts_at=start, ends_at=start + HOUR,
                           place="会议室", types=["lesson", "study"], moment=after(other))
    assert set(other.meeting.types.values_list("code", flat=True)) == {"lesson", "study"}


@pytest.mark.parametrize("case, field", [
    ("during voting", "voting_until"),
    ("before voting", "voting_until"),
    ("withdrawn", "proposal"),
    ("another round", "proposal"),
    ("no proposal", "proposal"),
    ("ends before it starts", "ends_at"),
    ("no place", "place"),
    ("unknown type", "types"),
])
def test_refused_adoptions_name_the_field_and_write_nothing(tree, case, field):
    rnd = open_round(tree)
    proposal = propose(tree, rnd)
    start = timezone.now() + 7 * DAY
    kw = {"starts_at": start, "ends_at": start + HOUR, "place": "会议室", "moment": after(rnd)}
    if case == "during voting":
        kw["moment"] = voting(rnd)
    elif case == "before voting":
        kw["moment"] = timezone.now()
    elif case == "withdrawn":
        services.withdraw(tree.users.member1, proposal)
    elif case == "another round":
        proposal = propose(tree, open_round(tree), title="别的轮次")
    elif case == "no proposal":
        proposal = "abc"
    elif case == "ends before it starts":
        kw["ends_at"] = start - HOUR
    elif case == "no place":
        kw["place"] = ""
    elif case == "unknown type":
        kw["types"] = ["no-such-type"]
    before = counts(), AuditEntry.objects.filter(action="transition").count()
    with pytest.raises(ValidationError) as e:
        services.adopt(tree.users.branch1, rnd, proposal, **kw)
    assert field in e.value.error_dict, e.value
    assert (counts(), AuditEntry.objects.filter(action="transition").count()) == before
    rnd.refresh_from_db()
    assert rnd.state == RoundState.OPEN and rnd.meeting_id is None


@pytest.mark.parametrize("who", ["member1", "group1", "branch2"])
def test_only_managers_of_the_organisation_adopt(tree, who):
    rnd = open_round(tree)
    proposal = propose(tree, rnd)
    start = timezone.now() + 7 * DAY
    with pytest.raises(Http404):
        services.adopt(getattr(tree.users, who), rnd, proposal, starts_at=start, ends_at=start + HOUR,
                       place="会议室", moment=after(rnd))
    assert not Meeting.objects.exists()


def test_the_clock_advances_the_stored_states(tree):
    rnd = open_round(tree)
    assert services.advance_due() == 0
    assert services.advance_due(moment=voting(rnd)) == 1
    rnd.refresh_from_db()
    assert rnd.state == RoundState.VOTING
    assert services.advance_due(moment=after(rnd)) == 1
    assert services.advance_due(moment=after(rnd)) == 0  # safe to run twice
    rnd.refresh_from_db()
    assert rnd.state == RoundState.CLOSED


def test_visibility(tree):
    mine = open_round(tree)
    theirs = open_round(tree, actor=tree.users.branch2, org=tree.branch2)
    above = open_round(tree, actor=tree.users.committee, org=tree.general)

    def seen(user):
        return set(services.visible_rounds(user).values_list("pk", flat=True))

    assert seen(tree.users.member1) == {mine.pk, above.pk}  # their branch's and the one above
    assert seen(tree.users.branch2) == {theirs.pk, above.pk}
    assert seen(tree.users.committee) == {mine.pk, theirs.pk, above.pk}
    assert seen(tree.users.admin) == {mine.pk, theirs.pk, above.pk}
    with pytest.raises(Http404):
        services.get_round_or_404(tree.users.branch2, mine.pk)


# ---- pages ---------------------------------------------------------------------------------------------------

def test_the_whole_story_through_the_pages(client, tree):
    client.force_login(tree.users.branch1)
    assert client.get(reverse("activities:new")).status_code == 200
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(reverse("activities:new"), {
        "org": tree.branch1.pk, "title": "七月活动征集", "description": "", "votes_per_member": "1",
        "proposals_until": (now + DAY).strftime(fmt), "voting_from": (now + DAY).strftime(fmt),
        "voting_until": (now + 2 * DAY).strftime(fmt)})
    rnd = Round.objects.get(title="七月活动征集")
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[rnd.pk])

    client.force_login(tree.users.member1)
    page = client.get(reverse("activities:detail", args=[rnd.pk]))
    assert page.status_code == 200 and reverse("activities:propose", args=[rnd.pk]) in page.content.decode()
    assert client.get(reverse("activities:propose", args=[rnd.pk])).status_code == 200
    response = client.post(reverse("activities:propose", args=[rnd.pk]), {
        "title": "重走红军路", "description": "参观纪念馆", "suggested_type": "theme_day", "suggested_place": "纪念馆",
        "suggested_time": "周六上午"})
    proposal = Proposal.objects.get(title="重走红军路")
    assert response.status_code == 302 and proposal.proposer == tree.member1
    response = client.post(reverse("activities:propose", args=[rnd.pk]), {"title": " "})
    assert response.status_code == 200 and "title" in response.context["form"].errors

    shift(rnd, -2 * HOUR, -HOUR, DAY)  # voting now
    page = client.get(reverse("activities:detail", args=[rnd.pk])).content.decode()
    results_url = reverse("activities:results", args=[rnd.pk])
    assert f'hx-get="{results_url}"' in page and "Votes left: 1 of 1" in page
    response = client.post(reverse("activities:vote", args=[rnd.pk, proposal.pk]))
    assert response.status_code == 302 and Vote.objects.filter(voter=tree.member1, proposal=proposal).exists()
    partial = client.get(reverse("activities:results", args=[rnd.pk])).content.decode()
    assert "Votes left: 0 of 1" in partial and 'data-votes="1"' in partial
    response = client.post(reverse("activities:vote", args=[rnd.pk, proposal.pk]), follow=True)
    assert "already voted" in response.content.decode() and Vote.objects.count() == 1
    assert client.get(reverse("activities:adopt", args=[rnd.pk])).status_code == 404  # members do not adopt

    shift(rnd, -3 * HOUR, -2 * HOUR, -HOUR)  # voting over
    client.force_login(tree.users.branch1)
    assert client.get(reverse("activities:adopt", args=[rnd.pk])).status_code == 200
    start = now + 7 * DAY
    response = client.post(reverse("activities:adopt", args=[rnd.pk]), {
        "proposal": proposal.pk, "starts_at": start.strftime(fmt), "ends_at": (start + HOUR).strftime(fmt),
        "place": "纪念馆"})
    rnd.refresh_from_db()
    assert rnd.state == RoundState.ADOPTED
    assert response.status_code == 302 and response["Location"] == reverse("meetings:detail", args=[rnd.meeting_id])
    page = client.get(reverse("activities:detail", args=[rnd.pk])).content.decode()
    assert reverse("meetings:detail", args=[rnd.meeting_id]) in page


def test_a_bad_adoption_shows_the_field_error(client, tree):
    rnd = open_round(tree)
    proposal = propose(tree, rnd)
    shift(rnd, -3 * HOUR, -2 * HOUR, -HOUR)
    client.force_login(tree.users.branch1)
    start = timezone.localtime() + DAY
    response = client.post(reverse("activities:adopt", args=[rnd.pk]), {
        "proposal": proposal.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": start.strftime("%Y-%m-%dT%H:%M"), "place": "会议室"})
    assert response.status_code == 200 and "ends_at" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_pages_render_for_members_and_managers(client, tree):
    rnd = open_round(tree)
    propose(tree, rnd)
    for user in (tree.users.member1, tree.users.committee, tree.users.admin):
        client.force_login(user)
        listing = client.get(reverse("activities:list"))
        assert listing.status_code == 200 and rnd in listing.context["page"].object_list
        assert client.get(reverse("activities:detail", args=[rnd.pk])).status_code == 200
        assert client.get(reverse("activities:results", args=[rnd.pk])).status_code == 200
    client.force_login(tree.users.member1)
    assert client.get(reverse("activities:new")).status_code == 404
    assert "open-round" not in client.get(reverse("activities:list")).content.decode()


def test_a_sibling_branch_gets_404_everywhere(client, tree):
    rnd = open_round(tree)
    proposal = propose(tree, rnd)
    client.force_login(tree.users.branch2)
    for name in ("detail", "results", "propose", "adopt"):
        assert client.get(reverse(f"activities:{name}", args=[rnd.pk])).status_code == 404, name
    shift(rnd, -2 * HOUR, -HOUR, DAY)
    before = counts()
    for name, args, data in (("propose", [rnd.pk], {"title": "x"}), ("vote", [rnd.pk, proposal.pk], {}),
                             ("withdraw", [rnd.pk, proposal.pk], {}),
                             ("adopt", [rnd.pk], {"proposal": proposal.pk, "place": "x"})):
        assert client.post(reverse(f"activities:{name}", args=args), data).status_code == 404, name
    assert counts() == before and not Proposal.objects.get(pk=proposal.pk).withdrawn
    response = client.post(reverse("activities:new"), {"org": tree.branch1.pk, "title": "x"})
    assert "org" in response.context["form"].errors
    assert rnd not in client.get(reverse("activities:list")).context["page"].object_list
    assert counts() == before


@pytest.mark.parametrize("n", [1, 25])
def test_the_list_page_queries_do_not_grow(client, tree, n, django_assert_max_num_queries):
    for i in range(n):
        rnd = open_round(tree, title=f"第{i}轮")
        propose(tree, rnd)
    client.force_login(tree.users.member1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("activities:list"))
    assert len(response.context["page"].object_list) == min(n, 20)
    assert "Proposals: 1" in response.content.decode()


# ---- concurrency (PostgreSQL) ---------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="SQLite's in-memory test database locks whole tables across threads; runs on PostgreSQL")
def test_concurrent_votes_of_one_member_never_exceed_the_votes_per_member():
    """One member fires votes for eight proposals (and the same proposal four times) from eight connections at
    once: at most `votes_per_member` are recorded, one per proposal, and every refusal is a clear DomainError."""
    from django.db import connection

    branch = make_org("branch", parent=make_org("committee"))
    secretary = make_person(branch, name="支部书记")
    give_post(secretary, branch)
    manager = make_user("secretary", secretary)
    voter = make_user("voter", make_person(branch, name="投票党员"))
    rnd = services.open_round(manager, branch, title="并发投票", proposals_until=timezone.now() + HOUR,
                              voting_from=timezone.now() + HOUR, voting_until=timezone.now() + DAY,
                              votes_per_member=2)
    proposals = [services.propose(manager, rnd, title=f"活动{i}") for i in range(8)]
    moment = voting(rnd)
    services.advance_due(moment=moment)  # the rounds are in voting before the votes arrive (no transition to wait on)
    scope_for(voter)  # computed once here, then only read by the threads

    def fire(targets):
        barrier = threading.Barrier(len(targets))
        accepted, refused, failures = [], [], []

        def one(proposal):
            try:
                barrier.wait(timeout=30)
                services.vote(voter, proposal, moment=moment)
                accepted.append(proposal.pk)
            except ValidationError as e:
                refused.append(next(iter(e.error_dict)))
            except Exception as e:  # reported below
                failures.append(repr(e))
            finally:
                connection.close()

        threads = [threading.Thread(target=one, args=(p,)) for p in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads)
        assert failures == []
        return accepted, refused

    accepted, refused = fire(proposals)
    assert len(accepted) == 2 and sorted(refused) == ["votes_per_member"] * 6
    assert Vote.objects.filter(round=rnd, voter_id=voter.person_id).count() == 2

    other = services.open_round(manager, branch, title="重复投票", proposals_until=timezone.now() + HOUR,
                                voting_from=timezone.now() + HOUR, voting_until=timezone.now() + DAY,
                                votes_per_member=3)
    same = services.propose(manager, other, title="同一个活动")
    services.advance_due(moment=moment)
    accepted, refused = fire([same] * 4)
    assert len(accepted) == 1 and refused == ["proposal"] * 3
    assert Vote.objects.filter(round=other).count() == 1
