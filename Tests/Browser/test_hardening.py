"""The server against an attacker and a heavy team: bodies, timeouts, sign-in bursts, runaway patterns, gzip bombs.
Real `quorum serve` on an ephemeral port with a real SQLite file; raw sockets where a browser would not go."""
import gzip
import http.cookiejar
import json
import os
import re
import resource
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from support import PASSWORD, run_quorum as quorum, start_server, stop_server


def peak_rss_mb(pid):
    """The process's peak resident memory, from the kernel's own figures."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


class Session:
    """A signed-in client: cookie jar and CSRF token, JSON in and out."""

    def __init__(self, base, username, password=PASSWORD):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        status, body = self.call("POST", "/api/login", {"username": username, "password": password}, csrf=False)
        if status != 200:
            raise RuntimeError(f"login {username}: {status} {body}")
        self.csrf = body["csrf"]

    @classmethod
    def signed_out(cls, base):
        """A client that has not signed in: for sign-in attempts."""
        client = cls.__new__(cls)
        client.base, client.csrf, client.opener = base, None, urllib.request.build_opener()
        return client

    def through(self, base):
        """This session (its cookie and CSRF token) sent to another server."""
        client = Session.__new__(Session)
        client.base, client.jar, client.opener, client.csrf = base, self.jar, self.opener, self.csrf
        return client

    def call(self, method, path, body=None, csrf=True, raw=None, headers=None, timeout=30):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if csrf and getattr(self, "csrf", None):
            request.add_header("X-CSRF-Token", self.csrf)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text.strip().startswith(("{", "[")) else text)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            return error.code, (json.loads(text) if text.strip().startswith("{") else text)


def raw_request(port, head, body=b"", read_timeout=10, source=None):
    """Sends bytes as they are and returns the status line's code (None when the server closed without one)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=read_timeout, source_address=(source, 0) if source else None)
    try:
        sock.sendall(head.encode() + body)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
        match = re.match(rb"HTTP/1\.1 (\d{3})", reply)
        return int(match.group(1)) if match else None
    finally:
        sock.close()


class Hardening(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.db = db = os.path.join(cls.tmp.name, "q.db")
        for name, role in [("lead", "lead"), ("ann1", "annotator"), ("ann2", "annotator"), ("admin", "admin")]:
            quorum("user", "add", name, "--role", role, "--password", PASSWORD, db=db)
        quorum("project", "create", "--name", "Names", "--kind", "spans", "--labels", "PER", db=db)
        texts = os.path.join(cls.tmp.name, "names.txt")
        with open(texts, "w") as f:
            f.write("Ann " + "a" * 28 + "!\n")
            f.write("Bob met Ann\n")
        quorum("import", "Names", texts, db=db)
        quorum("project", "add-member", "Names", "ann1", db=db)
        quorum("project", "create", "--name", "Pairs", "--kind", "classify", "--labels", "yes,no", "--annotators-per-item", "2", db=db)
        pairs = os.path.join(cls.tmp.name, "pairs.txt")
        with open(pairs, "w") as f:
            f.write("one\ntwo\nthree\n")
        quorum("import", "Pairs", pairs, db=db)
        for name in ("ann1", "ann2"):
            quorum("project", "add-member", "Pairs", name, db=db)
        # What an export killed mid-way left (its spool, a file half written, its folder): gone once the server starts.
        cls.spool = os.path.join(db + "-exports", "export-1", ".quorum-spool-left-behind")
        os.makedirs(os.path.dirname(cls.spool))
        for name in (cls.spool, os.path.join(os.path.dirname(cls.spool), "train.jsonl.partial")):
            with open(name, "w") as f:
                f.write("x" * 1000)
        # A first sign-in wait of two minutes: the burst of guesses below must not outlast it on a busy machine.
        cls.server, cls.base, cls.port = start_server(db, "--request-timeout", "2", "--max-upload-mb", "8", "--sign-in-wait", "120")

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)
        cls.tmp.cleanup()

    def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(self):
        head = f"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\nContent-Length: {500 << 20}\r\n\r\n"
        self.assertEqual(raw_request(self.port, head, read_timeout=5), 413)

    def test_an_unbounded_body_to_sign_in_keeps_memory_flat(self):
        before = peak_rss_mb(self.server.pid)
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.sendall(f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"[" + b"1," * (1 << 19)
        sent = 0
        try:
            while sent < (200 << 20):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # the server stopped reading once the limit was passed: what is wanted
        reply = b""
        try:
            reply = sock.recv(200)
        except (ConnectionResetError, socket.timeout):
            pass
        sock.close()
        self.assertTrue(reply == b"" or reply.startswith(b"HTTP/1.1 413"), reply)
        self.assertLess(peak_rss_mb(self.server.pid) - before, 100, "a sign-in body grew the server")

    def test_a_body_that_stops_arriving_is_let_go(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=15)
        sock.sendall(f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"user".encode())
        started = time.time()
        reply = sock.recv(200)
        sock.close()
        self.assertLess(time.time() - started, 12)
        self.assertTrue(reply == b"" or reply.startswith(b"HTTP/1.1 408"), reply)

    def test_idle_and_half_sent_connections_are_closed(self):
        socks = []
        for i in range(40):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=15)
            if i % 2:
                s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
            socks.append(s)
        started = time.time()
        for s in socks:
            try:
                while s.recv(4096):
                    pass  # a 408 or nothing, then the close
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()
        self.assertLess(time.time() - started, 12, "idle connections were held past the timeout")
        self.assertEqual(raw_request(self.port, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"), 200)

    def test_a_runaway_pattern_is_stopped_and_turned_off(self):
        lead = Session(self.base, "lead")
        _, projects = lead.call("GET", "/api/projects")
        names = next(p for p in projects if p["name"] == "Names")
        form = urllib.parse.urlencode({"csrf": lead.csrf, "labels": "PER", "annotators_per_item": "1", "guidelines": "",
                                       "span_patterns": "PER: /(a+)+$/\nPER: Ann"}).encode()
        status, _ = lead.call("POST", f"/projects/{names['id']}/settings", raw=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertIn(status, (200, 303))
        ann = Session(self.base, "ann1")
        results = {}

        def fetch():
            started = time.time()
            results["next"] = ann.call("GET", f"/api/projects/{names['id']}/next", timeout=60)
            results["seconds"] = time.time() - started

        worker = threading.Thread(target=fetch)
        worker.start()
        time.sleep(0.05)
        other = Session(self.base, "ann2")  # another client is served meanwhile
        self.assertEqual(other.call("GET", "/api/me")[0], 200)
        worker.join(60)
        self.assertLess(results["seconds"], 10)
        status, body = results["next"]
        self.assertEqual(status, 200)
        self.assertEqual([s["text"] for s in body["item"]["suggestions"]["spans"]], ["Ann"])
        status, page = lead.call("GET", f"/projects/{names['id']}/settings")
        self.assertIn("turned off", page)
        self.assertIn("(a+)+$", page)

    def test_parallel_wrong_passwords_are_held_to_the_throttle_and_others_still_sign_in(self):
        codes = []
        lock = threading.Lock()

        def guess():
            status, _ = Session.signed_out(self.base).call("POST", "/api/login", {"username": "admin", "password": "wrong"}, csrf=False)
            with lock:
                codes.append(status)

        threads = [threading.Thread(target=guess) for _ in range(60)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(codes), 60)
        self.assertLessEqual(codes.count(401), 5, codes)
        self.assertEqual(codes.count(429) + codes.count(401), 60, codes)
        # The right password from the guessing address waits too; from another address the admin signs in.
        head_body = json.dumps({"username": "admin", "password": PASSWORD}).encode()
        head = f"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(head_body)}\r\n\r\n"
        self.assertEqual(raw_request(self.port, head, head_body), 429)
        self.assertEqual(raw_request(self.port, head, head_body, source="127.0.0.2"), 200)

    def test_a_gzip_bomb_is_refused_naming_its_line(self):
        bomb = os.path.join(self.tmp.name, "bomb.jsonl.gz")
        with gzip.open(bomb, "wb", compresslevel=1) as f:
            block = b"a" * (1 << 20)
            f.write(b'{"text": "')
            for _ in range(300):
                f.write(block)
            f.write(b'"}\n')
        quorum("project", "create", "--name", "Bombs", "--kind", "classify", "--labels", "x", db=self.db)
        result = quorum("import", "Bombs", bomb, "--shared", db=self.db, check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("line 1 is longer than 64 MB", result.stderr)
        self.assertLess(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 600)
        # Uploaded in the browser: the upload limit (8 MB here) stops it once decompressed.
        lead = Session(self.base, "lead")
        _, projects = lead.call("GET", "/api/projects")
        bombs = next(p for p in projects if p["name"] == "Bombs")
        with open(bomb, "rb") as f:
            status, body = lead.call("POST", f"/api/projects/{bombs['id']}/import?format=text&filename=bomb.txt.gz", raw=f.read())
        self.assertEqual(status, 413, body)
        self.assertIn("8 MB", body["error"]["message"])
        self.assertLess(peak_rss_mb(self.server.pid), 400)

    def test_answers_are_bounded_and_well_formed(self):
        ann = Session(self.base, "ann1")
        _, projects = ann.call("GET", "/api/projects")
        pairs = next(p for p in projects if p["name"] == "Pairs")
        item = ann.call("GET", f"/api/projects/{pairs['id']}/next")[1]["item"]["id"]
        status, body = ann.call("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": ["yes"], "note": "n" * 30_000, "version": 0})
        self.assertEqual((status, body["error"]["field"]), (422, "note"))
        status, body = ann.call("PUT", f"/api/items/{item}/annotation",
                                raw=b'{"status": "submitted", "labels": ["yes"], "version": 0, "seconds_spent": 1e999}')
        self.assertEqual((status, body["error"]["field"]), (422, "seconds_spent"))
        status, _ = ann.call("PUT", f"/api/items/{item}/annotation", raw=b'{"status": "submitted", "labels": ["y\xffs"], "version": 0}')
        self.assertEqual(status, 400)
        status, body = ann.call("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": [], "version": 0})
        self.assertEqual((status, body["error"]["field"]), (422, "labels"))
        head = f"PUT /api/items/{item}/annotation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {9 << 20}\r\n\r\n"
        self.assertEqual(raw_request(self.port, head), 413)
        # An item never handed out: refused; the one handed out: taken.
        other = item + 1  # the next item of the same project, not handed out yet
        status, _ = ann.call("PUT", f"/api/items/{other}/annotation", {"status": "submitted", "labels": ["no"], "version": 0})
        self.assertEqual(status, 403)
        self.assertEqual(ann.call("PUT", f"/api/items/{item}/annotation", {"status": "submitted", "labels": ["yes"], "version": 0})[0], 200)

    def test_cross_site_sign_in_and_odd_paths(self):
        form = urllib.parse.urlencode({"username": "lead", "password": PASSWORD}).encode()
        head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nOrigin: http://evil.example\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n")
        self.assertEqual(raw_request(self.port, head, form), 403)
        head = head.replace("Origin: http://evil.example\r\n", "Sec-Fetch-Site: cross-site\r\n")
        self.assertEqual(raw_request(self.port, head, form), 403)
        self.assertEqual(raw_request(self.port, "GET /static/app.js%00.css HTTP/1.1\r\nHost: x\r\n\r\n"), 400)
        self.assertEqual(raw_request(self.port, "HEAD /login HTTP/1.1\r\nHost: x\r\n\r\n"), 200)

    def test_what_a_killed_export_left_is_removed_at_start(self):
        self.assertFalse(os.path.exists(os.path.dirname(self.spool)))

    def test_imported_annotators_never_answer_as_an_existing_account(self):
        tasks = os.path.join(self.tmp.name, "ls.json")
        with open(tasks, "w") as f:
            json.dump([{"data": {"text": "t1"}, "annotations": [
                {"completed_by": "admin", "result": [{"value": {"choices": ["x"]}}]},
                {"result": [{"value": {"choices": ["x"]}}]}, {"result": [{"value": {"choices": ["x"]}}]}]}], f)
        quorum("project", "create", "--name", "Imported", "--kind", "classify", "--labels", "x", db=self.db)
        quorum("import", "Imported", tasks, "--shared", db=self.db)
        users = json.loads(quorum("user", "list", "--json", db=self.db).stdout)
        names = {u["username"] for u in users}
        self.assertIn("label-studio:admin", names)
        self.assertEqual(sum(1 for n in names if n.startswith("label-studio-annotation-")), 2)
        admin = next(u for u in users if u["username"] == "admin")
        self.assertFalse(admin.get("disabled", False))
        self.assertEqual(json.loads(quorum("project", "list", "--json", db=self.db).stdout)[-1]["annotations"], 3)



class ReservedConnections(unittest.TestCase):
    """A crowd of idle sockets fills the shared connections; the reserved ones still serve signed-in people, refuse
    anonymous requests with 503, and close a socket that sends nothing."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        db = os.path.join(cls.tmp.name, "q.db")
        quorum("user", "add", "lead", "--role", "lead", "--password", PASSWORD, db=db)
        cls.server, cls.base, cls.port = start_server(db, "--max-connections", "12", "--reserved-connections", "3", "--request-timeout", "60")

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)
        cls.tmp.cleanup()

    def test_signed_in_people_get_the_last_slots(self):
        lead = Session(self.base, "lead")  # signed in before the crowd comes
        cookie = "; ".join(f"{c.name}={c.value}" for c in lead.jar)
        crowd = [socket.create_connection(("127.0.0.1", self.port), timeout=10) for _ in range(9)]
        try:
            time.sleep(0.5)  # the server has taken them all: the nine shared slots are full
            self.assertEqual(raw_request(self.port, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"), 503)
            self.assertEqual(raw_request(self.port, f"GET /api/me HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n"), 200)
            # A socket that lands in a reserved slot and says nothing is closed after its grace, not the timeout.
            idle = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            started = time.time()
            self.assertEqual(idle.recv(4096), b"")
            self.assertLess(time.time() - started, 8)
            idle.close()
        finally:
            for s in crowd:
                s.close()
        time.sleep(0.5)
        self.assertEqual(raw_request(self.port, "GET /login HTTP/1.1\r\nHost: x\r\n\r\n"), 200)


if __name__ == "__main__":
    unittest.main()
