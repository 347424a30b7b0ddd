"""The GitHub Action (action.yml), run the way a runner runs a composite action.

`run_action()` reads action.yml, gives each input its value or default,
evaluates the `${{ }}` expressions the action uses (inputs, step outputs,
github.token, github.action_path, runner.os, runner.arch; any other is an
error, so the action cannot use what this runner does not imitate), and runs
each `run:` step with `bash --noprofile --norc -eo pipefail`, as GitHub does
for `shell: bash`, with the step's env, GITHUB_* variables, an event file,
and fresh GITHUB_OUTPUT, GITHUB_PATH and GITHUB_STEP_SUMMARY files per step.
It stops at the first step that fails, like a runner. `uses:` steps
(actions/cache) are GitHub's own: the cache is imitated by filling the
install prefix or not. `sudo` is a stand-in that records what it is asked
and runs nothing: the build packages are installed on this machine already.
Comments go to the local fake GitHub (fake_github.py).
"""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, SAMPLES, binary
from fake_github import FakeGitHub

TOKEN = "ghs_fixproofActionTestToken0123456789"
REPO = "octo/shop"
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


class Run:
    def __init__(self):
        self.status = 0
        self.outputs = {}
        self.steps = {}       # id -> outputs
        self.ran = []         # step ids (or uses:) in order
        self.stdout = ""
        self.stderr = ""
        self.summary = ""
        self.path = []


def parse_output_file(path):
    """key=value lines and key<<DELIM ... DELIM blocks, as the runner reads them."""
    out, lines = {}, path.read_text().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            j = lines.index(delim, i + 1)
            out[key] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
        i += 1
    return out


def evaluate(text, ctx):
    def one(m):
        expr = m.group(1)
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return ctx["inputs"][parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return ctx["steps"].get(parts[1], {}).get(parts[3], "")
        if expr in ctx["github"]:
            return ctx["github"][expr]
        raise AssertionError(f"action.yml uses an expression this runner does not know: {expr}")
    return EXPR.sub(one, str(text))


def run_action(tmp, inputs, event=None, cached=False, api=None):
    doc = action()
    home, temp, bin_dir = tmp / "home", tmp / "runner-temp", tmp / "fake-bin"
    for d in (home, temp, bin_dir):
        d.mkdir(exist_ok=True)
    sudo_log = tmp / "sudo.log"
    (bin_dir / "sudo").write_text(f'#!/bin/sh\necho "$@" >> "{sudo_log}"\n')
    (bin_dir / "sudo").chmod(0o755)
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event or {}))
    ctx = {"inputs": {}, "steps": {},
           "github": {"github.token": TOKEN, "github.action_path": str(ROOT),
                      "runner.os": "Linux", "runner.arch": "X64"}}
    for name, spec in doc["inputs"].items():
        value = inputs.get(name, spec.get("default", ""))
        ctx["inputs"][name] = evaluate(value, ctx)
    unknown = set(inputs) - set(doc["inputs"])
    assert not unknown, f"no such inputs: {unknown}"
    result = Run()
    summary_all = []
    for n, step in enumerate(doc["runs"]["steps"]):
        sid = step.get("id", f"step{n}")
        if "uses" in step:
            result.ran.append(step["uses"])
            if step["uses"].startswith("actions/cache@") and cached:
                prefix = pathlib.Path(evaluate(step["with"]["path"], ctx))
                (prefix / "bin").mkdir(parents=True, exist_ok=True)
                shutil.copy(binary(), prefix / "bin" / "fixproof")
            continue
        assert step.get("shell") == "bash", f"step {sid} must say shell: bash"
        files = {k: tmp / f"{sid}.{k}" for k in ("output", "path", "summary")}
        for f in files.values():
            f.write_text("")
        script = tmp / f"{sid}.sh"
        script.write_text(evaluate(step["run"], ctx))
        env = {"PATH": os.pathsep.join([str(bin_dir), *result.path, os.environ["PATH"]]),
               "HOME": str(home), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
               "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_REPOSITORY": REPO,
               "GITHUB_EVENT_PATH": str(event_path), "GITHUB_EVENT_NAME": "pull_request",
               "GITHUB_API_URL": api or "http://127.0.0.1:9", "GITHUB_WORKSPACE": str(ROOT),
               "GITHUB_OUTPUT": str(files["output"]), "GITHUB_PATH": str(files["path"]),
               "GITHUB_STEP_SUMMARY": str(files["summary"]), "GITHUB_ACTION_PATH": str(ROOT),
               "FIXPROOF_RETRY_BASE_MS": "10"}
        for k, v in (step.get("env") or {}).items():
            env[k] = evaluate(v, ctx)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        result.ran.append(sid)
        result.stdout += proc.stdout
        result.stderr += proc.stderr
        ctx["steps"][sid] = parse_output_file(files["output"])
        result.path += [p for p in files["path"].read_text().splitlines() if p]
        summary_all.append(files["summary"].read_text())
        if proc.returncode != 0:
            result.status = proc.returncode
            break
    result.steps = ctx["steps"]
    result.summary = "".join(summary_all)
    result.outputs = {k: evaluate(v["value"], ctx) for k, v in doc["outputs"].items()}
    result.sudo = sudo_log.read_text() if sudo_log.exists() else ""
    return result


@pytest.fixture
def github():
    fake = FakeGitHub()
    fake.add_token(TOKEN, "github-actions[bot]", actions=True)
    fake.add_token("ghp_readonly", "reader", read_only=True)
    fake.add_repo(REPO, issues=(12,))
    fake.start()
    yield fake
    fake.stop()


PR_EVENT = {"action": "synchronize", "number": 12, "pull_request": {"number": 12}}
PAIR = {"before": f"{SAMPLES}/before/junit.xml {SAMPLES}/before/collect-only.txt",
        "after": f"{SAMPLES}/regressed"}


def makefile_build_debs():
    text = (ROOT / "Makefile").read_text()
    block = re.search(r"^BUILD_DEBS := (.*?)(?<!\\)\n", text, re.M | re.S).group(1)
    return set(block.replace("\\\n", " ").split())


def test_action_on_a_regressing_pull_request(tmp_path, github):
    res = run_action(tmp_path, PAIR, event=PR_EVENT, cached=True, api=github.url)
    # The verdict fails the job (fail-on: regressed), after everything else ran.
    assert res.status == 1, res.stderr
    assert res.ran == ["setup", "actions/cache@v4", "install", "report", "annotate", "post", "verdict"]
    assert res.outputs["verdict"] == "regressed"
    report = pathlib.Path(res.outputs["report-path"])
    assert report.read_text().startswith("### ")
    # The summary is the report (pr-summary, the action's default template).
    assert res.summary.strip() == report.read_text().strip()
    assert "Regressed" in res.summary
    # One comment, marked, by the Actions token, with the report.
    comments = github.comments_on(REPO, 12)
    assert len(comments) == 1 and comments[0]["login"] == "github-actions[bot]"
    assert comments[0]["body"].startswith("<!-- fixproof:fixproof -->")
    assert report.read_text().strip() in comments[0]["body"]
    assert res.outputs["comment-url"] == (f"https://github.com/{REPO}/issues/12"
                                          f"#issuecomment-{comments[0]['id']}")
    # The regression is annotated on its line.
    assert ("::error file=tests/test_inventory.py,line=22,title=tests/test_inventory.py%3A%3A"
            "TestInventory%3A%3ATestReservations%3A%3Atest_reserve_reduces_stock%3A regressed::"
            in res.stdout)
    assert "fixproof 0.1.0: cached" in res.stdout
    assert TOKEN not in res.stdout + res.stderr
    # The build packages are the Makefile's (and make), installed with sudo apt-get.
    installs = [l for l in res.sudo.splitlines() if " install " in l]
    assert len(installs) == 1 and "apt-get install" in installs[0]
    assert makefile_build_debs() <= set(installs[0].split())


def test_action_runs_again_updates_its_comment(tmp_path, github):
    runs = []
    for n in ("1", "2"):
        (tmp_path / n).mkdir()
        runs.append(run_action(tmp_path / n, PAIR, event=PR_EVENT, cached=True, api=github.url))
    first, second = runs
    assert len(github.comments_on(REPO, 12)) == 1
    assert first.outputs["comment-url"] == second.outputs["comment-url"]


def test_action_resolved_on_a_push_builds_and_posts_nothing(tmp_path, github):
    inputs = {"before": f"{SAMPLES}/before", "after": f"{SAMPLES}/resolved",
              "target": "TestConcurrentUsers\ntest_concurrent_login\n",
              "template": "proof", "fail-on": "unresolved", "annotate": "false"}
    res = run_action(tmp_path, inputs, event={"ref": "refs/heads/main"}, cached=False,
                     api=github.url)
    assert res.status == 0, res.stdout + res.stderr
    assert res.outputs["verdict"] == "resolved"
    assert res.outputs["comment-url"] == ""
    assert "nothing to post" in res.stdout
    assert github.comments_on(REPO, 12) == []
    assert "::error" not in res.stdout and "::warning" not in res.stdout
    assert "Proof of resolution" in res.summary
    # Not cached: built and installed from the action's checkout, man page included.
    prefix = pathlib.Path(res.steps["setup"]["prefix"])
    assert (prefix / "bin" / "fixproof").is_file()
    assert (prefix / "share" / "man" / "man1" / "fixproof.1").is_file()
    assert str(prefix / "bin") in res.path


def test_action_post_refused_is_a_warning_and_the_verdict_decides(tmp_path, github):
    inputs = dict(PAIR, **{"github-token": "ghp_readonly", "fail-on": "never"})
    res = run_action(tmp_path, inputs, event=PR_EVENT, cached=True, api=github.url)
    assert res.status == 0, res.stdout + res.stderr
    assert res.outputs["verdict"] == "regressed"
    assert res.outputs["comment-url"] == ""
    assert "::warning title=fixproof::the report could not be posted to #12" in res.stdout
    assert github.comments_on(REPO, 12) == []


def test_action_bad_input_fails_at_the_report(tmp_path, github):
    res = run_action(tmp_path, {"before": str(tmp_path / "missing.xml"), "after": f"{SAMPLES}/after"},
                     event=PR_EVENT, cached=True, api=github.url)
    assert res.status == 3
    assert res.ran[-1] == "report"
    assert "missing.xml" in res.stderr
    assert res.outputs["verdict"] == ""
