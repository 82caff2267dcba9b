/* jansson's reader, telling an allocation failure from bad JSON. jansson 2.14 reports some
 * failed allocations in its lexer as syntax errors ("string or '}' expected near ..."), which
 * would send "not JSON" (exit 3) where the truth is "out of memory" (exit 5). */
#ifndef MPLAN_IO_JSON_READ_H
#define MPLAN_IO_JSON_READ_H

#include <jansson.h>
#include <stdio.h>

/* json_loadb / json_loadf; on NULL, *oom is 1 when an allocation failed while reading. */
json_t *mp_json_loadb(const char *text, size_t len, size_t flags, json_error_t *je, int *oom);
json_t *mp_json_loadf(FILE *fp, size_t flags, json_error_t *je, int *oom);

#endif
