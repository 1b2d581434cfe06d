"""Which post grants which permission. One table; `scoping.has_perm` is the only reader."""

from .models import Role

# Permission strings, "<area>:<verb>".
ORGS_READ = "orgs:read"
ORGS_WRITE = "orgs:write"
PEOPLE_READ = "people:read"
PEOPLE_WRITE = "people:write"
PEOPLE_SENSITIVE = "people:read_sensitive"  # see unmasked ID numbers and phones (each view is logged)
PEOPLE_EXPORT = "people:export"
PEOPLE_IMPORT = "people:import"
TRANSFERS_MANAGE = "transfers:manage"
POSTS_MANAGE = "posts:manage"
AUDIT_READ = "audit:read"
MEETINGS_READ = "meetings:read"  # see the organisation's meetings, attendance and compliance
MEETINGS_MANAGE = "meetings:manage"  # plan, record, sign people in, decide leave, register cards and devices
LEARNING_READ = "learning:read"  # see the subtree's exam rankings, participation, credits and completion rates
LEARNING_MANAGE = "learning:manage"  # keep question banks, monthly sets, competitions, learning content, regulations
FEES_READ = "fees:read"  # see the subtree's dues, payments, arrears, hand-overs, ledger and reports
FEES_COLLECT = "fees:collect"  # record cash and transfer payments, enter members' bases, request reliefs
FEES_MANAGE = "fees:manage"  # confirm bases, re-base, decide reliefs, generate dues, hand over, keep the ledger
NOTICES_SEND = "notices:send"  # publish, edit, withdraw announcements of the organisation; remind the unread
NOTICES_RECEIPTS = "notices:receipts"  # see who has read the organisation's (and its subtree's) announcements

_MANAGER = frozenset({ORGS_READ, ORGS_WRITE, PEOPLE_READ, PEOPLE_WRITE, PEOPLE_SENSITIVE, PEOPLE_EXPORT,
                      PEOPLE_IMPORT, TRANSFERS_MANAGE, POSTS_MANAGE, AUDIT_READ, MEETINGS_READ, MEETINGS_MANAGE,
                      LEARNING_READ, LEARNING_MANAGE, FEES_READ, FEES_COLLECT, FEES_MANAGE,
                      NOTICES_SEND, NOTICES_RECEIPTS})
_COMMITTEE_MEMBER = frozenset({ORGS_READ, PEOPLE_READ, PEOPLE_EXPORT, AUDIT_READ, MEETINGS_READ,
                               MEETINGS_MANAGE, LEARNING_READ, FEES_READ})  # committee members chair and record meetings too

ROLE_PERMISSIONS = {
    Role.SECRETARY: _MANAGER,
    Role.DEPUTY_SECRETARY: _MANAGER,
    Role.ORGANISATION: _MANAGER,  # keeps the roster, transfers and member records
    Role.PARTY_WORKER: _MANAGER,  # committee staff (组织部/党群工作部)
    Role.PROPAGANDA: _COMMITTEE_MEMBER | {LEARNING_MANAGE, NOTICES_SEND, NOTICES_RECEIPTS},  # 宣传委员: education and learning
    Role.DISCIPLINE: _COMMITTEE_MEMBER,
    Role.GROUP_LEADER: frozenset({ORGS_READ, PEOPLE_READ, MEETINGS_READ, MEETINGS_MANAGE,
                                  LEARNING_READ}),  # the group's meetings and results
    Role.FEE_COLLECTOR: frozenset({ORGS_READ, PEOPLE_READ, FEES_READ, FEES_COLLECT}),  # 党费收缴员
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())
