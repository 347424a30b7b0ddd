/*
 * classify.h - stage 2: decide why each failure happened.
 *
 * An ordered list of rules; the first that matches a failed or errored test
 * names its category (infrastructure or business_logic) and cause. The
 * defaults are compiled into the binary; user rules from a JSON file come
 * first, so a user rule wins over a default. Rule format:
 *
 *   {"rules": [{"name": "db-down", "status": ["error", "failed"],
 *               "phase": ["setup"], "type": "^OperationalError$",
 *               "message": "could not connect", "trace": "psycopg",
 *               "category": "infrastructure", "cause": "connection"}]}
 *
 * `type`, `message` and `trace` are POSIX extended regular expressions; a
 * rule matches when every condition it gives holds.
 */
#ifndef FIXPROOF_CLASSIFY_H
#define FIXPROOF_CLASSIFY_H

#include <stdio.h>

#include "fixproof/model.h"

typedef struct fp_rules fp_rules;

/* The built-in rules. Free with fp_rules_free. */
int fp_rules_default(fp_rules **out);

/*
 * Reads user rules from `path` and puts them before the rules already in
 * `rules`. Errors name the file and the rule: "cannot load rules
 * 'r.json': rule 3 ('db'): bad regex in 'message': ...".
 */
int fp_rules_load_file(fp_rules *rules, const char *path);

/* Same, from a JSON text in memory (for tests and fuzzers). */
int fp_rules_load_json(fp_rules *rules, const char *origin, const char *json, size_t len);

void fp_rules_free(fp_rules *rules);

/* Writes the effective rules, in order, as JSON (schema "fixproof.rules/1"). */
int fp_rules_write_json(const fp_rules *rules, FILE *f);

/*
 * Sets type (when it can be read from the message or trace), category,
 * cause and rule on every failed or errored test of `run`, and counts the
 * categories. Passed and skipped tests get none.
 */
void fp_classify_run(fp_run *run, const fp_rules *rules);

#endif
