/*
 * The input of fuzz_pipeline, shared with pipeline_seeds, which writes its
 * seeds:
 *
 *   byte 0   PIPELINE_* flags: the output style and stop conditions
 *   byte 1   --data-chars
 *   byte 2   --protocol bits (1 << enum protocol); 0: every protocol
 *   then records, to the end of the input: a 2-byte little-endian length n,
 *   then n bytes, one raw perf sample as the kernel submits it. n = 0 ends
 *   a poll round (session_flush). A last record cut short by the end of the
 *   input is a shorter sample.
 *
 * Each input runs twice, once human and once --json.
 */
#ifndef ST_PIPELINE_INPUT_H
#define ST_PIPELINE_INPUT_H

#define PIPELINE_HEX 0x01            /* -x */
#define PIPELINE_JSON_B64 0x02       /* --json-b64 (the JSON run only) */
#define PIPELINE_EXCHANGES_ONLY 0x04 /* --exchanges-only */
#define PIPELINE_MAX_EVENTS 0x08     /* -n PIPELINE_MAX_EVENTS_N */
#define PIPELINE_MAX_EVENTS_N 5

#define PIPELINE_HEADER_SIZE 3
#define PIPELINE_LENGTH_SIZE 2

#endif
