"""The browser client in Debian's headless Chromium, driven by Playwright, against the real
topology: HAProxy, two instances, the Celery worker, PostgreSQL and Redis.

Every page records its console errors, uncaught exceptions and CSP violations (Chromium
reports those on the console); any of them fails the test.
"""

import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Response,
    expect,
    sync_playwright,
)

from tests.browser import CHROMIUM, runs_unbroken, scroll_back
from tests.pages import html_page, serving
from tests.servers import ROOT
from tests.topology import RunningCluster
from tests.v2_clients import Member

# Run before the page's own scripts on every load: CSP violations become console errors
# (fatal, as every console error is), and every element added or changed is checked for
# event-handler attributes and script URLs, even if it is gone by the time a test looks.
WATCH = """
document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
window.parleyTestDangerous = [];
const URL_ATTRIBUTES = [
  "href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background",
];
const check = (element) => {
  for (const a of element.attributes) {
    if (a.name.startsWith("on") ||
        (URL_ATTRIBUTES.includes(a.name) && /^\\s*(javascript|data|vbscript):/i.test(a.value))) {
      window.parleyTestDangerous.push(`${element.tagName} ${a.name}=${a.value}`);
    }
  }
};
new MutationObserver((records) => {
  for (const record of records) {
    const nodes = record.type === "attributes" ? [record.target] : [...record.addedNodes];
    for (const node of nodes) {
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      [node, ...node.querySelectorAll("*")].forEach(check);
    }
  }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""
NAUGHTY: list[str] = json.loads(
    (ROOT / "node_modules" / "big-list-of-naughty-strings" / "blns.json").read_text()
)
CLASSIC = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click](javascript:alert(3))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
    "<svg onload=alert(5)>",
    "&lt;img src=x onerror=alert(6)&gt;",
    "[x](JaVaScRiPt:alert(7))",
    "[x](&#106;avascript:alert(8))",
    '<a href="javascript&colon;alert(9)">x</a>',
    '<iframe srcdoc="<script>alert(10)</script>"></iframe>',
    '![x](x" onerror="alert(11))',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
WAIT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (Playwright's own download cannot work here)."""
    assert CHROMIUM.exists(), "make packages installs chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


class Person:
    """One user in a browser context of their own, with what went wrong on their page."""

    def __init__(self, browser: Browser, url: str, nickname: str) -> None:
        self.nickname = nickname
        self.problems: list[str] = []
        self.context = browser.new_context()
        self.context.add_init_script(WATCH)
        self.page: Page = self.another_tab(url)

    def another_tab(self, url: str) -> Page:
        """A page in this person's browser (cookies and storage shared), watched like the first."""
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("dialog", self._dialog)
        page.on("response", self._response)
        page.goto(url)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        # Chromium logs every 4xx answer too; those are the API speaking (a taken
        # nickname, a refresh on 401) and the client shows them. 5xx are caught below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.request.method} {response.url}")

    def _dialog(self, dialog: Dialog) -> None:
        if dialog.type == "confirm":  # the client asks before deleting
            dialog.accept()
        else:  # an alert() is an injected script running
            self.problems.append(f"dialog: {dialog.message}")
            dialog.dismiss()

    def sign_up(self) -> None:
        self.page.get_by_role("button", name="Create an account").click()
        self.page.get_by_label("Nickname").fill(self.nickname)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.locator("form button[type=submit]").click()
        expect(self.page.get_by_label("Message #general")).to_be_visible(timeout=WAIT_MS)
        expect(self.page.locator(".banner")).to_have_count(0, timeout=WAIT_MS)  # connected

    def sign_in(self) -> None:
        """Sign in as an existing user (this person's nickname)."""
        self.page.get_by_label("Nickname").fill(self.nickname)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.locator("form button[type=submit]").click()
        expect(self.page.get_by_label("Message #general")).to_be_visible(timeout=WAIT_MS)

    def share_private_channel(self, room: str, other: "Person") -> None:
        """Create a private channel through the sidebar, invite `other`, and have them
        open it (it appears live in their sidebar)."""
        self.page.get_by_label("Name").fill(room)
        self.page.get_by_label("Who can see it").select_option("private")
        self.page.get_by_role("button", name="Create").click()
        expect(self.page.get_by_label(f"Message #{room}")).to_be_visible(timeout=WAIT_MS)
        self.page.get_by_label("Invite someone").fill(other.nickname)
        self.page.get_by_role("button", name=f"Invite {other.nickname}").click()
        other.page.get_by_role("link", name=f"#{room}").click(timeout=WAIT_MS)

    def dangerous(self) -> list[str]:
        """Event-handler attributes and script URLs on any element the page ever drew."""
        found: list[str] = self.page.evaluate("() => window.parleyTestDangerous")
        return found

    def say(self, text: str, channel: str = "general") -> None:
        box = self.page.get_by_label(f"Message #{channel}")
        box.fill(text)
        box.press("Enter")

    def message(self, text: str) -> Locator:
        return self.page.locator(".message", has_text=text)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def url(topology: RunningCluster) -> str:
    return topology.plan.balancer_url


@pytest.fixture
def people(browser: Browser, url: str) -> Iterator[list[Person]]:
    opened: list[Person] = []
    yield opened
    for person in opened:
        person.close()


def new_person(browser: Browser, url: str, people: list[Person], name: str) -> Person:
    person = Person(browser, url, f"{name}{uuid.uuid4().hex[:6]}")
    people.append(person)
    return person


def two_in_a_private_channel(
    browser: Browser, url: str, people: list[Person], topic: str
) -> tuple[Person, Person, str]:
    """ada and bob signed up, in a private channel of ada's (its name starts with `topic`)
    that bob has open."""
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()
    room = f"{topic}-{uuid.uuid4().hex[:6]}"
    ada.share_private_channel(room, bob)
    return ada, bob, room


def test_two_people_chat_in_a_private_channel_and_an_outsider_sees_nothing(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob, eve = (new_person(browser, url, people, name) for name in ("ada", "bob", "eve"))
    for person in (ada, bob, eve):
        person.sign_up()
    seen_by_eve: list[str] = []
    eve.page.on("response", lambda response: seen_by_eve.append(_body_of(response)))
    marker = uuid.uuid4().hex[:8]
    room = f"secret-{marker}"

    ada.share_private_channel(room, bob)

    ada.say(f"hello **bob** {marker}", room)
    posted = bob.message(f"hello bob {marker}")
    expect(posted).to_be_visible(timeout=WAIT_MS)
    expect(posted.locator(".body strong")).to_have_text("bob")

    mine = ada.message(f"hello bob {marker}")
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    ada.page.get_by_label("Edit message").fill(f"edited {marker}")
    ada.page.get_by_role("button", name="Save").click()
    expect(bob.message(f"edited {marker}")).to_be_visible(timeout=WAIT_MS)

    edited = ada.message(f"edited {marker}")
    edited.hover()
    edited.get_by_role("button", name="Delete").click()
    expect(bob.page.get_by_text("This message was deleted.").last).to_be_visible(timeout=WAIT_MS)
    expect(bob.message(f"edited {marker}")).to_have_count(0)

    bob.say(f"bye {marker}", room)
    expect(ada.message(f"bye {marker}")).to_be_visible(timeout=WAIT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ada.page.screenshot(path=SCREENSHOTS / "chat-desktop.png")
    bob.page.set_viewport_size({"width": 360, "height": 740})
    bob.page.screenshot(path=SCREENSHOTS / "chat-phone.png")
    eve.page.reload()  # and whatever a fresh load fetches
    expect(eve.page.get_by_label("Message #general")).to_be_visible(timeout=WAIT_MS)
    assert marker not in eve.page.content()
    assert not [body for body in seen_by_eve if marker in body]
    for person in (ada, bob, eve):
        assert person.problems == []


def _body_of(response: Response) -> str:
    try:
        return response.text()
    except Exception:  # a redirect or a body already gone: nothing it could show
        return ""


@pytest.mark.own_cluster  # it kills an instance
def test_offline_and_a_killed_instance_lose_nothing_and_double_nothing(
    browser: Browser, url: str, people: list[Person], topology: RunningCluster
) -> None:
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()
    marker = uuid.uuid4().hex[:8]

    bob.context.set_offline(True)
    expect(bob.page.get_by_role("status").filter(has_text="Offline")).to_be_visible(timeout=WAIT_MS)
    bob.say(f"typed offline {marker}")
    expect(bob.page.locator(".message.pending", has_text=marker)).to_have_count(1)
    for n in range(25):
        ada.say(f"{marker} n{n:02}")
    bob.context.set_offline(False)

    # His instance (HAProxy's stickiness cookie names it) dies; he comes back through the other.
    held_by = next(c["value"] for c in bob.context.cookies() if c["name"] == "PARLEY_INSTANCE")
    topology.kill(held_by)
    for n in range(25, 50):
        ada.say(f"{marker} n{n:02}")

    expected = [f"{marker} n{n:02}" for n in range(50)]
    for person in (ada, bob):
        expect(
            person.page.locator(".message:not(.pending) .body", has_text=f"{marker} n")
        ).to_have_count(50, timeout=30_000)
        shown = person.page.locator(".message .body", has_text=f"{marker} n").all_inner_texts()
        assert [text.strip() for text in shown] == expected  # once each, in order
    for person in (ada, bob):
        expect(
            person.page.locator(".message .body", has_text=f"typed offline {marker}")
        ).to_have_count(1, timeout=WAIT_MS)
    expect(bob.page.locator(".message.pending")).to_have_count(0)


def test_a_taken_nickname_is_shown_next_to_the_field(
    browser: Browser, url: str, people: list[Person]
) -> None:
    first = new_person(browser, url, people, "taken")
    first.sign_up()
    second = Person(browser, url, first.nickname)
    people.append(second)

    second.page.get_by_role("button", name="Create an account").click()
    second.page.get_by_label("Nickname").fill(first.nickname)
    second.page.get_by_label("Password").fill(PASSWORD)
    second.page.locator("form button[type=submit]").click()

    expect(second.page.locator("#nickname-error")).to_have_text("This nickname is already taken.")
    expect(second.page.get_by_label("Nickname")).to_have_attribute("aria-invalid", "true")


def test_markup_typed_in_the_composer_never_runs(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()
    marker = uuid.uuid4().hex[:8]
    for payload in CLASSIC:
        ada.say(f"{marker} {payload}")
    expect(bob.page.locator(".message", has_text=marker)).to_have_count(
        len(CLASSIC), timeout=WAIT_MS
    )

    for person in (ada, bob):
        assert person.dangerous() == []
        assert person.problems == []


def test_naughty_strings_never_run_as_messages_or_channel_names(
    browser: Browser, url: str, people: list[Person]
) -> None:
    writer = Member(url)
    strings = [*NAUGHTY, *CLASSIC]
    with ThreadPoolExecutor(8) as pool:
        named = list(
            pool.map(lambda name: writer.call("POST", "/channels", {"name": name}), strings)
        )
    for name, (status, body) in zip(strings, named, strict=True):
        assert status in (201, 400, 409), (name, status, body)  # never a 500
        assert status != 400 or "name" in body["errors"], (name, body)
    accepted = {body["id"]: body["name"] for status, body in named if status == 201}
    room = writer.channel(f"naughty-{uuid.uuid4().hex[:6]}")
    with ThreadPoolExecutor(8) as pool:
        posted = list(
            pool.map(lambda n: writer.post(room, strings[n], f"naughty-{n}"), range(len(strings)))
        )
    for text, (status, body) in zip(strings, posted, strict=True):
        assert status in (201, 400), (text, status, body)
        assert status != 400 or "source" in body["errors"], (text, body)
    stored = sorted(body["seq"] for status, body in posted if status == 201)
    assert len(accepted) > 400
    assert len(stored) > 400

    reader = new_person(browser, url, people, "reader")
    reader.sign_up()
    # Every accepted name is in the sidebar as the text it is.
    browse = reader.page.locator("section[aria-labelledby=section-browse] a")
    expect(browse).to_have_count(len(accepted) + 1, timeout=WAIT_MS)  # and the room
    shown = browse.evaluate_all("links => links.map((a) => [a.hash, a.textContent])")
    names = {int(link.removeprefix("#channel-")): text for link, text in shown}
    assert {id_: names.get(id_) for id_ in accepted} == {
        id_: f"#{name}" for id_, name in accepted.items()
    }
    for id_ in [id_ for id_, name in accepted.items() if "<" in name][:20]:
        reader.page.locator(f'a[href="#channel-{id_}"]').click()
        expect(reader.page.locator(".top h1")).to_have_text(accepted[id_])
    # Every stored message drawn, the window moving over all of them.
    reader.page.locator(f'a[href="#channel-{room}"]').click()
    reader.page.get_by_role("button", name="Join #naughty-").click()
    expect(reader.page.locator(f'li[data-seq="{stored[-1]}"]')).to_be_attached(timeout=WAIT_MS)
    scrolled = scroll_back(reader.page, len(strings))
    assert set(stored) <= set(scrolled["seen"])

    assert reader.dangerous() == []
    assert reader.problems == []


def test_scrolling_back_a_long_channel_keeps_a_window_in_the_dom(
    browser: Browser, url: str, people: list[Person]
) -> None:
    writer = Member(url)
    room = f"long-{uuid.uuid4().hex[:6]}"
    channel_id = writer.channel(room)
    posts = 400
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda n: writer.post(channel_id, f"m{n:03}", f"m{n}"), range(posts))
        )
    assert {status for status, _ in answers} == {201}
    reader = new_person(browser, url, people, "reader")
    reader.sign_up()
    reader.page.get_by_role("link", name=f"#{room}").click()
    reader.page.get_by_role("button", name=f"Join #{room}").click()
    expect(reader.page.get_by_label(f"Message #{room}")).to_be_visible(timeout=WAIT_MS)
    newest = max(message["seq"] for _, message in answers)
    expect(reader.page.locator(f'li[data-seq="{newest}"]')).to_be_visible(timeout=WAIT_MS)

    scrolled = scroll_back(reader.page, posts)

    assert scrolled["reached"] == posts - 1  # back to the channel's first message
    assert scrolled["seen"] == sorted(message["seq"] for _, message in answers)
    assert runs_unbroken(scrolled["seen"])
    assert scrolled["ordered"]
    assert scrolled["mostMessages"] <= 150  # the client's window, not the 400 held
    assert scrolled["largestJump"] <= 2  # the message at the top stayed where it was
    reader.page.get_by_role("button", name="Jump to the newest messages").click()
    expect(reader.page.locator(f'li[data-seq="{newest}"]')).to_be_in_viewport(timeout=WAIT_MS)
    writer.post(channel_id, "one more", "one-more")
    expect(reader.message("one more")).to_be_in_viewport(timeout=WAIT_MS)  # following again
    assert reader.problems == []


WIDTHS = {"desktop": 1280, "phone": 360}


@pytest.mark.own_cluster  # an empty database: the screenshots show only what it made
@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_view_has_no_serious_accessibility_violation_and_is_photographed(
    browser: Browser, url: str, people: list[Person], device: str
) -> None:
    writer = Member(url)
    room = f"team-{uuid.uuid4().hex[:6]}"
    writer.channel(room)
    _, listing = writer.call("GET", "/channels")
    general = next(c["id"] for c in listing["channels"] if c["name"] == "general")
    writer.post(general, "Welcome! Today:\n\n- the *plan*\n- `make run`", "welcome")
    person = new_person(browser, url, people, "axe")
    page = person.page
    page.set_viewport_size({"width": WIDTHS[device], "height": 800})
    found: dict[str, list[str]] = {}

    def view(name: str) -> None:
        found[name] = audit(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{device}.png")

    view("sign-in")
    page.get_by_role("button", name="Create an account").click()
    page.locator("form button[type=submit]").click()
    expect(page.locator("#nickname-error")).not_to_be_empty()
    view("sign-up-errors")
    person.sign_up()
    person.say("Hello **all**, I am new here.")
    expect(person.message("I am new here")).not_to_have_class("pending", timeout=WAIT_MS)
    view("general")
    writer.post(general, f"Welcome, @{person.nickname}!", "welcome-axe")
    expect(person.message("Welcome, @")).to_have_class(re.compile("mentions-me"), timeout=WAIT_MS)
    page.get_by_role("button", name="Mentions").click()
    mentions = page.get_by_role("region", name="Mentions").locator("li")
    expect(mentions).to_have_count(1, timeout=WAIT_MS)
    view("mentions")
    page.get_by_role("button", name="Mentions").click()
    mine = person.message("I am new here")
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    view("edit")
    page.keyboard.press("Escape")
    if device == "phone":
        page.get_by_role("button", name="Channels").click()
        view("menu")
    page.get_by_role("searchbox", name="Message someone").fill(writer.nickname[:8])
    expect(page.get_by_role("button", name=f"Message {writer.nickname}")).to_be_visible()
    view("people")
    page.get_by_role("searchbox", name="Message someone").fill("")
    later = f"later-{uuid.uuid4().hex[:6]}"
    writer.channel(later)  # created after this page listed the channels
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # tab back
    expect(page.get_by_role("link", name=f"#{later}")).to_be_visible(timeout=WAIT_MS)
    page.get_by_role("link", name=f"#{room}").click()
    expect(page.get_by_role("button", name=f"Join #{room}")).to_be_visible()
    view("join")
    page.get_by_role("link", name="#general").click() if device == "desktop" else None
    person.context.set_offline(True)
    expect(page.locator(".banner")).to_be_visible(timeout=WAIT_MS)
    view("offline")
    person.context.set_offline(False)
    expect(page.locator(".banner")).to_have_count(0, timeout=WAIT_MS)

    assert background_luminance(page) > 0.8  # light by default
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert background_luminance(page) < 0.1
    view("dark")
    assert moving_elements(page) == []

    assert found == {name: [] for name in found}
    assert person.problems == []


@pytest.mark.own_cluster  # an empty database: its Tab counts pass every channel listed
def test_a_keyboard_alone_signs_up_chats_edits_and_moves_between_channels(
    browser: Browser, url: str, people: list[Person]
) -> None:
    person = new_person(browser, url, people, "keys")
    page = person.page
    room = f"keys-{uuid.uuid4().hex[:6]}"

    tab_to(page, "button.link", "Create an account")
    page.keyboard.press("Enter")
    tab_to(page, "#nickname")
    page.keyboard.type(person.nickname)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message #general")).to_be_visible(timeout=WAIT_MS)

    tab_to(page, "a.skip")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-input")).to_be_focused()
    page.keyboard.type("typed with keys alone")
    page.keyboard.press("Enter")
    expect(person.message("typed with keys alone")).not_to_have_class("pending", timeout=WAIT_MS)

    tab_to(page, "#new-channel-name")
    page.keyboard.type(room)
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # Invited members (private)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".top h1")).to_have_text(room, timeout=WAIT_MS)
    tab_to(page, "#composer-input")
    page.keyboard.type("first in the room")
    page.keyboard.press("Enter")
    expect(person.message("first in the room")).not_to_have_class("pending", timeout=WAIT_MS)

    tab_to(page, ".message .actions button", "Edit", backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Edit message")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("edited with keys")
    page.keyboard.press("Enter")
    expect(person.message("edited with keys")).to_be_visible(timeout=WAIT_MS)
    edited = person.message("edited with keys")
    expect(edited.get_by_role("button", name="Edit")).to_be_focused()  # where the user was

    tab_to(page, ".sidebar a", "#general")
    page.keyboard.press("Enter")
    expect(page.locator(".top h1")).to_have_text("general")
    expect(page.locator(".sidebar a[aria-current=page]")).to_have_text("#general")
    assert person.problems == []


@pytest.mark.parametrize("cluster_env", [{"ACCESS_TOKEN_SECONDS": "6"}])
def test_tokens_refresh_unnoticed_and_signing_out_in_one_tab_ends_every_tab(
    browser: Browser, url: str, people: list[Person]
) -> None:
    person = new_person(browser, url, people, "tabs")
    refreshes: list[int] = []
    person.sign_up()
    second = person.another_tab(url)  # the refresh cookie signs this tab in too
    for page in (person.page, second):
        page.on(
            "response",
            lambda r: refreshes.append(r.status) if r.request.method == "PUT" else None,
        )
    expect(second.get_by_label("Message #general")).to_be_visible(timeout=WAIT_MS)

    person.page.wait_for_timeout(13_000)  # each tab refreshes its 6 s token about twice
    person.say("said after the first tokens expired")
    expect(second.locator(".message", has_text="said after the first")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(person.message("said after the first")).not_to_have_class("pending")
    assert len(refreshes) >= 3
    assert set(refreshes) == {200}  # the tabs took turns: no refresh token used twice

    person.page.get_by_role("button", name="Sign out").click()
    for page in (person.page, second):
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    second.reload()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible(timeout=WAIT_MS)
    assert person.problems == []


@pytest.mark.parametrize(
    "cluster_env", [{"RATE_LIMITS_ENABLED": "1", "RATE_LIMIT_POST": "3 per 4 seconds"}]
)
def test_refused_messages_say_why_and_rate_limited_ones_say_when(
    browser: Browser, url: str, people: list[Person]
) -> None:
    person = new_person(browser, url, people, "limited")
    person.sign_up()
    marker = uuid.uuid4().hex[:6]

    person.say("x" * 4001)
    refused = person.page.locator(".message.failed")
    expect(refused.get_by_role("alert")).to_contain_text("4000", timeout=WAIT_MS)
    refused.get_by_role("button", name="Dismiss").click()
    expect(refused).to_have_count(0)

    for n in range(7):
        person.say(f"{marker} burst {n}")
    expect(person.page.locator(".message.pending").first).to_contain_text(
        "too many messages: sending again in", timeout=WAIT_MS
    )
    delivered = person.page.locator(".message:not(.pending) .body", has_text=f"{marker} burst")
    expect(delivered).to_have_count(7, timeout=30_000)
    assert [text.strip() for text in delivered.all_inner_texts()] == [
        f"{marker} burst {n}" for n in range(7)
    ]
    assert person.problems == []


@pytest.mark.parametrize("cluster_env", [{"LINK_PREVIEW_ALLOWED_NETWORKS": "127.0.0.2/32"}])
def test_a_link_preview_appears_when_its_job_finishes(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()
    page = html_page("Ignored title", "What the page is about", {"title": "The page's own title"})
    with serving("127.0.0.2", {"/article": page}) as site:
        ada.say(f"have a look: {site.url('/article')}")
        for person in (ada, bob):
            preview = person.message("have a look").locator(".previews a")
            expect(preview).to_have_text("The page's own title", timeout=WAIT_MS)
            expect(preview).to_have_attribute("href", site.url("/article"))
            expect(person.message("have a look").locator(".previews")).to_contain_text(
                "What the page is about"
            )
    assert ada.problems == []
    assert bob.problems == []


def test_unread_badges_count_live_and_reading_on_one_device_clears_the_other(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada = Member(url)
    room = f"news-{uuid.uuid4().hex[:6]}"
    room_id = ada.channel(room)
    laptop = new_person(browser, url, people, "bob")
    laptop.sign_up()
    phone = Person(browser, url, laptop.nickname)
    people.append(phone)
    phone.page.set_viewport_size({"width": 360, "height": 740})
    phone.sign_in()
    laptop.page.get_by_role("link", name=f"#{room}").click()
    laptop.page.get_by_role("button", name=f"Join #{room}").click()
    laptop.page.get_by_role("link", name="#general").click()
    phone.page.get_by_role("button", name="Channels").click()
    # Joined on the laptop: the phone moves it from "More public channels" to its own.
    joined = phone.page.locator("section[aria-labelledby=section-public] a", has_text=f"#{room}")
    expect(joined).to_be_visible(timeout=WAIT_MS)

    for n in range(3):
        ada.post(room_id, f"news {n}", f"news-{n}")
    for page in (laptop.page, phone.page):
        expect(page.locator(".sidebar a", has_text=f"#{room}")).to_have_text(
            f"#{room}3, 3 unread", timeout=WAIT_MS
        )
    expect(phone.page).to_have_title("(3) Parley")

    laptop.page.get_by_role("link", name=f"#{room}").click()
    expect(laptop.message("news 2")).to_be_visible()
    for page in (laptop.page, phone.page):
        expect(page.locator(".sidebar a", has_text=f"#{room}")).to_have_text(
            f"#{room}", timeout=WAIT_MS
        )
    expect(phone.page).to_have_title("Parley")
    ada.post(room_id, "news 3, read at once on the laptop", "news-3")
    expect(laptop.message("news 3")).to_be_visible(timeout=WAIT_MS)
    for page in (laptop.page, phone.page):
        expect(page.locator(".sidebar a", has_text=f"#{room}")).to_have_text(
            f"#{room}", timeout=WAIT_MS
        )
    assert laptop.problems == []
    assert phone.problems == []


def test_an_owner_pins_and_members_see_it_live(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob, room = two_in_a_private_channel(browser, url, people, "pins")
    ada.say("the plan: **ship friday**", room)
    bob.page.get_by_role("button", name="Pinned messages").click()
    expect(bob.page.get_by_text("Nothing is pinned here.")).to_be_visible(timeout=WAIT_MS)

    plan = ada.message("the plan")
    expect(plan).not_to_have_class("pending", timeout=WAIT_MS)
    plan.hover()
    plan.get_by_role("button", name="Pin").click()

    expect(bob.message("the plan").locator(".pinned")).to_have_text(
        f"Pinned by {ada.nickname}", timeout=WAIT_MS
    )
    panel = bob.page.get_by_role("region", name="Pinned messages")
    expect(panel.locator("li")).to_have_count(1, timeout=WAIT_MS)
    expect(panel.locator("li .body strong")).to_have_text("ship friday")
    bob.message("the plan").hover()
    expect(bob.message("the plan").get_by_role("button", name="Pin")).to_have_count(0)

    plan.hover()
    plan.get_by_role("button", name="Unpin").click()
    expect(bob.message("the plan").locator(".pinned")).to_have_count(0, timeout=WAIT_MS)
    expect(panel.get_by_text("Nothing is pinned here.")).to_be_visible(timeout=WAIT_MS)
    assert ada.problems == []
    assert bob.problems == []


def test_reactions_come_from_the_picker_and_show_who_reacted_live(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob, room = two_in_a_private_channel(browser, url, people, "reactions")
    ada.say("pizza for lunch?", room)

    said = bob.message("pizza for lunch?")
    expect(said).to_be_visible(timeout=WAIT_MS)
    said.hover()
    said.get_by_role("button", name="React").click()
    picker = bob.page.get_by_role("dialog", name="Pick a reaction")
    expect(picker.get_by_label("Search emoji")).to_be_focused()
    picker.get_by_label("Search emoji").fill("pizza")
    picker.get_by_role("button", name="pizza", exact=True).click()
    expect(picker).to_have_count(0)

    chip = ada.message("pizza for lunch?").locator("button.reaction")
    expect(chip).to_have_text("🍕 1", timeout=WAIT_MS)
    expect(chip).to_have_attribute("aria-label", f"🍕 1: {bob.nickname}")
    expect(chip).to_have_attribute("aria-pressed", "false")
    chip.click()
    expect(chip).to_have_text("🍕 2", timeout=WAIT_MS)
    expect(chip).to_have_attribute("aria-pressed", "true")
    bob_chip = said.locator("button.reaction")
    expect(bob_chip).to_have_attribute("aria-label", f"🍕 2: you, {ada.nickname}", timeout=WAIT_MS)
    bob_chip.click()  # taken back
    expect(chip).to_have_text("🍕 1", timeout=WAIT_MS)
    expect(chip).to_have_attribute("aria-label", "🍕 1: you")
    assert ada.problems == bob.problems == []


def test_a_reply_in_a_thread_counts_on_its_root_and_is_unread_for_followers(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob, room = two_in_a_private_channel(browser, url, people, "threads")
    ada.say("who reviews the release?", room)

    asked = bob.message("who reviews the release?")
    expect(asked).to_be_visible(timeout=WAIT_MS)
    asked.hover()
    asked.get_by_role("button", name="Reply in thread").click()
    panel = bob.page.get_by_role("complementary", name=f"Thread in #{room}")
    expect(panel.locator(".thread-root")).to_contain_text("who reviews the release?")
    box = panel.get_by_label("Reply in thread")
    box.fill("I will, **today**")
    box.press("Enter")
    expect(panel.locator("section .message", has_text="I will, today")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(panel.get_by_role("button", name="Following")).to_be_visible(timeout=WAIT_MS)

    # ada, the root's author, follows it: one unread reply, and the root counts it.
    root = ada.message("who reviews the release?")
    expect(root.locator("button.replies")).to_contain_text("1 reply", timeout=WAIT_MS)
    threads = ada.page.get_by_role("button", name=re.compile("^Threads"))
    expect(threads).to_have_accessible_name("Threads, 1 unread replies", timeout=WAIT_MS)
    expect(ada.page.locator("main .message", has_text="I will")).to_have_count(0)
    badge = ada.page.locator(".sidebar a", has_text=f"#{room}")
    expect(badge).to_have_text(f"#{room}")  # a reply is not unread in the channel
    threads.click()
    ada.page.get_by_role("region", name="Threads").get_by_role("link").click()
    ada_panel = ada.page.get_by_role("complementary", name=f"Thread in #{room}")
    expect(ada_panel.locator("section .message strong", has_text="today")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(threads).to_have_accessible_name("Threads", timeout=WAIT_MS)  # read now
    ada_panel.get_by_label("Reply in thread").fill("thanks")
    ada_panel.get_by_label("Reply in thread").press("Enter")
    expect(asked.locator("button.replies")).to_contain_text("2 replies", timeout=WAIT_MS)
    expect(panel.locator("section .message", has_text="thanks")).to_be_visible(timeout=WAIT_MS)
    assert ada.problems == bob.problems == []


@pytest.mark.parametrize("cluster_env", [{"PRESENCE_AWAY_SECONDS": "2"}])
def test_presence_shows_who_is_online_away_and_back_live(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()
    ada.page.get_by_role("searchbox", name="Message someone").fill(bob.nickname)
    ada.page.get_by_role("button", name=f"Message {bob.nickname}").click()
    dot = ada.page.locator(".sidebar a", has_text=bob.nickname).locator(".presence")
    expect(dot).to_have_attribute("title", "online", timeout=WAIT_MS)

    # bob touches nothing: beat finds him idle for 2 s, and ada sees it without a reload.
    expect(dot).to_have_attribute("title", "away", timeout=WAIT_MS)
    expect(dot).to_contain_text("(away)")
    bob.page.keyboard.press("Shift")  # bob is back: his client says so at once
    expect(dot).to_have_attribute("title", "online", timeout=WAIT_MS)
    assert ada.problems == bob.problems == []


def test_a_search_result_opens_in_context_and_the_channel_scrolls_on_from_it(
    browser: Browser, url: str, people: list[Person]
) -> None:
    writer = Member(url)
    room = f"search-{uuid.uuid4().hex[:6]}"
    room_id = writer.channel(room)
    needle = f"needle{uuid.uuid4().hex[:6]}"
    for n in range(160):
        source = f"the {needle} is here" if n == 20 else f"filler {n}"
        assert writer.post(room_id, source, f"f{n}")[0] == 201
    reader = new_person(browser, url, people, "reader")
    reader.sign_up()

    reader.page.get_by_role("searchbox", name="Search messages").fill(needle)
    reader.page.get_by_role("searchbox", name="Search messages").press("Enter")
    results = reader.page.get_by_role("region", name="Search results")
    expect(results.locator("li")).to_have_count(1, timeout=WAIT_MS)
    expect(results.locator(".snippet mark")).to_have_text(needle)
    results.get_by_role("link").click()

    found = reader.message(f"the {needle} is here")
    expect(found).to_be_visible(timeout=WAIT_MS)
    expect(found).to_have_class(re.compile(r"\bfound\b"))
    expect(found).to_be_focused()
    expect(reader.message("filler 0")).to_have_count(1)  # its history, loaded around it
    expect(reader.message("filler 159")).to_have_count(0)  # not the newest page
    reader.page.get_by_role("button", name="Jump to the newest messages").click()
    expect(reader.message("filler 159")).to_be_visible(timeout=WAIT_MS)
    assert reader.problems == []


def test_a_mention_is_highlighted_counted_and_listed_for_the_member_named(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob, eve = (new_person(browser, url, people, name) for name in ("ada", "bob", "eve"))
    for person in (ada, bob, eve):
        person.sign_up()
    room = f"mentions-{uuid.uuid4().hex[:6]}"
    ada.share_private_channel(room, bob)
    bob.page.get_by_role("link", name="#general").click()
    # Typing a name after "@" suggests the channel's members only; Tab completes it.
    box = ada.page.get_by_label(f"Message #{room}")
    box.press_sequentially(f"hi @{bob.nickname[:4]}")
    suggestions = ada.page.get_by_role("listbox", name="Mention someone")
    expect(suggestions.get_by_role("option")).to_have_text([f"@{bob.nickname}"], timeout=WAIT_MS)
    box.press("Tab")
    expect(box).to_have_value(f"hi @{bob.nickname} ")
    box.fill("")

    ada.say(f"@{bob.nickname} and @{eve.nickname}: the **review** is at 3", room)

    badge = bob.page.locator(".sidebar a", has_text=f"#{room}")
    expect(badge).to_have_text(f"#{room}1, 1 unread@1, 1 mentioning you", timeout=WAIT_MS)
    bob.page.get_by_role("button", name="Mentions").click()
    listed = bob.page.get_by_role("region", name="Mentions").locator("li")
    expect(listed).to_have_count(1, timeout=WAIT_MS)
    expect(listed.locator(".body .mention")).to_have_text(f"@{bob.nickname}")
    listed.get_by_role("link").click()
    said = bob.message("the review is at 3")
    expect(said).to_have_class(re.compile(r"\bmentions-me\b"), timeout=WAIT_MS)
    expect(said.locator(".mention")).to_have_text(f"@{bob.nickname}")
    # eve is not in the channel: her name stays text, and she hears nothing of it.
    expect(said.locator(".body")).to_contain_text(f"@{eve.nickname}:")
    expect(badge).to_have_text(f"#{room}", timeout=WAIT_MS)  # read: both counts gone
    eve.page.get_by_role("button", name="Mentions").click()
    expect(eve.page.get_by_text("Nobody has mentioned you yet.")).to_be_visible(timeout=WAIT_MS)
    expect(ada.message("the review is at 3")).not_to_have_class(re.compile("mentions-me"))
    # Text that looks like the renderer's markup is no mention: the client reads elements.
    forged = 'plain words data-mention="channel" class="mention"'
    ada.say(forged, room)
    expect(bob.message(forged)).to_be_visible(timeout=WAIT_MS)
    expect(bob.message(forged)).not_to_have_class(re.compile("mentions-me"))
    assert ada.problems == bob.problems == eve.problems == []


def test_typing_shows_to_the_other_member_and_stops_with_the_message(
    browser: Browser, url: str, people: list[Person]
) -> None:
    ada, bob = new_person(browser, url, people, "ada"), new_person(browser, url, people, "bob")
    ada.sign_up()
    bob.sign_up()

    box = ada.page.get_by_label("Message #general")
    box.press_sequentially("almost done", delay=20)

    expect(bob.page.locator(".typing")).to_have_text(f"{ada.nickname} is typing…", timeout=WAIT_MS)
    expect(ada.page.locator(".typing")).to_have_text("")  # not told of herself
    box.press("Enter")
    expect(bob.message("almost done")).to_be_visible(timeout=WAIT_MS)
    expect(bob.page.locator(".typing")).to_have_text("")  # her message ends it at once
    assert ada.problems == []
    assert bob.problems == []


def tab_to(page: Page, selector: str, text: str | None = None, *, backwards: bool = False) -> None:
    """Press Tab until focus is on `selector` (with `text`); every stop shows its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(80):
        page.keyboard.press(key)
        state = page.evaluate(
            """([selector, text]) => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                  at: el.matches(selector) && (text === null || el.textContent.trim() === text),
                  visible: el === document.body || (
                    style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 &&
                    el.checkVisibility({ opacityProperty: true, visibilityProperty: true })),
                  name: `${el.tagName} ${el.id} ${el.textContent.slice(0, 40)}`,
                };
            }""",
            [selector, text],
        )
        assert state["visible"], f"focus not visible on {state['name']}"
        if state["at"]:
            return
    raise AssertionError(f"Tab never reached {selector} {text or ''}")


def background_luminance(page: Page) -> float:
    """The relative luminance (0 black, 1 white) of the page's background colour."""
    rgb: list[float] = page.evaluate(
        """() => getComputedStyle(document.body).backgroundColor.match(/[\\d.]+/g)
            .slice(0, 3).map(Number)"""
    )
    linear = [(c / 255 / 12.92) if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def moving_elements(page: Page) -> list[str]:
    """Elements with a transition or animation, or smooth scrolling, as the page is now."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter((el) => {
              const s = getComputedStyle(el);
              const moves = (d) => d.split(',').some((t) => parseFloat(t) > 0);
              return moves(s.transitionDuration) || moves(s.animationDuration) ||
                s.scrollBehavior === 'smooth';
            }).map((el) => el.tagName + '.' + el.className)"""
    )
    return found


def audit(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is."""
    # Evaluated, not a script tag: the CSP forbids inline scripts, rightly.
    page.evaluate(AXE.read_text())
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
