"""Markdown for task descriptions and comments: rendered on the server, sanitised, linked.

markdown-it-py renders CommonMark with raw HTML turned off (so `<script>` is shown as text),
then nh3 (the `ammonia` sanitiser) keeps only an allow-list of tags, attributes, classes and
URL schemes: even a renderer bug cannot let active content through. Task keys (`API-41`)
and `@handles` become links only when the caller says they name something the reader may
see, so "UTF-8" stays text and a mention of a stranger links nowhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

# A task key is a project key (2-10 capitals) and a number; a handle is an email's local part.
KEY_PATTERN = r"[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}"
HANDLE_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?"
_REFS = re.compile(
    rf"(?<![\w@/.#-])(?:@(?P<handle>{HANDLE_PATTERN})|(?P<key>{KEY_PATTERN}))(?![\w-])"
)
PREVIEW_CHARS = 300

_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
_CLASSES = {"a": {"mention", "task-ref"}}
_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True, slots=True)
class Links:
    """What the references in a text point at: task key -> URL, lower-cased handle -> URL."""

    tasks: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)


NO_LINKS = Links()


def find_references(text: str) -> tuple[set[str], set[str]]:
    """The task keys and (lower-cased) handles a text may refer to, for the caller to look up."""
    keys: set[str] = set()
    handles: set[str] = set()
    for match in _REFS.finditer(text or ""):
        if match.group("key"):
            keys.add(match.group("key"))
        else:
            handles.add(match.group("handle").lower())
    return keys, handles


def _may_refer(text: str) -> bool:
    return "@" in text or "-" in text


def _link_tokens(text: str, links: Links) -> list[Token]:
    """`text` split into plain text and links around the references that resolve."""
    out: list[Token] = []
    position = 0
    for match in _REFS.finditer(text):
        key, handle = match.group("key"), match.group("handle")
        href = links.tasks.get(key) if key else links.people.get(handle.lower())
        if href is None:
            continue
        if match.start() > position:
            out.append(_text_token(text[position : match.start()]))
        opener = Token("link_open", "a", 1)
        opener.attrs = {"href": href, "class": "task-ref" if key else "mention"}
        out.extend((opener, _text_token(match.group(0)), Token("link_close", "a", -1)))
        position = match.end()
    if position < len(text):
        out.append(_text_token(text[position:]))
    return out


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _link_references(state: StateCore) -> None:
    """A core rule: turn references in text (not in code, not inside links) into links."""
    links: Links = state.env.get("links", NO_LINKS)
    if not (links.tasks or links.people):
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        depth = 0
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type == "text" and depth == 0 and _may_refer(token.content):
                children.extend(_link_tokens(token.content, links))
            else:
                children.append(token)
        block.children = children


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("link_references", _link_references)
    return md


_md = _parser()


def sanitize(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str, links: Links = NO_LINKS) -> Markup:
    """Safe HTML for a description or comment; links only the references `links` resolves."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitize(_md.render(text, {"links": links})))  # noqa: S704 - sanitised above


@lru_cache(maxsize=2048)
def plain_text(text: str, limit: int = PREVIEW_CHARS) -> str:
    """A one-line, tag-free preview of Markdown for lists (cached: lists repeat the same text).

    Only the first few hundred characters are rendered, which is all a preview shows.
    """
    if not text:
        return ""
    rendered = _md.render(text[: limit * 2])
    stripped = nh3.clean(rendered.replace("<", " <"), tags=set())
    flat = " ".join(html.unescape(stripped).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
