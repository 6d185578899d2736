"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live server. See README.md in this folder."""
