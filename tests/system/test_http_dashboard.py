"""The dashboard (README "HTTP API and dashboard") in headless Chromium
driven by Selenium: sign in with a token, add apps and create a group
from the page, see the address answered by dig, switch it (the
confirmation names what changes) and see the answer change, find delete
disabled with its reason while apps are attached, see a change made
elsewhere show up by itself, read the history; at phone width nothing
scrolls sideways.  Screenshots go to BUILD/test-artifacts/dashboard/."""

import os
import shutil
import subprocess
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import flipdns
import httpapi

A1, A2 = "192.0.2.1", "198.51.100.7"
WAIT = 20


def artifacts():
    build = os.path.dirname(os.environ.get("FLIPDNSD", "."))
    d = os.path.join(build, "test-artifacts", "dashboard")
    os.makedirs(d, exist_ok=True)
    return d


@pytest.fixture
def browser():
    if not shutil.which("chromedriver"):
        pytest.skip("chromium-driver is not installed (tools/deps test)")
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,900"):
        opts.add_argument(a)
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    drv = webdriver.Chrome(service=ChromeService(
        executable_path=shutil.which("chromedriver")), options=opts)
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture
def dash():
    # sub-second health checks, for the health column
    d = httpapi.start(health_min_interval=0.1)
    try:
        d.write_token = httpapi.token(d, "dashboard", "write")
        yield d
        assert d.stop() == 0, d.read_log()
    finally:
        d.cleanup()


def dig_a(d, fqdn):
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(d.port), "+short",
                          "+norec", fqdn, "A"], capture_output=True,
                         text=True, timeout=30).stdout
    return sorted(out.split())


def wait_for(drv, cond):
    # the page re-renders its tables when the serial moves: an element
    # found a moment ago may be gone, so look again
    return WebDriverWait(drv, WAIT, ignored_exceptions=[
        StaleElementReferenceException]).until(cond)


def in_row(drv, fn):
    """fn(the first group row as it is now), retried while it goes stale."""
    out = []
    wait_for(drv, lambda _: out.append(fn(group_row(drv))) or True)
    return out[-1]


def click_in_row(drv, css):
    """Click css in the (first) group row, as it is now."""
    def attempt(_):
        group_row(drv).find_element(By.CSS_SELECTOR, css).click()
        return True
    wait_for(drv, attempt)


def shot(drv, name):
    drv.save_screenshot(os.path.join(artifacts(), name + ".png"))


def sign_in(drv, d, token):
    drv.get(d.http_base + "/")
    field = wait_for(drv, EC.visibility_of_element_located((By.ID, "token")))
    # the field is labelled for screen readers
    assert drv.find_element(By.CSS_SELECTOR, "label[for=token]").text
    field.send_keys(token)
    field.send_keys(Keys.ENTER)     # the keyboard submits the form
    wait_for(drv, EC.visibility_of_element_located((By.ID, "nav")))


def nav(drv, page):
    drv.find_element(By.CSS_SELECTOR, "nav button[data-page=%s]" % page
                     ).click()


def add_app(drv, name, endpoints):
    nav(drv, "apps")
    drv.find_element(By.ID, "app-add").click()
    drv.find_element(By.ID, "a-name").send_keys(name)
    drv.find_element(By.ID, "a-endpoints").send_keys(endpoints)
    drv.find_element(By.ID, "a-create").click()
    wait_for(drv, EC.presence_of_element_located(
        (By.CSS_SELECTOR, "#apps tr[data-name='%s']" % name)))


def group_row(drv):
    return wait_for(drv, EC.visibility_of_element_located(
        (By.CSS_SELECTOR, "#groups tbody tr")))


def test_dashboard_end_to_end(dash, browser):
    d, drv = dash, browser
    sign_in(drv, d, d.write_token)
    shot(drv, "01-signed-in")

    add_app(drv, "web1", A1)
    add_app(drv, "web2", A2)
    shot(drv, "02-apps")

    nav(drv, "groups")
    add = drv.find_element(By.ID, "group-add")
    assert add.get_attribute("aria-label")
    add.click()
    Select(drv.find_element(By.ID, "g-primary")).select_by_value("web1")
    Select(drv.find_element(By.ID, "g-backup")).select_by_value("web2")
    drv.find_element(By.ID, "g-create").click()
    address, text = in_row(drv, lambda row: (
        row.get_attribute("data-address"), row.text))
    assert address.endswith("." + d.origin)
    assert "FAILOVER_STATUS=" in text
    assert "primary (web1)" in text
    shot(drv, "03-group-created")
    assert dig_a(d, address) == [A1]

    # delete is disabled, and says why, while apps are attached
    def delete_state(row):
        delete = row.find_element(By.CSS_SELECTOR, "button.delete")
        why = delete.get_attribute("aria-describedby")
        drv.execute_script("arguments[0].click()", delete)
        return delete.is_enabled(), why, drv.find_element(By.ID, why).text
    enabled, why, reason = in_row(drv, delete_state)
    assert not enabled and why
    assert "web1" in reason and "web2" in reason, reason
    assert len(d.ctl_json("group", "list")["groups"]) == 1

    # switch: the confirmation names both sides; cancel changes nothing
    click_in_row(drv, "button.switch")
    text = wait_for(drv, EC.visibility_of_element_located(
        (By.ID, "confirm-text"))).text
    assert "primary (web1)" in text and "backup (web2)" in text, text
    shot(drv, "04-switch-confirm")
    drv.find_element(By.ID, "confirm-cancel").click()
    assert dig_a(d, address) == [A1]
    click_in_row(drv, "button.switch")
    wait_for(drv, EC.element_to_be_clickable((By.ID, "confirm-ok"))).click()
    wait_for(drv, EC.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#groups tbody tr"), "backup (web2)"))
    assert dig_a(d, address) == [A2]
    shot(drv, "05-switched")

    # a change made elsewhere shows up by itself (polling the serial)
    d.ctl("group", "switch", address, "--to", "primary")
    wait_for(drv, EC.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#groups tbody tr"), "primary (web1)"))

    # the apps page lists the groups that follow each app
    nav(drv, "apps")
    web1 = drv.find_element(By.CSS_SELECTOR, "#apps tr[data-name=web1]")
    assert address in web1.text and "primary" in web1.text
    assert "health=unknown" in web1.text     # no check: no health

    # health, where checks exist: a loopback app whose port refuses
    # connections goes down, and the page shows it without a reload
    d.ctl("app", "add", "web3", "--addr", "127.0.0.9")
    d.ctl("app", "check", "web3", "--type", "tcp", "--port", 9,
          "--interval", 0.2, "--timeout", 0.2, "--fall", 1, "--rise", 1)
    wait_for(drv, EC.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "#apps tr[data-name=web3]"), "health=down"))

    # history, filtered to the group: the page's switch by the token
    nav(drv, "history")
    f = drv.find_element(By.ID, "h-name")
    f.send_keys(address)
    f.send_keys(Keys.ENTER)
    wait_for(drv, EC.text_to_be_present_in_element(
        (By.ID, "history"), "group.switch"))
    rows = drv.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    texts = [r.text for r in rows]
    assert any("dashboard" in t and "group.switch" in t for t in texts), \
        texts
    assert not any("app.add" in t for t in texts), texts
    shot(drv, "06-history")

    # with the group detached, delete is enabled and works from the page
    d.ctl("group", "set", address, "--primary", "none", "--backup", "none")
    nav(drv, "groups")
    wait_for(drv, lambda _: group_row(drv).find_element(
        By.CSS_SELECTOR, "button.delete").is_enabled())
    click_in_row(drv, "button.delete")
    wait_for(drv, EC.element_to_be_clickable((By.ID, "confirm-ok"))).click()
    wait_for(drv, EC.visibility_of_element_located((By.ID, "groups-empty")))
    assert d.ctl_json("group", "list")["groups"] == []


def test_phone_width_and_keyboard(dash, browser):
    d, drv = dash, browser
    d.ctl("app", "add", "web1", "--addr", A1)
    d.ctl("app", "add", "web2", "--addr", A2)
    d.create_group("--primary", "web1", "--backup", "web2")
    drv.set_window_size(390, 844)
    sign_in(drv, d, d.write_token)
    group_row(drv)
    shot(drv, "07-phone")
    wide = drv.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, "page scrolls sideways by %dpx" % wide
    # every control of the page can be reached and used from the keyboard
    drv.find_element(By.ID, "group-add").send_keys(Keys.ENTER)
    assert drv.switch_to.active_element.get_attribute("id") == "g-primary"
    for el in drv.find_elements(By.CSS_SELECTOR, "input, select"):
        if el.is_displayed():
            eid = el.get_attribute("id")
            assert drv.find_elements(By.CSS_SELECTOR,
                                     "label[for='%s']" % eid), eid


def test_read_token_and_bad_token(dash, browser):
    d, drv = dash, browser
    d.ctl("app", "add", "web1", "--addr", A1)
    label = d.create_group("--primary", "web1")
    read = httpapi.token(d, "viewer", "read")
    drv.get(d.http_base + "/")
    field = wait_for(drv, EC.visibility_of_element_located((By.ID, "token")))
    field.send_keys("fdt_" + "0" * 64 + Keys.ENTER)
    wait_for(drv, EC.text_to_be_present_in_element((By.ID, "notice"),
                                                   "token"))
    assert not drv.find_element(By.ID, "nav").is_displayed()
    sign_in(drv, d, read)
    click_in_row(drv, "button.switch")
    wait_for(drv, EC.element_to_be_clickable((By.ID, "confirm-ok"))).click()
    wait_for(drv, EC.text_to_be_present_in_element((By.ID, "notice"),
                                                   "only read"))
    assert d.ctl_json("group", "show", label)["active"] == "primary"
    # revoked while signed in: the next poll signs the page out
    d.ctl("token", "revoke", "viewer")
    wait_for(drv, EC.visibility_of_element_located((By.ID, "token")))
