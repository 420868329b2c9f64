"""Forms that help, in a real browser (issue 16, items 4-6).

- A form sent back with errors opens on its summary (focused, role=alert), whose links put the focus in
  the field named; every error is tied to its input, the consent box and the category radios included,
  and the category's error sits under the whole group.
- The language switch keeps what was typed, on the registration form and a console form, and never a
  password.
- With the keyboard, every stop shows a focus ring of 3:1 or more against what surrounds it, on the
  light pages and the dark header alike.
The screenshots of the forms with their errors, at 390 and 1280 px in both languages, are in
tests/artefacts/browser/<database>/<test>/.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.console_login import PASSWORD, sign_in
from browser.journey import Journey, words

pytestmark = [pytest.mark.browser]

#: the ring's colour against the background behind it (outside the element, where the outline is drawn)
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const parse = s => { const m = s.match(/rgba?\\(([^)]+)\\)/); return m ? m[1].split(/[ ,\\/]+/).filter(Boolean).map(parseFloat) : null; };
  const lum = p => { const c = p.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const behind = node => { for (let n = node; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor);
                           if (c && (c.length < 4 || c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const style = getComputedStyle(el);
  const ring = parse(style.outlineColor), back = behind(el.parentElement);
  const [a, b] = [lum(ring), lum(back)];
  return {what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ')[0] : '') + ' ' + (el.textContent || el.name || '').trim().slice(0, 30),
          style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


def tab_through(page: Page, stops: int) -> list[str]:
    """Press Tab ``stops`` times; what had no ring of 3 px / 3:1."""
    problems = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            continue
        if ring["style"] == "none" or ring["width"] < 2 or ring["ratio"] < 3:
            problems.append(f"{page.url} {ring['what']}: outline {ring['style']} {ring['width']}px, {ring['ratio']:.2f}:1")
    return problems


def send_registration_with_mistakes(journey: Journey, page: Page, language: str) -> None:
    page.goto(f"/register?lang={language}")
    journey.look(page, f"register-{language}")
    page.fill("[name=given_name]", "Фатима")  # not Latin letters
    page.fill("[name=email]", "fatima-at-example")
    page.get_by_role("button", name=words(language, "Register")).click()
    expect(page.locator("[data-error-summary]")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_form_with_errors_opens_on_its_summary_and_each_error_is_tied_to_its_field(journey: Journey, site, language):
    page = journey.open(locale="zh-CN" if language == "zh" else "en-GB")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        send_registration_with_mistakes(journey, page, language)
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        expect(summary).to_have_attribute("tabindex", "-1")
        journey.look(page, f"register-errors-{language}-{width}")

    # Every link of the summary names a field that is on the page, and lands in it.
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert {"#given_name", "#email", "#organisation", "#country", "#category-0", "#consent"} <= set(hrefs), hrefs
    for href in hrefs:
        expect(page.locator(href)).to_have_count(1)
    summary.locator("a[href='#category-0']").click()
    expect(page.locator("#category-0")).to_be_focused()
    summary.locator("a[href='#given_name']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#given_name")).to_be_focused()

    # Each invalid input says so, and is described by its own error.
    for selector in ("#given_name", "#email", "#consent", "#category-0", "#category-3"):
        field = page.locator(selector)
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby").split()
        errors = [d for d in described if d.endswith("-error")]
        assert errors, selector
        expect(page.locator(f"#{errors[0]}")).to_have_class("error")
        expect(page.locator(f"#{errors[0]}")).not_to_be_empty()
    expect(page.locator("#consent")).to_have_accessible_description(
        words(language, "We need your consent to process your registration."))

    # The category's error spans its whole group, below every radio, not one of the grid's columns.
    group = page.locator("fieldset.radios", has=page.locator("#category-0"))
    error, options = group.locator("#category-error"), group.locator(".radio-options")
    error_box, options_box, group_box = error.bounding_box(), options.bounding_box(), group.bounding_box()
    assert error_box["y"] >= options_box["y"] + options_box["height"] - 1
    assert error_box["width"] >= group_box["width"] * 0.8


def test_the_language_switch_keeps_what_was_typed_on_the_registration_form(journey: Journey, site):
    page = journey.open(locale="en-GB")
    page.goto("/register")
    journey.look(page, "register-en")
    page.fill("[name=given_name]", "Fatima")
    page.fill("[name=family_name]", "Al-Sayed")
    page.fill("[name=native_name]", "فاطمة السيد")
    page.select_option("[name=country]", "AE")
    page.check("#category-0")
    page.fill("[name=dietary_needs]", "Halal, no shellfish")
    page.check("[name=consent]")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_contain_text("注册参加")
    expect(page.locator("[name=given_name]")).to_have_value("Fatima")
    expect(page.locator("[name=family_name]")).to_have_value("Al-Sayed")
    expect(page.locator("[name=native_name]")).to_have_value("فاطمة السيد")
    expect(page.locator("[name=country]")).to_have_value("AE")
    expect(page.locator("#category-0")).to_be_checked()
    expect(page.locator("[name=dietary_needs]")).to_have_value("Halal, no shellfish")
    expect(page.locator("[name=consent]")).to_be_checked()
    expect(page.locator("[data-error-summary]")).to_have_count(0)  # filled in, not judged
    journey.look(page, "register-zh-kept")

    # After errors, too: the switch carries the form as sent back, and back again.
    page.fill("[name=email]", "fatima-at-example")
    page.get_by_role("button", name=words("zh", "Register")).click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    journey.look(page, "register-zh-errors")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_contain_text("Register for")
    expect(page.locator("[name=email]")).to_have_value("fatima-at-example")
    expect(page.locator("[name=native_name]")).to_have_value("فاطمة السيد")
    journey.look(page, "register-en-kept")

    # A fresh visit is a fresh form: the draft was used up.
    page.goto("/register")
    expect(page.locator("[name=given_name]")).to_have_value("")
    journey.look(page, "register-fresh")


def test_the_language_switch_keeps_a_console_form_and_never_a_password(journey: Journey, site):
    page = journey.open(locale="en-GB")
    page.goto("/console/login")
    journey.look(page, "login")
    page.fill("[name=email]", "organiser@example.org")
    page.fill("[name=password]", PASSWORD)
    page.get_by_role("link", name="中文").click()
    expect(page.locator("[name=email]")).to_have_value("organiser@example.org")
    expect(page.locator("[name=password]")).to_have_value("")
    journey.look(page, "login-zh")
    page.get_by_role("link", name="English").click()
    journey.look(page, "login-en")

    site.fresh()
    sign_in(journey, page, "organiser", "/console/messages/new")
    journey.look(page, "message-en")
    page.fill("[name=subject_en]", "Bus times for Thursday")
    page.fill("[name=subject_zh]", "周四班车时间")
    page.fill("[name=body_en]", "The buses leave at 8:00.\n\nBring your badge.")
    page.get_by_role("link", name="中文").click()
    expect(page.locator("h1")).to_have_text(words("zh", "Write a message"))
    expect(page.locator("[name=subject_en]")).to_have_value("Bus times for Thursday")
    expect(page.locator("[name=subject_zh]")).to_have_value("周四班车时间")
    expect(page.locator("[name=body_en]")).to_have_value("The buses leave at 8:00.\n\nBring your badge.")
    journey.look(page, "message-zh-kept")


def test_every_keyboard_stop_shows_a_ring_that_stands_out(journey: Journey, site):
    page = journey.open(locale="en-GB")
    problems = []
    for path in ("/", "/routes", "/manage/lost-link"):
        page.goto(path)
        journey.look(page, path.strip("/").replace("/", "-") or "home")
        problems += tab_through(page, 14)
    send_registration_with_mistakes(journey, page, "en")
    journey.look(page, "register-errors")
    problems += tab_through(page, 40)
    site.fresh()
    sign_in(journey, page, "organiser", "/console/")
    journey.look(page, "dashboard")
    problems += tab_through(page, 25)
    assert not problems, "\n".join(problems)


def test_axe_looks_at_each_page_in_both_languages(journey: Journey, site):
    page = journey.open(locale="en-GB")
    page.goto("/agenda")
    journey.look(page, "agenda")
    assert {(url.rsplit("/", 1)[-1], language) for url, language in journey._checked} == {("agenda", "en"), ("agenda", "zh")}
