"""Casework pages, one module per page family: ``caseload`` (the caseload, commissioners'
counts, opening a case), ``case`` (the case page, changing it, assessments, the access log),
``referrals`` (referring, the inbox, one referral), ``conferences`` and ``notices``.

Views parse forms, call ``referrals.actions`` (which decide and write) and render what
``referrals.selectors`` reads. A case the user may not see is a 404, so its existence does not
leak; something they may see but not do is a 403 page that says why.
"""
