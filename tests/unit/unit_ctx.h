/* The elfcore context a unit test program shares across its tests: made by
 * the group setup, freed by the group teardown
 * (cmocka_run_group_tests(tests, setup, teardown)). Include once, in the test
 * program's .c file, after <cmocka.h>. */
#ifndef TESTS_UNIT_CTX_H
#define TESTS_UNIT_CTX_H

#include "elfcore/context.h"

static struct elfcore_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	ctx = elfcore_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	elfcore_ctx_free(ctx);
	return 0;
}

#endif
