"""Forms of the casework pages. They check what a form can (required fields, real dates, choices
from what the user may pick); the actions check everything again and stay the authority, and
their refusals are shown on the same form with what the user typed.

One module per subject: ``common`` (shared fields and the idempotency key), ``cases``,
``referrals`` (and assessments), ``conferences`` and ``custody``; every form is importable from
here.
"""

from .cases import (
    AdminReasonForm,
    CaseloadFilterForm,
    CaseOpenForm,
    CaseUpdateForm,
    LeadChangeForm,
    case_update_initial,
)
from .common import cleaned_idempotency_key, idempotency_key_field, new_idempotency_key
from .conferences import ConferenceCancelForm, ConferenceForm, ConferenceMoveForm
from .custody import (
    FirstAppointmentForm,
    ReceptionForm,
    ReleaseForm,
    ReleasePlanForm,
    TransferForm,
)
from .referrals import (
    AssessmentForm,
    CaseReopenForm,
    DeclineForm,
    ReferForm,
    RepeatConfirmationMixin,
    WithdrawForm,
)

__all__ = [
    "AdminReasonForm",
    "AssessmentForm",
    "CaseOpenForm",
    "CaseReopenForm",
    "CaseUpdateForm",
    "CaseloadFilterForm",
    "ConferenceCancelForm",
    "ConferenceForm",
    "ConferenceMoveForm",
    "DeclineForm",
    "FirstAppointmentForm",
    "LeadChangeForm",
    "ReceptionForm",
    "ReferForm",
    "ReleaseForm",
    "ReleasePlanForm",
    "RepeatConfirmationMixin",
    "TransferForm",
    "WithdrawForm",
    "case_update_initial",
    "cleaned_idempotency_key",
    "idempotency_key_field",
    "new_idempotency_key",
]
