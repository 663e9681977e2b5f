"""A model suggests labels (a stand-in OpenAI-compatible endpoint on loopback): the lead starts a suggesting run from the
runs page by keyboard, an annotator takes a suggestion with `y`, and the dashboard shows how the suggestions fared."""
import json
import os
import sqlite3
import tempfile
import threading
import unittest
from http.server import ThreadingHTTPServer

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from support import PASSWORD, BrowserTest, quorum, start_server
from test_models import LABELS, StandIn


class Suggest(BrowserTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = db = os.path.join(cls.tmp.name, "q.db")
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, db=db)
        quorum("user", "add", "ann", "--role", "annotator", "--password", PASSWORD, db=db)
        quorum("project", "create", "--name", "Tickets", "--kind", "classify", "--labels", ",".join(LABELS), db=db)
        quorum("project", "add-member", "Tickets", "ann", db=db)
        path = os.path.join(cls.tmp.name, "tickets.jsonl")
        with open(path, "w") as f:
            for i in range(6):
                f.write(json.dumps({"text": f"ticket {i} [{LABELS[i % 3]}]"}) + "\n")
        quorum("import", "Tickets", path, db=db)
        cls.endpoint = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.endpoint.serve_forever, daemon=True).start()
        quorum("model", "add", "tuned", "--base-url", f"http://127.0.0.1:{cls.endpoint.server_port}/v1", "--model", "tuned", db=db)
        cls.server, cls.base, _ = start_server(db)
        cls.browsers = []

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.endpoint.shutdown()

    def test_suggestions_taken_with_y_and_measured(self):
        lead = self.browser()
        self.login(lead, "lead")
        lead.get(self.base + "/projects/1/runs")
        Select(lead.find_element(By.NAME, "purpose")).select_by_value("suggest")
        Select(lead.find_element(By.NAME, "items")).select_by_value("unanswered")
        lead.find_element(By.NAME, "limit").click()
        self.keys(lead, Keys.CONTROL, Keys.ENTER, Keys.CONTROL)
        self.wait(lead, lambda b: any("finished" in row.text for row in b.find_elements(By.CSS_SELECTOR, "#runs tr[data-run]")), 30)
        self.assertIn("suggestions for unanswered items", lead.find_element(By.ID, "runs").text)

        ann = self.browser()
        self.login(ann, "ann")
        self.open_project(ann, "Tickets")
        for _ in range(6):
            self.wait(ann, lambda b: "Suggested by tuned" in b.find_element(By.ID, "item").text)
            item = ann.find_element(By.ID, "item").get_attribute("data-item")
            self.keys(ann, "y")
            self.wait(ann, lambda b: b.find_elements(By.CSS_SELECTOR, '#labels .label[aria-pressed="true"]'))
            self.keys(ann, Keys.ENTER)
            self.wait(ann, lambda b: b.find_element(By.ID, "item").get_attribute("data-item") != item)
        lead.get(self.base + "/projects/1/dashboard")
        section = lead.find_element(By.ID, "suggesting").text
        self.assertIn("Run 1", section)
        self.assertIn("100.0%", section)  # ann took every suggestion as it was
        self.assertEqual(self.axe(lead), [])

    def test_withhold_share_typed_on_the_runs_page(self):
        """A share typed in the runs page's withhold field reaches the run: that many items are shown no suggestion."""
        lead = self.browser()
        self.login(lead, "lead")
        lead.get(self.base + "/projects/1/runs")
        Select(lead.find_element(By.NAME, "purpose")).select_by_value("suggest")
        Select(lead.find_element(By.NAME, "items")).select_by_visible_text("all")
        def runs():
            with sqlite3.connect(self.db) as db:
                return db.execute("SELECT COUNT(*), SUM(status = 'finished') FROM runs").fetchone()
        before = runs()[0]
        lead.find_element(By.NAME, "withhold").send_keys("0.5")
        self.keys(lead, Keys.CONTROL, Keys.ENTER, Keys.CONTROL)
        self.wait(lead, lambda b: runs() == (before + 1, before + 1), 30)
        with sqlite3.connect(self.db) as db:
            withheld = db.execute("SELECT COUNT(*) FROM items WHERE suggestion_withheld = 1").fetchone()[0]
        self.assertEqual(withheld, 3)  # half of the project's six items


if __name__ == "__main__":
    unittest.main()
