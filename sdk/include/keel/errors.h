/**
 * @file keel/errors.h
 * @brief Error codes the kernel returns to user code.
 *
 * Shared by the kernel and the SDK: the kernel includes this header, so the
 * numbers are the ABI.
 */
#pragma once

/** What a system call or kernel-object invocation reports. */
enum keel_error {
    KEEL_OK = 0,            /**< success */
    KEEL_E_INVALID = 1,     /**< an argument is malformed or out of range */
    KEEL_E_CAP = 2,         /**< no valid capability at that slot, or wrong type */
    KEEL_E_RIGHTS = 3,      /**< the capability lacks a needed right */
    KEEL_E_TIMEOUT = 4,     /**< the timeout expired before the partner was ready */
    KEEL_E_PARTNER = 5,     /**< the partner died or was destroyed */
    KEEL_E_TOO_LONG = 6,    /**< the message does not fit the receiver */
    KEEL_E_QUOTA = 7,       /**< out of kernel-memory quota */
    KEEL_E_NOSYS = 8,       /**< no such system call or operation */
    KEEL_E_FAULT = 9,       /**< a user buffer is not mapped with the needed rights */
    KEEL_E_DEADLOCK = 10,   /**< the operation could never complete: a blocking send or
                                 call through a gate bound to the calling thread itself */
    KEEL_E_WINDOW = 11,     /**< a map or grant item reached a receiver with no receive
                                 window (or a malformed one): nothing was delivered */
    KEEL_E_BUSY = 12,       /**< the resource is taken (an interrupt line another IRQ
                                 capability already names) */
    KEEL_E_REVOKED = 13,    /**< the capability was revoked (the slot stays marked so
                                 until it is reused or deleted), or the object a blocked
                                 thread waited on was destroyed (its last capability went) */
};
