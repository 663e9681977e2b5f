"""Several `quorum serve` on one PostgreSQL (the throwaway cluster of scripts/with-postgres, QUORUM_TEST_POSTGRES_URL):
the demo put into an empty database by `serve --demo`, every page and API route on PostgreSQL, sessions and versions across servers, and annotators on two servers while one
is killed with SIGKILL — nothing acknowledged lost, nothing stored twice, no item over-filled."""
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support import PASSWORD, QUORUM, quorum, start_server, stop_server
from test_hardening import Session

POSTGRES = os.environ.get("QUORUM_TEST_POSTGRES_URL")


def psql(url, sql):
    return subprocess.run(["/usr/bin/psql", url, "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


class SlowModel(BaseHTTPRequestHandler):
    """A stand-in OpenAI-compatible endpoint that takes a fifth of a second per answer."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.2)
        body = json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop",
                           "message": {"role": "assistant", "content": "yes"}}], "usage": {"prompt_tokens": 9, "completion_tokens": 1}}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except BrokenPipeError:
            pass  # the server that asked was killed meanwhile

    def log_message(self, *args):
        pass


@unittest.skipUnless(POSTGRES, "needs QUORUM_TEST_POSTGRES_URL: run under scripts/with-postgres (make test does)")
class TwoServersOnePostgres(unittest.TestCase):
    ANNOTATORS = 12
    ITEMS = 240

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        db = os.path.join(cls.tmp.name, "q.db")  # never made: every command and server is given --database
        name = "quorum_e2e_" + uuid.uuid4().hex[:8]
        psql(POSTGRES, f"CREATE DATABASE {name}")
        cls.url = POSTGRES.rsplit("/", 1)[0] + "/" + name
        # The demo (every kind of project, runs, judgements, watch samples) put into the empty database by two
        # `serve --demo` started at once (one fills it, the other finds it filled), then a project to annotate made
        # by the commands on PostgreSQL.
        started = []
        threads = [threading.Thread(target=lambda: started.append(start_server(db, "--database", cls.url, "--demo"))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for server, _, _ in started:
            stop_server(server)
        assert len(started) == 2, "a server started with --demo beside another did not come up"
        demo = psql(cls.url, "SELECT name FROM projects ORDER BY id").splitlines()
        assert len(demo) >= 5 and len(set(demo)) == len(demo) and all(name.startswith("Demo") for name in demo), demo
        assert psql(cls.url, "SELECT COUNT(*) FROM users WHERE role = 'admin'") == "1"
        on = ("--database", cls.url)
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, *on, db=db)
        cls.annotators = [f"ann{n}" for n in range(cls.ANNOTATORS)]
        for annotator in cls.annotators:
            quorum("user", "add", annotator, "--role", "annotator", "--password", PASSWORD, *on, db=db)
        quorum("project", "create", "--name", "Load", "--kind", "classify", "--labels", "yes,no", "--annotators-per-item", "2", *on, db=db)
        texts = os.path.join(cls.tmp.name, "load.txt")
        with open(texts, "w") as f:
            f.write("".join(f"ticket {n}: my card was charged twice\n" for n in range(cls.ITEMS)))
        quorum("import", "Load", texts, *on, db=db)
        for annotator in cls.annotators:
            quorum("project", "add-member", "Load", annotator, *on, db=db)
        cls.project = next(p["id"] for p in json.loads(quorum("project", "list", "--json", *on, db=db)) if p["name"] == "Load")
        assert not os.path.exists(db), "a command wrote to the SQLite file rather than PostgreSQL"
        shared = os.path.join(cls.tmp.name, "exports")
        cls.db, cls.shared = db, shared
        # The second with --demo too: a database that holds anything is left as it is.
        # A first sign-in wait of two minutes: a burst of guesses must not outlast it on a busy machine.
        cls.servers = [start_server(db, "--database", cls.url, "--exports-dir", shared, "--sign-in-wait", "120", *extra)
                       for extra in [(), ("--demo",)]]
        assert psql(cls.url, "SELECT COUNT(*) FROM projects") == str(len(demo) + 1)

    @classmethod
    def tearDownClass(cls):
        for server, _, _ in cls.servers:
            if server.poll() is None:
                stop_server(server)
        cls.tmp.cleanup()

    def base(self, n):
        return self.servers[n][1]

    def test_1_every_page_and_route_answers_on_postgres(self):
        lead = Session(self.base(0), "admin", "admin-password")
        status, projects = lead.call("GET", "/api/projects")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(projects), 6)
        for path in ["/", "/models", "/tokens", "/admin/users", "/api/me", "/api/models"]:
            self.assertEqual(lead.call("GET", path)[0], 200, path)
        for project in projects:
            pid = project["id"]
            pages = ["dashboard", "items", "settings", "export", "runs", "review", "annotate"]
            if project["kind"] in ("compare", "rate"):
                pages.append("results")
            if project["kind"] == "watch":
                pages.append("watch")
            for page in pages:
                self.assertEqual(lead.call("GET", f"/projects/{pid}/{page}")[0], 200, f"{project['name']} {page}")
            for route in ["agreement", "items", "review", "runs", "exports", "progress"]:
                self.assertEqual(lead.call("GET", f"/api/projects/{pid}/{route}")[0], 200, f"{project['name']} {route}")
            status, items = lead.call("GET", f"/api/projects/{pid}/items")
            for item in items.get("items", [])[:2] if isinstance(items, dict) else []:
                for route in ["", "/annotations", "/history", "/gold", "/comments"]:
                    self.assertIn(lead.call("GET", f"/api/items/{item['id']}{route}")[0], (200, 404), route)
                self.assertEqual(lead.call("GET", f"/items/{item['id']}")[0], 200)
            for run in lead.call("GET", f"/api/projects/{pid}/runs")[1] or []:
                if run.get("answered"):
                    self.assertEqual(lead.call("GET", f"/api/runs/{run['run']}/eval")[0], 200)

    def test_2_sessions_and_versions_hold_across_servers(self):
        one = Session(self.base(0), "lead")
        two = one.through(self.base(1))
        self.assertEqual(two.call("GET", "/api/me")[0], 200)
        self.assertEqual(two.call("POST", "/api/logout")[0], 200)
        self.assertEqual(one.call("GET", "/api/me")[0], 401)  # signed out through the other server: refused at once

        ann = Session(self.base(0), "ann0")
        status, next_item = ann.call("GET", f"/api/projects/{self.project}/next")
        self.assertEqual(status, 200)
        item = next_item["item"]["id"]
        other = Session(self.base(1), "ann0")
        self.assertEqual(other.call("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": ["yes"], "version": 0})[0], 200)
        status, body = ann.call("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": ["no"], "version": 0})
        self.assertEqual(status, 409, body)

        # Password guesses at one name spread over both servers are paced as one: a few free, then 429 on both.
        def guess(n):
            return Session.signed_out(self.base(n % 2)).call("POST", "/api/login", {"username": "no-such-user", "password": "wrong"}, csrf=False)[0]
        codes = [guess(n) for n in range(12)]
        self.assertEqual(codes[:5], [401] * 5, codes)
        self.assertEqual(codes[5:], [429] * 7, codes)

    def test_3_annotators_on_two_servers_one_killed(self):
        acknowledged, lock = [], threading.Lock()
        done_before_kill = threading.Event()
        errors = []

        def annotate(name, first):
            servers = [first, 1 - first]
            try:
                session = Session(self.base(first), name)
            except Exception as error:  # noqa: BLE001 - the test reports it
                errors.append(f"{name}: {error}")
                return
            while True:
                try:
                    status, body = session.call("GET", f"/api/projects/{self.project}/next", timeout=10)
                    if status == 204:
                        return
                    self.assertEqual(status, 200, body)
                    item = body["item"]["id"]
                    version = (body.get("annotation") or {}).get("version", 0)
                    status, saved = session.call("PUT", f"/api/items/{item}/annotation",
                                                 {"status": "submitted", "labels": ["yes"], "version": version}, timeout=10)
                    if status == 200:
                        with lock:
                            acknowledged.append((item, name))
                            if len(acknowledged) >= self.ITEMS // 2:
                                done_before_kill.set()
                    elif status != 409:  # 409: saved before the server died, unacknowledged; it is not handed out again
                        errors.append(f"{name}: {status} {saved}")
                        return
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    # The server went: on to the other one, as a proxy in front would send them.
                    servers = servers[1:] or servers
                    session.base = self.base(servers[0])

        threads = [threading.Thread(target=annotate, args=(name, n % 2)) for n, name in enumerate(self.annotators)]
        for thread in threads:
            thread.start()
        self.assertTrue(done_before_kill.wait(120))
        self.servers[0][0].send_signal(signal.SIGKILL)
        self.servers[0][0].wait()
        for thread in threads:
            thread.join(300)
        self.assertEqual(errors, [])
        stored = psql(self.url, f"""
            SELECT i.id || ':' || u.username FROM annotations a JOIN items i ON i.id = a.item_id JOIN users u ON u.id = a.annotator_id
            WHERE i.project_id = {self.project} AND a.status = 'submitted'""").split()
        self.assertEqual(len(stored), len(set(stored)))  # nothing stored twice
        self.assertLessEqual({f"{item}:{name}" for item, name in acknowledged}, set(stored))  # nothing acknowledged lost
        self.assertEqual(len(acknowledged), len(set(acknowledged)))
        # Every item filled to its two answers, never past them, and the counts kept in step.
        self.assertEqual(psql(self.url, f"""
            SELECT COUNT(*) FILTER (WHERE n = 2), COUNT(*) FILTER (WHERE n <> 2) FROM
              (SELECT i.id, COUNT(a.id) AS n FROM items i LEFT JOIN annotations a ON a.item_id = i.id AND a.status = 'submitted'
               WHERE i.project_id = {self.project} GROUP BY i.id) c"""), f"{self.ITEMS}|0")
        self.assertEqual(psql(self.url, f"SELECT annotation_count, complete_count FROM projects_counted WHERE id = {self.project}"),
                         f"{len(stored)}|{self.ITEMS}")
        self.assertEqual(psql(self.url, f"SELECT COUNT(*) FROM items WHERE project_id = {self.project} AND submitted <> 2"), "0")

    def test_4_an_export_made_on_one_server_is_served_by_another(self):
        # Server 0 was killed by test 3: a new one joins the same database and folder.
        self.servers.append(start_server(self.db, "--database", self.url, "--exports-dir", self.shared))
        one, other = Session(self.base(1), "lead"), Session(self.base(2), "lead")
        # An export of the project under way on some server (its claim as that server keeps it): every server shows
        # its progress and refuses a second one; once its server stops renewing the claim, it lapses.
        psql(self.url, f"INSERT INTO exports_under_way VALUES ({self.project}, 'elsewhere', 40, 100, extract(epoch FROM clock_timestamp()) + 600)")
        for session in (one, other):
            self.assertEqual(session.call("GET", f"/api/projects/{self.project}/exports/progress"),
                             (200, {"running": True, "done": 40, "total": 100}))
        status, refused = one.call("POST", f"/api/projects/{self.project}/exports", {"format": "csv"})
        self.assertEqual((status, refused["error"]["message"]), (409, "an export of this project is running already"))
        psql(self.url, "UPDATE exports_under_way SET lease_until = extract(epoch FROM clock_timestamp()) - 1")
        self.assertEqual(other.call("GET", f"/api/projects/{self.project}/exports/progress")[1]["running"], False)
        status, made = one.call("POST", f"/api/projects/{self.project}/exports", {"format": "csv"})
        self.assertEqual(status, 201, made)
        self.assertEqual(psql(self.url, "SELECT COUNT(*) FROM exports_under_way"), "0")  # its claim let go once done
        status, listed = other.call("GET", f"/api/projects/{self.project}/exports")
        self.assertEqual((status, listed[0]["id"]), (200, int(made["export"])))
        status, text = other.call("GET", f"/api/exports/{made['export']}/files/{made['files'][0]}")
        self.assertEqual(status, 200)
        self.assertEqual(len(text.strip().splitlines()), self.ITEMS + 1)  # a header and every item, answered in test 3
        # A project made and filled through one server, there at once on the other.
        status, made = one.call("POST", "/api/projects", {"name": "Uploaded", "kind": "classify", "labels": ["x", "y"]})
        self.assertEqual(status, 201, made)
        status, summary = one.call("POST", f"/api/projects/{made['id']}/import?format=text", raw=b"first line\nsecond line\nfirst line\n")
        self.assertEqual((status, summary["imported"], summary["duplicates"]), (200, 2, 1), summary)
        status, listed = other.call("GET", f"/api/projects/{made['id']}/items")
        self.assertEqual(status, 200)
        self.assertEqual([item["excerpt"] for item in listed["items"]], ["first line", "second line"])

    def test_5_a_model_run_goes_on_when_its_server_is_killed(self):
        endpoint = ThreadingHTTPServer(("127.0.0.1", 0), SlowModel)
        threading.Thread(target=endpoint.serve_forever, daemon=True).start()
        self.addCleanup(endpoint.shutdown)
        # Two more servers that let a run go after 3 s without word from its server.
        driver, driver_base, _ = start_server(self.db, "--database", self.url, "--exports-dir", self.shared, "--run-lease", "3")
        self.servers.append((driver, driver_base, 0))
        self.servers.append(start_server(self.db, "--database", self.url, "--exports-dir", self.shared, "--run-lease", "3"))
        lead = Session(driver_base, "admin", "admin-password")
        form = urllib.parse.urlencode({"name": "slow", "base_url": f"http://127.0.0.1:{endpoint.server_port}/v1", "model": "slow",
                                       "concurrency": "2", "csrf": lead.csrf}).encode()
        self.assertEqual(lead.call("POST", "/models", raw=form, headers={"Content-Type": "application/x-www-form-urlencoded"})[0], 200)
        status, started = lead.call("POST", f"/api/projects/{self.project}/runs", {"model": "slow", "items": "all", "limit": 40})
        self.assertEqual(status, 201, started)
        run = started["run"]
        # Answers are stored as they come (at least every second), so the other server sees how far the run got.
        other = Session(self.base(-1), "admin", "admin-password")
        deadline = time.time() + 3
        while time.time() < deadline:
            seen = next(r for r in other.call("GET", f"/api/projects/{self.project}/runs")[1] if r["run"] == run)
            if seen["answered"] > 0:
                break
            time.sleep(0.1)
        self.assertEqual(seen["status"], "running", seen)
        self.assertGreater(seen["answered"], 0, seen)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        answered_at_kill = int(psql(self.url, f"SELECT COUNT(*) FROM run_outputs WHERE run_id = {run}"))
        self.assertLess(answered_at_kill, 40)
        # The other server takes the run over once its hold lapses, and finishes it from where it was.
        deadline = time.time() + 60
        while time.time() < deadline:
            found = next(r for r in other.call("GET", f"/api/projects/{self.project}/runs")[1] if r["run"] == run)
            if found["status"] != "running":
                break
            time.sleep(0.5)
        self.assertEqual((found["status"], found["answered"], found["failed"]), ("finished", 40, 0), found)
        self.assertEqual(psql(self.url, f"SELECT COUNT(*), COUNT(DISTINCT item_id) FROM run_outputs WHERE run_id = {run}"), "40|40")

    def test_6_a_server_says_at_start_what_would_slow_the_hand_out(self):
        psql(self.url, "ALTER TABLE items SET (autovacuum_enabled = off)")
        try:
            # The warning is written before the server serves, so it is in the error output once the server is up.
            server, _, _ = start_server(self.db, "--database", self.url, "--exports-dir", self.shared, stderr=subprocess.PIPE)
            server.terminate()
            _, errors = server.communicate(timeout=10)
            self.assertIn("warning: Autovacuum is switched off for Quorum's items table", errors)
            self.assertIn("ALTER TABLE items RESET (autovacuum_enabled)", errors)
        finally:
            psql(self.url, "ALTER TABLE items RESET (autovacuum_enabled)")

    def test_7_a_server_whose_clock_is_off_keeps_to_the_database_clock(self):
        # A server whose clock runs eight days ahead (faketime): leases, sessions and agreement snapshots are timed by
        # the database's clock, so it neither hands out an item an annotator on another server holds, nor refuses the
        # week-long sessions the other servers made, nor stamps a snapshot eight days on.
        on = ("--database", self.url)
        quorum("project", "create", "--name", "Clock", "--kind", "classify", "--labels", "yes,no", "--annotators-per-item", "1",
               *on, db=self.db)
        texts = os.path.join(self.tmp.name, "clock.txt")
        with open(texts, "w") as f:
            f.write("first ticket\nsecond ticket\n")
        quorum("import", "Clock", texts, *on, db=self.db)
        for annotator in ("ann1", "ann2", "ann3"):
            quorum("project", "add-member", "Clock", annotator, *on, db=self.db)
        project = next(p["id"] for p in json.loads(quorum("project", "list", "--json", *on, db=self.db)) if p["name"] == "Clock")
        ahead, base, _ = start_server(self.db, *on, "--exports-dir", self.shared, under=("faketime", "-f", "+8d"))
        try:
            first = Session(self.base(-1), "ann1")  # servers 0 and 3 were killed by tests 3 and 5
            status, handed = first.call("GET", f"/api/projects/{project}/next")
            self.assertEqual(status, 200, handed)
            second = Session(base, "ann2")
            status, other = second.call("GET", f"/api/projects/{project}/next")
            self.assertEqual(status, 200, other)
            self.assertNotEqual(other["item"]["id"], handed["item"]["id"])  # the first item's lease still holds
            self.assertEqual(Session(self.base(1), "ann3").call("GET", f"/api/projects/{project}/next")[0], 204)
            elsewhere = first.through(base)
            self.assertEqual(elsewhere.call("GET", "/api/me")[0], 200)  # made by the other server a moment ago, for a week
            # Its first submitted answer in the project makes it take the project's first agreement snapshot (off the
            # request's path), stamped with the database's time.
            self.assertEqual(second.call("PUT", f"/api/items/{other['item']['id']}/annotation",
                                         {"status": "submitted", "labels": ["yes"], "version": 0})[0], 200)
            deadline = time.time() + 20
            while psql(self.url, f"SELECT COUNT(*) FROM agreement_snapshots WHERE project_id = {project}") == "0" and time.time() < deadline:
                time.sleep(0.2)
            off = psql(self.url, f"""SELECT abs(extract(epoch FROM now() AT TIME ZONE 'UTC' - taken_at::timestamp))
                                     FROM agreement_snapshots WHERE project_id = {project}""")
            self.assertLess(float(off), 60, "the snapshot's time is the server's clock, not the database's")
        finally:
            stop_server(ahead)


if __name__ == "__main__":
    unittest.main()
