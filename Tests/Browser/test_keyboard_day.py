"""A day at the keyboard, in a real headless Chromium against the real server: keys that never lose work, figures a
lead can trust, pages that fit a phone and pass axe-core."""
import json
import os
import tempfile
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import PASSWORD, BrowserTest, quorum, start_server


class KeyboardDay(BrowserTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = db = os.path.join(cls.tmp.name, "q.db")
        for name, role in [("lead", "lead"), ("ann1", "annotator"), ("ann2", "annotator")]:
            quorum("user", "add", name, "--role", role, "--password", PASSWORD, db=db)

        def project(name, kind, labels, lines, fmt, per_item=1, members=("ann1", "ann2")):
            args = ["project", "create", "--name", name, "--kind", kind, "--annotators-per-item", str(per_item)]
            quorum(*(args + (["--labels", labels] if labels else [])), db=db)
            path = os.path.join(cls.tmp.name, name + (".json" if fmt == "label-studio" else ".jsonl"))
            with open(path, "w") as f:
                f.write(json.dumps(lines, ensure_ascii=False) if fmt == "label-studio" else "\n".join(json.dumps(l, ensure_ascii=False) for l in lines) + "\n")
            quorum("import", name, path, "--format", fmt, db=db)
            for member in members:
                quorum("project", "add-member", name, member, db=db)

        project("Tickets", "classify", "refund,card,other",
                [{"text": f"ticket {i}: my card was charged twice", "label": ["card"]} for i in range(6)], "doccano")
        project("Replies", "chat", None, [{"messages": [{"role": "user", "content": f"question {i}"},
                                                        {"role": "assistant", "content": f"answer {i}"}]} for i in range(3)], "chat")
        project("Names", "spans", "PER,LOC", [{"text": "Ann met Bob in Rome", "label": [[0, 3, "PER"], [8, 11, "PER"]]}], "doccano")
        project("Disputed", "classify", "yes,no", [{"data": {"text": f"claim {i}"}, "annotations": [
            {"completed_by": {"email": who}, "result": [{"value": {"choices": [label]}}]}
            for who, label in (("kim", "yes"), ("lou", "no"))]} for i in range(2)], "label-studio", per_item=2, members=())
        project("Looked", "classify", "a,b", [{"text": "only item", "label": []}], "doccano", members=("ann1",))
        cls.server, cls.base, _ = start_server(db)
        cls.browsers = []
        cls.ids = {}

    def project_id(self, name):
        if not self.ids:
            self.ids.update({p["name"]: p["id"] for p in self.api("lead", "/api/projects")[1]})
        return self.ids[name]

    def item_id(self, browser):
        value = browser.find_element(By.ID, "item").get_attribute("data-item")
        return int(value) if value else None

    def my_answer(self, name, item):
        return self.api(name, f"/api/items/{item}")[1]["annotation"]

    def annotate(self, name, project):
        browser = self.browser()
        self.login(browser, name)
        browser.get(f"{self.base}/projects/{self.project_id(project)}/annotate")
        self.wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#item .turn, #item .text"))
        return browser

    def shown_text(self, browser):
        return browser.find_element(By.ID, "item").text

    def test_a_a_suggested_label_is_confirmed_never_toggled_off(self):
        browser = self.annotate("ann1", "Tickets")
        first = self.shown_text(browser)
        card = browser.find_element(By.CSS_SELECTOR, '#labels [data-label="card"]')
        self.assertEqual(card.get_attribute("aria-pressed"), "false")
        self.assertIn("suggestion", card.get_attribute("class"))
        self.assertIn("Suggested by the import: card", first)
        self.keys(browser, "2")  # card's key picks it
        self.assertEqual(card.get_attribute("aria-pressed"), "true")
        item = self.item_id(browser)
        self.keys(browser, Keys.ENTER)
        self.wait(browser, lambda b: self.shown_text(b) != first)
        self.assertEqual(self.my_answer("ann1", item)["labels"], ["card"])
        # Enter with nothing picked submits nothing and says why; y takes the suggestion.
        second = self.item_id(browser)
        self.keys(browser, Keys.ENTER)
        self.wait(browser, lambda b: "Pick a label first" in b.find_element(By.ID, "status").text)
        self.assertIsNone(self.my_answer("ann1", second))
        self.assertEqual(self.api("ann1", f"/api/items/{second}/annotation", "PUT", {"status": "submitted", "labels": [], "version": 0})[0], 422)
        self.keys(browser, "y")
        self.keys(browser, Keys.ENTER)
        self.wait(browser, lambda b: self.item_id(b) != second)
        self.assertEqual(self.my_answer("ann1", second)["labels"], ["card"])

    def test_b_enter_on_a_focused_button_does_that_buttons_action(self):
        browser = self.annotate("ann1", "Tickets")
        item = self.item_id(browser)
        self.keys(browser, "1")
        browser.execute_script("document.getElementById('skip').focus()")
        self.keys(browser, Keys.ENTER)
        self.wait(browser, lambda b: self.item_id(b) != item)
        self.assertEqual(self.my_answer("ann1", item)["status"], "skipped")
        chat = self.annotate("ann1", "Replies")
        reply = self.item_id(chat)
        chat.execute_script("document.querySelector('#item button.edit').focus()")
        self.keys(chat, Keys.ENTER)
        self.wait(chat, lambda b: b.find_elements(By.CSS_SELECTOR, "#item textarea"))
        self.assertEqual(self.item_id(chat), reply)
        answer = self.my_answer("ann1", reply)
        self.assertTrue(answer is None or answer["status"] == "draft")

    def test_c_esc_leaves_a_text_box_and_never_skips_nor_does_backspace(self):
        browser = self.annotate("ann2", "Replies")
        item = self.item_id(browser)
        self.keys(browser, "e")
        area = self.wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#item textarea"))
        area.send_keys(" with more detail")
        self.keys(browser, Keys.ESCAPE)
        self.wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "#item textarea"))
        self.keys(browser, Keys.ESCAPE)
        self.keys(browser, Keys.BACKSPACE)
        time.sleep(0.5)
        self.assertEqual(self.item_id(browser), item)
        self.assertIn("with more detail", self.shown_text(browser))
        answer = self.my_answer("ann2", item)
        self.assertTrue(answer is None or answer["status"] == "draft")
        self.keys(browser, "s")
        self.wait(browser, lambda b: self.item_id(b) != item)
        self.assertEqual(self.my_answer("ann2", item)["status"], "skipped")

    def test_d_a_second_enter_while_saving_submits_once(self):
        browser = self.annotate("ann2", "Tickets")
        item = self.item_id(browser)
        time.sleep(2.2)  # on screen, with the focus: counted
        self.keys(browser, "1", Keys.ENTER, Keys.ENTER)
        self.wait(browser, lambda b: self.item_id(b) != item)
        time.sleep(0.5)
        self.assertNotIn("elsewhere", browser.find_element(By.ID, "status").text)
        answer = self.my_answer("ann2", item)
        self.assertEqual((answer["status"], answer["labels"], answer["version"]), ("submitted", ["refund"], 1))
        self.assertGreaterEqual(answer["seconds_spent"], 2)

    def test_e_review_keys_act_only_on_the_item_on_screen(self):
        browser = self.browser()
        self.login(browser, "lead")
        project = self.project_id("Disputed")
        browser.get(f"{self.base}/projects/{project}/review")
        heading = lambda: browser.find_element(By.CSS_SELECTOR, "#current h2").text
        self.wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#answers .answer")) == 2)
        first = int(heading().split()[1])
        self.keys(browser, "1")
        self.wait(browser, lambda b: "Press u to undo" in b.find_element(By.ID, "review-status").text)
        second = int(self.wait(browser, lambda b: heading() if int(heading().split()[1]) != first else None).split()[1])
        self.keys(browser, "u")  # the first decision is taken back: the item is in the queue again
        self.wait(browser, lambda b: b.find_element(By.ID, "queue-count").text == "(2)")
        self.assertIsNone(self.api("lead", f"/api/items/{first}/gold")[1])
        self.wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#answers .answer"))
        on_screen = int(heading().split()[1])
        self.keys(browser, "2")
        self.wait(browser, lambda b: b.find_element(By.ID, "queue-count").text == "(1)")
        self.wait(browser, lambda b: int(heading().split()[1]) != on_screen)
        self.keys(browser, "x")
        self.wait(browser, lambda b: "No disagreements left" in b.find_element(By.ID, "current").text)
        golds = {item: self.api("lead", f"/api/items/{item}/gold")[1]["answer"] for item in (first, second)}
        self.keys(browser, "1", "2", "x")  # nothing on screen: nothing changes
        time.sleep(0.5)
        self.assertEqual({item: self.api("lead", f"/api/items/{item}/gold")[1]["answer"] for item in (first, second)}, golds)
        self.assertEqual(sorted(json.dumps(g) for g in golds.values()), sorted([json.dumps({"labels": ["no"]}), json.dumps({"decision": "reject"})]))

    def test_f_the_dashboard_flags_whom_the_figures_flag(self):
        browser = self.browser()
        self.login(browser, "lead")
        project = self.project_id("Tickets")
        flagged = self.api("lead", f"/api/projects/{project}/agreement")[1]["flagged"]
        browser.get(f"{self.base}/projects/{project}/dashboard")
        page = browser.find_element(By.TAG_NAME, "main").text
        self.assertEqual(page.count("⚑"), len(flagged))

    def test_g_keys_and_guidelines_open_in_view_and_esc_closes_them(self):
        browser = self.annotate("ann1", "Tickets")
        self.assertFalse(browser.find_elements(By.ID, "decision"))  # no accept/reject outside chat projects
        for key, panel in (("?", "help"), ("g", "guidelines")):
            self.keys(browser, key)
            box = browser.find_element(By.ID, panel)
            self.assertTrue(box.is_displayed())
            rect = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.top, r.left, r.bottom, innerHeight, r.width];", box)
            self.assertGreaterEqual(rect[0], 0)
            self.assertLess(rect[0], rect[3] / 2, f"{panel} opens below the fold")
            self.keys(browser, Keys.ESCAPE)
            self.assertFalse(box.is_displayed())

    def test_h_tab_leaves_the_spans_text_after_the_last_span(self):
        browser = self.annotate("ann1", "Names")
        browser.execute_script("document.getElementById('item').focus()")
        for _ in range(2):
            self.keys(browser, Keys.TAB)
        self.assertEqual(len(browser.find_elements(By.CSS_SELECTOR, "mark.selected")), 1)
        self.keys(browser, Keys.TAB)
        focused = browser.execute_script("const a = document.activeElement; return [a.tagName, !!a.closest('#item')];")
        self.assertFalse(focused[1], f"focus stayed in the text: {focused}")

    def test_i_a_lead_looks_without_taking_a_slot(self):
        browser = self.annotate("lead", "Looked")
        self.assertTrue(browser.find_element(By.ID, "preview").is_displayed())
        self.assertFalse(browser.find_element(By.ID, "submit").is_enabled())
        status, taken = self.api("ann1", f"/api/projects/{self.project_id('Looked')}/next")
        self.assertEqual(status, 200)
        self.assertEqual(taken["item"]["input"]["text"], "only item")

    def test_j_items_page_item_history_and_comments_reach_the_annotator(self):
        tickets = self.project_id("Tickets")
        answered = self.api("ann1", f"/api/projects/{tickets}/answered")[1]["items"]
        self.assertTrue(answered, "test a answers first")
        item = answered[0]
        self.assertEqual(self.api("lead", f"/api/items/{item}/comments", "POST", {"body": "card is right: a double charge"})[0], 201)
        browser = self.browser()
        self.login(browser, "lead")
        browser.get(f"{self.base}/projects/{tickets}/items?q=charged&label=card&state=complete")
        rows = browser.find_elements(By.CSS_SELECTOR, "table.items tr td a")
        self.assertIn(str(item), [r.text for r in rows])
        browser.find_element(By.LINK_TEXT, str(item)).click()
        page = self.wait(browser, lambda b: b.find_element(By.TAG_NAME, "main").text if "History" in b.find_element(By.TAG_NAME, "main").text else None)
        self.assertIn("ann1", page)
        self.assertIn("create", page)
        self.assertIn("card is right", page)
        status, history = self.api("lead", f"/api/items/{item}/history")
        self.assertEqual((status, history[0]["annotator"]), (200, "ann1"))
        self.assertEqual(self.api("ann1", f"/api/items/{item}/history")[0], 403)
        annotator = self.browser()
        self.login(annotator, "ann1")
        annotator.get(f"{self.base}/api/items/{item}")
        seen = json.loads(annotator.find_element(By.TAG_NAME, "body").text)
        self.assertEqual([c["body"] for c in seen["comments"]], ["card is right: a double charge"])

    def pages(self, name):
        ids = {n: self.project_id(n) for n in ("Tickets", "Replies", "Names", "Disputed")}
        pages = ["/"] + [f"/projects/{i}/annotate" for i in ids.values()]
        if name == "lead":
            tickets = ids["Tickets"]
            pages += [f"/projects/{tickets}/{p}" for p in ("settings", "export", "review", "dashboard", "items")]
            pages += [f"/projects/{ids['Disputed']}/dashboard", "/items/1"]
        return pages

    def test_k_every_page_fits_a_phone(self):
        for name in ("lead", "ann2"):
            browser = self.browser(390, 844)
            self.login(browser, name)
            for path in self.pages(name):
                browser.get(self.base + path)
                time.sleep(0.4)
                width = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
                self.assertLessEqual(width[0], width[1] + 1, f"{path} as {name} is {width[0]} px wide at 390")

    def test_l_axe_finds_nothing_serious_on_any_page(self):
        findings = []
        signed_out = self.browser()
        signed_out.get(self.base + "/login")
        findings += [f"/login {finding}" for finding in self.axe(signed_out)]
        status, made = self.api("lead", f"/api/projects/{self.project_id('Tickets')}/exports", "POST", {"format": "csv", "consensus": "1"})
        self.assertEqual(status, 201)
        for name in ("lead", "ann2"):
            browser = self.browser()
            self.login(browser, name)
            for path in self.pages(name) + ([f"/exports/{made['export']}"] if name == "lead" else []):
                browser.get(self.base + path)
                time.sleep(0.4)
                findings += [f"{path} ({name}) {finding}" for finding in self.axe(browser)]
        self.assertEqual(findings, [])


if __name__ == "__main__":
    unittest.main()
