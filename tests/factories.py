"""Factories and a ready-made tree: a committee with a general branch holding two sibling branches."""

import itertools
from datetime import date

from dangjian.accounts.models import Post, Role, User
from dangjian.orgs import services as org_services
from dangjian.people import rules as people_rules
from dangjian.people import services as people_services

_seq = itertools.count(1)


def make_org(org_type="branch", parent=None, **kw):
    n = next(_seq)
    kw.setdefault("name", f"组织{n}")
    return org_services.create_org(None, org_type=org_type, parent=parent, **kw)


def id_number(n=None, born=date(1985, 6, 15)):
    n = next(_seq) if n is None else n
    region = f"{110101 + (n // 1000) % 800:06d}"
    return people_rules.make_id_number(region, born, n)


def make_person(org=None, political_status="full", **kw):
    n = next(_seq)
    data = {
        "name": f"党员{n}", "gender": "1" if n % 2 else "2", "political_status": political_status,
        "education": "21", "work_post": "015", "ethnicity": "01",
    }
    if political_status in ("full", "probationary"):
        data.setdefault("join_date", date(2010, 7, 1))
        if political_status == "full":
            data.setdefault("full_date", date(2011, 7, 1))
    data["id_number"] = id_number(n)
    data["phone"] = f"139{n:08d}"
    if org is not None:
        data["org"] = org
    data.update(kw)
    return people_services.create_person(None, data)


def make_user(username, person=None, password="dangjian-demo", **kw):
    user = User(username=username, person=person, **kw)
    user.set_password(password)
    user.save()
    return user


def give_post(person, org, role=Role.SECRETARY, start=date(2020, 1, 1), end=None):
    return Post.objects.create(person=person, org=org, role=role, start_date=start, end_date=end)

