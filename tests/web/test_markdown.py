"""Markdown rendering: safe against hostile input, links only what resolves, plain previews."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from sprintsync.web.markdown import Links, find_references, plain_text, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
    "<iframe src='https://evil.example'></iframe>",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_renders_inert(text: str) -> None:
    parser = _Elements()
    parser.feed(render_markdown(text, Links(people={"x": "/tasks?assignee=1"})))
    for tag, attrs in parser.found:
        assert tag in {"p", "a"}, (tag, text)
        for name, value in attrs:
            assert name in {"href", "rel", "class"}, (name, text)
            assert not (value or "").lower().startswith(("javascript:", "data:")), text


def test_common_markdown_renders() -> None:
    html = render_markdown(
        "# Title\n\n- **bold** and *it*\n- `code`\n\n[docs](https://example.com)"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">docs</a>' in html


def test_only_resolved_references_become_links() -> None:
    links = Links(tasks={"API-41": "/tasks/API-41"}, people={"grace": "/tasks?assignee=2"})
    html = render_markdown("@Grace and @linus on API-41, not UTF-8 or API-42", links)
    assert '<a href="/tasks?assignee=2" class="mention"' in html
    assert ">@Grace</a>" in html
    assert '<a href="/tasks/API-41" class="task-ref"' in html
    assert "@linus" in html
    assert "API-42" in html
    assert html.count("<a ") == 2


def test_references_in_code_and_links_stay_as_they_are() -> None:
    links = Links(people={"grace": "/p"}, tasks={"API-1": "/t"})
    html = render_markdown("`@grace API-1`\n\n[@grace](https://example.com)", links)
    assert "<code>@grace API-1</code>" in html
    assert 'href="/p"' not in html


def test_emails_are_not_mentions() -> None:
    assert find_references("mail grace@example.com, ping @grace.")[1] == {"grace"}


def test_preview_is_plain_text_on_one_line() -> None:
    assert plain_text("## Plan\n\n- **fix** the [login](https://x.y)\n- `test` it") == (
        "Plan fix the login test it"
    )
    assert plain_text("<b>not bold</b> &amp;") == "<b>not bold</b> &"
    assert len(plain_text("word " * 200)) <= 300
