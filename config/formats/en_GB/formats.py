"""One date format everywhere: Django's en-GB locale writes "7 Dec 2026" (admin change lists,
read-only fields, ``{{ day }}`` in templates) while the pages write "7 December 2026"
(``core.display.govuk_date``). Only the display formats change; input formats stay Django's."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
