"""The demo's HR system (人员调配系统): a few unit mappings, one suggested transfer waiting for a branch and one
change whose person is unknown, waiting for the committee. Idempotent: nothing is added once the system exists."""

from dangjian.core.context import acting_as
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import MemberStatus, PoliticalStatus
from dangjian.people.models import Person

from . import rules, services
from .models import HrSystem

SYSTEM_NAME = "人事管理信息系统"
UNKNOWN_ID = "320102199001011237"  # not anybody in the demo


def seed_demo(root, today):
    if HrSystem.objects.filter(org=root).exists():
        return {}
    branches = list(Organization.objects.filter(path__startswith=root.path, org_type=OrgType.BRANCH,
                                                status=OrgStatus.ACTIVE).order_by("path")[:4])
    if len(branches) < 2:
        return {}
    with acting_as(None, via="seed_demo"):
        system, _key = services.create_system(None, root, SYSTEM_NAME)
        units = [f"{b.short_name or b.name}".replace("党支部", "") or f"U{b.pk}" for b in branches]
        for unit, branch in zip(units, branches, strict=True):
            services.save_mapping(None, root, unit, branch)
        busy = set(Person.objects.filter(transfers__state="pending").values_list("pk", flat=True))
        mover = (Person.objects.filter(org=branches[0], status=MemberStatus.NORMAL,
                                       political_status=PoliticalStatus.FULL).exclude(pk__in=busy)
                 .exclude(id_number_hash__isnull=True).order_by("pk").first())
        created = 0
        if mover is not None:
            changes = [rules.ChangeInput(mover.get_id_number(), "", units[1], today)]
        else:
            changes = []
        changes.append(rules.ChangeInput(UNKNOWN_ID, "", units[0], today))
        created += len(services.receive(system, changes))
    return {"hr_systems": 1, "hr_unit_mappings": len(units), "hr_post_changes": created}

