"""End-to-end tests of the annotate page in a real headless Chromium (Debian's chromium + chromium-driver,
Python selenium), against the real `quorum serve` on an ephemeral port with a real SQLite file."""
import json
import os
import sqlite3
import tempfile
import unittest
import urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from support import PAGE_CHANGES, PASSWORD, BrowserTest, quorum, start_server

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts")
# Emoji with joiners, a flag, CJK outside the BMP and a decomposed accent: where other tools' offsets drift.
SPAN_TEXT = "👩‍👩‍👧‍👦 Marie met 𠮷田 in Paris 🇫🇷 with Rene\u0301e"
LONG_WORDS = [f"alpha{i} beta{i} 🎉" for i in range(1100)]
LONG_TEXT = " ".join(LONG_WORDS)
LONG_SPANS = []
for _i in range(300):
    _start = LONG_TEXT.index(f"alpha{_i} ")
    LONG_SPANS.append([_start, _start + len(f"alpha{_i}"), "ORG"])


def span_of(text, word, label):
    """`word` in `text` as a span in code points (Python str indices are code points)."""
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label, "text": word}


class Workbench(BrowserTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        db = os.path.join(cls.tmp.name, "q.db")
        cls.db = db
        for name, role in [("lead", "lead"), ("ann1", "annotator"), ("ann2", "annotator")]:
            quorum("user", "add", name, "--role", role, "--password", PASSWORD, db=db)
        quorum("project", "create", "--name", "Replies", "--kind", "chat", "--labels", "helpful,wrong",
               "--annotators-per-item", "2", db=db)
        chats = os.path.join(cls.tmp.name, "chats.jsonl")
        with open(chats, "w") as f:
            f.write(json.dumps({"messages": [{"role": "user", "content": "How do I reset my PIN?"},
                                             {"role": "assistant", "content": "Go to Settings and tap Reset PIN."}]}) + "\n")
            f.write(json.dumps({"messages": [{"role": "user", "content": "<script>window.pwned=1</script> and <img src=x onerror=\"window.pwned=2\">"},
                                             {"role": "assistant", "content": "I cannot run that."}]}) + "\n")
        quorum("import", "Replies", chats, db=db)
        quorum("project", "create", "--name", "Markup", "--kind", "chat", db=db)
        markup = os.path.join(cls.tmp.name, "markup.jsonl")
        with open(markup, "w") as f:
            f.write(json.dumps({"messages": [{"role": "user", "content": "<script>window.pwned=1</script> and <img src=x onerror=\"window.pwned=2\">"},
                                             {"role": "assistant", "content": "I cannot run that."}]}) + "\n")
        quorum("import", "Markup", markup, db=db)
        quorum("project", "create", "--name", "Tickets", "--kind", "classify", "--labels", "refund,card,other", db=db)
        tickets = os.path.join(cls.tmp.name, "tickets.txt")
        with open(tickets, "w") as f:
            f.write("\n".join(f"ticket number {i} about my card" for i in range(5)) + "\n")
        quorum("import", "Tickets", tickets, db=db)
        quorum("project", "create", "--name", "Disputed", "--kind", "classify", "--labels", "yes,no",
               "--annotators-per-item", "2", db=db)
        disputed = os.path.join(cls.tmp.name, "disputed.json")
        with open(disputed, "w") as f:
            json.dump([{"data": {"text": f"claim {i} 👩‍👩‍👧‍👦"}, "annotations": [
                {"completed_by": {"email": who}, "result": [{"type": "choices", "from_name": "c", "to_name": "t",
                                                             "value": {"choices": [label]}}]}
                for who, label in (("kim", "yes"), ("lou", "yes" if i == 0 else "no"))]} for i in range(4)], f)
        quorum("import", "Disputed", disputed, "--format", "label-studio", db=db)
        quorum("project", "create", "--name", "Entities", "--kind", "spans", "--labels", "PER,LOC,ORG", db=db)
        entities = os.path.join(cls.tmp.name, "entities.jsonl")
        with open(entities, "w") as f:
            f.write(json.dumps({"text": SPAN_TEXT, "label": []}, ensure_ascii=False) + "\n")
            f.write(json.dumps({"text": "Ahmed flew from Cairo to Delhi", "label": [[0, 5, "PER"], [16, 21, "LOC"]]}) + "\n")
            f.write(json.dumps({"text": LONG_TEXT, "label": LONG_SPANS}, ensure_ascii=False) + "\n")
        quorum("import", "Entities", entities, "--format", "doccano", db=db)
        quorum("project", "add-member", "Entities", "ann1", db=db)
        quorum("project", "create", "--name", "Nested", "--kind", "spans", "--labels", "LOC,ORG", db=db)
        nested = os.path.join(cls.tmp.name, "nested.txt")
        with open(nested, "w") as f:
            f.write("She studied at New York University 🗽 last year\n")
        quorum("import", "Nested", nested, db=db)
        quorum("project", "add-member", "Nested", "ann2", db=db)
        for project in ("Replies", "Tickets"):
            for name in ("ann1", "ann2"):
                quorum("project", "add-member", project, name, db=db)
        cls.server, cls.base, _ = start_server(db)
        cls.browsers = []

    def status_is(self, browser, text):
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: text in b.find_element(By.ID, "status").text)

    def test_1_two_annotators_then_the_lead_sees_both(self):
        one = self.browser()
        self.login(one, "ann1")
        self.open_project(one, "Replies")
        self.assertIn("Reset PIN", one.find_element(By.ID, "item").text)
        self.keys(one, "e")
        area = WebDriverWait(one, 5, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.CSS_SELECTOR, "#item textarea"))
        area.send_keys(Keys.END, " Then choose a new one.")
        area.send_keys(Keys.ESCAPE)
        WebDriverWait(one, 5, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#item ins"))
        self.keys(one, "1")
        self.assertEqual(one.find_element(By.CSS_SELECTOR, '[data-label="helpful"]').get_attribute("aria-pressed"), "true")
        os.makedirs(ARTIFACTS, exist_ok=True)
        one.save_screenshot(os.path.join(ARTIFACTS, "annotate.png"))
        self.keys(one, Keys.ENTER)
        self.status_is(one, "Submitted")

        two = self.browser()
        self.login(two, "ann2")
        self.open_project(two, "Replies")
        self.assertIn("Reset PIN", two.find_element(By.ID, "item").text)
        self.assertNotIn("new one", two.find_element(By.ID, "item").text)  # blind: ann1's correction is not shown
        self.keys(two, "r")
        self.keys(two, Keys.ENTER)
        self.status_is(two, "Submitted")

        status, items = self.api("lead", "/api/projects/1/answered")
        status, answers = self.api("lead", "/api/items/1/annotations")
        self.assertEqual(status, 200)
        by_user = {a["annotator"]["username"]: a for a in answers}
        self.assertEqual(by_user["ann1"]["labels"], ["helpful"])
        self.assertTrue(by_user["ann1"]["messages"][1]["content"].endswith("Then choose a new one."))
        self.assertEqual(by_user["ann2"]["decision"], "reject")
        self.assertEqual(self.api("ann2", "/api/items/1/annotations")[0], 403)

    def test_2_markup_in_items_is_inert_text(self):
        browser = self.browser()
        self.login(browser, "lead")
        self.open_project(browser, "Markup")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "window.pwned" in b.find_element(By.ID, "item").text)
        self.assertIn("<script>window.pwned=1</script>", browser.find_element(By.ID, "item").text)
        self.assertIsNone(browser.execute_script("return window.pwned"))
        self.assertEqual(browser.find_elements(By.CSS_SELECTOR, "#item img, #item script"), [])

    def test_3_post_without_csrf_changes_nothing(self):
        browser = self.browser()
        self.login(browser, "lead")
        result = browser.execute_async_script("""
            const done = arguments[0];
            fetch('/api/projects', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify({name: 'Sneaky', kind: 'chat'})})
              .then(r => fetch('/api/projects').then(l => l.json()).then(list => done([r.status, list.map(p => p.name)])));
        """)
        self.assertEqual(result[0], 403)
        self.assertNotIn("Sneaky", result[1])

    def test_4_keyboard_only_five_items(self):
        browser = self.browser()
        self.login(browser, "ann1")
        self.open_project(browser, "Tickets")
        seen = set()
        for i in range(5):
            WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.ID, "item").text not in seen)
            text = browser.find_element(By.ID, "item").text
            self.assertIn("ticket number", text)
            seen.add(text)
            self.keys(browser, "2")
            self.keys(browser, Keys.ENTER)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Nothing left" in b.find_element(By.ID, "item").text)
        self.assertEqual(browser.find_element(By.ID, "mine").text, "5")
        self.keys(browser, Keys.ARROW_LEFT)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "ticket number 4" in b.find_element(By.ID, "item").text)
        self.assertEqual(browser.find_element(By.CSS_SELECTOR, '[data-label="card"]').get_attribute("aria-pressed"), "true")

    def test_5_lead_imports_in_the_browser_and_sees_errors_by_line(self):
        browser = self.browser()
        self.login(browser, "lead")
        browser.find_element(By.CSS_SELECTOR, 'tr[data-project="2"] a.settings-link').click()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_elements(By.ID, "import-file"))
        bad = os.path.join(self.tmp.name, "bad.jsonl")
        with open(bad, "w") as f:
            f.write(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}) + "\n")
            f.write('{"messages": [{"role": "robot", "content": "x"}]}\n')
        browser.find_element(By.ID, "import-file").send_keys(bad)
        browser.find_element(By.ID, "import-format").send_keys("chat")
        browser.find_element(By.CSS_SELECTOR, "#import button").click()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "line 2" in b.find_element(By.ID, "import-result").text)
        text = browser.find_element(By.ID, "import-result").text
        self.assertIn("Nothing imported", text)
        self.assertIn("line 2, messages[0].role", text)

    def test_6_lead_exports_from_the_page_by_keyboard(self):
        # test_4 answered the five Tickets items (one annotator each): five agreed answers.
        browser = self.browser()
        self.login(browser, "lead")
        # An export of the project under way elsewhere (`quorum export`, another page): the page shows its progress
        # and holds its own button (Ctrl+Enter does nothing) until that export ends.
        with sqlite3.connect(self.db) as db:
            db.execute("INSERT INTO exports_under_way VALUES (3, 'elsewhere', 2, 5, (julianday('now') - 2440587.5) * 86400.0 + 600)")
        browser.find_element(By.CSS_SELECTOR, 'tr[data-project="3"] a.export-link').click()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_elements(By.ID, "export-format"))
        status = lambda b: b.find_element(By.ID, "export-status").text
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "2 of 5 items read" in status(b))
        self.assertIn("Another export of this project is under way", status(browser))
        self.assertFalse(browser.find_element(By.CSS_SELECTOR, "#export button").is_enabled())
        webdriver.ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        with sqlite3.connect(self.db) as db:
            db.execute("UPDATE exports_under_way SET lease_until = 0")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "The other export has ended" in status(b))
        self.assertTrue(browser.find_element(By.CSS_SELECTOR, "#export button").is_enabled())
        self.assertEqual(browser.find_element(By.ID, "export-result").text, "")  # the Ctrl+Enter above ran nothing
        # Five examples are too few for the fine-tuning API: the page says so and why.
        webdriver.ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        WebDriverWait(browser, 20, ignored_exceptions=PAGE_CHANGES).until(lambda b: "fewer than 10" in b.find_element(By.ID, "export-result").text)
        browser.find_element(By.ID, "export-format").send_keys("csv")
        browser.find_element(By.ID, "export-validation").clear()
        browser.find_element(By.ID, "export-validation").send_keys("0")
        webdriver.ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        WebDriverWait(browser, 20, ignored_exceptions=PAGE_CHANGES).until(lambda b: "written" in b.find_element(By.ID, "export-status").text)
        report = browser.find_element(By.ID, "export-result").text
        self.assertIn("train.csv", report)
        self.assertIn("Who wrote the answers", report)
        self.assertIn("ann1", report)
        link = browser.find_element(By.LINK_TEXT, "train.csv").get_attribute("href")
        status, exports = self.api("lead", "/api/projects/3/exports")
        self.assertEqual(status, 200)
        self.assertEqual(exports[0]["counts"]["train"], 5)
        self.assertTrue(link.endswith(f"/api/exports/{exports[0]['id']}/files/train.csv"))

    def test_7_lead_reviews_disagreements_by_keyboard(self):
        browser = self.browser()
        self.login(browser, "lead")
        browser.find_element(By.CSS_SELECTOR, 'tr[data-project="4"] a.review-link').click()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#answers .answer")) == 2)
        self.assertEqual(browser.find_element(By.ID, "queue-count").text, "(3)")
        cards = [card.text for card in browser.find_elements(By.CSS_SELECTOR, "#answers .answer")]
        self.assertIn("kim", cards[0])
        self.assertIn("lou", cards[1])
        self.assertIn("no", cards[1])
        heading = lambda: browser.find_element(By.CSS_SELECTOR, "#current h2").text
        items = [int(heading().split()[1])]
        self.keys(browser, "2")  # lou's answer becomes gold
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.ID, "queue-count").text == "(2)")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: int(heading().split()[1]) not in items)
        items.append(int(heading().split()[1]))
        self.keys(browser, "c")
        self.keys(browser, "ambiguous claim" + Keys.ENTER)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "ambiguous claim" in b.find_element(By.ID, "comments").text)
        self.keys(browser, Keys.ESCAPE)
        self.keys(browser, "e")  # the lead writes the gold answer by hand
        area = WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.ID, "gold-edit"))
        area.clear()
        area.send_keys("yes")
        webdriver.ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.ID, "queue-count").text == "(1)")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: int(heading().split()[1]) not in items)
        items.append(int(heading().split()[1]))
        self.keys(browser, "x")  # the last one is rejected as gold
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "No disagreements left" in b.find_element(By.ID, "current").text)
        golds = [self.api("lead", f"/api/items/{item}/gold")[1] for item in items]
        self.assertEqual([g["answer"] for g in golds], [{"labels": ["no"]}, {"labels": ["yes"]}, {"decision": "reject"}])
        self.assertEqual({g["source"] for g in golds}, {"lead"})
        browser.get(self.base + "/projects/4/dashboard")
        self.assertIn("Krippendorff's alpha (nominal)", browser.find_element(By.TAG_NAME, "main").text)
        self.assertIn("label-studio:kim (rows) against label-studio:lou (columns)", browser.find_element(By.TAG_NAME, "main").text)

    def answers_of(self, item_id):
        status, annotations = self.api("lead", f"/api/items/{item_id}/annotations")
        self.assertEqual(status, 200)
        return annotations

    def cursor_text(self, browser):
        return browser.execute_script(
            "const h = CSS.highlights.get('token-cursor'); return h ? [...h][0].toString() : null;")

    def extend(self, browser, steps):
        """Shift+→ `steps` times, Shift held down throughout."""
        chain = webdriver.ActionChains(browser).key_down(Keys.SHIFT)
        for _ in range(steps):
            chain = chain.send_keys(Keys.ARROW_RIGHT)
        chain.key_up(Keys.SHIFT).perform()

    def cursor_to(self, browser, word, key):
        """Presses `key` (an arrow) until the token cursor is on `word`."""
        for _ in range(20):
            if self.cursor_text(browser) == word:
                return
            self.keys(browser, key)
        self.assertEqual(self.cursor_text(browser), word)

    def test_8_offsets_module_converts_code_points_and_utf16(self):
        browser = self.browser()
        self.login(browser, "ann1")
        cases = [SPAN_TEXT, "𠮷野家 𠮷田", "يعيش أحمد في القاهرة", "राम दिल्ली में", "e\u0301 🇫🇷🇩🇪 x"]
        for text in cases:
            expected = [len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)]
            result = browser.execute_async_script("""
                const [text, done] = [arguments[0], arguments[arguments.length - 1]];
                import('/static/offsets.js').then(({ OffsetMap, codePointLength }) => {
                  const map = new OffsetMap(text);
                  const units = [...Array(map.length + 1).keys()].map((p) => map.toUnit(p));
                  const back = units.map((u) => map.toPoint(u));
                  done({ length: map.length, counted: codePointLength(text), units, back,
                         slice: map.slice(1, map.length - 1), inside: map.toPoint(units[1] + 1) });
                });""", text)
            self.assertEqual(result["length"], len(text))
            self.assertEqual(result["counted"], len(text))
            self.assertEqual(result["units"], expected)
            self.assertEqual(result["back"], list(range(len(text) + 1)))
            self.assertEqual(result["slice"], text[1:len(text) - 1])

    def test_9_spans_by_mouse_and_keyboard_never_drift(self):
        browser = self.browser()
        self.login(browser, "ann1")
        self.open_project(browser, "Entities")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Marie" in b.find_element(By.ID, "item").text)
        # The mouse selects part of the word after the emoji; the selection snaps to "Marie"; key 1 makes it PER.
        browser.execute_script("""
            const text = document.querySelector('.spans-text');
            const node = text.firstChild;
            const at = node.data.indexOf('arie');
            const range = new Range();
            range.setStart(node, at);
            range.setEnd(node, at + 2);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            text.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));""")
        self.keys(browser, "1")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_elements(By.CSS_SELECTOR, "mark.span"))
        self.assertEqual(browser.find_element(By.CSS_SELECTOR, "mark.span").text, "Marie")
        # Keyboard only: the cursor walks to "Paris"; key 2 makes it LOC.
        self.cursor_to(browser, "Paris", Keys.ARROW_RIGHT)
        self.keys(browser, "2")
        # Shift+→ extends from "with" over "Renée"; key 3 makes it ORG.
        self.cursor_to(browser, "with", Keys.ARROW_RIGHT)
        self.extend(browser, 1)
        self.keys(browser, "3")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 3)
        self.assertEqual(browser.find_elements(By.CSS_SELECTOR, "mark.span")[2].text, "with Rene\u0301e")
        # Relabel "Marie" by clicking it and pressing 2; delete the ORG span with Delete.
        browser.find_elements(By.CSS_SELECTOR, "mark.span")[0].click()
        self.keys(browser, "2")
        browser.find_elements(By.CSS_SELECTOR, "mark.span")[2].click()
        self.keys(browser, Keys.DELETE)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 2)
        # An overlapping span is refused, and says so: "in" extended over "Paris", which is marked already.
        self.cursor_to(browser, "in", Keys.ARROW_LEFT)
        self.extend(browser, 1)
        self.keys(browser, "3")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "overlap" in b.find_element(By.ID, "status").text)
        self.assertEqual(len(browser.find_elements(By.CSS_SELECTOR, "mark.span")), 2)
        self.keys(browser, Keys.ENTER)

        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Ahmed" in b.find_element(By.ID, "item").text)
        first = self.answers_of(1 + self.entity_item_offset())
        self.assertEqual(first[0]["spans"], [span_of(SPAN_TEXT, "Marie", "LOC"), span_of(SPAN_TEXT, "Paris", "LOC")])

        # Suggestions: y accepts the one under the cursor (Ahmed), Y the rest (Cairo).
        self.assertEqual(len(browser.find_elements(By.CSS_SELECTOR, "mark.suggestion")), 2)
        self.keys(browser, "y")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 1)
        self.keys(browser, "Y")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 2)
        self.keys(browser, Keys.ENTER)

        # 20,000+ characters and 300 suggested spans: all accepted, and one more marked by keyboard.
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.suggestion")) == 300)
        self.keys(browser, "Y")
        WebDriverWait(browser, 20, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 300)
        self.keys(browser, Keys.ARROW_RIGHT)  # from alpha0 to beta0
        self.assertEqual(self.cursor_text(browser), "beta0")
        self.keys(browser, "1")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "mark.span")) == 301)
        self.keys(browser, Keys.ENTER)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Nothing left" in b.find_element(By.ID, "item").text)
        long_spans = self.answers_of(3 + self.entity_item_offset())[0]["spans"]
        self.assertEqual(len(long_spans), 301)
        self.assertIn(span_of(LONG_TEXT, "beta0", "PER"), long_spans)
        self.assertIn({"start": LONG_SPANS[299][0], "end": LONG_SPANS[299][1], "label": "ORG", "text": "alpha299"}, long_spans)

        # After a reload, the first item's spans come back where they were.
        browser.refresh()
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Nothing left" in b.find_element(By.ID, "item").text)
        for text in ("alpha0", "Ahmed", "Marie"):
            self.keys(browser, Keys.PAGE_UP)
            WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: text in b.find_element(By.ID, "item").text)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: [m.text for m in b.find_elements(By.CSS_SELECTOR, "mark.span")] == ["Marie", "Paris"])
        self.assertEqual(self.answers_of(1 + self.entity_item_offset())[0]["spans"][1], span_of(SPAN_TEXT, "Paris", "LOC"))

    def entity_item_offset(self):
        """Item ids before the Entities project's three items."""
        status, projects = self.api("lead", "/api/projects")
        return sum(p["items"] for p in projects if p["name"] != "Entities" and p["id"] < next(q["id"] for q in projects if q["name"] == "Entities"))

    def test_10_nested_spans_when_the_project_allows_them(self):
        lead = self.browser()
        self.login(lead, "lead")
        lead.find_element(By.CSS_SELECTOR, 'tr[data-project="6"] a.settings-link').click()
        box = WebDriverWait(lead, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: b.find_element(By.NAME, "overlapping_spans"))
        box.click()
        lead.find_element(By.CSS_SELECTOR, ".settings-form button[type=submit]").click()
        WebDriverWait(lead, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Saved" in b.find_element(By.TAG_NAME, "main").text)
        browser = self.browser()
        self.login(browser, "ann2")
        self.open_project(browser, "Nested")
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "University" in b.find_element(By.ID, "item").text)
        self.cursor_to(browser, "New", Keys.ARROW_RIGHT)
        self.extend(browser, 1)
        self.keys(browser, "1")  # "New York": LOC
        self.keys(browser, Keys.ARROW_LEFT)  # off the new span, to "at"
        self.cursor_to(browser, "New", Keys.ARROW_RIGHT)
        self.extend(browser, 2)
        self.keys(browser, "2")  # "New York University": ORG, around it
        self.keys(browser, Keys.ENTER)
        WebDriverWait(browser, 10, ignored_exceptions=PAGE_CHANGES).until(lambda b: "Nothing left" in b.find_element(By.ID, "item").text)
        status, projects = self.api("lead", "/api/projects")
        item = sum(p["items"] for p in projects if p["id"] < 6) + 1
        text = "She studied at New York University 🗽 last year"
        spans = sorted(self.answers_of(item)[0]["spans"], key=lambda s: (s["start"], -s["end"]))
        self.assertEqual(spans, [span_of(text, "New York University", "ORG"), span_of(text, "New York", "LOC")])

    def test_11_a_page_that_fails_says_so_in_quorums_layout(self):
        browser = self.browser()
        self.login(browser, "ann2")
        browser.get(self.base + "/projects/5/annotate")  # Entities: ann2 is not one of its annotators
        main = self.wait(browser, lambda b: b.find_element(By.TAG_NAME, "main"))
        self.assertEqual(main.find_element(By.TAG_NAME, "h1").text, "Not allowed")
        self.assertIn("You are not a member of this project", main.text)
        self.assertEqual(browser.find_element(By.CSS_SELECTOR, "header .who").text, "ann2")  # still signed in, with the way out
        self.assertEqual(self.axe(browser), [])
        browser.get(self.base + "/projects/999/annotate")
        main = self.wait(browser, lambda b: b.find_element(By.TAG_NAME, "main"))
        self.assertEqual(main.find_element(By.TAG_NAME, "h1").text, "Not found")
        self.assertIn("No such project.", main.text)
        # A script asking the same address still gets the JSON error it reads.
        answer = browser.execute_async_script("""
            const done = arguments[0];
            fetch('/projects/999/annotate').then(r => r.json().then(body => done([r.status, body.error.message])));
        """)
        self.assertEqual(answer, [404, "no such project"])
        browser.get(self.base + "/no/such/page")
        self.assertIn("There is no page at this address.", self.wait(browser, lambda b: b.find_element(By.TAG_NAME, "main")).text)
        for _ in range(20):  # the header's links first, then the page's
            self.keys(browser, Keys.TAB)
            if browser.switch_to.active_element.text == "Back to your projects":
                break
        self.keys(browser, Keys.ENTER)
        self.wait(browser, lambda b: b.current_url.rstrip("/") == self.base)


if __name__ == "__main__":
    unittest.main()
