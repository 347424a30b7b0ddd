/*
 * ctrf.h - a run written as a CTRF report (Common Test Report Format, the
 * JSON the newer CI test reporters read; https://ctrf.io). The reader is
 * fp_ctrf_parse in parse.h.
 */
#ifndef FIXPROOF_CTRF_H
#define FIXPROOF_CTRF_H

#include <stdio.h>

#include "fixproof/model.h"

/* The CTRF specification version written (the `ctrf` npm package's). */
#define FP_CTRF_SPEC_VERSION "0.0.0"

/*
 * Writes `run` (finished and classified) to `f` as a CTRF report, valid
 * against the CTRF JSON schema, streaming one test at a time. Each test
 * gets CTRF's status (an error is "failed" and a test that was collected
 * but never ran is "other", with fixproof's own name in rawStatus), its
 * duration in milliseconds, suite, filePath, line, message and trace, and
 * `flaky` with one retry when its reruns disagreed. What CTRF has no place
 * for is kept under "extra": per test the node id, JUnit classname and
 * name, status, phase, category, cause, the rule that decided it, the
 * exception type and whether collect-only output listed it; for the run
 * the collection figures and the inputs with their sha256. fp_ctrf_parse
 * reads all of it back. The run is borrowed. Returns 0 or FP_EIO.
 */
int fp_ctrf_write(const fp_run *run, FILE *f);

#endif
