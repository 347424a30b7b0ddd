/* test_capture.c - pytest detection, version parsing, and the provenance
 * record: its JSON round trip and the rows a report shows of it. */
#include "unit.h"

#include <sys/stat.h>
#include <unistd.h>

#include "fixproof/capture.h"
#include "fixproof/error.h"
#include "fixproof/provenance.h"

static size_t prefix_of(const char *const *argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	return fp_capture_pytest_prefix(argv, n);
}

static void test_capture_pytest_prefix_names_every_launcher(void **state)
{
	static const char *const bare[] = { "pytest", "-x", NULL };
	static const char *const path[] = { "/usr/local/bin/py.test", NULL };
	static const char *const three[] = { "pytest-3", NULL };
	static const char *const module[] = { "python", "-m", "pytest", "tests", NULL };
	static const char *const module3[] = { "/usr/bin/python3.11", "-m", "pytest", NULL };
	static const char *const flags[] = { "python3", "-X", "dev", "-B", "-m", "pytest", "-q", NULL };
	static const char *const joined[] = { "python3", "-mpytest", NULL };

	(void)state;
	assert_int_equal(prefix_of(bare), 1);
	assert_int_equal(prefix_of(path), 1);
	assert_int_equal(prefix_of(three), 1);
	assert_int_equal(prefix_of(module), 3);
	assert_int_equal(prefix_of(module3), 3);
	assert_int_equal(prefix_of(flags), 6);
	assert_int_equal(prefix_of(joined), 2);
}

static void test_capture_pytest_prefix_refuses_other_commands(void **state)
{
	static const char *const script[] = { "python3", "run_tests.py", NULL };
	static const char *const code[] = { "python3", "-c", "import pytest", NULL };
	static const char *const other_module[] = { "python3", "-m", "unittest", NULL };
	static const char *const lookalike[] = { "pytestify", NULL };
	static const char *const pythonic[] = { "pythonista", "-m", "pytest", NULL };
	static const char *const make[] = { "make", "test", NULL };
	static const char *const none[] = { NULL };

	(void)state;
	assert_int_equal(prefix_of(script), 0);
	assert_int_equal(prefix_of(code), 0);
	assert_int_equal(prefix_of(other_module), 0);
	assert_int_equal(prefix_of(lookalike), 0);
	assert_int_equal(prefix_of(pythonic), 0);
	assert_int_equal(prefix_of(make), 0);
	assert_int_equal(prefix_of(none), 0);
}

static void test_capture_versions_from_header_and_version_output(void **state)
{
	char *python = NULL, *pytest = NULL;

	(void)state;
	fp_capture_parse_versions("platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0\n",
				  &python, &pytest);
	assert_string_equal(python, "3.11.2");
	assert_string_equal(pytest, "7.2.1");
	free(python);
	free(pytest);
	python = pytest = NULL;
	fp_capture_parse_versions("pytest 8.0.0rc1\n", &python, &pytest);
	fp_capture_parse_versions("Python 3.12.1\n", &python, &pytest);
	assert_string_equal(python, "3.12.1");
	assert_string_equal(pytest, "8.0.0rc1");
	free(python);
	free(pytest);
	python = pytest = NULL;
	fp_capture_parse_versions("/usr/bin/python3: No module named pytest\n", &python, &pytest);
	assert_null(python);
	assert_null(pytest);
}

static void test_capture_repo_url_from_every_remote_form(void **state)
{
	static const char *const cases[][2] = {
		{ "https://github.com/acme/w.git", "https://github.com/acme/w" },
		{ "https://x-access-token:ghs_secret@github.com/acme/w", "https://github.com/acme/w" },
		{ "https://git.example:8443/team/w/", "https://git.example:8443/team/w" },
		{ "git@github.com:acme/w.git", "https://github.com/acme/w" },
		{ "ssh://git@github.com/acme/w", "https://github.com/acme/w" },
		{ "ssh://git@gitlab.example:2222/group/sub/w.git", "https://gitlab.example/group/sub/w" },
		{ "git+ssh://github.com/acme/w.git", "https://github.com/acme/w" },
		{ "git://github.com/acme/w.git", "https://github.com/acme/w" },
		{ "/srv/git/w.git", NULL },
		{ "file:///srv/git/w.git", NULL },
		{ "ssh://github.com", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *url = fp_capture_repo_url(cases[i][0]);

		if (cases[i][1])
			assert_string_equal(url, cases[i][1]);
		else
			assert_null(url);
		free(url);
	}
}

static fp_provenance *sample(void)
{
	fp_provenance *p = fp_provenance_new();

	p->argc = 3;
	p->argv = calloc(4, sizeof(char *));
	p->argv[0] = fp_xstrdup("python3");
	p->argv[1] = fp_xstrdup("-m");
	p->argv[2] = fp_xstrdup("pytest");
	p->label = fp_xstrdup("base");
	p->runner = fp_xstrdup("pytest");
	p->cwd = fp_xstrdup("pkg");
	p->exit_status = 1;
	p->start = fp_xstrdup("2026-12-01T23:59:00Z");
	p->duration = 2.5;
	p->commit = fp_xstrdup("0123456789abcdef0123456789abcdef01234567");
	p->branch = fp_xstrdup("main");
	p->dirty = 1;
	p->ndirty = 1;
	p->dirty_paths = calloc(1, sizeof(char *));
	p->dirty_paths[0] = fp_xstrdup("pkg/a.py");
	p->dirty_more = 2;
	p->repo_url = fp_xstrdup("https://github.com/o/n");
	p->python_version = fp_xstrdup("3.11.2");
	p->pytest_version = fp_xstrdup("7.2.1");
	p->ci_run_url = fp_xstrdup("https://github.com/o/n/actions/runs/42");
	p->ci_run_attempt = fp_xstrdup("2");
	p->nresults = 1;
	p->results = calloc(1, sizeof(char *));
	p->results[0] = fp_xstrdup("junit.xml");
	return p;
}

/* `p` written as provenance.json to a new directory, and read back. */
static fp_provenance *written_and_read(const fp_provenance *p)
{
	char dir[] = "/tmp/fixproof-unit-XXXXXX";
	fp_provenance *back = NULL;
	fp_buf json = FP_BUF_INIT, path = FP_BUF_INIT;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	fp_provenance_to_json(&json, p);
	fp_buf_printf(&path, "%s/%s", dir, FP_PROVENANCE_FILE);
	assert_non_null(f = fopen(path.ptr, "w"));
	fwrite(json.ptr, 1, json.len, f);
	fclose(f);
	assert_int_equal(fp_provenance_load(&back, dir), 0);
	unlink(path.ptr);
	rmdir(dir);
	fp_buf_free(&json);
	fp_buf_free(&path);
	return back;
}

static void test_provenance_json_round_trip(void **state)
{
	fp_provenance *p = sample(), *back;

	(void)state;
	back = written_and_read(p);
	assert_int_equal(back->argc, 3);
	assert_string_equal(back->argv[2], "pytest");
	assert_string_equal(back->cwd, "pkg");
	assert_int_equal(back->exit_status, 1);
	assert_null(back->signal);
	assert_string_equal(back->commit, p->commit);
	assert_int_equal(back->dirty, 1);
	assert_int_equal(back->ndirty, 1);
	assert_int_equal(back->dirty_more, 2);
	assert_string_equal(back->pytest_version, "7.2.1");
	assert_string_equal(back->ci_run_url, p->ci_run_url);
	assert_true(back->duration == 2.5);
	assert_string_equal(back->results[0], "junit.xml");
	assert_int_equal(back->ntests_copied, 0);
	assert_null(back->tests_from);
	fp_provenance_free(back);
	fp_provenance_free(p);
}

static void test_provenance_load_refuses_other_json(void **state)
{
	char dir[] = "/tmp/fixproof-unit-XXXXXX";
	fp_provenance *p = NULL;
	fp_buf path = FP_BUF_INIT;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(fp_provenance_load(&p, dir), FP_ENOTFOUND);
	fp_buf_printf(&path, "%s/%s", dir, FP_PROVENANCE_FILE);
	f = fopen(path.ptr, "w");
	fputs("{\"schema\": \"fixproof.rules/1\"}", f);
	fclose(f);
	assert_int_equal(fp_provenance_load(&p, dir), FP_EINPUT);
	assert_non_null(strstr(fp_error_message(), "not a fixproof.provenance/1 record"));
	assert_null(p);
	unlink(path.ptr);
	rmdir(dir);
	fp_buf_free(&path);
}

static const cJSON *row(const cJSON *view, const char *name)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(view, "rows"))
		if (strcmp(cJSON_GetObjectItem(r, "name")->valuestring, name) == 0)
			return r;
	return NULL;
}

static const char *cell(const cJSON *view, const char *name, const char *side)
{
	const cJSON *r = row(view, name);

	return r ? cJSON_GetObjectItem(r, side)->valuestring : NULL;
}

static void test_provenance_view_links_commits_and_marks_unknown_sides(void **state)
{
	fp_provenance *p = sample();
	cJSON *view;

	(void)state;
	view = fp_provenance_view(p, NULL);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(view, "any")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(view, "after")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(view, "before"), "commit_short")
				    ->valuestring, "0123456");
	assert_string_equal(cell(view, "Commit", "before_md"),
			    "[`0123456`](https://github.com/o/n/commit/"
			    "0123456789abcdef0123456789abcdef01234567) on `main`, with uncommitted "
			    "changes (3 paths)");
	assert_string_equal(cell(view, "Commit", "after_md"), "not recorded");
	assert_string_equal(cell(view, "Command", "before_md"), "`python3 -m pytest`");
	assert_string_equal(cell(view, "Ended", "before_md"), "exit status 1");
	assert_string_equal(cell(view, "Versions", "before_md"), "Python 3.11.2, pytest 7.2.1");
	assert_string_equal(cell(view, "CI run", "before_md"),
			    "[GitHub Actions run](https://github.com/o/n/actions/runs/42), attempt 2");
	assert_null(row(view, "Host")); /* neither side knows it */
	cJSON_Delete(view);
	fp_provenance_free(p);
}

/* prove --tests: the run before names the fix's tests it ran, and from
 * where; only other changes count as uncommitted. */
static void test_provenance_view_names_the_tests_copied_in(void **state)
{
	fp_provenance *p = sample(), *back;
	cJSON *view;

	(void)state;
	p->tests_copied = calloc(3, sizeof(char *));
	p->tests_copied[0] = fp_xstrdup("tests");
	p->tests_copied[1] = fp_xstrdup("conftest.py");
	p->ntests_copied = 2;
	p->tests_from = fp_xstrdup("89abcdef0123456789abcdef0123456789abcdef");
	back = written_and_read(p);
	assert_int_equal(back->ntests_copied, 2);
	assert_string_equal(back->tests_copied[1], "conftest.py");
	assert_string_equal(back->tests_from, p->tests_from);
	view = fp_provenance_view(back, NULL);
	assert_string_equal(cell(view, "Commit", "before_md"),
			    "[`0123456`](https://github.com/o/n/commit/"
			    "0123456789abcdef0123456789abcdef01234567) on `main`, with the fix's tests "
			    "(`tests`, `conftest.py`) from `89abcde`, with other uncommitted changes "
			    "(3 paths)");
	cJSON_Delete(view);
	/* From the working tree (no --head), and nothing else changed. */
	free(back->tests_from);
	back->tests_from = NULL;
	back->dirty = 0;
	view = fp_provenance_view(back, NULL);
	assert_string_equal(cell(view, "Commit", "before_md"),
			    "[`0123456`](https://github.com/o/n/commit/"
			    "0123456789abcdef0123456789abcdef01234567) on `main`, with the fix's tests "
			    "(`tests`, `conftest.py`) from the working tree");
	cJSON_Delete(view);
	fp_provenance_free(back);
	fp_provenance_free(p);
}

static void test_provenance_view_never_links_an_unsafe_url(void **state)
{
	fp_provenance *p = sample();
	cJSON *view;

	(void)state;
	free(p->repo_url);
	p->repo_url = fp_xstrdup("https://evil.example/x)[y](javascript:alert(1)");
	free(p->ci_run_url);
	p->ci_run_url = fp_xstrdup("javascript:alert(1)");
	view = fp_provenance_view(p, p);
	assert_string_equal(cell(view, "Commit", "before_md"),
			    "`0123456` on `main`, with uncommitted changes (3 paths)");
	assert_null(row(view, "CI run"));
	cJSON_Delete(view);
	fp_provenance_free(p);
}

static void test_provenance_view_counts_repeated_runs(void **state)
{
	fp_provenance *b = fp_provenance_new(), *a = fp_provenance_new();
	const cJSON *md;
	cJSON *view;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fp_provenance_count_add(b, "t.py::test_fix", 0, 1);
		fp_provenance_count_add(b, "t.py::test_ok", 1, 0);
		fp_provenance_count_add(a, "t.py::test_fix", 1, 0);
		fp_provenance_count_add(a, "t.py::test_ok", 1, 0);
		fp_provenance_count_add(a, "t.py::test_flaky", i != 1, i == 1);
	}
	fp_provenance_counts_finish(b);
	fp_provenance_counts_finish(a);
	assert_int_equal(a->ncounts, 3);
	view = fp_provenance_view(b, a);
	md = cJSON_GetObjectItem(view, "tests_md");
	assert_string_equal(md->valuestring,
			    "- `t.py::test_fix`: failed 3/3 before, passed 3/3 after\n"
			    "- `t.py::test_flaky`: not run before, passed 2/3 after\n");
	cJSON_Delete(view);
	fp_provenance_free(b);
	fp_provenance_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_pytest_prefix_names_every_launcher),
		cmocka_unit_test(test_capture_pytest_prefix_refuses_other_commands),
		cmocka_unit_test(test_capture_repo_url_from_every_remote_form),
		cmocka_unit_test(test_capture_versions_from_header_and_version_output),
		cmocka_unit_test(test_provenance_json_round_trip),
		cmocka_unit_test(test_provenance_load_refuses_other_json),
		cmocka_unit_test(test_provenance_view_links_commits_and_marks_unknown_sides),
		cmocka_unit_test(test_provenance_view_names_the_tests_copied_in),
		cmocka_unit_test(test_provenance_view_never_links_an_unsafe_url),
		cmocka_unit_test(test_provenance_view_counts_repeated_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
