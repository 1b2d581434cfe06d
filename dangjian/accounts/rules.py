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
WORKDAYS_MANAGE = "workdays:manage"  # edit the working-day calendar (only through a post in a root organisation)
PUBLICATIONS_READ = "publications:read"  # see the subtree's publications (archived ones too) and catalogue status
PUBLICATIONS_MANAGE = "publications:manage"  # publish, withdraw, answer objections, keep the disclosure catalogue
METRICS_READ = "metrics:read"  # see the platform figures (dangjian.metrics) of the subtree
HR_MANAGE = "hr:manage"  # a committee's HR systems (keys), unit mappings and unresolved HR post changes
WORKRECORDS_READ = "workrecords:read"  # see the subtree's work records and the base-work grid
WORKRECORDS_WRITE = "workrecords:write"  # file work records (支部工作动态) for an organisation of the subtree
WORKRECORDS_MANAGE = "workrecords:manage"  # define the committee's items of base work
_WORKRECORDS = frozenset({WORKRECORDS_READ, WORKRECORDS_WRITE})
NOTICES_SEND = "notices:send"  # publish, edit, withdraw announcements of the organisation; remind the unread
NOTICES_RECEIPTS = "notices:receipts"  # see who has read the organisation's (and its subtree's) announcements

_MANAGER = frozenset({ORGS_READ, ORGS_WRITE, PEOPLE_READ, PEOPLE_WRITE, PEOPLE_SENSITIVE, PEOPLE_EXPORT,
                      PEOPLE_IMPORT, TRANSFERS_MANAGE, POSTS_MANAGE, AUDIT_READ, MEETINGS_READ, MEETINGS_MANAGE,
                      LEARNING_READ, LEARNING_MANAGE, FEES_READ, FEES_COLLECT, FEES_MANAGE, WORKDAYS_MANAGE,
                      PUBLICATIONS_READ, PUBLICATIONS_MANAGE, METRICS_READ, HR_MANAGE,
                      WORKRECORDS_READ, WORKRECORDS_WRITE, WORKRECORDS_MANAGE, NOTICES_SEND, NOTICES_RECEIPTS})
_COMMITTEE_MEMBER = frozenset({ORGS_READ, PEOPLE_READ, PEOPLE_EXPORT, AUDIT_READ, MEETINGS_READ,
                               MEETINGS_MANAGE, LEARNING_READ, FEES_READ, PUBLICATIONS_READ,
                               METRICS_READ})  # committee members chair and record meetings too

ROLE_PERMISSIONS = {
    Role.SECRETARY: _MANAGER,
    Role.DEPUTY_SECRETARY: _MANAGER,
    Role.ORGANISATION: _MANAGER,  # keeps the roster, transfers and member records
    Role.PARTY_WORKER: _MANAGER,  # committee staff (组织部/党群工作部)
    Role.PROPAGANDA: (_COMMITTEE_MEMBER | {LEARNING_MANAGE, PUBLICATIONS_MANAGE, NOTICES_SEND, NOTICES_RECEIPTS}
                      | _WORKRECORDS),  # 宣传委员: education, learning, disclosure, announcements
    Role.DISCIPLINE: _COMMITTEE_MEMBER | {WORKRECORDS_READ},
    Role.GROUP_LEADER: frozenset({ORGS_READ, PEOPLE_READ, MEETINGS_READ, MEETINGS_MANAGE,
                                  LEARNING_READ}) | _WORKRECORDS,  # the group's meetings, results, records
    Role.FEE_COLLECTOR: frozenset({ORGS_READ, PEOPLE_READ, FEES_READ, FEES_COLLECT}),  # 党费收缴员
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())
