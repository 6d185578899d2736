"""A realistic demo registry: the five partnership shapes in DOMAIN.md, as plain data, and the
loader that writes it through the actions (so the demo has an audit trail and obeys the rules).

Every organisation, partnership and person here is fictional. Dates are fixed, not relative to
today, so the demo tells the same story whenever it is loaded; one agreement's review date is
long past so the "overdue for review" views always have something to show. (The monitoring
returns in ``demo/monitoring.py`` are the exception: they run up to the current quarter.)

The loader is idempotent: each record is looked up by a stable natural key (organisation
identifier, partnership/location slug, membership start, agreement reference + version...) and
skipped when it exists, so a second run creates nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import models, transaction
from django.utils.text import slugify

from demo.inbox import dated, last_id, read_history
from demo.inbox import story_time as _on
from notifications.models import Notification
from partnerships import actions as p_actions
from partnerships.choices import (
    AgreementKind,
    FundingSource,
    MemberRole,
    OrganisationKind,
    PartnershipStatus,
    Setting,
)
from partnerships.models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    Signatory,
)
from services import actions as s_actions
from services.choices import Gender, LocationKind, PrisonCategory
from services.models import Location, Service, ServiceAtLocation, ServiceCategory

D = datetime.date

# One documented password for every demo login, reset on each run so it is always known.
# Only ever loaded where DEBUG is on (or with --force): see the load_demo command.
DEMO_PASSWORD = "Lantern-Harbour-Demo-Registry"  # noqa: S105 (published on purpose)

# --------------------------------------------------------------------------------------------
# Organisations. ``key`` is a local alias used below; the natural key in the database is the
# org-id ``identifier``. Parents come before their members.
# --------------------------------------------------------------------------------------------
CHC, SE = OrganisationKind.CHARITY, OrganisationKind.SOCIAL_ENTERPRISE

ORGANISATIONS: list[dict[str, Any]] = [
    # Commissioners and funders
    {"key": "jscd", "name": "Justice Services Commissioning Directorate",
     "kind": OrganisationKind.COMMISSIONING_BODY, "identifier": "GB-GOR-DA1042",
     "region": "national",
     "description": "Commissions national resettlement and family services across the prison "
                    "estate on behalf of the justice ministry."},
    {"key": "np-health-commissioning",
     "name": "NHS North Pennine Health and Justice Commissioning",
     "kind": OrganisationKind.NHS_BODY, "identifier": "GB-NHS-Q9N", "region": "north-west",
     "description": "Commissions healthcare and substance misuse treatment in the North Pennine "
                    "prisons."},
    {"key": "marchshire-pcc", "name": "Office of the Police and Crime Commissioner for Marchshire",
     "kind": OrganisationKind.COMMISSIONING_BODY, "identifier": "GB-GOR-PC0317",
     "region": "south-west",
     "description": "Commissions victims' services and women's diversion services in "
                    "Marchshire."},
    {"key": "lottery", "name": "Community Futures Lottery Fund",
     "kind": OrganisationKind.OTHER_STATUTORY, "identifier": "GB-GOR-PB0588",
     "region": "national",
     "description": "Distributes lottery money to community programmes, including long-term "
                    "system-change programmes."},
    # A charity group: the parent provides back-office services; members keep their own boards.
    {"key": "northgate-group", "name": "Northgate Group", "kind": CHC,
     "identifier": "GB-CHC-1160421", "region": "north-west",
     "website": "https://northgate-group.example.org",
     "description": "Parent charity providing finance, HR, IT and data protection services to "
                    "four member charities, each with its own board."},
    {"key": "northgate-recovery", "name": "Northgate Recovery Trust", "kind": CHC,
     "identifier": "GB-CHC-1098732", "region": "north-west", "parent": "northgate-group",
     "website": "https://northgate-recovery.example.org",
     "description": "Drug and alcohol treatment and recovery services in prisons and the "
                    "community."},
    {"key": "brightwater", "name": "Brightwater Family Support", "kind": CHC,
     "identifier": "GB-CHC-1120457", "region": "north-west", "parent": "northgate-group",
     "description": "Support for prisoners' families, children and carers."},
    {"key": "meridian", "name": "Meridian Mentoring", "kind": CHC,
     "identifier": "GB-CHC-1134906", "region": "north-west", "parent": "northgate-group",
     "description": "Volunteer peer mentors for people in prison and on release."},
    {"key": "open-door", "name": "Open Door Housing Advice", "kind": CHC,
     "identifier": "GB-CHC-1147210", "region": "west-midlands", "parent": "northgate-group",
     "description": "Housing advice and tenancy support for people leaving prison."},
    # Shape 1: a national lead partner and two sub-contractors
    {"key": "haven", "name": "Haven Family Links", "kind": CHC,
     "identifier": "GB-CHC-1076215", "region": "national",
     "website": "https://havenfamilylinks.example.org",
     "description": "National charity keeping people in prison in touch with their families."},
    {"key": "open-gate", "name": "Open Gate Mentoring CIC", "kind": SE,
     "identifier": "GB-COH-08841273", "region": "yorkshire-humber",
     "description": "Community interest company offering through-the-gate mentoring."},
    # Shape 2: four treatment providers, the prison service and seven prisons
    {"key": "clearwater", "name": "Clearwater Drug and Alcohol Services", "kind": CHC,
     "identifier": "GB-CHC-1102983", "region": "north-west",
     "description": "Community drug and alcohol services taking people on release."},
    {"key": "second-chance", "name": "Second Chance Recovery CIC", "kind": SE,
     "identifier": "GB-COH-09351764", "region": "north-west",
     "description": "Peer-led recovery support run by people with lived experience."},
    {"key": "moorside-nhs", "name": "Moorside Healthcare NHS Foundation Trust",
     "kind": OrganisationKind.NHS_BODY, "identifier": "GB-NHS-RZ4", "region": "north-west",
     "description": "Clinical substance misuse and mental health services in custody."},
    {"key": "np-prison-group", "name": "Prison Service North Pennine Group",
     "kind": OrganisationKind.OTHER_STATUTORY, "identifier": "GB-GOR-PG0214",
     "region": "north-west",
     "description": "The prison service's group of seven North Pennine prisons."},
    {"key": "hmp-ashfield-vale", "name": "HMP Ashfield Vale", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0101", "region": "north-west"},
    {"key": "hmp-thornbury-moor", "name": "HMP Thornbury Moor", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0102", "region": "north-west"},
    {"key": "hmp-kelder-fell", "name": "HMP Kelder Fell", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0103", "region": "north-west"},
    {"key": "hmp-greystone-hill", "name": "HMP Greystone Hill", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0104", "region": "north-west"},
    {"key": "hmp-hollins-bank", "name": "HMP Hollins Bank", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0105", "region": "north-west"},
    {"key": "hmyoi-wyre-edge", "name": "HMYOI Wyre Edge", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0106", "region": "north-west"},
    {"key": "hmp-calderbrook", "name": "HMP Calderbrook", "kind": OrganisationKind.PRISON,
     "identifier": "GB-GOR-PRN0107", "region": "north-west"},
    # Where people leaving the North Pennine prisons are released to (the release address's
    # local authority on a custody episode); not partners, so no memberships.
    {"key": "pennine-vale-council", "name": "Pennine Vale Borough Council",
     "kind": OrganisationKind.LOCAL_AUTHORITY, "identifier": "GB-LAE-PNV",
     "region": "north-west",
     "description": "Hosts the Pennine Vale drug and alcohol partnership; most men leaving the "
                    "North Pennine prisons are released here."},
    {"key": "marchshire-council", "name": "Marchshire County Council",
     "kind": OrganisationKind.LOCAL_AUTHORITY, "identifier": "GB-LAE-MRS",
     "region": "south-west",
     "description": "Women released from HMP Calderbrook to the south-west come home here."},
    # Shape 3: a women's centre hub and its partner charities
    {"key": "womens-centre", "name": "Marchshire Women's Centre", "kind": CHC,
     "identifier": "GB-CHC-1139845", "region": "south-west",
     "website": "https://marchshirewomen.example.org",
     "description": "Women's centre offering a single front door to specialist support."},
    {"key": "safe-harbour", "name": "Safe Harbour Domestic Abuse Service", "kind": CHC,
     "identifier": "GB-CHC-1087340", "region": "south-west"},
    {"key": "march-svsc", "name": "Marchshire Sexual Violence Support Centre", "kind": CHC,
     "identifier": "GB-CHC-1110672", "region": "south-west"},
    {"key": "turning-tide", "name": "Turning Tide Recovery", "kind": CHC,
     "identifier": "GB-CHC-1152238", "region": "south-west",
     "description": "Drug and alcohol treatment, with workers based in probation offices."},
    {"key": "mindwell", "name": "MindWell Marchshire", "kind": CHC,
     "identifier": "GB-CHC-1091187", "region": "south-west"},
    {"key": "life-skills", "name": "Life Skills Collective CIC", "kind": SE,
     "identifier": "GB-COH-07712045", "region": "south-west"},
    {"key": "probation-sw", "name": "Probation Service South West Region",
     "kind": OrganisationKind.PROBATION, "identifier": "GB-GOR-PS0450", "region": "south-west"},
    # Shape 4: a housing association leading a board-governed programme
    {"key": "kestrel-ha", "name": "Kestrel Housing Association", "kind": CHC,
     "identifier": "GB-CHC-1064419", "region": "west-midlands",
     "website": "https://kestrelhousing.example.org",
     "description": "Housing association leading the Kestrelford multiple disadvantage "
                    "programme."},
    {"key": "kestrelford-recovery", "name": "Kestrelford Recovery Network", "kind": CHC,
     "identifier": "GB-CHC-1118840", "region": "west-midlands"},
    {"key": "kestrelford-womens-aid", "name": "Kestrelford Women's Aid", "kind": CHC,
     "identifier": "GB-CHC-1072296", "region": "west-midlands"},
    {"key": "second-steps", "name": "Second Steps Mental Health", "kind": CHC,
     "identifier": "GB-CHC-1081734", "region": "west-midlands"},
    {"key": "pathfinder", "name": "Pathfinder Employment Trust", "kind": CHC,
     "identifier": "GB-CHC-1129058", "region": "west-midlands"},
    {"key": "money-advice", "name": "Kestrelford Money Advice Centre", "kind": CHC,
     "identifier": "GB-CHC-1095521", "region": "west-midlands"},
    {"key": "restore-together", "name": "Restore Together", "kind": CHC,
     "identifier": "GB-CHC-1156603", "region": "west-midlands"},
    {"key": "lived-experience", "name": "Lived Experience Voices CIC", "kind": SE,
     "identifier": "GB-COH-10488216", "region": "west-midlands",
     "description": "The programme's service-user group, represented on the partnership "
                    "board."},
    {"key": "harbour-lights", "name": "Harbour Lights Community Trust", "kind": CHC,
     "identifier": "GB-CHC-1103377", "region": "west-midlands"},
    {"key": "st-brigids", "name": "St Brigid's Night Shelter", "kind": CHC,
     "identifier": "GB-CHC-1060915", "region": "west-midlands"},
    {"key": "young-futures", "name": "Young Futures Kestrelford", "kind": CHC,
     "identifier": "GB-CHC-1141482", "region": "west-midlands"},
    {"key": "mercia-vale-police", "name": "Mercia Vale Police", "kind": OrganisationKind.POLICE,
     "identifier": "GB-GOR-PF0321", "region": "west-midlands"},
    {"key": "kestrelford-council", "name": "Kestrelford City Council",
     "kind": OrganisationKind.LOCAL_AUTHORITY, "identifier": "GB-LAE-KSF",
     "region": "west-midlands",
     "description": "Hosts the Kestrelford Drug and Alcohol Action Team (DAAT)."},
    {"key": "probation-wm", "name": "Probation Service West Midlands Region",
     "kind": OrganisationKind.PROBATION, "identifier": "GB-GOR-PS0460",
     "region": "west-midlands"},
    {"key": "kestrelford-ccg", "name": "NHS Kestrelford Clinical Commissioning Group",
     "kind": OrganisationKind.NHS_BODY, "identifier": "GB-NHS-15K", "region": "west-midlands",
     "description": "Closed on 1 July 2022 when integrated care boards took over."},
    {"key": "kestrelford-icb", "name": "NHS Kestrelford and Wyndham Integrated Care Board",
     "kind": OrganisationKind.NHS_BODY, "identifier": "GB-NHS-QK2", "region": "west-midlands"},
    {"key": "kestrelford-nhs-trust", "name": "Kestrelford and Wyndham NHS Trust",
     "kind": OrganisationKind.NHS_BODY, "identifier": "GB-NHS-RK7", "region": "west-midlands"},
    # Shape 5: two charities and a prison
    {"key": "storybridge", "name": "Storybridge Arts", "kind": CHC,
     "identifier": "GB-CHC-1149930", "region": "north-west",
     "description": "Creative reading and storytelling groups in prisons."},
]

# --------------------------------------------------------------------------------------------
# Locations (natural key: slug of the name).
# --------------------------------------------------------------------------------------------
PRISON = LocationKind.PRISON

LOCATIONS: list[dict[str, Any]] = [
    {"key": "ashfield-vale", "name": "HMP Ashfield Vale", "kind": PRISON,
     "operator": "hmp-ashfield-vale", "region": "north-west", "postcode": "LA2 9QX",
     "prison_category": PrisonCategory.B, "operational_capacity": 842},
    {"key": "thornbury-moor", "name": "HMP Thornbury Moor", "kind": PRISON,
     "operator": "hmp-thornbury-moor", "region": "north-west", "postcode": "CA8 3RT",
     "prison_category": PrisonCategory.C, "operational_capacity": 640},
    {"key": "kelder-fell", "name": "HMP Kelder Fell", "kind": PRISON,
     "operator": "hmp-kelder-fell", "region": "north-west", "postcode": "CA17 4NP",
     "prison_category": PrisonCategory.C, "operational_capacity": 524},
    {"key": "greystone-hill", "name": "HMP Greystone Hill", "kind": PRISON,
     "operator": "hmp-greystone-hill", "region": "north-west", "postcode": "PR4 6HG",
     "prison_category": PrisonCategory.B, "operational_capacity": 1012},
    {"key": "hollins-bank", "name": "HMP Hollins Bank", "kind": PRISON,
     "operator": "hmp-hollins-bank", "region": "north-west", "postcode": "BB7 2WD",
     "prison_category": PrisonCategory.D, "operational_capacity": 410},
    {"key": "wyre-edge", "name": "HMYOI Wyre Edge", "kind": PRISON,
     "operator": "hmyoi-wyre-edge", "region": "north-west", "postcode": "FY6 8LB",
     "prison_category": PrisonCategory.YOI, "operational_capacity": 362},
    {"key": "calderbrook", "name": "HMP Calderbrook", "kind": PRISON,
     "operator": "hmp-calderbrook", "region": "north-west", "postcode": "BL9 5TE",
     "prison_category": PrisonCategory.WOMEN_CLOSED, "operational_capacity": 380},
    {"key": "womens-hub", "name": "Marchshire Women's Centre hub",
     "kind": LocationKind.COMMUNITY_HUB, "operator": "womens-centre", "region": "south-west",
     "address": "14 Chantry Street, Marchbridge", "postcode": "TA1 4QZ"},
    {"key": "marchbridge-probation", "name": "Marchbridge Probation Office",
     "kind": LocationKind.PROBATION_OFFICE, "operator": "probation-sw", "region": "south-west",
     "address": "Castle House, 2 Mill Lane, Marchbridge", "postcode": "TA1 2LP"},
    {"key": "kestrelford-hospital", "name": "Kestrelford General Hospital",
     "kind": LocationKind.HOSPITAL, "operator": "kestrelford-nhs-trust",
     "region": "west-midlands", "address": "Wyndham Road, Kestrelford", "postcode": "WV9 4GH"},
    {"key": "kestrelford-hub", "name": "Kestrelford Navigator Hub",
     "kind": LocationKind.COMMUNITY_HUB, "operator": "kestrel-ha", "region": "west-midlands",
     "address": "Unit 3, Foundry Yard, Kestrelford", "postcode": "WV9 1FY"},
    {"key": "kestrelford-probation", "name": "Kestrelford Probation Office",
     "kind": LocationKind.PROBATION_OFFICE, "operator": "probation-wm",
     "region": "west-midlands", "address": "Crown Buildings, Kestrelford", "postcode": "WV9 2CB"},
]

# --------------------------------------------------------------------------------------------
# Partnerships. Members are added open-ended, then lead responsibilities are assigned in the
# order listed (a later lead for the same activity takes over), then members with ``left_on``
# leave with their ``reason`` (which also ends any lead role they still hold).
# --------------------------------------------------------------------------------------------
LEAD, SUB, DELIVERY = (MemberRole.LEAD_PARTNER, MemberRole.SUB_CONTRACTOR,
                       MemberRole.DELIVERY_PARTNER)
BOARD, STATUTORY, COMMISSIONER = (MemberRole.BOARD_MEMBER, MemberRole.STATUTORY_PARTNER,
                                  MemberRole.COMMISSIONER)

SHAPE2_PRISONS = [("hmp-ashfield-vale", "HMP Ashfield Vale"),
                  ("hmp-thornbury-moor", "HMP Thornbury Moor"),
                  ("hmp-kelder-fell", "HMP Kelder Fell"),
                  ("hmp-greystone-hill", "HMP Greystone Hill"),
                  ("hmp-hollins-bank", "HMP Hollins Bank"),
                  ("hmyoi-wyre-edge", "HMYOI Wyre Edge"),
                  ("hmp-calderbrook", "HMP Calderbrook")]

SHAPE4_BOARD_VOLUNTARY = ["kestrelford-recovery", "open-door", "kestrelford-womens-aid",
                          "second-steps", "pathfinder", "money-advice", "restore-together",
                          "lived-experience", "harbour-lights", "st-brigids", "young-futures"]
SHAPE4_STATUTORY = ["mercia-vale-police", "kestrelford-council", "probation-wm",
                    "kestrelford-ccg", "kestrelford-nhs-trust"]
SHAPE4_START = D(2019, 4, 1)
ICB_TAKEOVER = D(2022, 7, 1)

PARTNERSHIPS: list[dict[str, Any]] = [
    # 1. Lead partner with sub-contractors ----------------------------------------------------
    {
        "shape": "Lead partner with sub-contractors",
        "name": "Haven Family Links National Family Service",
        "setting": Setting.CUSTODY, "regions": ["national"], "started_on": D(2022, 4, 1),
        "summary": (
            "Haven Family Links holds the national contract for family services in custody and "
            "sub-contracts Brightwater Family Support and Open Gate Mentoring. Nine frontline "
            "workers are employed across the three charities (5, 3 and 1), covering about 90% "
            "of the estate. All three use one shared case management system, so a person's "
            "record follows them when they transfer between prisons. Every worker sends a "
            "quarterly monitoring report to the lead partner, which reports to the "
            "commissioner."),
        "members": [
            {"org": "haven", "role": LEAD, "joined_on": D(2022, 4, 1)},
            {"org": "brightwater", "role": SUB, "joined_on": D(2022, 4, 1),
             "notes": "Employs 3 of the 9 frontline workers."},
            {"org": "open-gate", "role": SUB, "joined_on": D(2022, 4, 1),
             "notes": "Employs 1 of the 9 frontline workers."},
        ],
        "responsibilities": [
            {"activity": "case-management", "org": "haven", "starts_on": D(2022, 4, 1),
             "contact": "National Casework Manager"},
            {"activity": "performance-management", "org": "haven", "starts_on": D(2022, 4, 1),
             "contact": "Contracts and Quality Lead"},
            {"activity": "continuity-of-care", "org": "open-gate", "starts_on": D(2022, 4, 1),
             "contact": "Through-the-gate Coordinator"},
        ],
        "agreements": [
            {"reference": "sla-family-casework", "kind": AgreementKind.SERVICE_LEVEL,
             "title": "Service level agreement: family casework sub-contracts",
             "summary": (
                 "Sets the agreed performance framework for the sub-contracted workers: "
                 "caseload, contacts with families, outcomes recorded in the shared case "
                 "management system. Each worker sends a quarterly monitoring report to the "
                 "lead partner; contract reviews are held every quarter."),
             "effective_from": D(2022, 4, 1), "review_due": D(2028, 3, 31),
             "expires_on": D(2029, 3, 31),
             "signatories": [("haven", "Chief Executive", D(2022, 3, 14)),
                             ("brightwater", "Chief Executive", D(2022, 3, 18)),
                             ("open-gate", "Director", D(2022, 3, 21))]},
        ],
        "funding": [
            {"funder": "jscd", "recipient": "haven", "source": FundingSource.CONTRACT,
             "amount": "2250000.00", "period_start": D(2022, 4, 1),
             "period_end": D(2029, 3, 31), "reference": "JSCD/FAM/2022/007"},
        ],
        "services": [
            {"provider": "haven", "name": "Family casework in custody",
             "categories": ["family-support"], "setting": Setting.CUSTODY,
             "description": "Caseworkers help people in prison keep and rebuild family ties, "
                            "and prepare families for release.",
             "accepts_self_referral": True,
             "sites": [("ashfield-vale", True, "Caseworker based in the visits centre"),
                       ("greystone-hill", True, ""), ("kelder-fell", True, ""),
                       ("calderbrook", True, "Women's caseworker")]},
            {"provider": "brightwater", "name": "Visits hall family support",
             "categories": ["family-support", "peer-support"], "setting": Setting.CUSTODY,
             "description": "Support for visiting families and children, including "
                            "first-visit help.",
             "accepts_self_referral": True,
             "sites": [("thornbury-moor", True, "Visits days"),
                       ("hollins-bank", True, "Weekends")]},
            {"provider": "open-gate", "name": "Through-the-gate family mentoring",
             "categories": ["peer-support", "family-support"], "setting": Setting.BOTH,
             "description": "A mentor meets the person before release and supports them and "
                            "their family for the first twelve weeks out.",
             "min_age": 18, "max_age": 25,
             "sites": [("wyre-edge", True, "")]},
        ],
    },
    # 2. Coordinated multi-provider partnership across seven prisons -------------------------
    {
        "shape": "Coordinated multi-provider partnership across sites",
        "name": "North Pennine Prisons Recovery Partnership",
        "setting": Setting.BOTH, "regions": ["north-west"], "started_on": D(2013, 4, 1),
        "summary": (
            "Formed on 1 April 2013: seven prisons, the prison service and four treatment "
            "providers, coordinated by Northgate Recovery Trust. Its strategic partnership "
            "manager oversees the partnership and a partnership manager is assigned to each "
            "prison. The partnership working agreement launched six months after formation; "
            "people continue into community services on release."),
        "members": [
            {"org": "northgate-recovery", "role": LEAD, "joined_on": D(2013, 4, 1),
             "notes": "Coordinating provider."},
            {"org": "clearwater", "role": DELIVERY, "joined_on": D(2013, 4, 1)},
            {"org": "second-chance", "role": DELIVERY, "joined_on": D(2013, 4, 1)},
            {"org": "moorside-nhs", "role": DELIVERY, "joined_on": D(2013, 4, 1)},
            {"org": "np-prison-group", "role": STATUTORY, "joined_on": D(2013, 4, 1)},
            *({"org": key, "role": STATUTORY, "joined_on": D(2013, 4, 1)}
              for key, _ in SHAPE2_PRISONS),
            {"org": "np-health-commissioning", "role": COMMISSIONER, "joined_on": D(2013, 4, 1)},
            # Women released from HMP Calderbrook to the south-west go on to Turning Tide.
            {"org": "turning-tide", "role": SUB, "joined_on": D(2025, 7, 1),
             "notes": "Sub-contracted for women released from HMP Calderbrook to the "
                      "south-west: community treatment within three weeks of release."},
        ],
        "custom_activities": [
            {"name": f"Partnership management at {name}",
             "description": f"The partnership manager assigned to {name}."}
            for _, name in SHAPE2_PRISONS
        ],
        "responsibilities": [
            {"activity": "treatment-delivery", "org": "northgate-recovery",
             "starts_on": D(2013, 4, 1), "contact": "Strategic Partnership Manager"},
            {"activity": "case-management", "org": "northgate-recovery",
             "starts_on": D(2013, 4, 1), "contact": "Strategic Partnership Manager"},
            {"activity": "referral-pathways", "org": "northgate-recovery",
             "starts_on": D(2013, 4, 1), "contact": "Strategic Partnership Manager"},
            {"activity": "continuity-of-care", "org": "clearwater", "starts_on": D(2013, 4, 1),
             "contact": "Community Transitions Lead"},
            {"activity": "information-sharing", "org": "np-prison-group",
             "starts_on": D(2013, 4, 1), "contact": "Group Information Assurance Lead"},
            {"activity": "treatment-commissioning", "org": "np-health-commissioning",
             "starts_on": D(2013, 4, 1), "contact": "Health and Justice Commissioning Manager"},
            {"activity": "performance-management", "org": "np-health-commissioning",
             "starts_on": D(2013, 4, 1), "contact": "Health and Justice Commissioning Manager"},
            *({"activity": slugify(f"Partnership management at {name}"),
               "org": "northgate-recovery", "starts_on": D(2013, 4, 1),
               "contact": f"Partnership Manager, {name}"} for _, name in SHAPE2_PRISONS),
        ],
        "agreements": [
            {"reference": "pwa", "kind": AgreementKind.PARTNERSHIP_WORKING,
             "title": "North Pennine partnership working agreement",
             "summary": ("Roles of each partner, the referral pathways between prison "
                         "services, and handover to community treatment on release."),
             "effective_from": D(2013, 10, 1), "review_due": D(2015, 10, 1),
             "signatories": [
                 ("northgate-recovery", "Strategic Partnership Manager", D(2013, 9, 16)),
                 ("clearwater", "Director of Operations", D(2013, 9, 18)),
                 ("second-chance", "Managing Director", D(2013, 9, 18)),
                 ("moorside-nhs", "Director of Nursing", D(2013, 9, 20)),
                 ("np-prison-group", "Deputy Director of Custody", D(2013, 9, 24)),
             ],
             # Version 2: its review date is long past, so it is overdue for review.
             "versions": [
                 {"effective_from": D(2021, 7, 1), "review_due": D(2024, 7, 1),
                  "reason": ("Rewritten after the probation reforms of June 2021: new "
                             "continuity-of-care pathway and shared case management system."),
                  "summary": ("Roles of each partner, referral pathways, the shared case "
                              "management system and the continuity-of-care pathway into "
                              "community treatment and probation on release."),
                  "signatories": [
                      ("northgate-recovery", "Strategic Partnership Manager", D(2021, 6, 14)),
                      ("clearwater", "Director of Operations", D(2021, 6, 15)),
                      ("second-chance", "Managing Director", D(2021, 6, 15)),
                      ("moorside-nhs", "Director of Nursing", D(2021, 6, 21)),
                      ("np-prison-group", "Prison Group Director", D(2021, 6, 28)),
                  ]},
             ]},
            # Mid-renewal (issue 14's demo): version 2 is drafted and one of its three parties
            # has signed; the demo-manager (Northgate, the lead partner) takes it from here.
            {"reference": "release-handover", "kind": AgreementKind.SERVICE_LEVEL,
             "title": "Release handover service level agreement",
             "summary": ("How prison healthcare hands over a person's treatment to community "
                         "services on release: the handover meeting, the day-of-release "
                         "appointment and who phones whom when a person does not arrive."),
             "effective_from": D(2023, 4, 1), "review_due": D(2027, 4, 1),
             "signatories": [
                 ("northgate-recovery", "Strategic Partnership Manager", D(2023, 3, 13),
                  "Aisha Rahman"),
                 ("moorside-nhs", "Director of Nursing", D(2023, 3, 20), "Gareth Holt"),
                 ("np-prison-group", "Head of Healthcare Partnerships", D(2023, 3, 27),
                  "Priya Natarajan"),
             ],
             "versions": [
                 {"pending": True,
                  "reason": ("Renewal: adds same-day prescribing on release and the new "
                             "Saturday release arrangements."),
                  "signatories": [
                      ("northgate-recovery", "Strategic Partnership Manager", D(2026, 11, 30),
                       "Aisha Rahman"),
                  ]},
             ]},
        ],
        "funding": [
            {"funder": "np-health-commissioning", "recipient": "northgate-recovery",
             "source": FundingSource.CONTRACT, "amount": "4800000.00",
             "period_start": D(2013, 4, 1), "period_end": D(2021, 3, 31),
             "reference": "NPHJ-2013-SM-01"},
            {"funder": "np-health-commissioning", "recipient": "northgate-recovery",
             "source": FundingSource.CONTRACT, "amount": "4900000.00",
             "period_start": D(2021, 4, 1), "period_end": D(2028, 3, 31),
             "reference": "NPHJ-2021-SM-01"},
            # The justice commissioners pay for continuity of care on release.
            {"funder": "jscd", "recipient": "clearwater", "source": FundingSource.GRANT,
             "amount": "360000.00", "period_start": D(2024, 4, 1),
             "period_end": D(2027, 3, 31), "reference": "JSCD/RR/2024/031"},
        ],
        "services": [
            {"provider": "northgate-recovery", "name": "Prison drug and alcohol recovery team",
             "categories": ["substance-misuse", "alcohol"], "setting": Setting.CUSTODY,
             "description": "Psychosocial treatment, recovery groups and release planning in "
                            "every prison in the group.",
             "accepts_self_referral": True,
             "sites": [(loc, True, "Recovery team based in the prison")
                       for loc in ("ashfield-vale", "thornbury-moor", "kelder-fell",
                                   "greystone-hill", "hollins-bank", "wyre-edge",
                                   "calderbrook")]},
            {"provider": "moorside-nhs", "name": "Clinical substitute prescribing in custody",
             "categories": ["substance-misuse", "health"], "setting": Setting.CUSTODY,
             "description": "Opioid substitution and alcohol detoxification by prison "
                            "healthcare.",
             "sites": [("ashfield-vale", True, ""), ("greystone-hill", True, ""),
                       ("calderbrook", True, "")]},
            {"provider": "moorside-nhs", "name": "Prison mental health in-reach",
             "categories": ["mental-health"], "setting": Setting.CUSTODY,
             "description": "Assessment and treatment for people with mental health needs, "
                            "including dual diagnosis.",
             "sites": [("greystone-hill", True, ""), ("kelder-fell", True, "")]},
            {"provider": "second-chance", "name": "Recovery peer mentors",
             "categories": ["peer-support", "substance-misuse"], "setting": Setting.CUSTODY,
             "description": "Trained peer mentors on recovery wings.",
             "accepts_self_referral": True,
             "sites": [("thornbury-moor", True, "Recovery wing"),
                       ("hollins-bank", True, "")]},
            {"provider": "clearwater", "name": "Release and community continuity service",
             "categories": ["substance-misuse", "housing"], "setting": Setting.BOTH,
             "description": "Meets people at the gate and takes them to their first community "
                            "treatment appointment.",
             "sites": [("hollins-bank", False, "Pre-release clinics")]},
        ],
    },
    # 3. Hub with co-located specialist partners; membership shrank --------------------------
    {
        "shape": "Hub with co-located specialist partners",
        "name": "Marchshire Women's Centre Partnership",
        "setting": Setting.COMMUNITY, "regions": ["south-west"], "started_on": D(2013, 4, 1),
        "summary": (
            "Marchshire Women's Centre led five, later six, partner charities (domestic abuse, "
            "sexual violence, substance use, mental health, life skills, then housing). Courts "
            "refer women through a specified activity requirement (attendance is compulsory) "
            "and police refer voluntarily. Partners' funded staff moved into the hub three "
            "years in. At recommissioning in April 2020 the contract was halved and only two "
            "agencies remained."),
        "members": [
            {"org": "womens-centre", "role": LEAD, "joined_on": D(2013, 4, 1)},
            {"org": "turning-tide", "role": DELIVERY, "joined_on": D(2013, 4, 1)},
            {"org": "safe-harbour", "role": DELIVERY, "joined_on": D(2013, 4, 1),
             "left_on": D(2020, 4, 1), "reason": "Recommissioning"},
            {"org": "march-svsc", "role": DELIVERY, "joined_on": D(2013, 4, 1),
             "left_on": D(2020, 4, 1), "reason": "Recommissioning"},
            {"org": "mindwell", "role": DELIVERY, "joined_on": D(2013, 4, 1),
             "left_on": D(2020, 4, 1), "reason": "Recommissioning"},
            {"org": "life-skills", "role": DELIVERY, "joined_on": D(2013, 4, 1),
             "left_on": D(2020, 4, 1), "reason": "Recommissioning"},
            {"org": "open-door", "role": DELIVERY, "joined_on": D(2016, 4, 1),
             "left_on": D(2020, 4, 1), "reason": "Recommissioning"},
        ],
        "responsibilities": [
            {"activity": "case-management", "org": "womens-centre", "starts_on": D(2013, 4, 1),
             "contact": "Centre Manager"},
            {"activity": "referral-pathways", "org": "womens-centre",
             "starts_on": D(2013, 4, 1), "contact": "Referrals Coordinator"},
            {"activity": "treatment-delivery", "org": "turning-tide", "starts_on": D(2013, 4, 1),
             "contact": "Women's Treatment Team Leader"},
            # Safe Harbour held the protocol until it left; the centre took it over.
            {"activity": "information-sharing", "org": "safe-harbour",
             "starts_on": D(2013, 4, 1), "contact": "Data Protection Officer"},
            {"activity": "information-sharing", "org": "womens-centre",
             "starts_on": D(2020, 4, 1), "contact": "Centre Manager"},
        ],
        "agreements": [
            {"reference": "hub-pwa", "kind": AgreementKind.PARTNERSHIP_WORKING,
             "title": "Women's centre hub partnership agreement",
             "summary": ("How the two remaining agencies share the hub, refer between "
                         "services and report to the commissioner after recommissioning."),
             "effective_from": D(2020, 4, 1), "review_due": D(2028, 4, 1),
             "signatories": [("womens-centre", "Chief Executive", D(2020, 3, 20)),
                             ("turning-tide", "Chief Executive", D(2020, 3, 24))]},
        ],
        "funding": [
            {"funder": "marchshire-pcc", "recipient": "womens-centre",
             "source": FundingSource.CONTRACT, "amount": "1400000.00",
             "period_start": D(2013, 4, 1), "period_end": D(2020, 3, 31),
             "reference": "MPCC/WC/2013"},
            # Recommissioned for the same length at half the value.
            {"funder": "marchshire-pcc", "recipient": "womens-centre",
             "source": FundingSource.CONTRACT, "amount": "700000.00",
             "period_start": D(2020, 4, 1), "period_end": D(2027, 3, 31),
             "reference": "MPCC/WC/2020"},
        ],
        "services": [
            {"provider": "womens-centre", "name": "Women's specified activity programme",
             "categories": ["womens-services", "life-skills"], "setting": Setting.COMMUNITY,
             "gender": Gender.WOMEN, "accepts_court_ordered": True,
             "description": "Courts refer women through a specified activity requirement of "
                            "a community order or suspended sentence; attendance is "
                            "compulsory. Probation can also refer.",
             "sites": [("womens-hub", False, "Tuesday and Thursday groups")]},
            {"provider": "womens-centre", "name": "Police referral and diversion for women",
             "categories": ["womens-services"], "setting": Setting.COMMUNITY,
             "gender": Gender.WOMEN, "accepts_self_referral": True,
             "description": "Police refer women voluntarily as an alternative to charge or "
                            "after arrest; women may also refer themselves.",
             "sites": [("womens-hub", False, "")]},
            {"provider": "turning-tide", "name": "Women's substance use treatment",
             "categories": ["substance-misuse", "alcohol", "womens-services"],
             "setting": Setting.COMMUNITY, "gender": Gender.WOMEN,
             "accepts_self_referral": True, "accepts_court_ordered": True,
             "description": "Structured treatment, including drug rehabilitation and alcohol "
                            "treatment requirements.",
             "sites": [("womens-hub", True, "Treatment workers based at the hub"),
                       ("marchbridge-probation", True,
                        "Treatment staff co-located with probation, Monday to Wednesday")]},
            {"provider": "safe-harbour", "name": "Domestic abuse advocacy at the hub",
             "categories": ["domestic-abuse"], "setting": Setting.COMMUNITY,
             "gender": Gender.WOMEN, "accepts_self_referral": True, "is_active": False,
             "description": "Ended at recommissioning in April 2020.",
             "sites": [("womens-hub", True, "Until March 2020")]},
            {"provider": "march-svsc", "name": "Sexual violence counselling at the hub",
             "categories": ["sexual-violence", "mental-health"], "setting": Setting.COMMUNITY,
             "gender": Gender.WOMEN, "accepts_self_referral": True, "is_active": False,
             "description": "Ended at recommissioning in April 2020.",
             "sites": [("womens-hub", True, "Until March 2020")]},
            {"provider": "life-skills", "name": "Life skills and money management course",
             "categories": ["life-skills", "finance-debt"], "setting": Setting.COMMUNITY,
             "is_active": False, "description": "Ended at recommissioning in April 2020.",
             "sites": [("womens-hub", True, "Until March 2020")]},
        ],
    },
    # 4. Board-governed system-change partnership -------------------------------------------
    {
        "shape": "System-change partnership governed by a board",
        "name": "Kestrelford Multiple Disadvantage Programme",
        "setting": Setting.COMMUNITY, "regions": ["west-midlands"], "started_on": SHAPE4_START,
        "summary": (
            "An eight-year lottery-funded programme (April 2019 to March 2027) led by Kestrel "
            "Housing Association to change how services work for people facing homelessness, "
            "addiction, mental ill health and offending together. The partnership board has "
            "11 voluntary organisations plus police, the local authority, probation, the NHS "
            "commissioner and the NHS trust; managerial and operational working groups feed "
            "the board, and a service-user group sits within its governance. The clinical "
            "commissioning group's seat passed to the integrated care board in July 2022."),
        "members": [
            {"org": "kestrel-ha", "role": LEAD, "joined_on": SHAPE4_START},
            *({"org": key, "role": BOARD, "joined_on": SHAPE4_START}
              for key in SHAPE4_BOARD_VOLUNTARY),
            *({"org": key, "role": STATUTORY, "joined_on": SHAPE4_START}
              for key in SHAPE4_STATUTORY if key != "kestrelford-ccg"),
            {"org": "kestrelford-ccg", "role": STATUTORY, "joined_on": SHAPE4_START,
             "left_on": ICB_TAKEOVER,
             "reason": "Clinical commissioning groups closed; the integrated care board took "
                       "over"},
            {"org": "kestrelford-icb", "role": STATUTORY, "joined_on": ICB_TAKEOVER,
             "notes": "Took over the clinical commissioning group's seat on the board."},
        ],
        # The lead-agency matrix from national guidance (DOMAIN.md).
        "responsibilities": [
            {"activity": "overall-supervision", "org": "probation-wm",
             "starts_on": SHAPE4_START, "contact": "Senior Probation Officer, IOM team"},
            {"activity": "offending-behaviour-programmes", "org": "probation-wm",
             "starts_on": SHAPE4_START, "contact": "Head of Interventions"},
            {"activity": "treatment-delivery", "org": "kestrelford-recovery",
             "starts_on": SHAPE4_START, "contact": "Clinical Lead"},
            {"activity": "treatment-commissioning", "org": "kestrelford-ccg",
             "starts_on": SHAPE4_START, "contact": "Mental Health and Substance Misuse "
                                                   "Commissioner"},
            {"activity": "treatment-commissioning", "org": "kestrelford-icb",
             "starts_on": ICB_TAKEOVER, "contact": "Mental Health and Substance Misuse "
                                                   "Commissioner"},
            {"activity": "performance-management", "org": "kestrelford-council",
             "starts_on": SHAPE4_START, "contact": "Drug and Alcohol Action Team (DAAT) "
                                                   "Manager"},
            {"activity": "case-management", "org": "kestrel-ha", "starts_on": SHAPE4_START,
             "contact": "Navigator Service Manager"},
            {"activity": "information-sharing", "org": "kestrel-ha", "starts_on": SHAPE4_START,
             "contact": "Information Governance Lead"},
            {"activity": "service-user-involvement", "org": "lived-experience",
             "starts_on": SHAPE4_START, "contact": "Co-production Lead"},
        ],
        "agreements": [
            {"reference": "pwa", "kind": AgreementKind.PARTNERSHIP_WORKING,
             "title": "Kestrelford programme partnership working agreement",
             "summary": ("Terms of reference for the partnership board and its working "
                         "groups, decision-making, and the place of the service-user group in "
                         "governance."),
             "effective_from": SHAPE4_START, "review_due": D(2028, 9, 30),
             "signatories": [("kestrel-ha", "Chief Executive", D(2019, 3, 12)),
                             *((key, "Chief Executive", D(2019, 3, 26))
                               for key in SHAPE4_BOARD_VOLUNTARY),
                             ("mercia-vale-police", "Assistant Chief Constable",
                              D(2019, 3, 27)),
                             ("kestrelford-council", "Director of Public Health",
                              D(2019, 3, 27)),
                             ("probation-wm", "Head of Probation Delivery Unit",
                              D(2019, 3, 28)),
                             ("kestrelford-nhs-trust", "Medical Director", D(2019, 3, 29))]},
            {"reference": "isp", "kind": AgreementKind.INFORMATION_SHARING,
             "title": "Kestrelford programme information-sharing protocol",
             "summary": ("What is shared about the people the navigators support, with whom, "
                         "on a need-to-know basis, with consent recorded; special-category "
                         "and criminal-offence data handled under the protocol only."),
             "effective_from": D(2019, 6, 1), "review_due": D(2028, 6, 1),
             "signatories": [("kestrel-ha", "Information Governance Lead", D(2019, 5, 20)),
                             ("mercia-vale-police", "Data Protection Officer", D(2019, 5, 22)),
                             ("kestrelford-council", "Caldicott Guardian", D(2019, 5, 23)),
                             ("probation-wm", "Head of Probation Delivery Unit",
                              D(2019, 5, 24)),
                             ("kestrelford-nhs-trust", "Caldicott Guardian", D(2019, 5, 28)),
                             ("kestrelford-recovery", "Data Protection Officer",
                              D(2019, 5, 29))]},
            {"reference": "mou-housing-first", "kind": AgreementKind.MOU,
             "title": "Memorandum of understanding: housing first tenancies",
             "summary": ("The council and the housing association agree how housing first "
                         "tenancies are allocated and sustained for programme clients."),
             "effective_from": D(2020, 1, 6), "review_due": D(2029, 1, 6),
             "signatories": [("kestrel-ha", "Director of Housing", D(2019, 12, 16)),
                             ("kestrelford-council", "Head of Housing Options",
                              D(2019, 12, 18))]},
        ],
        "funding": [
            {"funder": "lottery", "recipient": "kestrel-ha", "source": FundingSource.LOTTERY,
             "amount": "9600000.00", "period_start": SHAPE4_START,
             "period_end": D(2027, 3, 31), "reference": "CFLF-MD-2019-0042"},
        ],
        "services": [
            {"provider": "kestrel-ha", "name": "Multiple disadvantage navigators",
             "categories": ["peer-support", "mental-health", "substance-misuse"],
             "setting": Setting.COMMUNITY, "accepts_self_referral": True,
             "description": "Navigators with small caseloads stay with a person across "
                            "services for as long as it takes.",
             "sites": [("kestrelford-hub", False, ""),
                       ("kestrelford-probation", True, "Navigator on duty Mondays")]},
            {"provider": "kestrel-ha", "name": "Housing first tenancies",
             "categories": ["housing"], "setting": Setting.COMMUNITY,
             "description": "Settled homes with intensive, open-ended support.",
             "sites": [("kestrelford-hub", False, "")]},
            {"provider": "kestrelford-nhs-trust", "name": "Hospital alcohol care team",
             "categories": ["alcohol", "health"], "setting": Setting.COMMUNITY,
             "description": "Alcohol specialist nurses see patients on the wards and in the "
                            "emergency department.",
             "sites": [("kestrelford-hospital", False, "Seven days a week")]},
            {"provider": "kestrelford-recovery", "name": "Community drug and alcohol treatment",
             "categories": ["substance-misuse", "alcohol"], "setting": Setting.COMMUNITY,
             "accepts_self_referral": True, "accepts_court_ordered": True,
             "description": "Structured treatment, including drug rehabilitation "
                            "requirements.",
             "sites": [("kestrelford-probation", True, "Treatment workers based on site"),
                       ("kestrelford-hospital", True, "In-reach to the alcohol care team")]},
            {"provider": "pathfinder", "name": "Employment and training coaching",
             "categories": ["employment-education"], "setting": Setting.COMMUNITY,
             "accepts_self_referral": True,
             "description": "One-to-one coaching into training, volunteering and work.",
             "sites": [("kestrelford-hub", True, "Thursdays")]},
            {"provider": "money-advice", "name": "Debt and benefits advice",
             "categories": ["finance-debt"], "setting": Setting.COMMUNITY,
             "accepts_self_referral": True,
             "description": "Benefit claims, debt relief and budgeting.",
             "sites": [("kestrelford-hub", True, "Drop-in Wednesdays")]},
            {"provider": "restore-together", "name": "Restorative justice conferencing",
             "categories": ["restorative-justice"], "setting": Setting.BOTH,
             "description": "Facilitated meetings between people harmed and people "
                            "responsible.",
             "sites": [("kestrelford-probation", False, "")]},
        ],
    },
    # 5. Small unfunded collaboration with a joint agreement --------------------------------
    {
        "shape": "Small unfunded collaboration with a joint agreement",
        "name": "Thornbury Moor Storytelling Group",
        "setting": Setting.CUSTODY, "regions": ["north-west"], "started_on": D(2023, 9, 4),
        "summary": (
            "Storybridge Arts and Meridian Mentoring run a weekly storytelling and reading "
            "group in HMP Thornbury Moor under a joint agreement signed off by the prison. "
            "There is no dedicated funding: both charities give staff and volunteer time."),
        "members": [
            {"org": "storybridge", "role": LEAD, "joined_on": D(2023, 9, 4)},
            {"org": "meridian", "role": DELIVERY, "joined_on": D(2023, 9, 4)},
        ],
        "custom_activities": [
            {"name": "Receiving group materials",
             "description": "Receives books and materials and has them security-cleared."},
            {"name": "Monitoring attendance",
             "description": "Keeps the register and reports attendance to the prison."},
            {"name": "Supervising volunteers",
             "description": "Vetting, briefing and supervising volunteers in the prison."},
        ],
        "responsibilities": [
            {"activity": "receiving-group-materials", "org": "storybridge",
             "starts_on": D(2023, 9, 4), "contact": "Group Coordinator"},
            {"activity": "monitoring-attendance", "org": "meridian", "starts_on": D(2023, 9, 4),
             "contact": "Mentoring Lead"},
            {"activity": "supervising-volunteers", "org": "meridian",
             "starts_on": D(2023, 9, 4), "contact": "Volunteer Manager"},
        ],
        "agreements": [
            {"reference": "joint-agreement", "kind": AgreementKind.JOINT,
             "title": "Joint agreement for the weekly storytelling group",
             "summary": ("Assigns responsibilities: Storybridge Arts receives materials; "
                         "Meridian Mentoring monitors attendance and supervises volunteers. "
                         "Signed off by the prison."),
             "effective_from": D(2023, 9, 4), "review_due": D(2028, 9, 4),
             "signatories": [("storybridge", "Director", D(2023, 8, 14)),
                             ("meridian", "Chief Executive", D(2023, 8, 16)),
                             ("hmp-thornbury-moor", "Head of Reducing Reoffending",
                              D(2023, 8, 30))]},
        ],
        "funding": [],
        "services": [
            {"provider": "storybridge", "name": "Weekly storytelling and reading group",
             "categories": ["purposeful-activity", "employment-education"],
             "setting": Setting.CUSTODY, "accepts_self_referral": True,
             "description": "A weekly group reading and writing stories, including recording "
                            "stories for children.",
             "sites": [("thornbury-moor", False, "Wednesday afternoons, education block")]},
        ],
    },
]

# --------------------------------------------------------------------------------------------
# One demo login per role (organisation keys refer to ORGANISATIONS).
# --------------------------------------------------------------------------------------------
DEMO_USERS: list[dict[str, Any]] = [
    {"username": "demo-admin", "role": "platform_admin", "organisation": None,
     "first_name": "Demo", "last_name": "Administrator", "is_staff": True,
     "is_superuser": True},
    {"username": "demo-commissioner", "role": "commissioner", "organisation": "jscd",
     "first_name": "Demo", "last_name": "Commissioner", "is_staff": False,
     "is_superuser": False},
    {"username": "demo-manager", "role": "partnership_manager",
     "organisation": "northgate-recovery", "first_name": "Demo", "last_name": "Manager",
     "is_staff": True, "is_superuser": False,
     "try": ("the lead partner's partnership manager of North Pennine Prisons Recovery "
             "Partnership: renew its release handover agreement (version 2 is drafted, one of "
             "three parties has signed), change its members and leads — "
             "/partnerships/north-pennine-prisons-recovery-partnership/#agreements")},
    {"username": "demo-partner", "role": "partnership_manager",
     "organisation": "moorside-nhs", "first_name": "Demo", "last_name": "Partner",
     "is_staff": False, "is_superuser": False,
     "try": ("a partnership manager at a member (Moorside Healthcare): records Moorside's "
             "signature on the release handover agreement's version 2")},
    {"username": "demo-provider", "role": "provider_staff", "organisation": "turning-tide",
     "first_name": "Demo", "last_name": "Provider", "is_staff": False, "is_superuser": False},
    {"username": "demo-prison", "role": "provider_staff", "organisation": "hmp-calderbrook",
     "first_name": "Demo", "last_name": "Prison", "is_staff": False, "is_superuser": False,
     "try": ("HMP Calderbrook's team: the women it holds and has just released; one leaves in "
             "six weeks and her release plan still needs the bridging prescription and "
             "naloxone recorded — /casework/")},
    {"username": "demo-community", "role": "provider_staff", "organisation": "clearwater",
     "first_name": "Demo", "last_name": "Community", "is_staff": False, "is_superuser": False,
     "try": ("Clearwater's gate team, the community provider for men leaving the North "
             "Pennine prisons: records first appointments after release — /casework/")},
]


# ============================================================================================
# The loader
# ============================================================================================
@dataclass
class DemoLogin:
    username: str
    role: str
    organisation: str
    password: str
    try_this: str = ""


@dataclass
class DemoReport:
    """What a load did: records created and found already present, by model."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)  # e.g. members who left
    logins: list[DemoLogin] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_existing(self) -> int:
        return sum(self.existing.values())

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())

    def ensure(self, model: type[models.Model], found: Any, create: Callable[[], Any]) -> Any:
        """Return ``found`` (counted as existing) or the result of ``create()`` (counted as
        created): what makes every demo loader safe to run twice."""
        label = model_label(model)
        if found is not None:
            self.existing[label] += 1
            return found
        self.created[label] += 1
        return create()


def model_label(model: type[models.Model]) -> str:
    """How the load report names a model: its plural verbose name."""
    return str(model._meta.verbose_name_plural)


class _Loader:
    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.report = DemoReport()
        self.orgs: dict[str, Organisation] = {}
        self.locations: dict[str, Location] = {}
        self.regions = {r.code: r for r in Region.objects.all()}
        self.categories = {c.slug: c for c in ServiceCategory.objects.all()}

    # -- bookkeeping --------------------------------------------------------------------------
    def _ensure(self, model: type[models.Model], found: Any, create: Callable[[], Any]) -> Any:
        return self.report.ensure(model, found, create)

    def _snapshot(self) -> tuple[int, int, int]:
        r = self.report
        return r.total_created, r.total_existing, r.total_changed

    def _progress(self, label: str, before: tuple[int, int, int]) -> None:
        created = self.report.total_created - before[0]
        existing = self.report.total_existing - before[1]
        changed = self.report.total_changed - before[2]
        if created or changed:
            state = f"created {created} records"
            if changed:
                state += f", recorded {changed} change{'s' if changed != 1 else ''}"
            if existing:
                state += f", {existing} already present"
        else:
            state = f"already loaded, skipped ({existing} records present)"
        self.log(f"  {label}: {state}")

    # -- steps --------------------------------------------------------------------------------
    def run(self) -> DemoReport:
        missing = {c for p in PARTNERSHIPS for s in p["services"] for c in s["categories"]}
        missing -= set(self.categories)
        if missing or "national" not in self.regions:
            raise RuntimeError("The seeded regions and service categories are missing; run "
                               "`manage.py migrate` first.")
        before = self._snapshot()
        for spec in ORGANISATIONS:
            self._organisation(spec)
        self._progress(f"Organisations ({len(ORGANISATIONS)})", before)
        # The logins before anything that notifies them: a membership added, an agreement
        # waiting for their organisation's signature (``notifications.events.notify`` only
        # reaches people who exist when the action runs).
        self._users()
        before = self._snapshot()
        for spec in LOCATIONS:
            self._location(spec)
        self._progress(f"Locations ({len(LOCATIONS)})", before)
        for number, spec in enumerate(PARTNERSHIPS, start=1):
            before = self._snapshot()
            self._partnership(spec)
            self._progress(f"Partnership {number}/{len(PARTNERSHIPS)} – {spec['name']} "
                           f"({spec['shape'].lower()})", before)
        return self.report

    def _organisation(self, spec: dict[str, Any]) -> None:
        found = Organisation.objects.filter(identifier=spec["identifier"]).first()
        parent = self.orgs[spec["parent"]] if spec.get("parent") else None
        self.orgs[spec["key"]] = self._ensure(Organisation, found, lambda: (
            p_actions.organisation_create(
                by=None, name=spec["name"], kind=spec["kind"], identifier=spec["identifier"],
                region=self.regions[spec["region"]], website=spec.get("website", ""),
                description=spec.get("description", ""), parent=parent)))

    def _location(self, spec: dict[str, Any]) -> None:
        found = Location.objects.filter(slug=slugify(spec["name"])).first()
        fields = {k: spec[k] for k in ("address", "postcode", "prison_category",
                                       "operational_capacity") if k in spec}
        self.locations[spec["key"]] = self._ensure(Location, found, lambda: (
            s_actions.location_create(
                by=None, name=spec["name"], kind=spec["kind"],
                region=self.regions[spec["region"]], operator=self.orgs[spec["operator"]],
                **fields)))

    def _partnership(self, spec: dict[str, Any]) -> None:
        found = Partnership.objects.filter(slug=slugify(spec["name"])).first()
        p = self._ensure(Partnership, found, lambda: p_actions.partnership_create(
            by=None, name=spec["name"], setting=spec["setting"], summary=spec["summary"],
            status=PartnershipStatus.ACTIVE, started_on=spec["started_on"],
            regions=[self.regions[code] for code in spec["regions"]]))
        memberships = [self._membership(p, m) for m in spec["members"]]
        for a in spec.get("custom_activities", []):
            self._ensure(Activity, Activity.objects.filter(partnership=p, slug=slugify(a["name"]))
                         .first(),
                         lambda a=a: p_actions.activity_create_custom(
                             partnership=p, name=a["name"], description=a["description"],
                             by=None))
        for r in spec["responsibilities"]:
            self._responsibility(p, r)
        # Leavers go last, so the history shows them holding their roles until they left.
        for m, membership in zip(spec["members"], memberships, strict=True):
            if m.get("left_on") and membership.left_on is None:
                with dated(_on(m["left_on"])):
                    p_actions.membership_end(membership=membership, left_on=m["left_on"],
                                             reason=m["reason"], by=None)
                self.report.changed["members who left"] += 1
        for a in spec["agreements"]:
            self._agreement(p, a)
        for f in spec["funding"]:
            self._funding(p, f)
        for s in spec["services"]:
            self._service(p, s)

    def _membership(self, p: Partnership, m: dict[str, Any]) -> Membership:
        org = self.orgs[m["org"]]
        found = Membership.objects.filter(partnership=p, organisation=org, role=m["role"],
                                          joined_on=m["joined_on"]).first()
        def create() -> Membership:
            with dated(_on(m["joined_on"])):
                return p_actions.membership_add(
                    partnership=p, organisation=org, role=m["role"], joined_on=m["joined_on"],
                    notes=m.get("notes", ""), by=None)

        return self._ensure(Membership, found, create)

    def _activity(self, p: Partnership, slug: str) -> Activity:
        activity = (Activity.objects.filter(slug=slug, partnership=p).first()
                    or Activity.objects.filter(slug=slug, partnership=None).first())
        if activity is None:
            raise RuntimeError(f"Unknown activity '{slug}' in the demo data for {p}.")
        return activity

    def _responsibility(self, p: Partnership, r: dict[str, Any]) -> None:
        activity, org = self._activity(p, r["activity"]), self.orgs[r["org"]]
        found = LeadResponsibility.objects.filter(partnership=p, activity=activity,
                                                  organisation=org,
                                                  starts_on=r["starts_on"]).first()
        self._ensure(LeadResponsibility, found, lambda: p_actions.lead_responsibility_assign(
            partnership=p, activity=activity, organisation=org, starts_on=r["starts_on"],
            contact=r.get("contact", ""), by=None))

    def _agreement(self, p: Partnership, spec: dict[str, Any]) -> None:
        """Each version as people make it: a draft with its parties, their signatures, then
        put into effect (a version marked ``pending`` stays a draft, mid-renewal)."""
        parties = [self.orgs[entry[0]] for entry in spec["signatories"]]

        def create() -> Agreement:
            with dated(_on(spec["effective_from"])):
                draft = p_actions.agreement_create(
                    partnership=p, kind=spec["kind"], title=spec["title"],
                    reference=spec["reference"], summary=spec["summary"], parties=parties,
                    review_due=spec.get("review_due"), expires_on=spec.get("expires_on"),
                    by=None)
                self._signatures(draft, spec["signatories"])
                return p_actions.agreement_put_into_effect(
                    agreement=draft, effective_on=spec["effective_from"],
                    review_due=spec.get("review_due"), by=None)

        current = self._ensure(Agreement, Agreement.objects.filter(
            partnership=p, reference=spec["reference"], version=1).first(), create)
        for number, v in enumerate(spec.get("versions", []), start=2):
            previous = current

            def new_version(v: dict[str, Any] = v, previous: Agreement = previous) -> Agreement:
                if v.get("pending"):  # being agreed now: its notifications are news
                    draft = p_actions.agreement_new_version(
                        agreement=previous, reason=v["reason"], summary=v.get("summary"),
                        by=None)
                    self._signatures(draft, v["signatories"])
                    return draft
                with dated(_on(v["effective_from"])):
                    draft = p_actions.agreement_new_version(
                        agreement=previous, reason=v["reason"], summary=v.get("summary"),
                        by=None)
                    self._signatures(draft, v["signatories"])
                    return p_actions.agreement_put_into_effect(
                        agreement=draft, effective_on=v["effective_from"],
                        review_due=v.get("review_due"), by=None)

            current = self._ensure(Agreement, Agreement.objects.filter(
                partnership=p, reference=spec["reference"], version=number).first(),
                new_version)

    def _signatures(self, agreement: Agreement, signatories: list[tuple]) -> None:
        for entry in signatories:
            key, signer_role, signed_on = entry[:3]
            signed_by = entry[3] if len(entry) > 3 else signer_role
            if signed_on is None:
                continue  # a party that has not signed yet
            org = self.orgs[key]
            found = Signatory.objects.filter(agreement=agreement, organisation=org,
                                             signed_on__isnull=False).first()
            self._ensure(Signatory, found, lambda org=org, signed_by=signed_by,
                         signer_role=signer_role, signed_on=signed_on: p_actions.agreement_sign(
                             agreement=agreement, organisation=org, signed_by=signed_by,
                             signer_role=signer_role if signed_by != signer_role else "",
                             signed_on=signed_on, by=None))

    def _funding(self, p: Partnership, f: dict[str, Any]) -> None:
        funder = self.orgs[f["funder"]]
        found = Funding.objects.filter(partnership=p, funder=funder, reference=f["reference"],
                                       period_start=f["period_start"]).first()
        self._ensure(Funding, found, lambda: p_actions.funding_add(
            partnership=p, funder=funder, recipient=self.orgs.get(f.get("recipient", "")),
            amount=Decimal(f["amount"]), source=f["source"], period_start=f["period_start"],
            period_end=f["period_end"], reference=f["reference"], by=None))

    def _service(self, p: Partnership, spec: dict[str, Any]) -> None:
        provider = self.orgs[spec["provider"]]
        fields = {k: v for k, v in spec.items()
                  if k not in ("provider", "name", "categories", "sites")}
        found = Service.objects.filter(provider=provider, name=spec["name"]).first()
        service = self._ensure(Service, found, lambda: s_actions.service_create(
            provider=provider, name=spec["name"], partnership=p,
            categories=[self.categories[c] for c in spec["categories"]], by=None, **fields))
        for key, co_located, notes in spec["sites"]:
            location = self.locations[key]
            self._ensure(ServiceAtLocation, ServiceAtLocation.objects.filter(
                service=service, location=location).first(),
                lambda location=location, co_located=co_located, notes=notes: (
                    s_actions.service_deliver_at(service=service, location=location,
                                                 co_located=co_located, notes=notes, by=None)))

    def _users(self) -> None:
        """One login per role; the password is reset on every run so it is always known."""
        User = get_user_model()  # noqa: N806
        created = 0
        for spec in DEMO_USERS:
            org = self.orgs[spec["organisation"]] if spec["organisation"] else None
            user = User.objects.filter(username=spec["username"]).first()
            if user is None:
                user = User(username=spec["username"])
                created += 1
                self.report.created[model_label(User)] += 1
            else:
                self.report.existing[model_label(User)] += 1
            user.email = f"{spec['username']}@example.org"
            user.first_name, user.last_name = spec["first_name"], spec["last_name"]
            user.role, user.organisation = spec["role"], org
            user.is_staff, user.is_superuser = spec["is_staff"], spec["is_superuser"]
            user.is_active = True
            validate_password(DEMO_PASSWORD, user)
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.report.logins.append(DemoLogin(
                username=user.username, role=user.get_role_display(),
                organisation=org.name if org else "—", password=DEMO_PASSWORD,
                try_this=spec.get("try", "")))
        self.log(f"  Demo logins: {created} created, {len(DEMO_USERS) - created} already "
                 "present; passwords reset")


def load_demo(*, log: Callable[[str], None] = lambda line: None) -> DemoReport:
    """Load the demo registry in one transaction, skipping whatever already exists."""
    from demo.custody import load_custody
    from demo.monitoring import load_monitoring
    from demo.referrals import load_referrals
    from demo.reminders import send_todays_reminders
    from demo.reviews import load_reviews

    with transaction.atomic():
        mark = last_id()
        report = _Loader(log).run()
        load_monitoring(report=report, log=log)  # needs the demo logins, so comes last
        load_referrals(report=report, log=log)  # casework by the demo logins, too
        load_custody(report=report, log=log)  # through the gate, on the casework's pathways
        load_reviews(report=report, log=log)  # quarterly reviews, with their attendance
        send_todays_reminders(log=log)  # what the 07:00 sweeps would have sent by now
        made = Notification.objects.filter(id__gt=mark).count()
        read = read_history(since_id=mark)
        log(f"Notifications of the demo's events: {made} new ({read} of them history, "
            "marked read)")
        return report


def status_counts() -> list[tuple[str, int]]:
    """How many of each kind of record the registry holds now (for the command's summary)."""
    from core.models import AuditEvent

    User = get_user_model()  # noqa: N806
    counted: list[type[models.Model]] = [
        Organisation, Partnership, Membership, Agreement, Signatory, LeadResponsibility,
        Activity, Funding, Service, Location, ServiceAtLocation, User, AuditEvent]
    rows = [(model_label(m).capitalize(), m._default_manager.count()) for m in counted]
    overdue = Agreement.objects.review_overdue().count()
    rows.insert(4, ("Agreements overdue for review", overdue))
    rows.insert(3, ("Current memberships", Membership.objects.current().count()))
    from demo.monitoring import monitoring_counts

    return rows + monitoring_counts()


__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "LOCATIONS", "ORGANISATIONS", "PARTNERSHIPS",
           "DemoLogin", "DemoReport", "load_demo", "status_counts"]
