"""A local stand-in for GitHub's REST API, for the `fixproof post` tests.

It serves, on 127.0.0.1 and a port the system picks, what `post` uses:

  GET    /user
  GET    /repos/{owner}/{repo}/issues/{n}/comments     (per_page, page, Link)
  GET    /repositories/{id}/issues/{n}/comments        (where Link points)
  POST   /repos/{owner}/{repo}/issues/{n}/comments
  PATCH  /repos/{owner}/{repo}/issues/comments/{id}
  DELETE /repos/{owner}/{repo}/issues/comments/{id}

with an optional Enterprise prefix /api/v3. It behaves as GitHub does where
that matters to a client: 401 "Bad credentials" without a valid token, 400
for an unknown X-GitHub-Api-Version, 403 in plain text without User-Agent,
404 for an unknown repository or issue, 410 when issues are disabled, 422
with errors[] for a body over 65,536 characters, JSON errors with
`documentation_url`, x-ratelimit-* headers on every reply, comments in
ascending id order, per_page 30 by default and 100 at most, `since` (only
comments updated since then), timestamps on the clock its Date header shows
(`skew` sets it apart from ours), and Link URLs rewritten to
/repositories/{id}/... Like GitHub, it lets a token with write access edit
and delete anyone's comment: only the client can keep its hands off comments
that are not its own.

Tests script failures with `fail()`: the next N requests that match a method
and a path pattern get a status (502, 500, a 429 with Retry-After, a 403
secondary limit, a primary limit), or are processed and then answered with
an error (`after=True`: the comment IS created), or have their connection
closed; `hook()` runs a function around a request (another CI job posting at
the same moment). Every request is recorded in `requests`.
"""
import http.server
import json
import re
import threading
import time
import urllib.parse

API_VERSION = "2022-11-28"
DOCS = "https://docs.github.com/rest"
MAX_BODY_CHARS = 65536


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # lower-cased names
        self.body = body
        self.time = time.monotonic()

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.method} {self.path}>"


class Fault:
    def __init__(self, method, pattern, status, times, headers, body, after, close):
        self.method = method
        self.pattern = re.compile(pattern)
        self.status = status
        self.times = times
        self.headers = headers or {}
        self.body = body
        self.after = after
        self.close = close

    def matches(self, method, path):
        return self.times > 0 and self.method == method and self.pattern.search(path)


class Repo:
    def __init__(self, full_name, repo_id, issues, issues_enabled=True):
        self.full_name = full_name
        self.id = repo_id
        self.issues = set(issues)
        self.issues_enabled = issues_enabled


class FakeGitHub:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}            # token -> login
        self.actions_tokens = set()  # tokens that get 403 on GET /user
        self.read_only = set()      # tokens that may not write
        self.repos = {}
        self.comments = {}          # id -> comment dict (with repo and issue)
        self.next_id = 1_500_000_001
        self.requests = []
        self.faults = []
        self.hooks = []             # (method, pattern, fn, after)
        self.remaining = 5000
        self.skew = 0               # seconds GitHub's clock runs ahead of ours
        self.server = None
        self.thread = None

    # ---- set-up from tests ----

    def add_token(self, token, login, actions=False, read_only=False):
        self.tokens[token] = login
        if actions:
            self.actions_tokens.add(token)
        if read_only:
            self.read_only.add(token)

    def add_repo(self, full_name, issues=(1,), issues_enabled=True):
        repo = Repo(full_name, 1000 + len(self.repos), issues, issues_enabled)
        self.repos[full_name] = repo
        return repo

    def add_comment(self, repo, issue, login, body, age=0):
        """A comment as if written `age` seconds ago."""
        with self.lock:
            return self._create(self.repos[repo], issue, login, body, age)

    def comments_on(self, repo, issue):
        with self.lock:
            return [dict(c) for c in sorted(self.comments.values(), key=lambda c: c["id"])
                    if c["repo"] == repo and c["issue"] == issue]

    def fail(self, method, pattern, status=502, times=1, headers=None, body=None,
             after=False, close=False):
        """The next `times` requests matching get `status` (or a closed connection)."""
        if body is None:
            body = {"message": "Server Error"} if status >= 500 else {"message": "Error"}
        with self.lock:
            self.faults.append(Fault(method, pattern, status, times, headers, body, after, close))

    def hook(self, method, pattern, fn, after=False):
        """Calls fn() once, before (or after) the next request matching."""
        with self.lock:
            self.hooks.append([method, re.compile(pattern), fn, after])

    def _take_hook(self, method, path, after):
        with self.lock:
            for h in self.hooks:
                if h[0] == method and h[3] == after and h[1].search(path):
                    self.hooks.remove(h)
                    return h[2]
        return None

    def secondary_limit(self, method, pattern, retry_after=1, times=1):
        self.fail(method, pattern, 403, times, {"Retry-After": str(retry_after)}, {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
                       "you try again. If you reach out to GitHub Support for help, please include "
                       "the request ID 0400:1B2C:3D4E5F:6A7B8C9D:65F1A2B3.",
            "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/"
                                 "rate-limits-for-the-rest-api#about-secondary-rate-limits"})

    def primary_limit(self, method, pattern, reset_in=2, times=1):
        reset = int(time.time()) + reset_in
        self.fail(method, pattern, 403, times, {
            "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core"}, {
            "message": "API rate limit exceeded for user ID 41898282. If you reach out to GitHub "
                       "Support for help, please include the request ID 0400:1B2C:3D4E5F.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})
        return reset

    def count(self, method=None, pattern=""):
        rx = re.compile(pattern)
        return sum(1 for r in self.requests
                   if (method is None or r.method == method) and rx.search(r.path))

    # ---- life cycle ----

    def start(self):
        fake = self

        class Handler(_Handler):
            github = fake

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self):
        return self.server.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    # ---- the model ----

    def clock(self):
        """GitHub's clock, which need not agree with ours."""
        return time.time() + self.skew

    def _now(self, age=0):
        # GitHub's timestamps: whole seconds, UTC, on the clock its Date header shows.
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock() - age))

    def _create(self, repo, issue, login, body, age=0):
        cid = self.next_id
        self.next_id += 7
        stamp = self._now(age)
        c = {"id": cid, "repo": repo.full_name, "issue": issue, "login": login, "body": body,
             "created_at": stamp, "updated_at": stamp}
        self.comments[cid] = c
        return c

    def render(self, c, base):
        owner_repo = c["repo"]
        return {
            "url": f"{base}/repos/{owner_repo}/issues/comments/{c['id']}",
            "html_url": f"https://github.com/{owner_repo}/issues/{c['issue']}#issuecomment-{c['id']}",
            "issue_url": f"{base}/repos/{owner_repo}/issues/{c['issue']}",
            "id": c["id"],
            "node_id": f"IC_kwDOfake{c['id']}",
            "user": {"login": c["login"], "id": 41898282 if c["login"].endswith("[bot]") else 583231,
                     "type": "Bot" if c["login"].endswith("[bot]") else "User"},
            "created_at": c["created_at"],
            "updated_at": c["updated_at"],
            "author_association": "NONE",
            "body": c["body"],
            "reactions": {"total_count": 0},
            "performed_via_github_app": None,
        }


def _error(code, message, **extra):
    body = {"message": message, "documentation_url": DOCS}
    body.update(extra)
    return code, body


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    github = None  # set by FakeGitHub.start

    def log_message(self, fmt, *args):
        pass

    def date_time_string(self, timestamp=None):
        # The Date header shows GitHub's clock, skewed or not.
        return super().date_time_string(self.github.clock() if timestamp is None else timestamp)

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PATCH(self):
        self._serve("PATCH")

    def do_DELETE(self):
        self._serve("DELETE")

    def _serve(self, method):
        gh = self.github
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if 0 < length <= 4 * 1024 * 1024 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(method, self.path, headers, body)
        with gh.lock:
            gh.requests.append(req)
            fault = next((f for f in gh.faults if f.matches(method, self.path)), None)
            if fault:
                fault.times -= 1
        if fault and not fault.after:
            # Refused or cut off before GitHub did anything.
            if fault.close:
                self.close_connection = True
            else:
                self._reply(fault.status, fault.body, dict(fault.headers))
            return
        before = gh._take_hook(method, self.path, False)
        if before:
            before()
        status, payload, extra = self._handle(method, req)
        after = gh._take_hook(method, self.path, True)
        if after:
            after()
        if fault:
            # Done, but the client hears of a failure (or of nothing).
            if fault.close:
                self.close_connection = True
                return
            status, payload, extra = fault.status, fault.body, dict(fault.headers)
        self._reply(status, payload, extra)

    def _reply(self, status, payload, extra):
        gh = self.github
        if isinstance(payload, str):
            data, ctype = payload.encode(), "text/plain; charset=utf-8"
        elif payload is None:
            data, ctype = b"", None
        else:
            data, ctype = json.dumps(payload).encode(), "application/json; charset=utf-8"
        with gh.lock:
            gh.remaining = max(gh.remaining - 1, 0)
            limits = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(gh.remaining),
                      "x-ratelimit-used": str(5000 - gh.remaining),
                      "x-ratelimit-reset": str(int(time.time()) + 3600),
                      "x-ratelimit-resource": "core"}
        limits.update({k.lower(): v for k, v in extra.items()})
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for k, v in limits.items():
            self.send_header(k, v)
        self.end_headers()
        if data:
            self.wfile.write(data)

    # ---- routing ----

    def _handle(self, method, req):
        """Returns (status, payload, extra headers)."""
        gh = self.github
        if "user-agent" not in req.headers:
            return (403, "Request forbidden by administrative rules. Please make sure your request "
                         "has a User-Agent header (https://docs.github.com/en/rest/overview/"
                         "resources-in-the-rest-api#user-agent-required). Check "
                         "https://developer.github.com for other possible causes.\n", {})
        version = req.headers.get("x-github-api-version")
        if version is not None and version != API_VERSION:
            return (*_error(400, f"Unsupported 'X-GitHub-Api-Version': '{version}'"), {})
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or token not in gh.tokens:
            return (*_error(401, "Bad credentials"), {})
        url = urllib.parse.urlsplit(req.path)
        path = url.path
        prefix = ""
        if path.startswith("/api/v3/"):
            prefix, path = "/api/v3", path[len("/api/v3"):]
        base = f"http://{req.headers.get('host', '127.0.0.1')}{prefix}"
        query = urllib.parse.parse_qs(url.query)
        login = gh.tokens[token]
        with gh.lock:
            return self._route(method, path, query, req, token, login, base, prefix)

    def _route(self, method, path, query, req, token, login, base, prefix):
        gh = self.github
        if path == "/user" and method == "GET":
            if token in gh.actions_tokens:
                return (*_error(403, "Resource not accessible by integration",
                                documentation_url="https://docs.github.com/rest/users/users"
                                                  "#get-the-authenticated-user",
                                status="403"), {})
            return 200, {"login": login, "id": 583231, "type": "User"}, {}
        m = (re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", path)
             or re.fullmatch(r"/repositories/(\d+)/issues/(\d+)/comments", path))
        if m:
            repo = self._repo(m.group(1))
            issue = int(m.group(2))
            if repo is None or issue not in repo.issues:
                return (*_error(404, "Not Found"), {})
            if not repo.issues_enabled:
                return (*_error(410, "Issues are disabled for this repo",
                                documentation_url="https://docs.github.com/v3/issues/"), {})
            if method == "GET":
                return self._list(repo, issue, query, base)
            if method == "POST":
                return self._write(req, token, lambda text: (
                    201, gh.render(gh._create(repo, issue, login, text), base), {}))
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if m and method in ("PATCH", "DELETE"):
            repo = self._repo(m.group(1))
            c = gh.comments.get(int(m.group(2)))
            if repo is None or c is None or c["repo"] != repo.full_name:
                return (*_error(404, "Not Found"), {})
            if method == "DELETE":
                if token in gh.read_only:
                    return (*_error(403, "Resource not accessible by integration"), {})
                del gh.comments[c["id"]]
                return 204, None, {}

            def patch(text):
                c["body"] = text
                c["updated_at"] = gh._now()
                return 200, gh.render(c, base), {}
            return self._write(req, token, patch)
        return (*_error(404, "Not Found"), {})

    def _repo(self, key):
        gh = self.github
        if key.isdigit():
            return next((r for r in gh.repos.values() if r.id == int(key)), None)
        return next((r for r in gh.repos.values() if r.full_name.lower() == key.lower()), None)

    def _write(self, req, token, apply):
        if token in self.github.read_only:
            return (*_error(403, "Resource not accessible by integration",
                            documentation_url="https://docs.github.com/rest/issues/comments"), {})
        try:
            doc = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return (*_error(400, "Problems parsing JSON"), {})
        if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
            return (*_error(422, "Invalid request.\n\n\"body\" wasn't supplied."), {})
        if len(doc["body"]) > MAX_BODY_CHARS:
            return (*_error(422, "Validation Failed", errors=[{
                "resource": "IssueComment", "code": "unprocessable", "field": "data",
                "message": "Body is too long (maximum is 65536 characters)"}]), {})
        return apply(doc["body"])

    def _list(self, repo, issue, query, base):
        gh = self.github
        per_page = min(max(int(query.get("per_page", ["30"])[0]), 1), 100)
        page = max(int(query.get("page", ["1"])[0]), 1)
        # `since`: only comments updated at or after it (the stamps sort as text).
        since = query.get("since", [""])[0]
        items = sorted((c for c in gh.comments.values()
                        if c["repo"] == repo.full_name and c["issue"] == issue
                        and c["updated_at"] >= since),
                       key=lambda c: c["id"])
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page: page * per_page]
        extra = {}
        if last > 1:
            def link(p):
                return f"<{base}/repositories/{repo.id}/issues/{issue}/comments?per_page={per_page}&page={p}>"
            rels = []
            if page > 1:
                rels += [f'{link(page - 1)}; rel="prev"']
            if page < last:
                rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
            if page > 1:
                rels += [f'{link(1)}; rel="first"']
            extra["Link"] = ", ".join(rels)
        return 200, [gh.render(c, base) for c in chunk], extra
