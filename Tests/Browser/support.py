"""What the browser and server tests share: the `quorum` binary, a server on an ephemeral port, headless Chromium."""
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

QUORUM = os.environ.get("QUORUM_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "quorum"))
AXE = os.path.join(os.path.dirname(__file__), "..", "..", ".cache", "axe.min.js")
PASSWORD = "password1"
# A wait may look while a page is being replaced (a form posted, a link followed): try again. Chromium sometimes
# reports an element of the page going away as an inspector error ("Node with given id does not belong to the
# document") rather than as a stale element: that is the same race.
PAGE_CHANGES = (StaleElementReferenceException, NoSuchElementException, WebDriverException)


def run_quorum(*args, db, check=True):
    """Runs a `quorum` command on the database: the finished process (exit code, output, errors)."""
    return subprocess.run([QUORUM, *args, "--db", db], check=check, capture_output=True, text=True)


def quorum(*args, db):
    """Runs a `quorum` command on the database, which must succeed; its standard output."""
    return run_quorum(*args, db=db).stdout


def start_server(db, *extra, stderr=subprocess.DEVNULL, under=()):
    """`quorum serve` on an ephemeral port: the process, its address and its port (its error output where `stderr` says;
    started through the command `under` names, if any)."""
    env = dict(os.environ, QUORUM_ADMIN_PASSWORD="admin-password", QUORUM_BCRYPT_COST="4")
    server = subprocess.Popen([*under, QUORUM, "serve", "--port", "0", "--db", db, *extra], stdout=subprocess.PIPE,
                              stderr=stderr, text=True, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        match = re.search(r"http://127\.0\.0\.1:(\d+)", server.stdout.readline())
        if match:
            return server, match.group(0), int(match.group(1))
    server.kill()
    raise RuntimeError("quorum serve did not start")


def stop_server(server):
    server.terminate()
    server.wait(timeout=10)


class BrowserTest:
    """Helpers for a test case with `base` (the server's address) and `browsers` (to quit at the end); a class that
    sets `server`, `browsers` and `tmp` in `setUpClass` gets them all closed after its tests."""

    @classmethod
    def tearDownClass(cls):
        for browser in cls.browsers:
            browser.quit()
        stop_server(cls.server)
        cls.tmp.cleanup()

    def browser(self, width=1280, height=900):
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
            options.add_argument(arg)
        options.binary_location = "/usr/bin/chromium"
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.browsers.append(browser)
        return browser

    def login(self, browser, name):
        browser.get(self.base + "/login")
        browser.find_element(By.ID, "username").send_keys(name)
        browser.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.current_url.rstrip("/") == self.base)

    def open_project(self, browser, name):
        browser.find_element(By.LINK_TEXT, name).click()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#item .turn, #item .text"))

    def keys(self, browser, *keys):
        webdriver.ActionChains(browser).send_keys(*keys).perform()

    def wait(self, browser, condition, seconds=10):
        return WebDriverWait(browser, seconds, ignored_exceptions=PAGE_CHANGES).until(condition)

    def api(self, name, path, method="GET", body=None):
        """Signs in through the API and calls `path`: the status and the JSON answer."""
        login = urllib.request.Request(self.base + "/api/login", data=json.dumps({"username": name, "password": PASSWORD}).encode(),
                                       headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(login) as response:
            cookie = response.headers["Set-Cookie"].split(";")[0]
            csrf = json.loads(response.read())["csrf"]
        request = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None

    def axe(self, browser):
        """axe-core's serious and critical findings on the page shown, as `rule: target` lines."""
        with open(AXE) as f:
            browser.execute_script(f.read())
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations)).catch((e) => done([{id: 'axe failed', impact: 'critical', nodes: [{target: [String(e)]}]}]));")
        return [f"{v['id']}: {n['target']}" for v in result if v.get("impact") in ("serious", "critical") for n in v["nodes"]]
