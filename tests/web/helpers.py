"""What a person does in the browser, as small steps the browser tests share."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.factories import PASSWORD


async def log_in(page: Page, email: str, password: str = PASSWORD, *, path: str = "/") -> None:
    await page.goto("/login")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("form[action='/login'] button[type=submit]")
    await expect(page).to_have_url(path)
    # The URL changes when the next page starts to arrive; its deferred scripts (keyboard
    # shortcuts, HTMX) have run by DOMContentLoaded. Under load the gap is long enough for a
    # key press to land before them.
    await page.wait_for_load_state("domcontentloaded")


def column(page: Page, status: str) -> Locator:
    return page.locator(f'[data-dropzone][data-status="{status}"]')


def card(page: Page, title: str) -> Locator:
    return page.locator("[data-card]", has_text=title)


def toast(page: Page) -> Locator:
    return page.locator("#toasts [data-toast]").last


async def drag(page: Page, item: Locator, status: str) -> None:
    """Drag a card by its body (not its links or buttons) into a board column."""
    handle = await item.locator("[data-logged]").bounding_box()
    target = await column(page, status).bounding_box()
    assert handle is not None
    assert target is not None
    await page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(
        target["x"] + target["width"] / 2, target["y"] + min(60, target["height"] / 2), steps=15
    )
    async with page.expect_response(lambda r: r.url.endswith("/status")):
        await page.mouse.up()


async def settled(page: Page) -> None:
    """Wait until htmx has finished every request, swap and settle (it moves focus then)."""
    # A locator, not wait_for_function: the page's CSP forbids the eval that one would need.
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    await expect(busy).to_have_count(0)
