/**
 * @file keel/start.h
 * @brief Program start-up as the SDK's crt0 runs it.
 */
#pragma once

#include <stdint.h>

/** The word the kernel (or the creator of the task) handed to the first
 * thread at start, valid once main() runs. */
extern uintptr_t keel_start_arg;

/** The component's entry point, called by crt0; its return value ends the
 * task with that status. */
int main(void);
