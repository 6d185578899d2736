"""The seeded service taxonomy (admins may add categories; these slugs are stable)."""

SERVICE_CATEGORIES = [
    ("substance-misuse", "Substance misuse", "Drug treatment and recovery."),
    ("alcohol", "Alcohol", "Alcohol treatment, including alcohol treatment requirements."),
    ("mental-health", "Mental health", ""),
    ("domestic-abuse", "Domestic abuse", "Support for victims and survivors."),
    ("sexual-violence", "Sexual violence", ""),
    ("family-support", "Family support", "Families, children and carers."),
    ("housing", "Housing and accommodation", ""),
    ("employment-education", "Employment, education and training", ""),
    ("purposeful-activity", "Purposeful activity", ""),
    ("peer-support", "Peer support and mentoring", ""),
    ("womens-services", "Women's services", ""),
    ("life-skills", "Life skills", ""),
    ("finance-debt", "Finance, benefit and debt", ""),
    ("health", "Physical health", ""),
    ("restorative-justice", "Restorative justice", ""),
]
