/* Boot-time self-tests, selected with "selftest" on the command line. */
#pragma once

#include <bootinfo.h>

/* Run every check, print one line each and a summary; returns failures. */
uint32_t selftest_run(const struct boot_desc *d);
