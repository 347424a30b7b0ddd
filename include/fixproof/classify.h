/*
 * classify.h - stage 2: decide why each failure happened.
 *
 * An ordered list of rules; the first that matches a failed or errored test
 * names its category (infrastructure or business_logic) and cause, and the
 * test records the rule's name. The defaults (src/default-rules.json) are
 * compiled into the binary; user rules from a JSON file come first, so a
 * user rule wins over a default. `fixproof rules` prints the effective list.
 *
 * Rule file format (schema "fixproof.rules/1"):
 *
 *   {"schema": "fixproof.rules/1",
 *    "rules": [{"name": "db-down",
 *               "description": "the test database is not running",
 *               "status": ["error", "failed"],
 *               "phase": ["setup"],
 *               "type": "^OperationalError$",
 *               "message": "could not connect",
 *               "trace": "psycopg",
 *               "flags": "i",
 *               "category": "infrastructure",
 *               "cause": "connection"}]}
 *
 * - "name", "category" and "cause" are required; "category" is
 *   "infrastructure" or "business_logic"; "cause" is a word of lower-case
 *   letters, digits and '_' (the default rules show the usual ones).
 * - Instead of "category" and "cause" (giving either with it is an error),
 *   a rule may have "set_phase" ("collection", "setup", "call" or
 *   "teardown"): a failure it matches is moved to that phase, and the rules
 *   after it classify the failure in its new phase.
 * - Every other member is a condition, and a rule matches when all the
 *   conditions it gives hold; a rule with none matches every failure.
 *   "status" is a list of "failed" and "error"; "phase" a list of
 *   "collection", "setup", "call" and "teardown".
 * - "type", "message" and "trace" are PCRE2 regular expressions, compiled
 *   in UTF-8 mode (PCRE2_UTF, and PCRE2_MATCH_INVALID_UTF: invalid UTF-8 in
 *   a text matches nothing but does not stop the search) and searched
 *   anywhere in the text unless anchored. "flags": "i" makes all three
 *   ignore case. A "type" or "message" pattern sees the whole text
 *   (PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY: '.' matches a line end, '$' is the
 *   very end). A "trace" pattern sees a bounded window of the trace, line by
 *   line (PCRE2_MULTILINE: '^' and '$' match at every line, '.' stops at a
 *   line end): its first FP_TRACE_HEAD and its last FP_TRACE_TAIL bytes, cut
 *   at line ends, are searched separately. Runners put the line that
 *   matters at one end (Java and JavaScript name the exception first,
 *   pytest's `E` lines come last), and scanning every byte of a hundred
 *   thousand 16 KB traces for every rule would cost seconds.
 * - Bounds: a pattern of at most 4,096 bytes, parentheses nested at most 64
 *   deep, within PCRE2's compiled-size limit, and no \C; a search stops at
 *   PCRE2's match, depth and heap limits and then counts as no match.
 *   Patterns are JIT-compiled unless FIXPROOF_PCRE2_JIT=0.
 * - "description" says what the rule is for; "origin" is ignored on input
 *   (so the output of `fixproof rules` can be fed back). Any other member
 *   is an error, as is a file over FP_RULES_MAX_BYTES or with more than
 *   FP_RULES_MAX rules.
 *
 * The defaults end with catch-alls, so every failed or errored test gets a
 * category: pytest writes an <error> only for a failure outside the test
 * function (collection, setup, teardown), which the JUnit reader turns
 * into that phase, so those phases are infrastructure; any other failure
 * that no rule explains (an exception raised in the call phase, also a
 * JUnit <error>, which Java and unittest runners write for an unexpected
 * exception in the test body) is business_logic "exception".
 */
#ifndef FIXPROOF_CLASSIFY_H
#define FIXPROOF_CLASSIFY_H

#include <stddef.h>
#include <stdio.h>

#include "fixproof/model.h"

#define FP_RULES_MAX_BYTES (1u << 20) /* size of a rules file */
#define FP_RULES_MAX 1000             /* rules in one file */
#define FP_TRACE_HEAD 2048            /* bytes of a trace's start searched */
#define FP_TRACE_TAIL 2048            /* bytes of a trace's end searched */

typedef struct fp_rules fp_rules;

/*
 * The built-in rules, with origin "default". Free with fp_rules_free.
 * Fails only if the embedded rules are broken (a build error).
 */
int fp_rules_default(fp_rules **out);

/*
 * An empty list of rules, for tests and fuzzers that load their own. Free
 * with fp_rules_free. fp_classify_run needs a last rule that matches every
 * failure, as the defaults have; load one before classifying.
 */
fp_rules *fp_rules_new(void);

/*
 * Reads user rules from `path` and puts them before the rules already in
 * `rules`, with `path` as their origin. Errors name the file and the rule:
 * "cannot load rules 'r.json': rule 3 ('db'): bad regex in 'message' at
 * offset 9: missing closing parenthesis" (PCRE2's message). On error
 * `rules` is unchanged.
 */
int fp_rules_load_file(fp_rules *rules, const char *path);

/* Same, from a JSON text of `len` bytes in memory (tests and fuzzers);
 * `origin` names it in messages and output. */
int fp_rules_load_json(fp_rules *rules, const char *origin, const char *json, size_t len);

/* Frees the rules; fp_rules_free(NULL) does nothing. */
void fp_rules_free(fp_rules *rules);

/* The number of rules, user rules included. */
size_t fp_rules_count(const fp_rules *rules);

/*
 * Writes the effective rules, in the order they are tried, as JSON
 * (schema "fixproof.rules/1"), each with its "origin": "default" or the
 * path of the file it came from. Returns 0, or FP_EIO when writing fails.
 */
int fp_rules_write_json(const fp_rules *rules, FILE *f);

/*
 * Classifies every failed or errored test of `run`: sets category, cause
 * and rule (strings in the run's arena, so they outlive `rules`), and the
 * exception type when it was unknown and can be read from the message or
 * the trace ("AssertionError", "requests.exceptions.ConnectionError").
 * Passed, skipped and not-run tests get no category, cause or rule. Then
 * counts the categories (fp_run_count_categories). `rules` is only read:
 * one list may classify several runs on several threads at once (the two
 * sides of a diff are classified so); `run` is written, one thread each.
 */
void fp_classify_run(fp_run *run, const fp_rules *rules);

#endif
