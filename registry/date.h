/* date: calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian), so that
 * comparisons and "N days later" are plain integer arithmetic. */
#ifndef SUBREG_DATE_H
#define SUBREG_DATE_H
#include <stdint.h>

#define DATE_NONE (-2147483647 - 1) /* "no date": compares below every real date */

/* Parse exactly "YYYY-MM-DD" with a real calendar day (2023-02-30 fails).
 * Returns 0 and sets *out, or -1 and leaves *out alone. */
int date_parse(const char *s, int *out);
/* Write "YYYY-MM-DD" into out (11 bytes); "" for DATE_NONE. Returns out. */
char *date_format(int day, char out[11]);
/* Write seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (21 bytes).
 * Returns out. */
char *date_format_time(int64_t t, char out[21]);
/* Today in UTC, or the date in the environment variable SUBREG_TODAY (YYYY-MM-DD) when
 * set: tests and reproducible reports pin "today" with it. */
int date_today(void);
/* The same day of the month, months later (negative: earlier), clamped to the month's
 * last day (2024-01-31 + 1 month = 2024-02-29). */
int date_add_months(int day, int months);
/* Day number from year, month (1-12) and day of month; no range check. */
int date_from_ymd(int y, int m, int d);
/* Milliseconds and microseconds of the monotonic clock (CLOCK_MONOTONIC): for deadlines and
 * durations, never for dates. */
long date_mono_ms(void);
uint64_t date_mono_us(void);
#endif
