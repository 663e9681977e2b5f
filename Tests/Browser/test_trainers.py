"""Export targets against the trainers' own code: a chat project exported for every target, each file checked by
`quorum validate --target`, exported twice to the same bytes, and read by the vendors' own loaders where they
install from PyPI without a GPU: Hugging Face `datasets` loads the TRL, Axolotl and LLaMA-Factory files, and
Together's SDK (`check_file`) checks its file. The loaders live in the virtual environment `make trainers` makes
(.cache/trainers); QUORUM_TRAINERS_PYTHON names its interpreter."""
import hashlib
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import PASSWORD, QUORUM, BrowserTest, quorum, start_server

TARGETS = ["openai", "azure-openai", "together", "fireworks", "mistral", "vertex-gemini", "bedrock-claude", "bedrock-nova",
           "trl", "axolotl", "llama-factory"]
TRAINERS = os.environ.get("QUORUM_TRAINERS_PYTHON",
                          os.path.join(os.path.dirname(__file__), "..", "..", ".cache", "trainers", "bin", "python"))


def validate(*args):
    """`quorum validate` (which takes files, not a database): the finished process."""
    return subprocess.run([QUORUM, "validate", *args], capture_output=True, text=True)


def conversation(i):
    """Plain conversations, some with a system prompt and a weighted earlier answer; every fifth calls a tool."""
    messages = ([{"role": "system", "content": "You help with bookings."}] if i % 2 else []) + [
        {"role": "user", "content": f"Question {i}: can I move my booking to Friday? ÅØÆ ✓"}]
    line = {"messages": messages}
    if i % 5 == 0:
        messages += [{"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{i}_lookup", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"booking": i})}}]},
            {"role": "tool", "tool_call_id": f"call_{i}_lookup", "content": f"booking {i}: Tuesday"},
            {"role": "assistant", "content": f"Booking {i} is on Tuesday; I can move it to Friday."}]
        line["tools"] = [{"type": "function", "function": {"name": "lookup", "description": "Find a booking",
                                                            "parameters": {"type": "object", "properties": {"booking": {"type": "integer"}}}}}]
    else:
        if i % 3 == 0:
            messages += [{"role": "assistant", "content": "Which booking?", "weight": 0}, {"role": "user", "content": f"Number {i}."}]
        messages.append({"role": "assistant", "content": f"Yes: booking {i} is now on Friday."})
    return line


def bookings(folder, count):
    """A database in `folder` with the chat project Bookings: `count` conversations imported as gold."""
    db = os.path.join(folder, "q.db")
    source = os.path.join(folder, "chat.jsonl")
    with open(source, "w") as f:
        for i in range(count):
            f.write(json.dumps(conversation(i)) + "\n")
    quorum("project", "create", "--name", "Bookings", "--kind", "chat", db=db)
    quorum("import", "Bookings", source, "--as-gold", db=db)
    return db


class TrainerFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.db = bookings(cls.folder.name, 40)
        cls.reports = {}
        for target in TARGETS:
            out = cls.out(target)
            cls.reports[target] = json.loads(quorum("export", "Bookings", "--target", target, "--validation", "0.1", "--seed", "3",
                                                    "--out", out, "--json", db=cls.db))

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    @classmethod
    def out(cls, target):
        return os.path.join(cls.folder.name, "out-" + target)

    def trainers(self, script):
        if not os.path.exists(TRAINERS):
            self.skipTest("the trainers' loaders are not installed: make trainers")
        offline = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
        result = subprocess.run([TRAINERS, "-c", textwrap.dedent(script)], capture_output=True, text=True, cwd=self.folder.name, env=offline)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_every_target_passes_its_own_rules_and_says_what_it_dropped(self):
        for target in TARGETS:
            with self.subTest(target=target):
                report = self.reports[target]
                train = next(f for f in report["files"] if f["split"] == "train")
                self.assertIn(target, train["valid_for"])
                checked = validate(os.path.join(self.out(target), "train.jsonl"), "--target", target, "--json")
                self.assertEqual(checked.returncode, 0, checked.stdout[-2000:] + checked.stderr[-2000:])
                self.assertIn(target, json.loads(checked.stdout)["valid_for"])
        # Weights are named where the trainer cannot honour them; Axolotl reads them.
        for target in ["trl", "vertex-gemini", "llama-factory", "bedrock-nova"]:
            self.assertTrue(any(d["what"].startswith("weight") and d["items"] > 0 for d in self.reports[target]["dropped"]), target)
        self.assertNotIn("dropped", self.reports["axolotl"])
        # What a target cannot take at all is left out with the reason: Claude on Bedrock takes no tool calls.
        left = self.reports["bedrock-claude"]["excluded"]
        self.assertEqual(left["by_reason"].get("not for the target"), 8)
        self.assertIn("tool", left["items"][0]["detail"])

    def test_side_files_and_the_byte_order_mark(self):
        with open(os.path.join(self.out("azure-openai"), "train.jsonl"), "rb") as f:
            self.assertEqual(f.read(3), b"\xef\xbb\xbf")
        info = json.load(open(os.path.join(self.out("llama-factory"), "dataset_info.json")))
        self.assertEqual(info["quorum_train"]["file_name"], "train.jsonl")
        self.assertEqual(info["quorum_train"]["formatting"], "sharegpt")
        stanza = open(os.path.join(self.out("axolotl"), "axolotl.yaml")).read()
        self.assertIn("message_field_training: weight", stanza)
        # An OpenAI file validated without a target names the others that take it as it is.
        checked = json.loads(validate(os.path.join(self.out("openai"), "train.jsonl"), "--json").stdout)
        self.assertIn("openai", checked["valid_for"])
        self.assertNotIn("azure-openai", checked["valid_for"])  # no byte-order mark

    def test_the_same_settings_give_the_same_bytes(self):
        for target in TARGETS:
            with self.subTest(target=target):
                again = json.loads(quorum("export", "Bookings", "--target", target, "--validation", "0.1", "--seed", "3",
                                          "--out", self.out(target) + "-again", "--json", db=self.db))
                self.assertEqual([f["sha256"] for f in again["files"]], [f["sha256"] for f in self.reports[target]["files"]])

    def test_hugging_face_datasets_loads_the_open_trainers_files(self):
        loaded = self.trainers("""
            import json
            from datasets import load_dataset
            sizes = {}
            for target in ["trl", "axolotl", "llama-factory"]:
                data = load_dataset("json", data_files=f"out-{target}/train.jsonl", split="train")
                sizes[target] = [len(data), sorted(data.column_names)]
            print(json.dumps(sizes))
            """)
        trained = self.reports["trl"]["counts"]["train"]
        self.assertEqual(loaded["trl"], [trained, ["messages", "tools"]])
        self.assertEqual(loaded["axolotl"][0], self.reports["axolotl"]["counts"]["train"])
        self.assertEqual(loaded["llama-factory"], [self.reports["llama-factory"]["counts"]["train"], ["conversations", "system", "tools"]])

    def test_togethers_own_checker_passes_its_file(self):
        checked = self.trainers("""
            import json
            from together.lib.utils import check_file
            print(json.dumps(check_file("out-together/train.jsonl"), default=str))
            """)
        self.assertTrue(checked["is_check_passed"], checked)


class ExportPageTargetTest(BrowserTest, unittest.TestCase):
    """A lead picks the trainer on the export page by keyboard and gets its files, side file included."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = bookings(cls.tmp.name, 20)
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, db=cls.db)
        cls.server, cls.base, _ = start_server(cls.db)
        cls.browsers = []

    def test_lead_exports_for_llama_factory_from_the_page(self):
        browser = self.browser()
        self.login(browser, "lead")
        browser.get(self.base + "/projects/1/export")
        target = self.wait(browser, lambda b: b.find_element(By.ID, "export-target"))
        self.assertEqual(target.get_attribute("accesskey"), "t")
        target.send_keys("llama-factory")
        browser.find_element(By.ID, "export-seed").send_keys(Keys.CONTROL, Keys.ENTER)
        self.wait(browser, lambda b: "written" in b.find_element(By.ID, "export-status").text, 30)
        links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#export-result .files a")]
        self.assertIn("dataset_info.json", links)
        report = browser.find_element(By.CSS_SELECTOR, "#export-result .report").text
        self.assertIn("Dropped for llama-factory", report)
        self.assertIn("llama-factory", browser.find_element(By.CSS_SELECTOR, "#export-result table.files").text)
        status, info = self.api("lead", "/api/exports/1/files/dataset_info.json")
        self.assertEqual((status, info["quorum_train"]["formatting"]), (200, "sharegpt"))


if __name__ == "__main__":
    unittest.main()
