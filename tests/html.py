"""Reading rendered pages in tests: their words in order, and the markup rules every page keeps
(unique ids, a label for every input, headings in order from one h1)."""

import re
from html import unescape
from html.parser import HTMLParser


def text(html):
    """The page's words, tags removed and spaces collapsed, for reading order checks."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


class Markup(HTMLParser):
    """Ids, labels, inputs and headings of a page, to check the markup rules."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.label_for, self.inputs, self.headings = [], set(), [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and "for" in attrs:
            self.label_for.add(attrs["for"])
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.inputs.append(attrs.get("id"))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def assert_good_markup(html):
    """No duplicate ids, a label for every input, headings in order from one h1."""
    markup = Markup(html)
    duplicates = {i for i in markup.ids if markup.ids.count(i) > 1}
    assert not duplicates
    assert all(i and i in markup.label_for for i in markup.inputs), markup.inputs
    assert markup.headings.count(1) == 1
    main = markup.headings[markup.headings.index(1):]
    assert all(b <= a + 1 for a, b in zip(main, main[1:], strict=False)), main
