"""The model loop in the browser: a lead adds two models (a stand-in OpenAI-compatible endpoint on loopback, scripted
here), runs them on the hold-out from the project's runs page by keyboard, and compares them with an interval."""
import json
import os
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from support import PASSWORD, BrowserTest, quorum, start_server

LABELS = ["refund", "card", "other"]


class StandIn(BaseHTTPRequestHandler):
    """`/v1/chat/completions`: the model "base" says refund to everything, "tuned" reads the label off the text;
    "slow" says refund after half a second."""

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = request["messages"][-1]["content"]
        if request["model"] == "slow":
            time.sleep(0.5)
        answer = "refund" if request["model"] == "base" else text.split("[")[-1].rstrip("]")
        body = json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": answer}}], "usage": {"prompt_tokens": 9, "completion_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Models(BrowserTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = db = os.path.join(cls.tmp.name, "q.db")
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, db=db)
        quorum("project", "create", "--name", "Tickets", "--kind", "classify", "--labels", ",".join(LABELS), db=db)
        gold = os.path.join(cls.tmp.name, "gold.jsonl")
        with open(gold, "w") as f:
            for i in range(30):
                f.write(json.dumps({"text": f"ticket {i} [{LABELS[i % 3]}]", "label": [LABELS[i % 3]]}) + "\n")
        quorum("import", "Tickets", gold, "--as-gold", db=db)
        quorum("holdout", "Tickets", "--size", "15", db=db)
        quorum("project", "create", "--name", "Queue", "--kind", "classify", "--labels", ",".join(LABELS), db=db)
        quorum("import", "Queue", gold, db=db)
        cls.endpoint = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.endpoint.serve_forever, daemon=True).start()
        os.environ["QTEST_KEY"] = "sk-browser-test"
        cls.server, cls.base, _ = start_server(db)
        cls.browsers = []

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.endpoint.shutdown()

    def test_two_models_run_and_compared_from_the_page(self):
        browser = self.browser()
        self.login(browser, "lead")
        for name in ("base", "tuned"):
            browser.get(self.base + "/models")
            browser.find_element(By.NAME, "name").send_keys(name)
            browser.find_element(By.NAME, "base_url").send_keys(f"http://127.0.0.1:{self.endpoint.server_port}/v1")
            browser.find_element(By.NAME, "model").send_keys(name)
            browser.find_element(By.NAME, "api_key_env").send_keys("QTEST_KEY" + Keys.ENTER)
            self.wait(browser, lambda b: f"Added {name}." in b.find_element(By.TAG_NAME, "main").text)
        self.assertEqual(self.axe(browser), [])
        browser.get(self.base + "/projects/1/runs")
        for name in ("base", "tuned"):
            Select(browser.find_element(By.NAME, "model")).select_by_visible_text(name)
            browser.find_element(By.NAME, "limit").click()
            self.keys(browser, Keys.CONTROL, Keys.ENTER, Keys.CONTROL)
            self.wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")) == (1 if name == "base" else 2), 30)
            self.wait(browser, lambda b: all("finished" in row.text for row in b.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")), 30)
            browser.get(self.base + "/projects/1/runs")
        # Each run's row by its model (run ids count over every project's runs).
        rows = {row.find_elements(By.TAG_NAME, "td")[1].text: row for row in browser.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")}
        self.assertIn("accuracy 100.0%", rows["tuned"].text)
        self.assertIn("15 (holdout)", rows["base"].text)
        Select(browser.find_element(By.NAME, "a")).select_by_value(rows["base"].get_attribute("data-run"))
        Select(browser.find_element(By.NAME, "b")).select_by_value(rows["tuned"].get_attribute("data-run"))
        browser.find_element(By.CSS_SELECTOR, "form.inline button").click()
        headline = self.wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#comparison .headline")).text
        self.assertIn("→ tuned 100.0%", headline)
        self.assertIn("95% CI", headline)
        self.assertIn("McNemar exact p", headline)
        self.assertEqual(self.axe(browser), [])
        # The key stays in the environment: not in the database.
        with open(self.db, "rb") as f:
            self.assertNotIn(b"sk-browser-test", f.read())

    def test_a_running_runs_counts_move_on_its_page(self):
        """A run started from the runs page gets its row at once, and its answered count moves there while it runs
        (its answers are stored about every second), until it is finished."""
        browser = self.browser()
        self.login(browser, "lead")
        browser.get(self.base + "/models")
        browser.find_element(By.NAME, "name").send_keys("slow")
        browser.find_element(By.NAME, "base_url").send_keys(f"http://127.0.0.1:{self.endpoint.server_port}/v1")
        browser.find_element(By.NAME, "model").send_keys("slow")
        browser.find_element(By.NAME, "concurrency").clear()
        browser.find_element(By.NAME, "concurrency").send_keys("2")
        browser.find_element(By.NAME, "api_key_env").send_keys("QTEST_KEY" + Keys.ENTER)
        self.wait(browser, lambda b: "Added slow." in b.find_element(By.TAG_NAME, "main").text)
        browser.get(self.base + "/projects/2/runs")
        Select(browser.find_element(By.NAME, "model")).select_by_visible_text("slow")
        Select(browser.find_element(By.NAME, "items")).select_by_visible_text("all")
        browser.find_element(By.NAME, "limit").click()
        self.keys(browser, Keys.CONTROL, Keys.ENTER, Keys.CONTROL)

        def answered_while_running(b):
            rows = b.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")
            if not rows or "running" not in rows[0].text:
                return None
            count = int(rows[0].find_element(By.CSS_SELECTOR, ".run-answered").text)
            return count if 0 < count < 30 else None
        self.assertGreater(self.wait(browser, answered_while_running, 20), 0)
        self.wait(browser, lambda b: "finished" in b.find_element(By.CSS_SELECTOR, "#runs tr[data-run]").text, 30)
        self.assertEqual(browser.find_element(By.CSS_SELECTOR, "#runs tr[data-run] .run-answered").text, "30")


if __name__ == "__main__":
    unittest.main()
