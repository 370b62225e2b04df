/* test_textdist.c - edit distance and "close enough" for suggestions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "flipdns/util/textdist.h"

static const struct {
	const char *a, *b;
	size_t want;
} distances[] = {
	{"", "", 0},
	{"", "abc", 3},
	{"abc", "", 3},
	{"switch", "switch", 0},
	{"swtich", "switch", 1},      /* two neighbours swapped */
	{"gruop", "group", 1},
	{"delte", "delete", 1},       /* one left out */
	{"deletee", "delete", 1},     /* one too many */
	{"shwo", "show", 1},
	{"sow", "show", 1},
	{"kitten", "sitting", 3},
	{"ca", "abc", 3},             /* OSA: no edit of a swapped pair */
	{"list", "set", 3},
};

static void
test_distances(void **state)
{
	for (size_t i = 0; i < sizeof(distances) / sizeof(distances[0]); i++) {
		assert_int_equal(fd_text_distance(distances[i].a,
		    distances[i].b), distances[i].want);
		assert_int_equal(fd_text_distance(distances[i].b,
		    distances[i].a), distances[i].want);
	}
}

static void
test_long_words_are_far(void **state)
{
	char big[FD_TEXTDIST_WORD_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(fd_text_distance(big, "a") == FD_TEXTDIST_FAR);
	big[FD_TEXTDIST_WORD_MAX] = '\0';    /* exactly the most compared */
	assert_int_equal(fd_text_distance(big, big), 0);
}

static const struct {
	const char *typed, *word;
	int close;
} closeness[] = {
	{"swtich", "switch", 1},
	{"swich", "switch", 1},
	{"grop", "group", 1},
	{"gropu", "group", 1},
	{"sw", "switch", 0},          /* a prefix is not a typo */
	{"ls", "up", 0},              /* all of it changed */
	{"lst", "list", 1},
	{"lsit", "list", 1},
	{"xyz", "list", 0},
	{"exprot", "export", 1},
	{"improt", "import", 1},
	{"histroy", "history", 1},
	{"stauts", "status", 1},
	{"satus", "status", 1},
	{"stats", "status", 1},
	{"delete", "remove", 0},
};

static void
test_close(void **state)
{
	for (size_t i = 0; i < sizeof(closeness) / sizeof(closeness[0]); i++)
		assert_int_equal(fd_text_close(closeness[i].typed,
		    closeness[i].word), closeness[i].close);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distances),
		cmocka_unit_test(test_long_words_are_far),
		cmocka_unit_test(test_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
