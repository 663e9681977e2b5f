"""Judging models' answers blind in the browser: a lead makes a compare project from the demo's two recorded runs on
the runs page, a judge works through it by keyboard alone without ever seeing a model's name, and the lead reads
the results page."""
import os
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import PASSWORD, BrowserTest, quorum, start_server


class Judging(BrowserTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = db = os.path.join(cls.tmp.name, "q.db")
        cls.server, cls.base, _ = start_server(db, "--demo")
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, db=db)
        quorum("user", "add", "judge", "--role", "annotator", "--password", PASSWORD, db=db)
        quorum("user", "add", "other", "--role", "annotator", "--password", PASSWORD, db=db)
        cls.browsers = []

    def test_a_comparison_made_judged_by_keyboard_and_read(self):
        lead = self.browser()
        self.login(lead, "lead")
        source = next(p for p in self.api("lead", "/api/projects")[1] if p["name"] == "Demo: model evaluation")
        lead.get(f"{self.base}/projects/{source['id']}/runs")
        form = lead.find_element(By.ID, "judging-form")
        # The two recorded runs on the hold-out (the demo's suggesting run is left out).
        for box in form.find_elements(By.CSS_SELECTOR, "input[name=runs]"):
            if box.get_attribute("value") in ("1", "2"):
                box.send_keys(Keys.SPACE)
        form.find_element(By.NAME, "criteria").send_keys("correct")
        judges = form.find_element(By.NAME, "annotators_per_item")
        judges.clear()
        judges.send_keys("2")
        form.find_element(By.NAME, "name").send_keys("Blind pairs" + Keys.ENTER)
        self.wait(lead, lambda b: "made with 20 items" in b.find_element(By.ID, "judging-status").text)
        project = next(p for p in self.api("lead", "/api/projects")[1] if p["name"] == "Blind pairs")
        self.assertEqual(project["kind"], "compare")
        for name in ("judge", "other"):
            quorum("project", "add-member", str(project["id"]), name, db=self.db)

        judge = self.browser()
        self.login(judge, "judge")
        judge.get(f"{self.base}/projects/{project['id']}/annotate")
        self.wait(judge, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#item .response")) == 2)
        self.assertEqual([h.text for h in judge.find_elements(By.CSS_SELECTOR, "#item .response h2")], ["Response 1", "Response 2"])
        self.assertEqual(self.axe(judge), [])
        judged = 0
        while judge.find_elements(By.CSS_SELECTOR, "#item .response"):
            page = judge.find_element(By.TAG_NAME, "body").text
            for secret in ("recorded", "model (demo)", "run 1", "run 2", "127.0.0.1:9"):
                self.assertNotIn(secret, page)
            item = judge.find_element(By.ID, "item").get_attribute("data-item")
            # Enter before the criterion is judged is refused, and the row to judge is shown.
            self.keys(judge, "1", Keys.ENTER)
            self.wait(judge, lambda b: 'Judge "correct" too' in b.find_element(By.ID, "status").text)
            self.assertIn("current", judge.find_element(By.CSS_SELECTOR, '.verdict[data-criterion="correct"]').get_attribute("class"))
            self.keys(judge, "t")
            self.wait(judge, lambda b: b.find_element(By.CSS_SELECTOR, '.verdict[data-criterion="correct"] .value').text == "Tie")
            self.assertEqual(judge.find_element(By.CSS_SELECTOR, '.verdict[data-criterion="overall"] .value').text, "Response 1")
            self.keys(judge, Keys.ENTER)
            self.wait(judge, lambda b: b.find_element(By.ID, "item").get_attribute("data-item") != item)
            judged += 1
        self.assertEqual(judged, 20)

        # Every decisive vote went to the left answer: the side check sees it, whatever runs the sides held.
        status, results = self.api("lead", f"/api/projects/{project['id']}/results")
        self.assertEqual(status, 200)
        pair = results["pairs"][0]
        self.assertEqual(pair["votes"], 20)
        self.assertEqual(pair["wins"] + pair["losses"], 20)
        self.assertEqual(results["position"]["left_share"], 1)
        self.assertEqual(results["criteria"]["correct"]["pairs"][0]["ties"], 20)
        self.assertEqual(self.api("judge", f"/api/projects/{project['id']}/results")[0], 403)
        lead.get(f"{self.base}/projects/{project['id']}/results")
        self.assertTrue(lead.find_elements(By.CSS_SELECTOR, "svg.results-chart circle.dot"))
        self.assertIn("recorded fine-tuned model (demo)", lead.find_element(By.TAG_NAME, "main").text)
        self.assertEqual(self.axe(lead), [])

        # A second judge, through the API, prefers the right answer everywhere: where the sides were drawn the other
        # way round the two disagree, and the lead reviews those with the runs' names.
        while True:
            status, next_item = self.api("other", f"/api/projects/{project['id']}/next")
            if status == 204 or not next_item:
                break
            status, _ = self.api("other", f"/api/items/{next_item['item']['id']}/annotation", "PUT",
                                 {"status": "submitted", "version": 0, "choice": "right", "criteria": {"correct": "tie"}})
            self.assertEqual(status, 200)
        lead.get(f"{self.base}/projects/{project['id']}/review")
        self.wait(lead, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#answers .answer")) == 2)
        current = lead.find_element(By.ID, "current").text
        self.assertIn("a (run", current)
        self.assertIn("recorded base model (demo)", current)


    def test_the_watched_bot_rated_by_keyboard_and_its_trend(self):
        project = next(p for p in self.api("lead", "/api/projects")[1] if p["kind"] == "watch")
        quorum("project", "add-member", str(project["id"]), "judge", db=self.db)
        judge = self.browser()
        self.login(judge, "judge")
        judge.get(f"{self.base}/projects/{project['id']}/annotate")
        self.wait(judge, lambda b: b.find_elements(By.CSS_SELECTOR, "#item .response"))
        # Blind: the version and the time are not on the page.
        self.assertNotIn("support-bot:v", judge.find_element(By.TAG_NAME, "body").text)
        item = judge.find_element(By.ID, "item").get_attribute("data-item")
        self.keys(judge, "p")
        self.wait(judge, lambda b: b.find_element(By.CSS_SELECTOR, '.verdict[data-criterion="overall"] .value').text == "pass")
        self.keys(judge, Keys.ENTER)
        self.wait(judge, lambda b: b.find_element(By.ID, "item").get_attribute("data-item") != item)

        lead = self.browser()
        self.login(lead, "lead")
        lead.get(f"{self.base}/projects/{project['id']}/dashboard")
        lead.find_element(By.LINK_TEXT, "Trend").click()
        self.wait(lead, lambda b: b.find_elements(By.CSS_SELECTOR, "svg.watch-chart polyline.trend-line"))
        self.assertEqual(len(lead.find_elements(By.CSS_SELECTOR, "svg.watch-chart polyline.trend-line")), 2)
        self.assertIn("support-bot:v1", lead.find_element(By.CSS_SELECTOR, "[role=alert]").text)
        self.assertEqual(self.axe(lead), [])


if __name__ == "__main__":
    unittest.main()
