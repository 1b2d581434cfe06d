"""The yearly fee disclosure becomes a publication of kind fee_disclosure (through publications.services.publish),
linked back to the organisation and year; the disclosure page links it; members of the subtree read it, a sibling
branch does not."""

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse

from dangjian.core.errors import DomainError
from dangjian.fees import disclosure, ledger
from dangjian.publications import services as publications
from dangjian.publications.models import Publication

pytestmark = pytest.mark.django_db


def _entries(tree):
    ledger.add_entry(tree.users.committee, tree.branch1, entry_date=date(2026, 3, 1), direction="income",
                     purpose="dues", amount="300.00", description="三月党费", voucher="VOUCHER-SECRET")
    ledger.add_entry(tree.users.committee, tree.branch1, entry_date=date(2026, 4, 2), direction="spending",
                     purpose="education", amount="120.50", description="购买学习资料")


def test_publishing_the_disclosure_makes_a_publication_for_the_members(tree, client):
    _entries(tree)
    pub = disclosure.publish(tree.users.branch1, tree.branch1, 2026)
    assert pub.kind == "fee_disclosure" and pub.audience == "members" and pub.source == tree.branch1
    assert pub.ref == "2026" and "300.00" in pub.body and "120.50" in pub.body and "VOUCHER-SECRET" not in pub.body
    assert disclosure.published(tree.branch1, 2026) == pub
    with pytest.raises(DomainError) as err:
        disclosure.publish(tree.users.branch1, tree.branch1, 2026)
    assert err.value.field == "year"
    assert publications.visible(tree.users.member1).filter(pk=pub.pk).exists()
    assert not publications.visible(tree.users.branch2).filter(pk=pub.pk).exists()
    client.force_login(tree.users.member1)
    html = client.get(reverse("fees:disclosure") + f"?org={tree.branch1.pk}&year=2026").content.decode()
    assert 'id="disclosure-published"' in html and reverse("publications:detail", args=[pub.pk]) in html


def test_only_fee_managers_publish_it_by_page_too(tree, client):
    _entries(tree)
    with pytest.raises(Http404):
        disclosure.publish(tree.users.branch2, tree.branch1, 2026)
    client.force_login(tree.users.branch2)
    r = client.post(reverse("fees:disclosure_publish"), {"org": tree.branch1.pk, "year": 2026})
    assert r.status_code == 404 and not Publication.objects.exists()
    client.force_login(tree.users.branch1)
    html = client.get(reverse("fees:disclosure") + f"?org={tree.branch1.pk}&year=2026").content.decode()
    assert 'id="disclosure-publish"' in html
    r = client.post(reverse("fees:disclosure_publish"), {"org": tree.branch1.pk, "year": 2026})
    assert r.status_code == 302 and Publication.objects.get().kind == "fee_disclosure"
