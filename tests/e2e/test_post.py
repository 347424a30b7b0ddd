"""`fixproof post` against a local fake of GitHub's REST API (fake_github.py).

Every run goes through `post()`, which also checks that the token never
shows up in standard output or standard error, whatever the options.
"""
import json
import socket
import time

import pytest

from conftest import run
from fake_github import FakeGitHub

TOKEN = "ghp_fixproofE2eSecretToken0123456789abcdefXYZ"
ACTIONS_TOKEN = "ghs_fixproofActionsInstallationToken987654321"
REPO = "octo/proof"
ME = "fixproof-bot"
MARK = "<!-- fixproof:ci -->"
REPORT = "## Proof of resolution\n\n**Verdict: resolved** - 9 of 9 targets pass.\n"
# Variables a CI runner sets that would change what `post` does.
CLEAN_ENV = {"GITHUB_TOKEN": "", "GH_TOKEN": "", "GITHUB_REPOSITORY": "", "GITHUB_EVENT_PATH": "",
             "GITHUB_REF": "", "GITHUB_API_URL": "", "FIXPROOF_RETRY_BASE_MS": "10"}


@pytest.fixture
def github():
    fake = FakeGitHub()
    fake.add_token(TOKEN, ME)
    fake.add_token(ACTIONS_TOKEN, "github-actions[bot]", actions=True)
    fake.add_token("ghp_readonly", "reader", read_only=True)
    fake.add_repo(REPO, issues=(5, 7))
    fake.add_repo("octo/no-issues", issues=(1,), issues_enabled=False)
    fake.start()
    yield fake
    fake.stop()


def post(github, *args, body=REPORT, token=TOKEN, env=None, target=True):
    """Runs `fixproof post` against the fake; the token must never be printed."""
    full_env = dict(CLEAN_ENV)
    if token:
        full_env["GITHUB_TOKEN"] = token
    if github is not None:
        full_env["GITHUB_API_URL"] = github.url
    full_env.update(env or {})
    where = ["--repo", REPO, "--issue", "5"] if target else []
    data = body.encode("utf-8") if isinstance(body, str) else body
    res = run("post", *where, *args, stdin=data, env=full_env, timeout=60)
    for secret in (TOKEN, ACTIONS_TOKEN, "ghp_readonly"):
        assert secret not in res.out and secret not in res.err, res
    return res


def marked(github, login=ME, key="ci", issue=5):
    line = f"<!-- fixproof:{key} -->"
    return [c for c in github.comments_on(REPO, issue)
            if c["login"] == login and line in c["body"].splitlines()]


def writes(github):
    return [r for r in github.requests if r.method in ("POST", "PATCH", "DELETE")]


# ---- creating and updating ----

def test_create_without_marker_sends_githubs_headers(github):
    res = post(github)
    assert res.returncode == 0, res
    comments = github.comments_on(REPO, 5)
    assert len(comments) == 1
    assert comments[0]["body"] == REPORT
    assert comments[0]["login"] == ME
    assert res.out == f"https://github.com/{REPO}/issues/5#issuecomment-{comments[0]['id']}\n"
    (req,) = github.requests
    assert req.method == "POST" and req.path == f"/repos/{REPO}/issues/5/comments"
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["accept"] == "application/vnd.github+json"
    assert req.headers["x-github-api-version"] == "2022-11-28"
    assert req.headers["user-agent"] == "fixproof/0.1.0"
    assert req.headers["content-type"].startswith("application/json")
    assert req.json() == {"body": REPORT}


def test_update_finds_our_comment_on_page_two(github):
    for i in range(150):
        if i == 20:
            github.add_comment(REPO, 5, ME, f"{MARK}\nan older report of ours")
        elif i == 120:
            github.add_comment(REPO, 5, ME, f"{MARK}\nour latest report")
        elif i == 130:
            github.add_comment(REPO, 5, "octocat", f"Quoting the bot:\n{MARK}\nplease look")
        elif i == 140:
            github.add_comment(REPO, 5, ME, "an unmarked comment of ours")
        else:
            github.add_comment(REPO, 5, "octocat", f"comment {i}")
    before = {c["id"]: dict(c) for c in github.comments_on(REPO, 5)}
    ours = [c for c in before.values() if c["body"] == f"{MARK}\nour latest report"][0]

    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert res.out == f"https://github.com/{REPO}/issues/5#issuecomment-{ours['id']}\n"
    (patch,) = writes(github)
    assert patch.method == "PATCH"
    assert patch.path == f"/repos/{REPO}/issues/comments/{ours['id']}"
    assert patch.json() == {"body": f"{MARK}\n{REPORT}"}
    after = {c["id"]: c for c in github.comments_on(REPO, 5)}
    assert set(after) == set(before)
    for cid, c in before.items():
        if cid != ours["id"]:
            # The other user's quote of the marker, our older and unmarked
            # comments: same body, never touched.
            assert after[cid]["body"] == c["body"]
            assert after[cid]["updated_at"] == c["updated_at"]
    assert after[ours["id"]]["body"] == f"{MARK}\n{REPORT}"
    # Every page was read, through the Link URL exactly as GitHub gave it.
    lists = [r.path for r in github.requests if r.method == "GET" and "comments" in r.path]
    assert lists == [f"/repos/{REPO}/issues/5/comments?per_page=100",
                     "/repositories/1000/issues/5/comments?per_page=100&page=2"]


def test_update_creates_when_nothing_is_ours(github):
    github.add_comment(REPO, 5, "octocat", f"{MARK}\nI copied the marker")
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert [r.method for r in writes(github)] == ["POST"]
    (mine,) = marked(github)
    assert mine["body"] == f"{MARK}\n{REPORT}"
    assert github.comments_on(REPO, 5)[0]["body"] == f"{MARK}\nI copied the marker"


def test_marker_key_is_exact(github):
    github.add_comment(REPO, 5, ME, "<!-- fixproof:ci-nightly -->\nanother key")
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert [r.method for r in writes(github)] == ["POST"]
    assert github.comments_on(REPO, 5)[0]["body"] == "<!-- fixproof:ci-nightly -->\nanother key"


def test_recreate_deletes_ours_then_posts(github):
    old = github.add_comment(REPO, 5, ME, f"{MARK}\nold report")
    quote = github.add_comment(REPO, 5, "octocat", f"{MARK}\nquoted")
    res = post(github, "--marker", "ci", "--mode", "recreate")
    assert res.returncode == 0, res
    assert [(r.method, r.path) for r in writes(github)] == [
        ("DELETE", f"/repos/{REPO}/issues/comments/{old['id']}"),
        ("POST", f"/repos/{REPO}/issues/5/comments")]
    (mine,) = marked(github)
    assert mine["id"] > quote["id"] and mine["body"] == f"{MARK}\n{REPORT}"
    assert marked(github, "octocat")[0]["body"] == f"{MARK}\nquoted"
    assert res.out == f"https://github.com/{REPO}/issues/5#issuecomment-{mine['id']}\n"


def test_create_mode_always_posts(github):
    github.add_comment(REPO, 5, ME, f"{MARK}\nold report")
    res = post(github, "--marker", "ci", "--mode", "create")
    assert res.returncode == 0, res
    assert [r.method for r in github.requests] == ["POST"]
    assert [c["body"] for c in marked(github)] == [f"{MARK}\nold report", f"{MARK}\n{REPORT}"]


def test_body_already_starting_with_the_marker_is_not_marked_twice(github):
    res = post(github, "--marker", "ci", body=f"{MARK}\n{REPORT}")
    assert res.returncode == 0, res
    assert github.comments_on(REPO, 5)[0]["body"] == f"{MARK}\n{REPORT}"


def test_actions_token_uses_the_bot_login(github):
    bot = github.add_comment(REPO, 5, "github-actions[bot]", f"{MARK}\nold")
    res = post(github, "--marker", "ci", token=ACTIONS_TOKEN)
    assert res.returncode == 0, res
    assert [(r.method, r.path) for r in writes(github)] == [
        ("PATCH", f"/repos/{REPO}/issues/comments/{bot['id']}")]
    assert github.count("GET", "^/user$") == 1


def test_author_option_names_our_login(github):
    app = github.add_comment(REPO, 5, "my-app[bot]", f"{MARK}\nold")
    github.add_comment(REPO, 5, "github-actions[bot]", f"{MARK}\nnot ours this time")
    res = post(github, "--marker", "ci", "--author", "my-app[bot]", token=ACTIONS_TOKEN)
    assert res.returncode == 0, res
    assert [(r.method, r.path) for r in writes(github)] == [
        ("PATCH", f"/repos/{REPO}/issues/comments/{app['id']}")]


# ---- duplicates: the POST that may have gone through, and races ----

def test_post_answered_502_after_creating_leaves_one_comment(github):
    github.fail("POST", r"/issues/5/comments$", 502, after=True)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    (mine,) = marked(github)
    assert github.count("POST") == 1
    assert res.out == f"https://github.com/{REPO}/issues/5#issuecomment-{mine['id']}\n"
    assert "may have reached GitHub" in res.err


def test_post_cut_off_after_creating_leaves_one_comment(github):
    github.fail("POST", r"/issues/5/comments$", close=True, after=True)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert len(marked(github)) == 1
    assert github.count("POST") == 1


def test_post_cut_off_before_creating_is_sent_again(github):
    github.fail("POST", r"/issues/5/comments$", close=True)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert len(marked(github)) == 1
    assert github.count("POST") == 2


def test_post_cut_off_every_time_gives_up(github):
    github.fail("POST", r"/issues/5/comments$", close=True, times=10)
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert github.count("POST") == 5
    assert github.comments_on(REPO, 5) == []
    assert res.err.splitlines()[-1] == (
        f"fixproof: POST {github.url}/repos/{REPO}/issues/5/comments: Empty reply from server "
        "(after 5 attempts; no comment of ours with this body appeared)")


def test_comment_deleted_before_the_patch_is_posted_again(github):
    old = github.add_comment(REPO, 5, ME, f"{MARK}\nold")
    github.hook("PATCH", rf"/comments/{old['id']}$", lambda: github.comments.pop(old["id"]))
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert [r.method for r in writes(github)] == ["PATCH", "POST"]
    (mine,) = marked(github)
    assert mine["body"] == f"{MARK}\n{REPORT}"
    assert "deleted meanwhile" in res.err


# Without a marker, a POST that may have gone through is looked for among
# the newest comments by the same author with exactly this body.

def url_of(comment):
    return f"https://github.com/{REPO}/issues/{comment['issue']}#issuecomment-{comment['id']}\n"


def test_post_without_marker_answered_502_after_creating_is_found(github):
    github.fail("POST", r"/issues/5/comments$", 502, after=True)
    res = post(github)
    assert res.returncode == 0, res
    (mine,) = github.comments_on(REPO, 5)
    assert mine["body"] == REPORT and mine["login"] == ME
    assert github.count("POST") == 1
    assert res.out == url_of(mine)
    # Only the comments updated since the POST are listed: one page, not the thread.
    (listed,) = [r for r in github.requests if r.method == "GET" and "/comments" in r.path]
    assert "since=" in listed.path
    assert "the comment was created after all" in res.err


def test_post_without_marker_answered_502_before_creating_is_sent_again(github):
    github.fail("POST", r"/issues/5/comments$", 502)
    res = post(github)
    assert res.returncode == 0, res
    (mine,) = github.comments_on(REPO, 5)
    assert github.count("POST") == 2
    assert res.out == url_of(mine)
    assert "retrying" in res.err


def test_post_without_marker_cut_off_after_creating_is_found(github):
    github.fail("POST", r"/issues/5/comments$", close=True, after=True)
    res = post(github)
    assert res.returncode == 0, res
    (mine,) = github.comments_on(REPO, 5)
    assert github.count("POST") == 1
    assert res.out == url_of(mine)


def test_same_body_by_another_author_is_not_taken_for_ours(github):
    theirs = github.add_comment(REPO, 5, "octocat", REPORT)
    github.fail("POST", r"/issues/5/comments$", 502)
    res = post(github)
    assert res.returncode == 0, res
    assert github.count("POST") == 2
    comments = github.comments_on(REPO, 5)
    assert [(c["login"], c["body"]) for c in comments] == [("octocat", REPORT), (ME, REPORT)]
    assert res.out == url_of(comments[1])
    assert comments[0]["id"] == theirs["id"]


@pytest.mark.parametrize("edited", [False, True], ids=["untouched", "edited-since"])
def test_older_comment_of_ours_with_the_same_body_is_not_taken_for_the_new_one(github, edited):
    # An earlier run of the same job posted the same report an hour ago;
    # edited since, it is listed, and only its creation time tells.
    old = github.add_comment(REPO, 5, ME, REPORT, age=3600)
    if edited:
        github.comments[old["id"]]["updated_at"] = github._now()
    github.fail("POST", r"/issues/5/comments$", 502)
    res = post(github)
    assert res.returncode == 0, res
    assert github.count("POST") == 2
    comments = github.comments_on(REPO, 5)
    assert [c["id"] for c in comments][0] == old["id"] and len(comments) == 2
    assert res.out == url_of(comments[1])


def test_post_without_marker_with_an_actions_token_is_found(github):
    github.fail("POST", r"/issues/5/comments$", 502, after=True)
    res = post(github, token=ACTIONS_TOKEN)
    assert res.returncode == 0, res
    (mine,) = github.comments_on(REPO, 5)
    assert mine["login"] == "github-actions[bot]"
    assert github.count("POST") == 1
    assert res.out == url_of(mine)


@pytest.mark.parametrize("skew, after, posts", [(-3 * 3600, True, 1), (3 * 3600, False, 2)],
                         ids=["github-behind", "github-ahead"])
def test_posted_comment_is_judged_on_githubs_clock(github, skew, after, posts):
    # Our clock is hours off GitHub's: the Date header, not our clock, says
    # what "since the POST" means. With GitHub behind, the new comment would
    # look too old to be ours and be posted twice; with GitHub ahead, the
    # hour-old one would look new and be taken for a POST that made nothing.
    github.skew = skew
    old = github.add_comment(REPO, 5, ME, REPORT, age=3600)
    github.fail("POST", r"/issues/5/comments$", 502, after=after)
    res = post(github)
    assert res.returncode == 0, res
    assert github.count("POST") == posts
    comments = github.comments_on(REPO, 5)
    assert len(comments) == 2 and comments[0]["id"] == old["id"]
    assert res.out == url_of(comments[1])


def test_create_mode_with_marker_answered_502_after_creating_is_found(github):
    # This asked for comments by a login never looked up, and crashed.
    github.add_comment(REPO, 5, ME, f"{MARK}\n{REPORT}", age=600)
    github.fail("POST", r"/issues/5/comments$", 502, after=True)
    res = post(github, "--marker", "ci", "--mode", "create")
    assert res.returncode == 0, res
    assert github.count("POST") == 1
    assert len(marked(github)) == 2
    assert res.out == url_of(marked(github)[1])


def test_race_keeps_the_oldest_and_deletes_ours(github):
    # Another job's comment lands just before ours.
    github.hook("POST", r"/issues/5/comments$",
                lambda: github.add_comment(REPO, 5, ME, f"{MARK}\nthe other job's report"))
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    (kept,) = marked(github)
    assert kept["body"] == f"{MARK}\n{REPORT}"  # the kept one was given our body
    created = [r for r in github.requests if r.method == "POST"]
    assert len(created) == 1
    deleted = [r.path for r in github.requests if r.method == "DELETE"]
    assert len(deleted) == 1 and not deleted[0].endswith(f"/{kept['id']}")
    assert res.out == f"https://github.com/{REPO}/issues/5#issuecomment-{kept['id']}\n"
    assert "newer duplicate" in res.err


def test_race_deletes_the_newer_duplicate(github):
    # Another job's comment lands just after ours: ours is the oldest.
    github.hook("POST", r"/issues/5/comments$",
                lambda: github.add_comment(REPO, 5, ME, f"{MARK}\n{REPORT}"), after=True)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    (kept,) = marked(github)
    first = min(c["id"] for c in github.comments_on(REPO, 5))
    assert kept["id"] == first
    assert [r.method for r in writes(github)] == ["POST", "DELETE"]


# ---- retries and rate limits ----

def test_get_502_is_retried(github):
    github.fail("GET", r"/issues/5/comments", 502, times=2)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert github.count("GET", r"/issues/5/comments") == 3 + 1  # 2 failures, 1 list, 1 check
    assert "retrying" in res.err


def test_patch_500_is_retried(github):
    mine = github.add_comment(REPO, 5, ME, f"{MARK}\nold")
    github.fail("PATCH", r"/comments/\d+$", 500)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    assert github.count("PATCH") == 2
    assert github.comments_on(REPO, 5)[0]["body"] == f"{MARK}\n{REPORT}"
    assert github.comments_on(REPO, 5)[0]["id"] == mine["id"]


def test_5xx_gives_up_after_five_attempts(github):
    github.fail("GET", r"^/user$", 503, times=10)
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert github.count("GET", "^/user$") == 5
    assert "GitHub answered 503 \"Server Error\" (after 5 attempts)" in res.err


def test_connection_refused_is_retried_then_fails(github):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = post(None, "--api-url", f"http://127.0.0.1:{port}")
    assert res.returncode == 4, res
    assert "(after 5 attempts)" in res.err
    assert res.err.count("retrying") == 4


def test_secondary_rate_limit_is_waited_out(github):
    github.secondary_limit("POST", r"/issues/5/comments$", retry_after=1)
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    posts = [r for r in github.requests if r.method == "POST"]
    assert len(posts) == 2
    assert posts[1].time - posts[0].time >= 1.0
    assert len(marked(github)) == 1
    assert github.count("DELETE") == 0
    assert "waiting 1 s" in res.err and "secondary rate limit" in res.err


def test_primary_rate_limit_within_max_wait_is_waited_out(github):
    github.primary_limit("GET", r"^/user$", reset_in=1)
    res = post(github, "--marker", "ci", "--max-wait", "5")
    assert res.returncode == 0, res
    assert github.count("GET", r"^/user$") == 2
    assert "API rate limit exceeded" in res.err


def test_primary_rate_limit_beyond_max_wait_fails_fast(github):
    reset = github.primary_limit("GET", r"^/user$", reset_in=3600)
    start = time.monotonic()
    res = post(github, "--marker", "ci", "--max-wait", "5")
    assert time.monotonic() - start < 5
    assert res.returncode == 4, res
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(reset))
    assert stamp in res.err
    assert "API rate limit exceeded for user ID 41898282" in res.err
    assert len(github.requests) == 1
    assert len(res.err.splitlines()) == 1


# ---- errors GitHub gives that retrying cannot fix ----

@pytest.mark.parametrize("args, token, status, text", [
    (["--repo", REPO, "--issue", "5", "--marker", "ci"], "ghp_wrong", 401, "Bad credentials"),
    (["--repo", REPO, "--issue", "99"], TOKEN, 404, "Not Found"),
    (["--repo", "octo/no-issues", "--issue", "1"], TOKEN, 410, "Issues are disabled for this repo"),
    (["--repo", REPO, "--issue", "5"], "ghp_readonly", 403, "Resource not accessible by integration"),
], ids=["401-bad-token", "404-no-issue", "410-issues-disabled", "403-read-only"])
def test_api_errors_fail_once_with_githubs_text(github, args, token, status, text):
    res = post(github, *args, token=token, target=False)
    assert res.returncode == 4, res
    assert len(res.err.splitlines()) == 1, res.err
    assert f"GitHub answered {status} \"{text}\"" in res.err
    assert len(github.requests) == 1


def test_read_only_token_is_told_which_permission(github):
    res = post(github, token="ghp_readonly")
    assert res.returncode == 4
    assert "issues: write, pull-requests: write" in res.err


def test_validation_error_quotes_githubs_errors(github):
    github.fail("POST", r"/issues/5/comments$", 422, body={
        "message": "Validation Failed",
        "errors": [{"resource": "IssueComment", "code": "custom", "field": "body",
                    "message": "body is too long (maximum is 65536 characters)"}],
        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"})
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert ('GitHub answered 422 "Validation Failed; body is too long (maximum is 65536 characters)"'
            in res.err)
    assert github.count("POST") == 1
    assert len(res.err.splitlines()) == 1


# ---- what is never sent ----

def test_oversized_body_is_never_sent(github):
    body = "x" * (65536 - len(MARK))  # with the marker line and its newline: one byte over
    res = post(github, "--marker", "ci", body=body)
    assert res.returncode == 2, res
    assert github.requests == []
    assert "65537 bytes with its marker line" in res.err
    assert "fixproof report --max-chars" in res.err


@pytest.mark.parametrize("args, body", [
    ([], ""), ([], " \n\t\r\n"), (["--marker", "ci"], ""), (["--marker", "ci"], f"{MARK}\n\n"),
], ids=["empty", "white-space", "empty-with-marker", "only-the-marker"])
def test_blank_body_is_never_sent(github, args, body):
    res = post(github, *args, body=body)
    assert res.returncode == 3, res
    assert github.requests == []
    assert "the report to post is empty" in res.err
    assert len(res.err.splitlines()) == 1


def test_body_at_the_limit_is_sent(github):
    body = "x" * (65536 - len(MARK) - 1)
    res = post(github, "--marker", "ci", body=body)
    assert res.returncode == 0, res
    assert len(marked(github)[0]["body"]) == 65536


def test_invalid_utf8_is_replaced(github):
    res = post(github, body=b"caf\xe9 \xff ok\n")
    assert res.returncode == 0, res
    assert github.comments_on(REPO, 5)[0]["body"] == "caf\ufffd \ufffd ok\n"


@pytest.mark.parametrize("url", ["http://api.github.com", "http://example.com:8080/api/v3",
                                 "http://127.0.0.1@example.com", "ftp://127.0.0.1/"])
def test_plain_http_to_another_host_is_refused(github, url):
    res = post(github, "--api-url", url)
    assert res.returncode == 2, res
    assert f"API URL '{url}'" in res.err
    assert github.requests == []


def test_next_page_on_another_host_is_not_followed(github):
    github.fail("GET", r"/issues/5/comments", 200, body=[],
                headers={"Link": '<https://evil.example/repositories/1000/issues/5/comments?page=2>; rel="next"'})
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert "the next page is on another host ('https://evil.example/" in res.err
    assert writes(github) == []


def test_relative_next_link_is_read_against_the_page(github):
    # RFC 8288 allows a relative target; it names a page on the same host.
    github.add_comment(REPO, 5, ME, f"{MARK}\nour report")
    github.fail("GET", r"/issues/5/comments", 200, body=[],
                headers={"Link": '</repositories/1000/issues/5/comments?per_page=100&page=1>; '
                                 'rel="next"'})
    res = post(github, "--marker", "ci")
    assert res.returncode == 0, res
    lists = [r.path for r in github.requests if r.method == "GET" and "comments" in r.path]
    assert lists == [f"/repos/{REPO}/issues/5/comments?per_page=100",
                     "/repositories/1000/issues/5/comments?per_page=100&page=1"]
    (patch,) = writes(github)
    assert patch.method == "PATCH"


def test_scheme_relative_next_link_to_another_host_is_not_followed(github):
    github.fail("GET", r"/issues/5/comments", 200, body=[],
                headers={"Link": '<//evil.example/repositories/1000/issues/5/comments?page=2>; '
                                 'rel="next"'})
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert "the next page is on another host ('http://evil.example/repositories/" in res.err
    assert writes(github) == []


def test_oversized_reply_is_not_read(github):
    github.fail("GET", r"^/user$", 200, body={"login": ME, "bio": "x" * (17 * 1024 * 1024)})
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert res.err == f"fixproof: GET {github.url}/user: the reply's body is over 16777216 bytes; not reading it\n"
    assert writes(github) == []


def test_oversized_reply_headers_are_not_read(github):
    # 27 headers of 10 KiB: each within libcurl's own limit for one line,
    # together over our cap of 256 KiB.
    github.fail("GET", r"^/user$", 200, body={"login": ME},
                headers={f"X-Padding-{i}": "p" * 10240 for i in range(27)})
    res = post(github, "--marker", "ci")
    assert res.returncode == 4, res
    assert res.err == f"fixproof: GET {github.url}/user: the reply's header is over 262144 bytes; not reading it\n"
    assert writes(github) == []


def test_no_token_is_a_usage_error(github):
    res = post(github, token=None)
    assert res.returncode == 2, res
    assert "GITHUB_TOKEN" in res.err and "GH_TOKEN" in res.err
    assert github.requests == []


def test_gh_token_is_used_when_github_token_is_unset(github):
    res = post(github, token=None, env={"GH_TOKEN": TOKEN})
    assert res.returncode == 0, res
    assert github.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_bad_marker_and_mode_are_usage_errors(github):
    for args in (["--marker", "ci -->"], ["--marker", "k" * 65], ["--mode", "upsert"],
                 ["--max-wait", "-1"], ["--issue", "0"], ["--repo", "octo"]):
        res = post(github, *args)
        assert res.returncode == 2, (args, res)
    assert github.requests == []


def test_unreadable_body_file(github, tmp_path):
    res = post(github, tmp_path / "missing.md")
    assert res.returncode == 3, res
    assert "missing.md" in res.err
    assert github.requests == []


# ---- --verbose and --dry-run ----

def test_verbose_logs_each_request_without_the_token(github):
    res = post(github, "--marker", "ci", "--verbose")
    assert res.returncode == 0, res
    lines = [l for l in res.err.splitlines() if "(attempt" in l]
    assert lines == [
        f"fixproof: GET {github.url}/user: 200 (attempt 1)",
        f"fixproof: GET {github.url}/repos/{REPO}/issues/5/comments?per_page=100: 200 (attempt 1)",
        f"fixproof: POST {github.url}/repos/{REPO}/issues/5/comments: 201 (attempt 1)",
        f"fixproof: GET {github.url}/repos/{REPO}/issues/5/comments?per_page=100: 200 (attempt 1)",
    ]


def test_dry_run_reads_but_does_not_write(github):
    mine = github.add_comment(REPO, 5, ME, f"{MARK}\nold")
    res = post(github, "--marker", "ci", "--dry-run", "--verbose")
    assert res.returncode == 0, res
    size = len(f"{MARK}\n{REPORT}".encode())
    assert res.out == f"dry-run: PATCH {github.url}/repos/{REPO}/issues/comments/{mine['id']} ({size} bytes)\n"
    assert writes(github) == []
    assert github.comments_on(REPO, 5)[0]["body"] == f"{MARK}\nold"


def test_dry_run_recreate_lists_the_deletes(github):
    a = github.add_comment(REPO, 5, ME, f"{MARK}\none")
    b = github.add_comment(REPO, 5, ME, f"{MARK}\ntwo")
    res = post(github, "--marker", "ci", "--mode", "recreate", "--dry-run")
    assert res.returncode == 0, res
    size = len(f"{MARK}\n{REPORT}".encode())
    assert res.out.splitlines() == [
        f"dry-run: DELETE {github.url}/repos/{REPO}/issues/comments/{a['id']}",
        f"dry-run: DELETE {github.url}/repos/{REPO}/issues/comments/{b['id']}",
        f"dry-run: POST {github.url}/repos/{REPO}/issues/5/comments ({size} bytes)"]
    assert writes(github) == []


def test_dry_run_without_token_sends_nothing(github):
    res = post(github, "--marker", "ci", "--dry-run", token=None)
    assert res.returncode == 0, res
    size = len(f"{MARK}\n{REPORT}".encode())
    base = f"{github.url}/repos/{REPO}/issues"
    assert res.out.splitlines() == [
        f"dry-run: GET {github.url}/user",
        f"dry-run: GET {base}/5/comments?per_page=100 (and every further page)",
        f"dry-run: PATCH {base}/comments/{{id}} ({size} bytes) (if our marked comment exists, else the POST below)",
        f"dry-run: POST {base}/5/comments ({size} bytes)"]
    assert github.requests == []


# ---- where the target comes from ----

def write_event(tmp_path, event):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


@pytest.mark.parametrize("event, ref, issue", [
    ({"action": "synchronize", "number": 7, "pull_request": {"number": 7, "head": {"sha": "abc"}},
      "repository": {"full_name": REPO}}, "refs/pull/7/merge", 7),
    ({"action": "created", "issue": {"number": 5, "title": "concurrent tests fail"},
      "comment": {"id": 1}}, "refs/heads/main", 5),
    # A pull_request_target event: GITHUB_REF is the base branch, the event has the number.
    ({"action": "opened", "pull_request": {"number": 7}}, "refs/heads/main", 7),
    # Neither number in the event: GITHUB_REF refs/pull/N/merge still tells.
    ({"ref": "x"}, "refs/pull/7/merge", 7),
], ids=["pull_request", "issue_comment", "pull_request_target", "github_ref"])
def test_target_from_the_actions_environment(github, tmp_path, event, ref, issue):
    res = post(github, "--marker", "ci", target=False,
               env={"GITHUB_REPOSITORY": REPO, "GITHUB_REF": ref,
                    "GITHUB_EVENT_PATH": write_event(tmp_path, event)})
    assert res.returncode == 0, res
    assert len(marked(github, issue=issue)) == 1
    assert github.comments_on(REPO, 12 - issue) == []


def test_no_number_anywhere_is_a_usage_error(github, tmp_path):
    res = post(github, target=False,
               env={"GITHUB_REPOSITORY": REPO, "GITHUB_REF": "refs/heads/main",
                    "GITHUB_EVENT_PATH": write_event(tmp_path, {"ref": "refs/heads/main"})})
    assert res.returncode == 2, res
    assert "give --issue N" in res.err and "refs/heads/main" in res.err
    assert github.requests == []


def test_missing_event_file_is_reported(github, tmp_path):
    missing = tmp_path / "no-such-event.json"
    res = post(github, target=False,
               env={"GITHUB_REPOSITORY": REPO, "GITHUB_REF": "refs/pull/7/merge",
                    "GITHUB_EVENT_PATH": str(missing)})
    assert res.returncode == 3, res
    assert res.err == (f"fixproof: cannot read the event file GITHUB_EVENT_PATH '{missing}': "
                       "No such file or directory\n")
    assert github.requests == []


def test_event_file_that_is_not_json_is_reported(github, tmp_path):
    path = tmp_path / "event.json"
    path.write_text('{"pull_request": {"number": 7')
    res = post(github, target=False, env={"GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": str(path)})
    assert res.returncode == 3, res
    assert f"the event file GITHUB_EVENT_PATH '{path}' is not JSON" in res.err
    assert github.requests == []


def test_enterprise_base_url(github):
    for i in range(120):
        github.add_comment(REPO, 5, "octocat", f"comment {i}")
    github.add_comment(REPO, 5, ME, f"{MARK}\nold")
    res = post(github, "--marker", "ci", env={"GITHUB_API_URL": f"{github.url}/api/v3/"})
    assert res.returncode == 0, res
    paths = [r.path for r in github.requests]
    assert paths[:3] == ["/api/v3/user", f"/api/v3/repos/{REPO}/issues/5/comments?per_page=100",
                         "/api/v3/repositories/1000/issues/5/comments?per_page=100&page=2"]
    assert all(p.startswith("/api/v3/") and "//" not in p for p in paths)
    assert [r.method for r in writes(github)] == ["PATCH"]
