/**
 * @file keel/system.h
 * @brief What a program started by the root task finds: the capability
 *        slots its line of the system description fills.
 *
 * The root task reads the system description (`system.desc` in the boot
 * image, docs/system.md) and starts each program it names in a task of its
 * own.  Every program finds its task, its first thread and its own factory
 * in slots 0-2; the capabilities its line names (`uses=SERVICE`,
 * `cap=irq-control`) follow from slot KEEL_SLOT_GIVEN in the order the line
 * names them, unless the line puts one elsewhere (`uses=SERVICE@SLOT`).
 */
#pragma once

#include <stdint.h>

/** Slots the root task fills in every program it starts. */
enum keel_program_slot {
    KEEL_PROGRAM_TASK = 0,      /**< the program's own task */
    KEEL_PROGRAM_THREAD = 1,    /**< its first thread (main()'s) */
    KEEL_PROGRAM_FACTORY = 2,   /**< its factory: its quota (`quota=` in the description) */
    KEEL_SLOT_GIVEN = 3,        /**< the first capability its description line names */
};

/** Label of the gate the root task makes for the n-th service of a system
 * description (services numbered from 1 in the order their `serves=`
 * lines appear); a server sees it with each message from a client whose
 * copy carries no badge. */
#define KEEL_SERVICE_LABEL(n) (0x9090u + (uint32_t)(n))

/** Most programs one system description names (the root task holds four
 * capabilities for each, and one for each service, in its 64 slots). */
#define KEEL_SYSTEM_PROGRAMS 12

/** Longest program or service name in a system description (bytes,
 * without the terminating NUL). */
#define KEEL_SYSTEM_NAME_MAX 31
