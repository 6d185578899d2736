"""Reference data every registry starts with: regions and the standard lead-agency activities.

Kept here (not inline in migrations) so the demo loader and tests can reuse the same lists.
"""

REGIONS = [
    ("national", "National (England and Wales)"),
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
]

# From the national guidance on probation and treatment partnerships (see DOMAIN.md).
STANDARD_ACTIVITIES = [
    ("overall-supervision", "Overall supervision of the person",
     "Management of the order or licence; usually probation."),
    ("offending-behaviour-programmes", "Offending-behaviour programmes",
     "Accredited programmes; usually probation."),
    ("treatment-delivery", "Treatment delivery and its integrity",
     "Delivering structured treatment to standard; usually the provider."),
    ("treatment-commissioning", "Treatment commissioning",
     "Buying treatment; a health commissioner or area planning board."),
    ("performance-management", "Performance management",
     "Monitoring returns and contract reviews; a DAAT or health commissioner."),
    ("case-management", "Case management",
     "Holding the case record and coordinating the plan."),
    ("information-sharing", "Information sharing",
     "Owning the information-sharing protocol and data requests."),
    ("referral-pathways", "Referral pathways",
     "Agreeing and reviewing referral routes at quarterly meetings."),
    ("continuity-of-care", "Continuity of care on release",
     "Handover from custody to community services."),
    ("service-user-involvement", "Service-user involvement",
     "Feedback from people using services, carers and families."),
]
