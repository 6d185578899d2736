"""Checks every page must pass (axe-core, headings, title) and small helpers shared by the
browser tests. Each check returns readable problems rather than asserting, so one failure
message lists everything wrong with a page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TITLE_SUFFIX = "– Partnership Registry"  # an en dash, as base.html writes it

_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_JS.read_text(encoding="utf-8")
    return _axe_source


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page at WCAG 2.2 AA and return its violations.

    axe is evaluated through Playwright (the DevTools protocol), not added as a <script> tag:
    the site's CSP (script-src 'self' 'nonce-...') rightly blocks an injected inline script, and
    evaluating keeps the CSP in force for the page's own scripts, which bypass_csp would not.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe())
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  [{v['id']}] ({v['impact']}) {v['help']} — {v['helpUrl']}")
        for number, node in enumerate(v["nodes"][:10]):
            lines.append(f"      at {node['target']}: {node['html'][:200]}")
            if number == 0:  # the explanation is usually the same for every element
                for detail in (node["summary"] or "").splitlines():
                    lines.append(f"          {detail}")
        if len(v["nodes"]) > 10:
            lines.append(f"      ... and {len(v['nodes']) - 10} more elements")
    return "\n".join(lines)


def headings(page: Any) -> list[tuple[int, str]]:
    """(level, text) of the headings assistive technology announces, in document order:
    visually hidden ones count, ones hidden from everyone (display:none, aria-hidden) do not."""
    return [(h["level"], h["text"]) for h in page.evaluate(
        """() => Array.from(document.querySelectorAll("h1,h2,h3,h4,h5,h6,[role=heading]"))
            .filter(h => !h.closest("[aria-hidden=true]") &&
                         h.checkVisibility({visibilityProperty: true}))
            .map(h => ({
                level: h.hasAttribute("aria-level") ? Number(h.getAttribute("aria-level"))
                       : Number(h.tagName.slice(1)) || 2,
                text: h.textContent.replace(/\\s+/g, " ").trim(),
            }))""")]


def heading_problems(page: Any) -> list[str]:
    found = headings(page)
    problems = []
    h1s = [text for level, text in found if level == 1]
    if len(h1s) != 1:
        problems.append(f"expected exactly one h1, found {len(h1s)}: {h1s}")
    # Levels may rise by at most one. The start counts as level 1, so the GOV.UK error summary
    # and notification banner (h2s placed above the h1 by design) are allowed.
    previous = 1
    for level, text in found:
        if level > previous + 1:
            problems.append(f"heading level skips from h{previous} to h{level} at {text!r}")
        previous = level
    return problems


def title_problems(page: Any) -> list[str]:
    title = page.title()
    if not title.endswith(TITLE_SUFFIX):
        return [f"<title> {title!r} does not end with {TITLE_SUFFIX!r}"]
    if not title[: -len(TITLE_SUFFIX)].strip():
        return [f"<title> {title!r} has nothing before {TITLE_SUFFIX!r}"]
    return []


def page_problems(page: Any) -> list[str]:
    """Everything the quality bar asks of a page: axe-clean, headings, title."""
    problems = title_problems(page) + heading_problems(page)
    violations = axe_violations(page)
    if violations:
        problems.append(f"axe-core found {len(violations)} WCAG 2.2 AA violation(s):\n"
                        + format_violations(violations))
    return problems


def screenshot(page: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a downloaded CSV (UTF-8 with a byte-order mark for Excel)."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, f"{path.name} is empty"
    return rows[0], rows[1:]


def count_in(text: str) -> int:
    """The first whole number in a piece of text such as '5 partnerships found'."""
    match = re.search(r"\d[\d,]*", text)
    assert match, f"no number in {text!r}"
    return int(match.group().replace(",", ""))


def focused(page: Any) -> dict[str, Any]:
    """What has the keyboard focus: tag, id, name, text and href of document.activeElement."""
    return page.evaluate(
        """() => { const e = document.activeElement; return {
            tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name"),
            type: e.getAttribute("type"), href: e.getAttribute("href"), value: e.value,
            text: (e.innerText || e.value || "").trim() }; }""")


def tab_until(page: Any, predicate: Any, limit: int = 80,
              backwards: bool = False) -> list[dict[str, Any]]:
    """Press Tab (or Shift+Tab) until ``predicate(focused(page))`` holds; return the focus
    path. Fails with the path taken when the limit is reached."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        path.append(now)
        if predicate(now):
            return path
    raise AssertionError("not reached by Tab in {} presses; focus went: {}".format(
        limit, " → ".join(f"{f['tag']}#{f['id'] or ''}[{f['text'][:30]!r}]" for f in path)))


def download_link(page: Any) -> Any:
    """The "Download these results (CSV)" link, whether shown as a link or as a GOV.UK button
    (a link with role=button)."""
    return page.locator("a", has_text=re.compile(r"^\s*Download these results \(CSV\)\s*$"))


def open_filter_panel(page: Any) -> None:
    """Open the MOJ filter panel if its "Show filter" button has it closed (MOJ Frontend's
    FilterToggleButton closes it on small screens, and on every screen if startHidden)."""
    toggle = page.get_by_role("button", name="Show filter")
    if toggle.count() and toggle.is_visible():
        toggle.click()
