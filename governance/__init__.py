"""Governance and learning of a partnership (issue 19): its boards, working groups and
service-user group with their members, what they decide and who must do what by when, what
frontline staff report, joint training, and feedback from providers and people using services.

A separate app above ``monitoring`` and ``referrals`` (docs/decisions/0027): an insight may point
at a referral pathway and a service, and the quarterly review pack reads monitoring and
continuity figures, so governance depends on those apps and none of them on it."""
