"""What every browser journey checks on every page it lands on, and the screenshots it leaves.

A page is clean when the browser logged no console error, the page threw nothing, no asset failed
to load, the server answered nothing with a 5xx, and nothing was requested from outside the app's
origin (such requests are recorded and aborted, so nothing leaves the machine).  ``look`` takes a
full-page screenshot into tests/artefacts/browser/<database>/<journey>/ and asserts the page clean;
landing on a page and leaving it without a look is itself a problem, so no page goes unchecked.

Every look also runs axe-core over the page (tests/browser/axe.py): a serious or critical WCAG 2.1 A/AA
violation is a problem.  A page reached by GET is checked in the other language too, in a throwaway
browser profile holding the same cookies but the other language's, so the journey itself is unchanged.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from babel.support import Translations
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response, Route

from browser import axe

TESTS = Path(__file__).resolve().parent.parent
ARTEFACTS = TESTS / "artefacts" / "browser"
TRANSLATIONS = TESTS.parent / "summit" / "translations"

#: Debian's Chromium; Playwright's own browser download cannot run here, and is never used
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Chromium logs every 4xx answer as a console error.  A form sent back with its errors (422), or the
# door's "already checked in" (409), is the app speaking, not a fault: the response listener judges
# those by what was requested, and keeps treating a 4xx asset as a problem.
HTTP_STATUS_CONSOLE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d\b")
#: what may answer 4xx without being a fault: pages and the scripts' own calls
SPEAKING_TYPES = {"document", "fetch", "xhr"}

#: what Chromium loads for its own pages, such as the PDF viewer that shows a badge sent inline
BROWSER_OWN = {"chrome", "chrome-extension"}

_catalogues: dict[str, Translations] = {}


def words(language: str, msgid: str, **params) -> str:
    """The app's own text for ``msgid`` in ``language``, from its compiled catalogue."""
    if language not in _catalogues:
        _catalogues[language] = Translations.load(str(TRANSLATIONS), [language], domain="messages")
    text = _catalogues[language].gettext(msgid)
    if language != "en":
        assert text != msgid, f"no {language} translation for {msgid!r}"
    return text % params if params else text


class Journey:
    def __init__(self, browser: Browser, origin: str, folder: Path, server_log=lambda: "", both_languages: bool = True):
        self.browser = browser
        #: check each GET page in its other language too (off for made-up pages no server answers)
        self.both_languages = both_languages
        self.origin = origin
        self.folder = folder
        self.server_log = server_log
        self.problems: list[str] = []
        self.shots = 0
        self._unseen: dict[Page, str] = {}
        self._watched: set[Page] = set()
        # A link to an attachment starts as a page load that the browser aborts to download instead:
        # such an abort is no failure, and is judged once the download is known.
        self._failures: list[tuple[str, str]] = []
        self._downloads: set[str] = set()
        self._contexts: list[BrowserContext] = []
        #: how each page's main frame was last reached (GET pages are checked in both languages)
        self._navigation_method: dict[Page, str] = {}
        #: the addresses axe has checked, with their language: each once per journey
        self._checked: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ opening a browser

    def open(self, locale: str = "en-GB") -> Page:
        """A fresh browser profile (its own cookies) whose Accept-Language follows ``locale``."""
        context = self.browser.new_context(locale=locale, base_url=self.origin, accept_downloads=True,
                                           viewport={"width": 1280, "height": 900}, timezone_id="Europe/Paris")
        context.set_default_timeout(30_000)
        context.route("**/*", self._gate)
        context.on("page", self._watch)
        self._contexts.append(context)
        page = context.new_page()
        self._watch(page)  # once: the "page" event may or may not have fired for it already
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    # ------------------------------------------------------------------ looking at a page

    def look(self, page: Page, name: str) -> None:
        """Screenshot the page as a test artefact, and assert that nothing went wrong so far."""
        page.wait_for_load_state("load")
        self.shots += 1
        page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)
        self._unseen.pop(page, None)
        self.check_accessibility(page)
        self.assert_clean()

    def check_accessibility(self, page: Page) -> None:
        """axe-core over the page as it stands, then (when it was reached by GET) over its other language."""
        language = "zh" if (page.get_attribute("html", "lang") or "").startswith("zh") else "en"
        url = page.url
        if (url, language) not in self._checked:
            self._checked.add((url, language))
            self.problems.extend(axe.violations(page))
        other = "en" if language == "zh" else "zh"
        if not self.both_languages or self._navigation_method.get(page, "GET") != "GET" \
                or not self._same_origin(url) or (url, other) in self._checked:
            return
        self._checked.add((url, other))
        state = page.context.storage_state()
        host = urlsplit(self.origin).hostname
        state["cookies"] = [c for c in state["cookies"] if c["name"] != "summit_lang"] + [
            {"name": "summit_lang", "value": other, "domain": host, "path": "/", "expires": -1,
             "httpOnly": True, "secure": False, "sameSite": "Lax"}]
        twin = self.browser.new_context(storage_state=state, base_url=self.origin,
                                        viewport=page.viewport_size or {"width": 1280, "height": 900},
                                        timezone_id="Europe/Paris")
        try:
            twin.route("**/*", self._gate)
            other_page = twin.new_page()
            self._watched.add(other_page)  # its own listeners: a twin is looked at here, not by the journey
            other_page.on("pageerror", lambda error: self.problems.append(f"page error on {url} ({other}): {error}"))
            try:
                response = other_page.goto(url)
            except Exception as error:  # noqa: BLE001 (any failure to load is the finding)
                self.problems.append(f"could not load {url} in {other}: {error}")
                return
            if response is not None and response.ok and "text/html" in (response.headers.get("content-type") or ""):
                self.problems.extend(f"{line} [{other}]" for line in axe.violations(other_page))
        finally:
            twin.close()

    def assert_clean(self) -> None:
        problems = self.problems + [
            failure for url, failure in self._failures if url not in self._downloads] + [f"landed on {url} and left it without a look" for url in self._unseen.values()]
        if problems:
            log = self.server_log()
            raise AssertionError("\n".join(problems) + (f"\n--- server log ---\n{log[-4000:]}" if log else ""))

    # ------------------------------------------------------------------ listeners

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.origin), urlsplit(url)
        return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)

    def _gate(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in BROWSER_OWN:
            route.continue_()  # the browser's own pages (its PDF viewer): nothing leaves the machine
        elif self._same_origin(url):
            route.continue_()
        else:
            self.problems.append(f"request outside the app: {route.request.resource_type} {url}")
            route.abort()

    def _watch(self, page: Page) -> None:
        if page in self._watched:
            return
        self._watched.add(page)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"page error on {page.url}: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("framenavigated", lambda frame: self._landed(page, frame))
        page.on("request", lambda request: self._navigation(page, request))
        page.on("download", lambda download: self._downloads.add(download.url))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error" and not HTTP_STATUS_CONSOLE.match(message.text):
            self.problems.append(f"console error on {page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        kind = response.request.resource_type
        if response.status >= 500 or (response.status >= 400 and kind not in SPEAKING_TYPES):
            self.problems.append(f"{response.status} for {kind} {response.url}")

    def _failed(self, request: Request) -> None:
        if self._same_origin(request.url):
            aborted = request.url if request.failure == "net::ERR_ABORTED" else ""
            self._failures.append((aborted, f"request failed ({request.failure}): {request.resource_type} {request.url}"))

    def _navigation(self, page: Page, request: Request) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            self._navigation_method[page] = request.method

    def _landed(self, page: Page, frame) -> None:
        if frame != page.main_frame or frame.url == "about:blank":
            return
        if page in self._unseen:
            self.problems.append(f"landed on {self._unseen[page]} and left it without a look")
        self._unseen[page] = frame.url
