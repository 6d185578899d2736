"""URLs of the casework pages. Cases and referrals are addressed by their references, which
carry no personal data; never by a person's details or a case's database id."""

from django.urls import path

from .views import case, caseload, conferences, notices, referrals

app_name = "referrals"

urlpatterns = [
    # The caseload (commissioners: counts; platform admins: open a case with a reason).
    path("casework/", caseload.caseload, name="caseload"),
    path("casework/cases/open/", caseload.case_open, name="case-open"),
    path("casework/cases/find/", caseload.case_find, name="case-find"),
    # One case and what the agencies involved do from it.
    path("casework/cases/<str:reference>/", case.case_detail, name="case"),
    path("casework/cases/<str:reference>/order/", case.case_edit, name="case-edit"),
    path("casework/cases/<str:reference>/lead-agency/", case.lead_change, name="lead-change"),
    path("casework/cases/<str:reference>/close/", case.case_close, name="case-close"),
    path("casework/cases/<str:reference>/assessments/new/", case.assessment_new,
         name="assessment-new"),
    path("casework/cases/<str:reference>/access-log/", case.access_log, name="access-log"),
    path("casework/cases/<str:reference>/refer/", referrals.refer, name="refer"),
    path("casework/cases/<str:reference>/conferences/<int:pk>/", conferences.conference,
         name="conference"),
    # Referrals: the inbox, those sent, one referral and the answers to it.
    path("casework/referrals/", referrals.inbox, name="inbox"),
    path("casework/referrals/sent/", referrals.sent, name="sent"),
    path("casework/referrals/<str:reference>/", referrals.referral_detail, name="referral"),
    path("casework/referrals/<str:reference>/accept/", referrals.referral_accept,
         name="referral-accept"),
    path("casework/referrals/<str:reference>/decline/", referrals.referral_decline,
         name="referral-decline"),
    path("casework/referrals/<str:reference>/complete/", referrals.referral_complete,
         name="referral-complete"),
    path("casework/referrals/<str:reference>/withdraw/", referrals.referral_withdraw,
         name="referral-withdraw"),
    # End-of-order notices.
    path("casework/notices/", notices.notices, name="notices"),
    path("casework/notices/<int:pk>/acknowledge/", notices.notice_acknowledge,
         name="notice-acknowledge"),
]
