"""URLs of the casework pages. Cases and referrals are addressed by their references, which
carry no personal data; never by a person's details or a case's database id.

Every casework page is personal data or leads to it, so none may be kept by the browser or a
proxy: each view is wrapped here, in one place so a new page cannot forget it, to answer with
``Cache-Control: no-cache, no-store, must-revalidate, private`` (``never_cache``), its 404 and
403 pages included."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.cache import add_never_cache_headers

from .views import case, caseload, conferences, continuity, custody, diary, notices, referrals

app_name = "referrals"

_pages = [
    # The caseload (commissioners: counts; platform admins: open a case with a reason).
    path("casework/", caseload.caseload, name="caseload"),
    path("casework/cases/open/", caseload.case_open, name="case-open"),
    path("casework/cases/find/", caseload.case_find, name="case-find"),
    # One case and what the agencies involved do from it.
    path("casework/cases/<str:reference>/", case.case_detail, name="case"),
    path("casework/cases/<str:reference>/order/", case.case_edit, name="case-edit"),
    path("casework/cases/<str:reference>/lead-agency/", case.lead_change, name="lead-change"),
    path("casework/cases/<str:reference>/close/", case.case_close, name="case-close"),
    path("casework/cases/<str:reference>/reopen/", case.case_reopen, name="case-reopen"),
    path("casework/cases/<str:reference>/assessments/new/", case.assessment_new,
         name="assessment-new"),
    path("casework/cases/<str:reference>/access-log/", case.access_log, name="access-log"),
    path("casework/cases/<str:reference>/refer/", referrals.refer, name="refer"),
    # Custody and release (issue 18): reception, transfer, release, the release plan and the
    # first community appointment of one spell in prison (its id; never the person's details).
    path("casework/cases/<str:reference>/custody/reception/", custody.reception,
         name="custody-reception"),
    path("casework/cases/<str:reference>/custody/<int:pk>/transfer/", custody.transfer,
         name="custody-transfer"),
    path("casework/cases/<str:reference>/custody/<int:pk>/release/", custody.release,
         name="custody-release"),
    path("casework/cases/<str:reference>/custody/<int:pk>/release-plan/", custody.release_plan,
         name="release-plan"),
    path("casework/cases/<str:reference>/custody/<int:pk>/first-appointment/",
         custody.first_appointment, name="first-appointment"),
    path("casework/cases/<str:reference>/conferences/<int:pk>/", conferences.conference,
         name="conference"),
    path("casework/cases/<str:reference>/conferences/<int:pk>/move/",
         conferences.conference_move, name="conference-move"),
    path("casework/cases/<str:reference>/conferences/<int:pk>/cancel/",
         conferences.conference_cancel, name="conference-cancel"),
    # The organisation's conference diary and its calendar link (issue 16). The feed itself
    # needs no sign-in: calendar programs fetch it; the random token is all the URL holds.
    path("casework/conferences/", diary.conference_diary, name="conference-diary"),
    path("casework/conferences/calendar/create/", diary.diary_feed_create,
         name="conference-diary-feed-create"),
    path("casework/conferences/calendar/turn-off/", diary.diary_feed_revoke,
         name="conference-diary-feed-revoke"),
    path("calendar/conferences/<str:token>.ics", diary.diary_feed,
         name="conference-diary-feed"),
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
    # A partnership's continuity-of-care report (issue 18): counts only, for whoever may see
    # the partnership; beside its other pages under /partnerships/<slug>/.
    path("partnerships/<slug:slug>/continuity/", continuity.continuity_report,
         name="continuity"),
    path("partnerships/<slug:slug>/continuity/continuity-of-care.<str:fmt>",
         continuity.continuity_export, name="continuity-export"),
]


def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``never_cache``, also for the 404 and 403 a view raises (rendered here by the site's
    handlers, so the header can be added)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except (Http404, PermissionDenied) as exc:
            response = response_for_exception(request, exc)
        add_never_cache_headers(response)
        return response

    return wrapper


def _never_cached(pattern: URLPattern) -> URLPattern:
    pattern.callback = _private(pattern.callback)
    return pattern


urlpatterns = [_never_cached(pattern) for pattern in _pages]
